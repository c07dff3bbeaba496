"""Wire messages and mutation arguments: they validate themselves when built."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sync_protocol.cases import Action
from sync_protocol.errors import RemoteProtocolError
from sync_protocol.messages import (
    MAX_MUTATIONS_PER_PUSH,
    Change,
    ErrorBody,
    LoginRequest,
    MutationIn,
    PullResponse,
    PushRequest,
)
from sync_protocol.mutations import (
    AcceptCase,
    AnswerCase,
    CaseStep,
    CreateCase,
    WithdrawCase,
    parse_args,
)
from sync_protocol.version import PROTOCOL_VERSION, accepted_versions

DEVICE = "0123456789abcdef0123456789abcdef"
CASE_ID = "fedcba9876543210fedcba9876543210"
AT = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def mutation(mutation_id, name="case.send"):
    return MutationIn(mutation_id=mutation_id, name=name, args={"case_id": CASE_ID},
                      created_at=AT)


def push(*ids, version=PROTOCOL_VERSION):
    return PushRequest(protocol_version=version, device_id=DEVICE,
                       mutations=tuple(mutation(i) for i in ids))


@given(start=st.integers(min_value=1, max_value=2**40),
       count=st.integers(min_value=1, max_value=MAX_MUTATIONS_PER_PUSH))
def test_consecutive_ids_from_any_start_are_accepted(start, count):
    request = push(*range(start, start + count))

    assert [m.mutation_id for m in request.mutations] == list(range(start, start + count))


@pytest.mark.parametrize("ids", [(1, 3), (2, 1), (1, 1), (1, 2, 4), (5, 6, 6)],
                         ids=str)
def test_ids_in_one_push_must_be_consecutive(ids):
    with pytest.raises(ValidationError, match="consecutive"):
        push(*ids)


def test_a_push_holds_one_to_the_maximum_number_of_mutations():
    with pytest.raises(ValidationError):
        push()
    with pytest.raises(ValidationError):
        push(*range(1, MAX_MUTATIONS_PER_PUSH + 2))
    assert len(push(*range(1, MAX_MUTATIONS_PER_PUSH + 1)).mutations) == MAX_MUTATIONS_PER_PUSH


def test_mutation_ids_start_at_one():
    with pytest.raises(ValidationError):
        mutation(0)


@given(version=st.integers().filter(lambda v: v not in accepted_versions()))
def test_other_protocol_versions_are_refused(version):
    with pytest.raises(ValidationError, match="unsupported protocol version"):
        push(1, version=version)
    with pytest.raises(ValidationError, match="unsupported protocol version"):
        LoginRequest(protocol_version=version, username="u", password="p", device_id=DEVICE)


def test_device_ids_are_32_lowercase_hex_digits():
    for bad in ("", DEVICE.upper(), DEVICE[:-1], DEVICE + "0", "g" * 32):
        with pytest.raises(ValidationError):
            LoginRequest(protocol_version=PROTOCOL_VERSION, username="u", password="p",
                         device_id=bad)


def test_messages_refuse_unknown_fields_and_are_frozen():
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"protocol_version": PROTOCOL_VERSION, "device_id": DEVICE,
                                    "mutations": [mutation(1).model_dump()], "extra": 1})
    request = push(1)
    with pytest.raises(ValidationError):
        request.device_id = "0" * 32  # type: ignore[misc]


def test_messages_survive_the_wire():
    request = push(7, 8)
    assert PushRequest.model_validate_json(request.model_dump_json()) == request
    page = PullResponse(changes=(
        Change(kind="case", id=CASE_ID, version=3, data={"state": "sent"}),
        Change(kind="case", id=CASE_ID[::-1], version=4, data=None, reason="revoked"),
    ), cursor="c", has_more=True)
    assert PullResponse.model_validate_json(page.model_dump_json()) == page
    with pytest.raises(ValidationError):
        Change(kind="case", id="x", version=1, data=None, reason="lost")
    # A kind this peer does not know is carried as text (kept and ignored by the client) ...
    assert Change(kind="user", id="x", version=1, data={}).kind == "user"
    with pytest.raises(ValidationError):  # ... but a kind is still a name, not any text
        Change(kind="Robert'); DROP TABLE", id="x", version=1, data={})


def test_error_body_carries_the_expected_id_only_for_gaps():
    assert ErrorBody(code="mutation_gap", message="m", params={"expected": 4},
                     expected_mutation_id=4).model_dump(exclude_none=True) == {
        "code": "mutation_gap", "message": "m", "params": {"expected": 4},
        "expected_mutation_id": 4}
    assert ErrorBody(code="x", message="m").model_dump(exclude_none=True) == {
        "code": "x", "message": "m", "params": {}}


# Mutation arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model", "action"), [
    ("case.create", CreateCase, Action.CREATE),
    ("case.send", CaseStep, Action.SEND),
    ("case.accept", AcceptCase, Action.ACCEPT),
    ("case.agree_date", CaseStep, Action.AGREE_DATE),
    ("case.resolve_escalation", CaseStep, Action.RESOLVE_ESCALATION),
    ("case.answer", AnswerCase, Action.ANSWER),
    ("case.accept_reply", CaseStep, Action.ACCEPT_REPLY),
    ("case.withdraw", WithdrawCase, Action.WITHDRAW),
])
def test_each_mutation_name_has_its_argument_model_and_action(name, model, action):
    args = {"case_id": CASE_ID}
    if model is AnswerCase:
        args["answers"] = [{"question": "PQ-GEN-Q01", "answer": "PQ-GEN-Q01-A1"}]
    if model is CreateCase:
        args.update(area="PQ", question_set="PQ-GEN", question_set_version=1,
                    responder_authority_id="HU-1", questions=["PQ-GEN-Q01"],
                    answer_by="2030-01-01",
                    subject={"family_name": "N", "given_names": "L", "profession": "dentist"})

    parsed, parsed_action = parse_args(name, args)

    assert type(parsed) is model
    assert parsed_action is action
    assert parsed.case_id == CASE_ID


def test_unknown_mutation_name():
    with pytest.raises(RemoteProtocolError) as info:
        parse_args("case.explode", {"case_id": CASE_ID})

    assert info.value.code == "unknown_mutation"
    assert "case.explode" in info.value.message


@pytest.mark.parametrize(("name", "args", "where"), [
    ("case.send", {}, "case_id"),
    ("case.send", {"case_id": "not-an-id"}, "case_id"),
    ("case.send", {"case_id": CASE_ID, "colour": "red"}, "colour"),
    ("case.answer", {"case_id": CASE_ID, "answers": []}, "answers"),
    ("case.answer", {"case_id": CASE_ID, "answers": [{"question": "q", "answer": "A"}]},
     "answers.0.question"),
    ("case.withdraw", {"case_id": CASE_ID, "reason": {"text": "x", "lang": "deu"}},
     "reason.lang"),
    ("case.accept", {"case_id": CASE_ID, "note": {"text": "   ", "lang": "de"}}, "note.text"),
])
def test_bad_arguments_name_the_field(name, args, where):
    with pytest.raises(RemoteProtocolError) as info:
        parse_args(name, args)

    assert info.value.code == "invalid_arguments"
    assert info.value.status_hint == 422
    assert info.value.message.startswith(f"{name}: {where}:")


def test_subject_is_checked():
    base = {"case_id": CASE_ID, "area": "PQ", "question_set": "PQ-GEN",
            "question_set_version": 1, "responder_authority_id": "HU-1",
            "questions": ["PQ-GEN-Q01"], "answer_by": "2030-01-01"}
    for subject in ({"family_name": "", "given_names": "L", "profession": "dentist"},
                    {"family_name": "N", "given_names": "L", "profession": "Dentist!"},
                    {"family_name": "N" * 201, "given_names": "L", "profession": "dentist"}):
        with pytest.raises(RemoteProtocolError, match="subject"):
            parse_args("case.create", {**base, "subject": subject})
