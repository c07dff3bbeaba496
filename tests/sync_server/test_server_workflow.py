"""The request workflow through the API: routing between authorities, audit, sealing at rest."""

import json

from factories import QUESTIONS, answer_args, create_args, new_id
from sqlalchemy import select

from sync_server.auth.models import Device
from sync_server.cases.models import Case, CaseEvent
from sync_server.crypto import case_binding
from sync_server.sync.models import AppliedMutation, SyncRow

WHY = {"text": "Die Person hat den Antrag zurückgenommen.", "lang": "de"}


def _exchange(server, family_name="Kovács"):
    """DE asks HU; return the two peers and the case id after create and send."""
    de, hu = server.peer("DE"), server.peer("HU")
    case_id = new_id()
    results = de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               family_name=family_name)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1),
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return de, hu, case_id


def test_full_exchange_ends_closed_with_five_events_and_answers_as_codes(server):
    de, hu, case_id = _exchange(server)

    accepted = hu.step("case.accept", {"case_id": case_id}, base_version=2)
    answered = hu.step("case.answer", answer_args(case_id, option=2), base_version=3)
    closed = de.step("case.accept_reply", {"case_id": case_id}, base_version=4)

    assert [accepted["status"], answered["status"], closed["status"]] == ["applied"] * 3
    assert accepted["change"]["data"]["state"] == "accepted"
    assert answered["change"]["data"]["state"] == "answered"
    final = closed["change"]["data"]
    assert final["state"] == "closed"
    assert final["version"] == 5
    assert [e["action"] for e in final["timeline"]] == [
        "create", "send", "accept", "answer", "accept_reply"]
    assert [e["state"] for e in final["timeline"]] == [
        "draft", "sent", "accepted", "answered", "closed"]
    assert [e["authority_id"] for e in final["timeline"]] == [
        de.authority_id, de.authority_id, hu.authority_id, hu.authority_id, de.authority_id]
    expected_answers = [{"question": q, "answer": f"{q}-A2"} for q in QUESTIONS]
    assert final["answers"] == expected_answers

    # Both sides pull the same closed case.
    for peer in (de, hu):
        case = peer.cases(peer.pull_all())[case_id]
        assert case["version"] == 5
        assert case["data"]["state"] == "closed"
        assert case["data"]["answers"] == expected_answers

    # What is stored: the state column, and the sealed record with codes, not texts.
    row = server.scalar(select(Case).where(Case.id == case_id))
    assert (row.state, row.version) == ("closed", 5)
    record = json.loads(server.context.sealer.open(row.sealed, where=case_binding(case_id)))
    assert record["answers"] == expected_answers
    assert record["questions"] == list(QUESTIONS)


def test_request_reaches_the_responder_only_once_sent_and_never_a_third_authority(server):
    de, hu, fr = server.peer("DE"), server.peer("HU"), server.peer("FR")
    for peer in (de, hu, fr):
        peer.pull_all()
    case_id = new_id()

    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))

    assert de.cases(de.pull_all())[case_id]["data"]["state"] == "draft"
    assert hu.pull_all() == []  # a draft is its author's alone
    assert fr.pull_all() == []

    de.step("case.send", {"case_id": case_id}, base_version=1)

    received = hu.pull_all()
    assert [(c["kind"], c["id"], c["version"]) for c in received] == [("case", case_id, 2)]
    assert received[0]["data"]["subject"]["family_name"] == "Kovács"
    assert fr.pull_all() == []
    # Nor from scratch: a new replica of the third authority sees no case at all.
    fr.cursor = ""
    assert fr.cases(fr.pull_all()) == {}
    # And the sync rows name exactly the two authorities.
    audiences = {a for (a,) in server.rows(
        select(SyncRow.audience).where(SyncRow.kind == "case", SyncRow.entity_id == case_id))}
    assert audiences == {f"authority:{de.authority_id}", f"authority:{hu.authority_id}"}


def test_third_authority_cannot_act_on_a_case(server):
    _, hu, case_id = _exchange(server)
    fr = server.peer("FR")

    result = fr.step("case.accept", {"case_id": case_id}, base_version=2)

    assert result["status"] == "rejected"
    assert result["code"] == "not_involved"
    assert result["change"] is None  # nothing of the case leaks to the outsider
    assert server.scalar(select(Case.state).where(Case.id == case_id)) == "sent"
    # The responder can still accept.
    assert hu.step("case.accept", {"case_id": case_id})["status"] == "applied"


def test_refused_mutation_is_stored_rejected_and_the_queue_goes_on(server):
    _, hu, case_id = _exchange(server)
    events_before = server.count(CaseEvent)

    results = hu.push(
        hu.mutation("case.answer", answer_args(case_id)),  # before accepting: refused
        hu.mutation("case.accept", {"case_id": case_id}),
    )

    assert [(r["mutation_id"], r["status"], r["code"]) for r in results] == [
        (1, "rejected", "invalid_transition"), (2, "applied", None)]
    assert "sent" in results[0]["message"]
    # The refusal shows the case as it is, so the client can roll its optimistic copy back.
    assert results[0]["change"]["data"]["state"] == "sent"
    assert results[1]["change"]["data"]["state"] == "accepted"
    device = server.scalar(select(Device).where(Device.id == hu.device_id))
    assert device.last_mutation_id == 2
    stored = server.rows(select(AppliedMutation.mutation_id, AppliedMutation.status)
                         .where(AppliedMutation.device_id == hu.device_id)
                         .order_by(AppliedMutation.mutation_id))
    assert [tuple(r) for r in stored] == [(1, "rejected"), (2, "applied")]
    assert server.count(CaseEvent) == events_before + 2
    assert server.scalar(select(Case.state).where(Case.id == case_id)) == "accepted"


def test_stale_step_is_reported_as_a_conflict(server):
    de, hu, case_id = _exchange(server)
    hu.step("case.accept", {"case_id": case_id}, base_version=2)

    # DE withdrew while offline, having seen version 2; HU has accepted meanwhile (version 3):
    # withdrawing an accepted request is allowed, so it applies.
    assert de.step("case.withdraw", {"case_id": case_id, "reason": WHY},
                   base_version=2)["status"] == "applied"
    # HU answers on the version it saw: the case was withdrawn under it.
    result = hu.step("case.answer", answer_args(case_id), base_version=3)

    assert result["status"] == "rejected"
    assert result["code"] == "conflict"
    assert result["change"]["data"]["state"] == "withdrawn"


def test_invalid_arguments_are_a_rejected_mutation_not_an_http_error(server):
    de = server.peer("DE")
    hu_id = server.directory.authorities["HU"]

    results = de.push(
        de.mutation("case.create", create_args(responder=hu_id, questions=("PQ-GEN-Q99",))),
        de.mutation("case.create", create_args(responder="XX-NOBODY")),
        de.mutation("case.create", create_args(responder=de.authority_id)),
        de.mutation("case.create", {"case_id": new_id()}),
        de.mutation("case.send", {"case_id": new_id()}),
    )

    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "unknown_question"),
        ("rejected", "unknown_authority"),
        ("rejected", "request_to_itself"),
        ("rejected", "invalid_arguments"),
        ("rejected", "not_found"),
    ]
    assert server.count(Case) == 0
    assert server.scalar(select(Device.last_mutation_id).where(Device.id == de.device_id)) == 5


def test_audit_trail_has_one_row_per_mutation_with_who_and_what(server):
    de, hu, case_id = _exchange(server)
    hu.step("case.answer", answer_args(case_id))  # refused: not accepted yet
    hu.step("case.accept", {"case_id": case_id, "colour": "red"})  # refused: bad arguments
    hu.step("case.accept", {"case_id": case_id})

    events = server.rows(
        select(CaseEvent.case_id, CaseEvent.user_id, CaseEvent.authority_id,
               CaseEvent.device_id, CaseEvent.mutation_id, CaseEvent.action, CaseEvent.outcome)
        .order_by(CaseEvent.id))

    de_user, hu_user = server.directory.de, server.directory.hu
    assert [tuple(e[:6]) for e in events] == [
        (case_id, de_user.user_id, de.authority_id, de.device_id, 1, "create"),
        (case_id, de_user.user_id, de.authority_id, de.device_id, 2, "send"),
        (case_id, hu_user.user_id, hu.authority_id, hu.device_id, 1, "answer"),
        (case_id, hu_user.user_id, hu.authority_id, hu.device_id, 2, "accept"),
        (case_id, hu_user.user_id, hu.authority_id, hu.device_id, 3, "accept"),
    ]
    outcomes = [e[6] for e in events]
    assert outcomes[0] == outcomes[1] == outcomes[4] == "applied"
    assert outcomes[2:4] == ["rejected:invalid_transition", "rejected:invalid_arguments"]


def test_personal_data_is_sealed_at_rest(server):
    family_name = "Zwiebelfischer"
    _de, hu, case_id = _exchange(server, family_name=family_name)
    hu.step("case.accept", {"case_id": case_id})
    needle = family_name.encode()

    sealed_columns = [
        *(v for (v,) in server.rows(select(Case.sealed))),
        *(v for (v,) in server.rows(select(SyncRow.payload).where(SyncRow.kind == "case"))),
        *(v for (v,) in server.rows(select(AppliedMutation.sealed_result))),
    ]
    assert len(sealed_columns) == 1 + 2 + 3
    for value in sealed_columns:
        assert needle not in bytes(value)
    # The sealed values do hold the name: the check above looks at the right bytes.
    case_row = server.scalar(select(Case))
    opened = server.context.sealer.open(case_row.sealed, where=case_binding(case_row.id))
    assert needle in opened
    assert server.rows(select(SyncRow.sealed).where(SyncRow.kind == "case")) == [(True,), (True,)]
    # Yet the peers read it in clear.
    assert hu.cases(hu.pull_all())[case_id]["data"]["subject"]["family_name"] == family_name

    if server.backend == "sqlite":
        files = sorted(server.settings.data_dir.glob("imi.db*"))
        raw = b"".join(f.read_bytes() for f in files)
        assert needle not in raw
        # Public directory data is stored in clear, so the scan does see stored text.
        assert b"Teststadt" in raw


def test_the_case_history_keeps_when_the_officer_acted_offline(server):
    """Issue 7, item 7: the mutation's created_at becomes the event's acted_at."""
    import datetime as dt

    _de, hu, case_id = _exchange(server)
    offline = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(microsecond=0)
    mutation = hu.mutation("case.accept", {"case_id": case_id}, base_version=2)
    mutation["created_at"] = offline.isoformat()

    (result,) = hu.push(mutation)

    event = result["change"]["data"]["timeline"][-1]
    assert dt.datetime.fromisoformat(event["acted_at"]) == offline
    assert dt.datetime.fromisoformat(event["at"]) - offline > dt.timedelta(hours=2)


def test_a_refusal_carries_the_parameters_the_client_renders(server):
    de, hu, case_id = _exchange(server)
    de.step("case.withdraw", {"case_id": case_id, "reason": WHY}, base_version=2)

    result = hu.step("case.accept", {"case_id": case_id}, base_version=2)

    assert (result["code"], result["params"]) == ("conflict",
                                                  {"action": "accept", "state": "withdrawn"})


def test_a_draft_is_edited_on_the_server_and_checked_like_a_create(server):
    de, hu = server.peer("DE"), server.peer("HU")
    case_id = new_id()
    de.step("case.create", create_args(responder=hu.authority_id, case_id=case_id))

    edited = de.step("case.edit_draft", create_args(responder=hu.authority_id, case_id=case_id,
                                                    family_name="Nagy-Kovács"), base_version=1)
    refused = de.step("case.edit_draft", create_args(responder="XX-NOBODY", case_id=case_id),
                      base_version=2)

    assert edited["status"] == "applied"
    assert edited["change"]["data"]["subject"]["family_name"] == "Nagy-Kovács"
    assert (refused["code"], refused["params"]) == ("unknown_authority",
                                                    {"authority": "XX-NOBODY"})
