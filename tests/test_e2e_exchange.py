"""End to end: a real server process, two clients with their own encrypted replicas.

The dentist case of MISSION.md: the German dental chamber asks the Hungarian authority about a
diploma; the Hungarian side accepts and answers offline; everything converges on reconnect.
"""

import datetime as dt
import uuid

import pytest

from desktop.models import cases
from desktop.models.transport import Offline
from sync_protocol.cases import CaseStatus
from sync_protocol.messages import MutationIn, PushRequest
from sync_protocol.version import PROTOCOL_VERSION
from tests import factories

QUESTIONS = ["PQ-GEN-Q01", "PQ-GEN-Q04", "PQ-GEN-Q14"]


def create_args(case_id: str) -> dict[str, object]:
    return factories.create_args(
        responder="HU-ENKK", case_id=case_id, family_name="Nagy", questions=QUESTIONS,
        subject={"family_name": "Nagy", "given_names": "László", "profession": "dentist",
                 "date_of_birth": "1984-03-12", "qualification": "Fogorvos (DMD), Semmelweis"},
        request_text={"text": "Bitte bestätigen Sie die Echtheit des Diploms.", "lang": "de"},
    )


def first_answers(client, case_id):
    case = cases.get_case(client.replica, case_id)
    qs = client.replica.question_set(case.question_set, case.question_set_version)
    return [{"question": q, "answer": qs.question(q).answers[0].code} for q in case.questions]


def test_the_whole_exchange_with_one_side_offline(clients):
    de, hu, fr = clients["de.weber"], clients["hu.kovacs"], clients["fr.martin"]
    for client in (de, hu, fr):
        client.sync()
    case_id = uuid.uuid4().hex

    # The German officer drafts and sends; both steps are local first, then pushed.
    cases.perform(de.replica, name="case.create", args=create_args(case_id))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    assert de.replica.pending_count() == 2
    de.sync()
    assert de.replica.pending_count() == 0
    assert cases.get_case(de.replica, case_id).state is CaseStatus.SENT

    # Routing: the Hungarian replica gets it; the French one never holds it.
    hu.sync()
    fr.sync()
    received = cases.get_case(hu.replica, case_id)
    assert received is not None and received.state is CaseStatus.SENT
    assert received.subject.family_name == "Nagy"
    assert cases.get_case(fr.replica, case_id) is None

    # Hungary loses its line, accepts and answers offline: two queued actions.
    hu.go_offline()
    cases.perform(hu.replica, name="case.accept", args={"case_id": case_id})
    cases.perform(hu.replica, name="case.answer", args={
        "case_id": case_id, "answers": first_answers(hu, case_id),
        "reply_text": {"text": "Az oklevél hiteles.", "lang": "hu"},
    })
    with pytest.raises(Offline):
        hu.sync()
    assert hu.replica.pending_count() == 2
    assert cases.get_case(hu.replica, case_id).state is CaseStatus.ANSWERED
    de.sync()
    assert cases.get_case(de.replica, case_id).state is CaseStatus.SENT

    # Back online: the queue is delivered once and both sides converge.
    hu.go_online()
    hu.sync()
    assert hu.replica.pending_count() == 0
    de.sync()
    seen = cases.get_case(de.replica, case_id)
    assert seen.state is CaseStatus.ANSWERED
    assert [a.question for a in seen.answers] == QUESTIONS
    assert seen.reply_text.lang == "hu"

    # Germany accepts the reply: closed, with a timeline of who did what.
    cases.perform(de.replica, name="case.accept_reply", args={"case_id": case_id})
    de.sync()
    hu.sync()
    for client in (de, hu):
        final = cases.get_case(client.replica, case_id)
        assert final.state is CaseStatus.CLOSED
        assert [e.action.value for e in final.timeline] == [
            "create", "send", "accept", "answer", "accept_reply"]
        assert [e.authority_id for e in final.timeline] == [
            "DE-LZK-BW", "DE-LZK-BW", "HU-ENKK", "HU-ENKK", "DE-LZK-BW"]
    assert client.replica.attention() == []


def test_a_duplicated_push_changes_nothing(clients):
    de, hu = clients["de.weber"], clients["hu.kovacs"]
    de.sync()
    case_id = uuid.uuid4().hex
    cases.perform(de.replica, name="case.create", args=create_args(case_id))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    rows = de.replica.outbox()
    request = PushRequest(protocol_version=PROTOCOL_VERSION, device_id=de.profile.device_id,
                          mutations=tuple(
                              MutationIn(mutation_id=r["mutation_id"], name=r["name"],
                                         args=r["args"], base_version=r["base_version"],
                                         created_at=dt.datetime.fromisoformat(r["created_at"]))
                              for r in rows))
    first = de.engine.transport.push(request)
    # The answer was "lost": the client pushes the same mutations again.
    second = de.engine.transport.push(request)
    assert [r.status for r in first.results] == ["applied", "applied"]
    assert [r.replayed for r in second.results] == [True, True]
    assert [r.change.version for r in second.results] == [r.change.version for r in first.results]
    de.sync()
    hu.sync()
    case = cases.get_case(hu.replica, case_id)
    assert case.version == 2
    assert [e.action.value for e in case.timeline] == ["create", "send"]


def test_a_step_refused_by_the_server_reaches_needs_attention(clients):
    de, hu = clients["de.weber"], clients["hu.kovacs"]
    de.sync()
    case_id = uuid.uuid4().hex
    cases.perform(de.replica, name="case.create", args=create_args(case_id))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    de.sync()
    hu.sync()
    # Hungary accepts offline while Germany withdraws the request.
    hu.go_offline()
    cases.perform(hu.replica, name="case.accept", args={"case_id": case_id})
    cases.perform(de.replica, name="case.withdraw", args={
        "case_id": case_id, "reason": {"text": "Zurückgezogen.", "lang": "de"}})
    de.sync()
    hu.go_online()
    hu.sync()
    assert hu.replica.pending_count() == 0
    [item] = hu.replica.attention()
    assert item["code"] == "conflict"
    assert "withdrawn" in item["message"]
    assert item["args"] == {"case_id": case_id}
    assert cases.get_case(hu.replica, case_id).state is CaseStatus.WITHDRAWN


def test_a_live_copy_beats_a_tombstone_in_the_same_page(clients):
    """Through two audiences, one revoked and one live, the case stays, whatever the order."""
    from desktop.models.cases import apply_pull_page
    from sync_protocol.messages import Change, EntityKind

    de = clients["de.weber"]
    de.sync()
    case_id = uuid.uuid4().hex
    cases.perform(de.replica, name="case.create", args=create_args(case_id))
    de.sync()
    live = cases.get_case(de.replica, case_id).model_dump(mode="json")
    tombstone = Change(kind=EntityKind.CASE, id=case_id, version=live["version"], data=None,
                       reason="revoked")
    alive = Change(kind=EntityKind.CASE, id=case_id, version=live["version"], data=live)
    cursor = de.replica.get_meta("cursor")
    for page in ([alive, tombstone], [tombstone, alive]):
        apply_pull_page(de.replica, page, cursor)
        assert cases.get_case(de.replica, case_id) is not None
    apply_pull_page(de.replica, [tombstone], cursor)
    assert cases.get_case(de.replica, case_id) is None
