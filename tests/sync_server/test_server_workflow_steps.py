"""Issue 9 item 1 on the server: forward, split, further information, escalation and
allocation through the API, with what only the server checks (the new responder exists and is
competent, the handler allocated to belongs to the authority, the responsible coordinator) and
what each side then pulls (revocations included). SQLite and PostgreSQL."""

import datetime as dt

import pytest
from factories import PASSWORD, Peer, answer_args, create_args, new_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol.cases import CaseRecord
from sync_server.cases.models import Case, CaseParticipant
from sync_server.directory.models import Authority
from sync_server.directory.service import add_authority, add_user
from sync_server.sync import routes as sync_routes
from sync_server.sync.sequence import SequenceLock

REASON = {"text": "Keine Antwort seit Wochen.", "lang": "de"}
TEXT = {"text": "Bitte senden Sie die Urkunde.", "lang": "de"}


def _users(server, *users):
    """Add ``(username, authority, roles, active)`` users; return their ids."""
    ids = {}
    with Session(server.engine) as session, session.begin():
        for username, authority, roles, active in users:
            user = add_user(session, username=username, password=PASSWORD,
                            display_name=f"Name of {username}", authority_id=authority,
                            roles=roles, language="en")
            user.active = active
            ids[username] = user.id
    return ids


def _sent(server, de, hu, **overrides):
    case_id = new_id()
    results = de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               **overrides)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1))
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return case_id


@pytest.fixture
def peers(server):
    de, hu, fr = (server.peer(ms) for ms in ("DE", "HU", "FR"))
    for peer in (de, hu, fr):
        peer.pull_all()
    return de, hu, fr


def _latest(peer):
    return {c["id"]: c for c in peer.pull_all() if c["kind"] == "case"}


def test_a_case_forwarded_after_accepting_leaves_the_forwarder_s_replica(server, peers):
    de, hu, fr = peers
    case_id = _sent(server, de, hu)
    proposed = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=60)
    assert hu.step("case.accept", {"case_id": case_id,
                                   "proposed_answer_by": proposed.isoformat()},
                   base_version=2)["status"] == "applied"
    assert case_id in _latest(hu)

    forwarded = hu.step("case.forward", {"case_id": case_id,
                                         "responder_authority_id": fr.authority_id,
                                         "note": TEXT}, base_version=3)

    assert forwarded["status"] == "applied", forwarded
    assert forwarded["change"] is None  # no longer the forwarder's to see
    gone = _latest(hu)[case_id]
    assert (gone["data"], gone["reason"]) == (None, "revoked")
    received = _latest(fr)[case_id]["data"]
    assert (received["state"], received["responder_authority_id"]) == ("sent",
                                                                      fr.authority_id)
    assert received["proposed_answer_by"] is None
    assert _latest(de)[case_id]["data"]["responder_authority_id"] == fr.authority_id
    assert set(server.rows(select(CaseParticipant.authority_id, CaseParticipant.role)
                           .where(CaseParticipant.case_id == case_id))) == {
        (de.authority_id, "requester"), (fr.authority_id, "responder")}
    # The new responder works the case; the old one is no longer involved.
    assert fr.step("case.accept", {"case_id": case_id}, base_version=4)["status"] == "applied"
    late = hu.step("case.answer", answer_args(case_id), base_version=3)
    assert (late["status"], late["code"]) == ("rejected", "not_involved")


def test_forwarding_and_splitting_are_refused_where_the_request_cannot_go(server, peers):
    de, hu, _fr = peers
    with Session(server.engine) as session, session.begin():
        add_authority(session, SequenceLock(session).acquire(), {
            "id": "AT-SERV-T", "member_state": "AT", "official_name": "Gewerbebehörde",
            "areas": ["SERV"], "competences": []})
    case_id = _sent(server, de, hu)
    question = create_args(responder="x")["questions"][0]

    for target, code in ((hu.authority_id, "forward_to_itself"),
                         (de.authority_id, "forward_to_requester"),
                         ("XX-NOWHERE", "unknown_authority"), ("AT-SERV-T", "not_competent")):
        forward = hu.step("case.forward", {"case_id": case_id,
                                           "responder_authority_id": target}, base_version=2)
        split = hu.step("case.split", {"case_id": case_id, "new_case_id": new_id(),
                                       "responder_authority_id": target,
                                       "questions": [question]}, base_version=2)
        for result in (forward, split):
            assert (result["status"], result["code"]) == ("rejected", code), result
    assert server.scalar(select(Case.version).where(Case.id == case_id)) == 2
    assert server.count(Case) == 1


def test_a_split_makes_a_linked_case_the_requester_sees_and_the_splitter_does_not(server,
                                                                                 peers):
    de, hu, fr = peers
    other_case = _sent(server, de, hu)
    case_id = _sent(server, de, hu)
    questions = create_args(responder="x")["questions"]
    new_case = new_id()
    taken = hu.step("case.split", {"case_id": case_id, "new_case_id": other_case,
                                   "responder_authority_id": fr.authority_id,
                                   "questions": questions[:1]}, base_version=2)
    assert (taken["status"], taken["code"]) == ("rejected", "already_exists")
    _latest(de), _latest(hu)

    split = hu.step("case.split", {"case_id": case_id, "new_case_id": new_case,
                                   "responder_authority_id": fr.authority_id,
                                   "questions": questions[:1]}, base_version=2)

    assert split["status"] == "applied", split
    assert split["change"]["data"]["questions"] == questions[1:]
    requester = _latest(de)
    assert set(requester) == {case_id, new_case}
    assert requester[case_id]["data"]["links"] == [{"case_id": new_case, "kind": "split_into"}]
    linked = requester[new_case]["data"]
    assert linked["links"] == [{"case_id": case_id, "kind": "split_from"}]
    assert (linked["state"], linked["questions"], linked["responder_authority_id"]) == (
        "sent", questions[:1], fr.authority_id)
    assert set(_latest(hu)) == {case_id}
    assert set(_latest(fr)) == {new_case}
    stored = server.scalar(select(Case).where(Case.id == new_case))
    assert (stored.state, stored.version) == ("sent", 1)
    # The new case is a request like any: its responder accepts it.
    assert fr.step("case.accept", {"case_id": new_case}, base_version=1)["status"] == "applied"


def test_two_rounds_of_further_information_then_an_answer(server, peers):
    de, hu, _fr = peers
    case_id = _sent(server, de, hu)
    version = 2
    for asking, giving in ((hu, de), (de, hu)):
        assert asking.step("case.ask_info", {"case_id": case_id, "text": TEXT},
                           base_version=version)["status"] == "applied"
        twice = asking.step("case.ask_info", {"case_id": case_id, "text": TEXT},
                            base_version=version + 1)
        assert (twice["status"], twice["code"]) == ("rejected", "info_already_requested")
        given = giving.step("case.give_info", {"case_id": case_id, "text": TEXT},
                            base_version=version + 1)
        assert given["status"] == "applied", given
        version += 2
    record = _latest(de)[case_id]["data"]
    assert [(m["kind"], m["authority_id"]) for m in record["messages"]] == [
        ("info_request", hu.authority_id), ("info_reply", de.authority_id),
        ("info_request", de.authority_id), ("info_reply", hu.authority_id)]
    assert record["messages"][0]["user_name"] == "HU Handler"
    assert hu.step("case.accept", {"case_id": case_id}, base_version=version)["status"] == \
        "applied"


def test_withdrawing_needs_a_reason_once_sent(server, peers):
    de, hu, _fr = peers
    case_id = _sent(server, de, hu)

    bare = de.step("case.withdraw", {"case_id": case_id}, base_version=2)
    reasoned = de.step("case.withdraw", {"case_id": case_id, "reason": REASON}, base_version=2)

    assert (bare["status"], bare["code"]) == ("rejected", "reason_required")
    assert reasoned["status"] == "applied"
    assert _latest(hu)[case_id]["data"]["timeline"][-1]["note"] == REASON


def test_an_inactive_case_is_escalated_to_the_responsible_coordinator(server, peers,
                                                                      monkeypatch):
    de, hu, _fr = peers
    _users(server, ("hu.coord", "nimic-HU", ["coordinator"], True))
    coordinator = Peer.login(server.client, "hu.coord")
    coordinator.pull_all()
    case_id = _sent(server, de, hu)
    early = de.step("case.escalate", {"case_id": case_id, "reason": REASON}, base_version=2)
    assert (early["status"], early["code"]) == ("rejected", "not_inactive")
    assert case_id not in _latest(coordinator)

    # The server's clock moves on: two months and a day without a step.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=62)
    monkeypatch.setattr(sync_routes, "utcnow", lambda: later)
    escalated = de.step("case.escalate", {"case_id": case_id, "reason": REASON},
                        base_version=2)

    assert escalated["status"] == "applied", escalated
    assert escalated["change"]["data"]["escalation"]["coordinator_id"] == "nimic-HU"
    queue = _latest(coordinator)
    assert queue[case_id]["data"]["escalation"]["open"] is True
    twice = hu.step("case.escalate", {"case_id": case_id, "reason": REASON}, base_version=3)
    assert (twice["status"], twice["code"]) == ("rejected", "already_escalated")
    assert coordinator.step("case.comment", {"case_id": case_id, "text": TEXT},
                            base_version=3)["status"] == "applied"
    assert [m["authority_id"] for m in _latest(hu)[case_id]["data"]["messages"]] == [
        "nimic-HU"]

    resolved = coordinator.step("case.resolve_escalation", {"case_id": case_id},
                                base_version=4)

    assert resolved["status"] == "applied", resolved
    gone = _latest(coordinator)[case_id]
    assert (gone["data"], gone["reason"]) == (None, "revoked")
    assert _latest(de)[case_id]["data"]["escalation"]["open"] is False


def test_an_authority_without_a_responsible_coordinator_cannot_be_escalated_to(server, peers,
                                                                               monkeypatch):
    de, _hu, _fr = peers
    with Session(server.engine) as session, session.begin():
        add_authority(session, SequenceLock(session).acquire(), {
            "id": "IS-ALONE-T", "member_state": "IS", "official_name": "Landlæknir",
            "areas": ["PQ"], "competences": ["dentist"], "coordinator_id": None})
        national = session.get(Authority, "nimic-IS")
        if national is not None:  # no national coordinator to fall back to either
            national.active = False
    case_id = new_id()
    de.push(de.mutation("case.create", create_args(responder="IS-ALONE-T", case_id=case_id)),
            de.mutation("case.send", {"case_id": case_id}, base_version=1))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=62)
    monkeypatch.setattr(sync_routes, "utcnow", lambda: later)

    refused = de.step("case.escalate", {"case_id": case_id, "reason": REASON}, base_version=2)

    assert (refused["status"], refused["code"], refused["params"]) == (
        "rejected", "no_coordinator", {"authority": "IS-ALONE-T"})


def test_an_allocator_allocates_to_an_active_request_handler_of_its_own_authority(server,
                                                                                  peers):
    de, hu, fr = peers
    ids = _users(server,
                 ("hu.allocator", hu.authority_id, ["allocator"], True),
                 ("hu.second", hu.authority_id, ["request_handler"], True),
                 ("hu.gone", hu.authority_id, ["request_handler"], False),
                 ("hu.admin", hu.authority_id, ["local_data_administrator"], True))
    allocator = Peer.login(server.client, "hu.allocator")
    case_id = _sent(server, de, hu)

    def allocate(peer, user_id, name="Someone"):
        return peer.step("case.allocate", {"case_id": case_id, "user_id": user_id,
                                           "user_name": name})

    assert allocate(hu, ids["hu.second"])["code"] == "not_allocator"
    for user_id in (ids["hu.gone"], ids["hu.admin"], "no-such-user",
                    server.directory.users["FR"].user_id):
        refused = allocate(allocator, user_id)
        assert (refused["status"], refused["code"]) == ("rejected", "unknown_handler"), user_id
    applied = allocate(allocator, ids["hu.second"], name="A name the client made up")

    assert applied["status"] == "applied", applied
    assert applied["change"]["data"]["assignments"] == [
        {"authority_id": hu.authority_id, "user_id": ids["hu.second"],
         "user_name": "Name of hu.second"}]
    # The requester does not learn who handles the case at the responder.
    assert _latest(de)[case_id]["data"]["assignments"] == []
    assert fr.pull_all() == []


def test_a_version_2_client_still_lists_and_works_its_cases(server, peers):
    de, hu, _fr = peers
    case_id = _sent(server, de, hu)
    hu.step("case.comment", {"case_id": case_id, "text": TEXT}, base_version=2)
    response = server.client.get("/v1/sync/pull", params={"protocol_version": 2},
                                 headers=de.headers)
    assert response.status_code == 200, response.text
    (case,) = [c for c in response.json()["changes"] if c["kind"] == "case"]
    assert "messages" not in case["data"]
    assert [e["action"] for e in case["data"]["timeline"]] == ["create", "send"]
    assert CaseRecord.model_validate(case["data"]).id == case_id
    # Its push results come back in its version too.
    push = server.client.post("/v1/sync/push", headers=hu.headers, json={
        "protocol_version": 2, "device_id": hu.device_id, "mutations": [
            hu.mutation("case.accept", {"case_id": case_id}, base_version=3)]})
    (result,) = push.json()["results"]
    assert result["status"] == "applied"
    assert "messages" not in result["change"]["data"]
