"""End to end, approvals offline (M12): a real server process and real clients.

The Bavarian dental chamber's requests need the Bavarian coordinator's approval (the demo's
rule). Two coordinators of that office decide from their own replicas; one of them decides
offline while the case changes on the server. Their replicas hold the pending approvals of
their scope and only those; the Hungarian recipient never holds a request withdrawn first.
"""

import uuid

import pytest

from desktop.models import attention, cases
from desktop.models.transport import Offline
from sync_protocol.cases import CaseStatus
from tests import factories
from tests.conftest import make_client


@pytest.fixture
def approvals(live_server, tmp_path):
    made = {name: make_client(live_server.url, name, tmp_path / name)
            for name in ("de.huber", "by.hofmann", "by.schmid", "hu.kovacs")}
    for client in made.values():
        client.sync()
    yield made
    for client in made.values():
        client.close()


def _sent_for_approval(sender):
    case_id = uuid.uuid4().hex
    cases.perform(sender.replica, name="case.create", args=factories.create_args(
        responder="HU-ENKK", case_id=case_id, family_name="Fekete",
        questions=("PQ-GEN-Q01", "PQ-GEN-Q04")))
    cases.perform(sender.replica, name="case.send", args={"case_id": case_id})
    sender.sync()
    assert cases.get_case(sender.replica, case_id).state is CaseStatus.AWAITING_APPROVAL
    return case_id


def _states(client):
    return {row[0]: row[1] for row in client.replica.read("SELECT id, state FROM cases")}


def _refusals(client):
    return [(item["case_id"], item["code"]) for item in client.replica.attention()]


def test_a_decision_taken_offline_on_a_request_withdrawn_meanwhile_is_refused(approvals):
    sender, hofmann, schmid, hungary = (approvals[n] for n in (
        "de.huber", "by.hofmann", "by.schmid", "hu.kovacs"))
    case_id = _sent_for_approval(sender)
    for client in (hofmann, schmid, hungary):
        client.sync()

    # The coordinators' replicas hold the pending approvals of their scope, and only those.
    for coordinator in (hofmann, schmid):
        held = _states(coordinator)
        assert held[case_id] == "awaiting_approval"
        assert set(held.values()) == {"awaiting_approval"}
        for other in held:
            assert cases.get_case(coordinator.replica, other).requester_authority_id in {
                "DE-BLZK"}
        assert coordinator.replica.read(
            "SELECT folder FROM case_list WHERE id = ?", (case_id,)) == [("approvals",)]
    assert case_id not in _states(hungary)

    # Offline, Hofmann approves: the step is queued, and shown at once.
    hofmann.go_offline()
    cases.perform(hofmann.replica, name="case.approve", args={"case_id": case_id})
    with pytest.raises(Offline):
        hofmann.sync()
    assert cases.get_case(hofmann.replica, case_id).state is CaseStatus.SENT
    # Meanwhile the sender withdraws.
    cases.perform(sender.replica, name="case.withdraw", args={
        "case_id": case_id, "reason": {"text": "Zurückgezogen.", "lang": "de"}})
    sender.sync()

    hofmann.go_online()
    report = hofmann.sync()

    assert [(r.code, r.status) for r in report.refused] == [("approval_withdrawn", "rejected")]
    assert _refusals(hofmann) == [(case_id, "approval_withdrawn")]
    assert case_id not in _states(hofmann)  # it left the queue with the refusal
    item = hofmann.replica.attention()[0]
    told = attention.describe(item, case=None, question_sets=lambda *_: None,
                              authority_name=lambda _id: None, language="de")
    assert told.person == "FEKETE, Éva"
    hungary.sync()
    assert case_id not in _states(hungary)
    assert hungary.replica.read("SELECT count(*) FROM attention") == [(0,)]
    sender.sync()
    assert cases.get_case(sender.replica, case_id).state is CaseStatus.WITHDRAWN
    schmid.sync()
    assert case_id not in _states(schmid)


def test_a_decision_taken_offline_after_another_coordinator_decided_is_refused(approvals):
    sender, hofmann, schmid, hungary = (approvals[n] for n in (
        "de.huber", "by.hofmann", "by.schmid", "hu.kovacs"))
    case_id = _sent_for_approval(sender)
    hofmann.sync()
    schmid.sync()

    hofmann.go_offline()
    cases.perform(hofmann.replica, name="case.refuse", args={
        "case_id": case_id, "reason": {"text": "Rechtsgrundlage fehlt", "lang": "de"}})
    cases.perform(schmid.replica, name="case.approve", args={"case_id": case_id})
    schmid.sync()
    hofmann.go_online()
    report = hofmann.sync()

    assert [r.code for r in report.refused] == ["approval_already_decided"]
    assert report.refused[0].params == {"decision": "approve", "user": "Tobias Schmid"}
    assert case_id not in _states(hofmann) and case_id not in _states(schmid)
    hungary.sync()
    assert cases.get_case(hungary.replica, case_id).state is CaseStatus.SENT
    sender.sync()
    assert cases.get_case(sender.replica, case_id).state is CaseStatus.SENT
