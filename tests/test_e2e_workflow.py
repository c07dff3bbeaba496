"""End to end, issue 9: the full workflow between real clients (encrypted replicas, sync
engines) and a real server process.

Forward after accepting (the forwarder's replica loses the case), split (the requester holds
both linked cases), two rounds of further information, a withdrawal while the responder answers
offline (its queued answer is refused with the reason, nothing else is lost), and an
escalation under a moved server clock, each step taken locally first as the window takes it.
"""

import datetime as dt
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from desktop import local_server
from desktop.models import cases
from desktop.models.transport import Offline
from sync_protocol.cases import CaseRole, CaseStatus
from tests import factories
from tests.conftest import copy_database, make_client

QUESTIONS = ["PQ-GEN-Q01", "PQ-GEN-Q04", "PQ-GEN-Q14"]
DE_TEXT = {"text": "Bitte senden Sie eine beglaubigte Kopie des Diploms.", "lang": "de"}
HU_TEXT = {"text": "Kérjük, adja meg a születési helyet.", "lang": "hu"}
WHY = {"text": "Die Person hat ihren Antrag zurückgenommen.", "lang": "de"}


def sent(de, responder: str = "HU-ENKK") -> str:
    """A request of de.weber, created and sent (locally, then pushed)."""
    case_id = uuid.uuid4().hex
    de.sync()  # the catalogue, on a new profile
    cases.perform(de.replica, name="case.create", args=factories.create_args(
        responder=responder, case_id=case_id, family_name="Nagy", questions=QUESTIONS))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    de.sync()
    return case_id


def answers(client, case_id):
    case = cases.get_case(client.replica, case_id)
    qs = client.replica.question_set(case.question_set, case.question_set_version)
    return [{"question": q, "answer": qs.question(q).answers[0].code} for q in case.questions]


def test_a_request_forwarded_after_accepting_leaves_the_forwarder_s_replica(clients):
    de, hu, fr = clients["de.weber"], clients["hu.kovacs"], clients["fr.martin"]
    case_id = sent(de)
    hu.sync()
    cases.perform(hu.replica, name="case.accept", args={"case_id": case_id})
    hu.sync()

    # Forwarded offline: shown forwarded at once, the case leaves with the push.
    hu.go_offline()
    forwarded = cases.perform(hu.replica, name="case.forward", args={
        "case_id": case_id, "responder_authority_id": "FR-ONCD"})
    assert (forwarded.state, forwarded.responder_authority_id) == (CaseStatus.SENT, "FR-ONCD")
    with pytest.raises(Offline):
        hu.sync()
    assert cases.get_case(hu.replica, case_id) is not None
    hu.go_online()
    hu.sync()

    assert hu.replica.pending_count() == 0
    assert cases.get_case(hu.replica, case_id) is None
    assert hu.replica.attention() == []
    fr.sync()
    received = cases.get_case(fr.replica, case_id)
    assert (received.state, received.roles_of("FR-ONCD")) == (
        CaseStatus.SENT, frozenset({CaseRole.RESPONDER}))
    de.sync()
    assert cases.get_case(de.replica, case_id).responder_authority_id == "FR-ONCD"
    # The new responder takes it on; the requester's allocator gives it to its handler.
    cases.perform(fr.replica, name="case.accept", args={"case_id": case_id})
    me = de.replica.user()
    cases.perform(de.replica, name="case.allocate", args={
        "case_id": case_id, "user_id": me.user_id, "user_name": me.display_name})
    fr.sync()
    de.sync()
    case = cases.get_case(de.replica, case_id)
    assert case.state is CaseStatus.ACCEPTED
    assert [(a.authority_id, a.user_id) for a in case.assignments] == [
        ("DE-LZK-BW", me.user_id)]
    assert de.replica.attention() == [] and fr.replica.attention() == []


def test_a_split_gives_the_requester_both_linked_cases(clients):
    de, hu, fr = clients["de.weber"], clients["hu.kovacs"], clients["fr.martin"]
    case_id = sent(de)
    hu.sync()
    new_case = uuid.uuid4().hex

    cases.perform(hu.replica, name="case.split", args={
        "case_id": case_id, "new_case_id": new_case, "responder_authority_id": "FR-ONCD",
        "questions": QUESTIONS[:1]})
    hu.sync()
    de.sync()
    fr.sync()

    original, split = (cases.get_case(de.replica, c) for c in (case_id, new_case))
    assert original.questions == tuple(QUESTIONS[1:])
    assert [(link.case_id, link.kind) for link in original.links] == [(new_case, "split_into")]
    assert split.questions == tuple(QUESTIONS[:1])
    assert [(link.case_id, link.kind) for link in split.links] == [(case_id, "split_from")]
    assert (split.state, split.responder_authority_id) == (CaseStatus.SENT, "FR-ONCD")
    assert cases.get_case(hu.replica, new_case) is None
    assert cases.get_case(hu.replica, case_id).questions == tuple(QUESTIONS[1:])
    assert cases.get_case(fr.replica, new_case) is not None
    assert cases.get_case(fr.replica, case_id) is None


def test_two_rounds_of_further_information(clients):
    de, hu = clients["de.weber"], clients["hu.kovacs"]
    case_id = sent(de)
    hu.sync()
    rounds = ((hu, de, HU_TEXT, DE_TEXT), (de, hu, DE_TEXT, HU_TEXT))
    for asking, giving, question, reply in rounds:
        # The asking side is offline: its request waits in the outbox, shown at once.
        asking.go_offline()
        shown = cases.perform(asking.replica, name="case.ask_info",
                              args={"case_id": case_id, "text": question})
        assert shown.open_info_request is not None
        with pytest.raises(Offline):
            asking.sync()
        asking.go_online()
        asking.sync()
        giving.sync()
        assert cases.get_case(giving.replica, case_id).open_info_request is not None
        cases.perform(giving.replica, name="case.give_info",
                      args={"case_id": case_id, "text": reply})
        giving.sync()
        asking.sync()

    for client in (de, hu):
        case = cases.get_case(client.replica, case_id)
        assert case.open_info_request is None
        assert [(m.kind, m.authority_id, m.text.lang) for m in case.messages] == [
            ("info_request", "HU-ENKK", "hu"), ("info_reply", "DE-LZK-BW", "de"),
            ("info_request", "DE-LZK-BW", "de"), ("info_reply", "HU-ENKK", "hu")]
        assert client.replica.attention() == []


def test_a_withdrawal_while_the_responder_answers_offline(clients):
    de, hu = clients["de.weber"], clients["hu.kovacs"]
    case_id, other_id = sent(de), sent(de)
    hu.sync()
    for each in (case_id, other_id):
        cases.perform(hu.replica, name="case.accept", args={"case_id": each})
    hu.sync()

    # Hungary answers offline, and comments on another case; Germany withdraws meanwhile.
    hu.go_offline()
    answer = {"case_id": case_id, "answers": answers(hu, case_id),
              "reply_text": {"text": "Az oklevél hiteles.", "lang": "hu"}}
    cases.perform(hu.replica, name="case.answer", args=answer)
    cases.perform(hu.replica, name="case.comment", args={"case_id": other_id, "text": HU_TEXT})
    with pytest.raises(Offline):
        hu.sync()
    cases.perform(de.replica, name="case.withdraw", args={"case_id": case_id, "reason": WHY})
    de.sync()
    hu.go_online()
    hu.sync()

    assert hu.replica.pending_count() == 0
    [item] = hu.replica.attention()
    assert (item["case_id"], item["name"], item["code"]) == (case_id, "case.answer", "conflict")
    assert item["params"] == {"action": "answer", "state": "withdrawn"}
    assert item["args"]["answers"] == answer["answers"]  # the officer's input is kept
    withdrawn = cases.get_case(hu.replica, case_id)
    assert withdrawn.state is CaseStatus.WITHDRAWN
    assert withdrawn.timeline[-1].note.text == WHY["text"]
    # Nothing else is lost: the comment on the other case went through.
    de.sync()
    assert [m.text.text for m in cases.get_case(de.replica, other_id).messages] == [
        HU_TEXT["text"]]


@pytest.fixture
def moved_clock_server(live_server, tmp_path):
    """A server process of the test's own (a copy of the live server's data) whose clock of
    applied steps is moved by the seconds written to ``clock``."""
    data_dir = tmp_path / "moved-clock"
    data_dir.mkdir()
    shutil.copy(live_server.data_dir / "server.key", data_dir)
    copy_database(live_server.data_dir / "imi.db", data_dir / "imi.db")
    clock = tmp_path / "clock"
    clock.write_text("0", encoding="utf-8")
    process, url = local_server.start(
        data_dir, server=(sys.executable, "-m", "tests.moved_clock_server"),
        env={"IMI_TEST_CLOCK_FILE": str(clock)}, source=Path(__file__).resolve().parents[1])
    yield url, clock
    local_server.stop(process)


def test_an_inactive_case_is_escalated_under_a_moved_clock(moved_clock_server, tmp_path):
    url, clock = moved_clock_server
    de = make_client(url, "de.weber", tmp_path / "de")
    coordinator = make_client(url, "hu.farkas", tmp_path / "farkas")  # nimic-HU
    try:
        case_id = sent(de)
        early = dt.datetime.now(dt.UTC)
        assert cases.get_case(de.replica, case_id).state is CaseStatus.SENT

        # Two months and two days later (on both clocks), nothing has happened.
        later = early + dt.timedelta(days=62)
        clock.write_text(str(dt.timedelta(days=62).total_seconds()), encoding="utf-8")
        cases.perform(de.replica, name="case.escalate",
                      args={"case_id": case_id, "reason": WHY}, now=later)
        de.sync()
        coordinator.sync()

        queued = cases.get_case(coordinator.replica, case_id)
        assert queued is not None and queued.escalation.open
        assert queued.roles_of("nimic-HU") == frozenset({CaseRole.ESCALATION_COORDINATOR})
        cases.perform(coordinator.replica, name="case.comment",
                      args={"case_id": case_id, "text": HU_TEXT}, now=later)
        cases.perform(coordinator.replica, name="case.resolve_escalation",
                      args={"case_id": case_id}, now=later)
        coordinator.sync()
        de.sync()

        assert coordinator.replica.attention() == [] and de.replica.attention() == []
        assert cases.get_case(coordinator.replica, case_id) is None  # out of its sight
        case = cases.get_case(de.replica, case_id)
        assert case.escalation.open is False
        assert [m.authority_id for m in case.messages] == ["nimic-HU"]
        assert case.escalation.at > early + dt.timedelta(days=61)
    finally:
        de.close()
        coordinator.close()
