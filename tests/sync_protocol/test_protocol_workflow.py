"""The request workflow: the transition table, who may act, and what each step checks."""

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import pytest

from sync_protocol.cases import (
    Action,
    Answer,
    CaseRecord,
    CaseRole,
    CaseStatus,
    FreeText,
    Subject,
)
from sync_protocol.catalogue import CatalogueFile, QuestionSet
from sync_protocol.errors import RemoteProtocolError, WorkflowRefused
from sync_protocol.mutations import MUTATION_FOR_ACTION, MUTATIONS, parse_args
from sync_protocol.organisation import ApprovalRule, Direction, Organisation, Place
from sync_protocol.visibility import case_audiences
from sync_protocol.workflow import (
    COORDINATOR_ROLE,
    HANDLER_ROLE,
    TRANSITIONS,
    Actor,
    allowed_actions,
    apply_step,
)

CATALOGUE_FILE = Path(__file__).parents[2] / "sync_server" / "seed" / "question_set_pq.json"
QS = CatalogueFile.model_validate_json(CATALOGUE_FILE.read_bytes()).question_sets[0]
QUESTIONS = ("PQ-GEN-Q01", "PQ-GEN-Q04", "PQ-GEN-Q12")
NOW = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
CASE_ID = "0123456789abcdef0123456789abcdef"
REQUESTER, RESPONDER, THIRD = "DE-LZK", "HU-ENKK", "FR-ONCD"
REQUESTER_COORD, RESPONDER_COORD = "sdimic-DE-BW", "nimic-HU"

S, A, P = CaseStatus, Action, CaseRole
COORDINATORS = (P.REQUESTER_COORDINATOR, P.RESPONDER_COORDINATOR)

# The workflow as the specification states it, written out rather than derived from the code.
EXPECTED_TRANSITIONS = {
    (None, A.CREATE, P.REQUESTER): S.DRAFT,
    (S.DRAFT, A.EDIT, P.REQUESTER): S.DRAFT,
    (S.DRAFT, A.SEND, P.REQUESTER): S.SENT,
    (S.AWAITING_APPROVAL, A.APPROVE, P.REQUESTER_COORDINATOR): S.SENT,
    (S.AWAITING_APPROVAL, A.REFUSE, P.REQUESTER_COORDINATOR): S.DRAFT,
    (S.SENT, A.ACCEPT, P.RESPONDER): S.ACCEPTED,
    (S.ACCEPTED, A.ANSWER, P.RESPONDER): S.ANSWERED,
    (S.REPLY_AWAITING_APPROVAL, A.APPROVE, P.RESPONDER_COORDINATOR): S.ANSWERED,
    (S.REPLY_AWAITING_APPROVAL, A.REFUSE, P.RESPONDER_COORDINATOR): S.ACCEPTED,
    (S.ANSWERED, A.ACCEPT_REPLY, P.REQUESTER): S.CLOSED,
    (S.DRAFT, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.AWAITING_APPROVAL, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.SENT, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.ACCEPTED, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.REPLY_AWAITING_APPROVAL, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
}

EXPECTED_ALLOWED = {
    (S.DRAFT, P.REQUESTER): {A.EDIT, A.SEND, A.WITHDRAW},
    (S.AWAITING_APPROVAL, P.REQUESTER): {A.WITHDRAW},
    (S.AWAITING_APPROVAL, P.REQUESTER_COORDINATOR): {A.APPROVE, A.REFUSE},
    (S.SENT, P.REQUESTER): {A.WITHDRAW},
    (S.SENT, P.RESPONDER): {A.ACCEPT},
    (S.ACCEPTED, P.REQUESTER): {A.WITHDRAW},
    (S.ACCEPTED, P.RESPONDER): {A.ANSWER},
    (S.REPLY_AWAITING_APPROVAL, P.REQUESTER): {A.WITHDRAW},
    (S.REPLY_AWAITING_APPROVAL, P.RESPONDER_COORDINATOR): {A.APPROVE, A.REFUSE},
    (S.ANSWERED, P.REQUESTER): {A.ACCEPT_REPLY},
}

# The organisation the paths run under: the requester's requests and the responder's replies
# need their coordinators' approval, so every role takes part.
ORG = Organisation.of(
    rules=[ApprovalRule(member_state="DE", region="BW", area="PQ", direction=Direction.REQUEST,
                        coordinator_authority_id=REQUESTER_COORD),
           ApprovalRule(member_state="HU", area="PQ", direction=Direction.REPLY,
                        coordinator_authority_id=RESPONDER_COORD)],
    places={REQUESTER: Place(member_state="DE", region="BW"),
            RESPONDER: Place(member_state="HU")})

_SENT = [(A.SEND, P.REQUESTER), (A.APPROVE, P.REQUESTER_COORDINATOR)]
_ANSWERED = [*_SENT, (A.ACCEPT, P.RESPONDER), (A.ANSWER, P.RESPONDER),
             (A.APPROVE, P.RESPONDER_COORDINATOR)]
# The steps (under ``ORG``) that lead from a new draft to each state, and who takes them.
PATHS = {
    S.DRAFT: [(A.SEND, P.REQUESTER), (A.REFUSE, P.REQUESTER_COORDINATOR)],
    S.AWAITING_APPROVAL: [(A.SEND, P.REQUESTER)],
    S.SENT: _SENT,
    S.ACCEPTED: [*_SENT, (A.ACCEPT, P.RESPONDER)],
    S.REPLY_AWAITING_APPROVAL: [*_SENT, (A.ACCEPT, P.RESPONDER), (A.ANSWER, P.RESPONDER)],
    S.ANSWERED: _ANSWERED,
    S.CLOSED: [*_ANSWERED, (A.ACCEPT_REPLY, P.REQUESTER)],
    S.WITHDRAWN: [*_SENT, (A.ACCEPT, P.RESPONDER), (A.ANSWER, P.RESPONDER),
                  (A.WITHDRAW, P.REQUESTER)],
}


def actor(authority_id, roles=frozenset({HANDLER_ROLE})):
    return Actor(user_id=f"user-{authority_id}", user_name=f"Handler {authority_id}",
                 authority_id=authority_id, roles=roles)


ACTORS = {P.REQUESTER: actor(REQUESTER), P.RESPONDER: actor(RESPONDER),
          P.REQUESTER_COORDINATOR: actor(REQUESTER_COORD, frozenset({COORDINATOR_ROLE})),
          P.RESPONDER_COORDINATOR: actor(RESPONDER_COORD, frozenset({COORDINATOR_ROLE}))}


def create_args(**overrides):
    args = {
        "case_id": CASE_ID, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": RESPONDER,
        "subject": {"family_name": "Nagy", "given_names": "László", "profession": "dentist"},
        "questions": list(QUESTIONS), "answer_by": "2030-06-01",
    }
    args.update(overrides)
    return parse_args("case.create", args)[0]


def answers(*pairs):
    pairs = pairs or tuple((q, f"{q}-A1") for q in QUESTIONS)
    return [{"question": q, "answer": a} for q, a in pairs]


def step_args(action, **extra):
    base = {"case_id": CASE_ID, **extra}
    if action is A.ANSWER and "answers" not in extra:
        base["answers"] = answers()
    if action is A.REFUSE and "reason" not in extra:
        base["reason"] = {"text": "Bitte ergänzen", "lang": "de"}
    if action is A.EDIT:
        base = {**create_args().model_dump(mode="json", exclude_none=True), **extra}
    return parse_args(MUTATION_FOR_ACTION[action], base)[0]


def new_case():
    return apply_step(None, A.CREATE, create_args(), actor=ACTORS[P.REQUESTER], now=NOW,
                      question_set=QS)


def case_in(state):
    case = new_case()
    for action, party in PATHS[state]:
        case = apply_step(case, action, step_args(action), actor=ACTORS[party], now=NOW,
                          question_set=QS, organisation=ORG)
    assert case.state is state
    return case


def expected_refusal(case, action, role, *, moved_on):
    """The code a step outside the table is refused with, as the specification says."""
    if role not in case.roles_of(ACTORS[role].authority_id):
        return "not_involved"
    if role is P.RESPONDER and not any(e.state is S.SENT for e in case.timeline):
        return "not_involved"  # the request never reached it
    if role in COORDINATORS and action in (A.APPROVE, A.REFUSE):
        if case.state is S.WITHDRAWN:
            return "approval_withdrawn"
        if any(e.action in (A.APPROVE, A.REFUSE) for e in case.timeline):
            return "approval_already_decided"
        return "approval_not_pending"
    return "conflict" if moved_on else "invalid_transition"


def refuse(case, action, who, *, args=None, base_version=None, question_set=QS,
           organisation=ORG):
    with pytest.raises(WorkflowRefused) as info:
        apply_step(case, action, args or step_args(action), actor=who, now=LATER,
                   question_set=question_set, base_version=base_version,
                   organisation=organisation)
    assert info.value.status_hint == 409
    return info.value


def test_transition_table_is_the_specified_workflow():
    assert TRANSITIONS == EXPECTED_TRANSITIONS


def test_every_action_has_exactly_one_mutation():
    assert set(MUTATION_FOR_ACTION) == set(Action)
    assert {action for _, action in MUTATIONS.values()} == set(Action)


def test_create_makes_a_draft_of_the_requester():
    case = new_case()

    assert case.state is S.DRAFT
    assert case.version == 1
    assert case.id == CASE_ID
    assert (case.requester_authority_id, case.responder_authority_id) == (REQUESTER, RESPONDER)
    assert case.questions == QUESTIONS
    assert case.subject == Subject(family_name="Nagy", given_names="László",
                                   profession="dentist")
    assert case.created_at == case.updated_at == NOW
    assert [(e.action, e.state, e.authority_id, e.user_name) for e in case.timeline] == [
        (A.CREATE, S.DRAFT, REQUESTER, "Handler DE-LZK")]
    assert case_audiences(case) == (f"authority:{REQUESTER}",)
    assert [(p.authority_id, p.role) for p in case.participants] == [
        (REQUESTER, P.REQUESTER), (RESPONDER, P.RESPONDER)]


@pytest.mark.parametrize(
    ("before", "action", "party", "after"),
    [(s, a, p, t) for (s, a, p), t in EXPECTED_TRANSITIONS.items() if s is not None],
    ids=lambda v: getattr(v, "value", None),
)
def test_every_allowed_transition(before, action, party, after):
    case = case_in(before)
    note = FreeText(text="Bitte beachten", lang="de")
    extra = {"reason": note.model_dump()} if action in (A.WITHDRAW, A.REFUSE) else (
        {} if action in (A.ANSWER, A.EDIT) else {"note": note.model_dump()})

    new = apply_step(case, action, step_args(action, **extra), actor=ACTORS[party], now=LATER,
                     question_set=QS, base_version=case.version)

    assert new.state is after
    assert new.version == case.version + 1
    assert new.updated_at == LATER
    assert new.created_at == case.created_at
    assert new.timeline[:-1] == case.timeline
    event = new.timeline[-1]
    assert (event.action, event.state, event.at) == (action, after, LATER)
    assert event.authority_id == ACTORS[party].authority_id
    assert event.user_name == ACTORS[party].user_name
    assert event.note == (None if action in (A.ANSWER, A.EDIT) else note)
    unchanged = {"id", "subject", "questions", "requester_authority_id",
                 "responder_authority_id", "answer_by", "area", "question_set"}
    assert new.model_dump(include=unchanged) == case.model_dump(include=unchanged)
    assert case.state is before  # the input is a value: untouched


def test_answer_stores_the_answers_and_reply_text():
    case = case_in(S.ACCEPTED)
    reply = {"text": "Die Person ist eingetragen.", "lang": "de"}

    new = apply_step(case, A.ANSWER, step_args(A.ANSWER, reply_text=reply),
                     actor=ACTORS[P.RESPONDER], now=LATER, question_set=QS)

    assert new.answers == tuple(Answer(question=q, answer=f"{q}-A1") for q in QUESTIONS)
    assert new.reply_text == FreeText(**reply)


REFUSED = [
    (state, action, party)
    for state, action, party in itertools.product(S, A, P)
    if action is not A.CREATE and (state, action, party) not in EXPECTED_TRANSITIONS
]


@pytest.mark.parametrize(("state", "action", "party"), REFUSED,
                         ids=lambda v: getattr(v, "value", None))
def test_steps_outside_the_table_are_invalid_transitions(state, action, party):
    case = case_in(state)

    current = refuse(case, action, ACTORS[party])
    seen_current = refuse(case, action, ACTORS[party], base_version=case.version)

    expected = expected_refusal(case, action, party, moved_on=False)
    assert current.code == seen_current.code == expected
    if expected == "invalid_transition":
        assert state.value in current.message


@pytest.mark.parametrize(("state", "action", "party"), REFUSED,
                         ids=lambda v: getattr(v, "value", None))
def test_refusal_on_a_case_that_moved_on_is_a_conflict(state, action, party):
    case = case_in(state)

    refused = refuse(case, action, ACTORS[party], base_version=case.version - 1)

    expected = expected_refusal(case, action, party, moved_on=True)
    assert refused.code == expected
    if expected == "conflict":
        assert state.value in refused.message


def test_an_allowed_step_on_an_older_version_still_applies():
    case = case_in(S.SENT)

    new = apply_step(case, A.WITHDRAW, step_args(A.WITHDRAW), actor=ACTORS[P.REQUESTER],
                     now=LATER, question_set=QS, base_version=1)

    assert new.state is S.WITHDRAWN


# For each action, a state and a party for which the table allows it.
WHERE_ALLOWED = {
    A.CREATE: (None, P.REQUESTER),
    A.EDIT: (S.DRAFT, P.REQUESTER),
    A.SEND: (S.DRAFT, P.REQUESTER),
    A.ACCEPT: (S.SENT, P.RESPONDER),
    A.ANSWER: (S.ACCEPTED, P.RESPONDER),
    A.ACCEPT_REPLY: (S.ANSWERED, P.REQUESTER),
    A.WITHDRAW: (S.SENT, P.REQUESTER),
    A.APPROVE: (S.AWAITING_APPROVAL, P.REQUESTER_COORDINATOR),
    A.REFUSE: (S.REPLY_AWAITING_APPROVAL, P.RESPONDER_COORDINATOR),
}


@pytest.mark.parametrize("action", list(A), ids=lambda a: a.value)
def test_without_the_needed_role_every_step_is_forbidden(action):
    """Request handlers act for requester and responder, coordinators decide approvals:
    neither can do the other's part."""
    state, party = WHERE_ALLOWED[action]
    assert (state, action, party) in EXPECTED_TRANSITIONS
    other = HANDLER_ROLE if party in COORDINATORS else COORDINATOR_ROLE
    no_role = actor(ACTORS[party].authority_id,
                    roles=frozenset({"allocator", "local_data_administrator", other}))
    case = None if state is None else case_in(state)
    args = create_args() if action is A.CREATE else step_args(action)

    assert refuse(case, action, no_role, args=args).code == "forbidden"


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("action", [a for a in A if a is not A.CREATE], ids=lambda a: a.value)
def test_a_third_authority_is_not_involved(state, action):
    assert refuse(case_in(state), action, actor(THIRD)).code == "not_involved"


def test_step_on_a_missing_case_is_not_found():
    assert refuse(None, A.SEND, ACTORS[P.REQUESTER]).code == "not_found"


def test_create_over_an_existing_case_is_refused():
    refused = refuse(new_case(), A.CREATE, ACTORS[P.REQUESTER], args=create_args())

    assert refused.code == "already_exists"


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_allowed_actions_per_state_and_party(state):
    case = case_in(state)

    for party in P:
        expected = EXPECTED_ALLOWED.get((state, party), set())
        assert allowed_actions(case, ACTORS[party].authority_id) == expected, party
    assert allowed_actions(case, THIRD) == frozenset()


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_allowed_actions_agree_with_apply_step(state):
    """What the client enables is exactly what the server would accept."""
    case = case_in(state)
    for party, action in itertools.product(P, A):
        if action is A.CREATE:
            continue
        who = ACTORS[party]
        try:
            apply_step(case, action, step_args(action), actor=who, now=LATER, question_set=QS)
            accepted = True
        except WorkflowRefused:
            accepted = False
        assert accepted == (action in allowed_actions(case, who.authority_id)), (party, action)


# Answers -------------------------------------------------------------------------------


def test_answers_in_any_order_are_accepted():
    case = case_in(S.ACCEPTED)
    reversed_answers = answers(*((q, f"{q}-A2") for q in reversed(QUESTIONS)))

    new = apply_step(case, A.ANSWER, step_args(A.ANSWER, answers=reversed_answers),
                     actor=ACTORS[P.RESPONDER], now=LATER, question_set=QS)

    assert {(a.question, a.answer) for a in new.answers} == {(q, f"{q}-A2") for q in QUESTIONS}


@pytest.mark.parametrize(("given", "why"), [
    (answers(("PQ-GEN-Q01", "PQ-GEN-Q01-A1"), ("PQ-GEN-Q04", "PQ-GEN-Q04-A1")),
     "every question"),
    (answers(*((q, f"{q}-A1") for q in QUESTIONS), ("PQ-GEN-Q02", "PQ-GEN-Q02-A1")),
     "every question"),
    (answers(("PQ-GEN-Q01", "PQ-GEN-Q01-A1"), ("PQ-GEN-Q01", "PQ-GEN-Q01-A2"),
             ("PQ-GEN-Q04", "PQ-GEN-Q04-A1")),
     "every question"),
    (answers(*((q, f"{q}-A1") for q in QUESTIONS), ("PQ-GEN-Q01", "PQ-GEN-Q01-A1")),
     "every question"),
    (answers(("PQ-GEN-Q01", "PQ-GEN-Q04-A1"), ("PQ-GEN-Q04", "PQ-GEN-Q04-A1"),
             ("PQ-GEN-Q12", "PQ-GEN-Q12-A1")),
     "PQ-GEN-Q04-A1 is not an answer to PQ-GEN-Q01"),
    (answers(("PQ-GEN-Q01", "PQ-GEN-Q01-A9"), ("PQ-GEN-Q04", "PQ-GEN-Q04-A1"),
             ("PQ-GEN-Q12", "PQ-GEN-Q12-A1")),
     "PQ-GEN-Q01-A9 is not an answer to PQ-GEN-Q01"),
    (answers(("PQ-GEN-Q01", "PQ-GEN-Q01"), ("PQ-GEN-Q04", "PQ-GEN-Q04-A1"),
             ("PQ-GEN-Q12", "PQ-GEN-Q12-A1")),
     "PQ-GEN-Q01 is not an answer to PQ-GEN-Q01"),
], ids=["missing", "extra", "twice-one-missing", "twice", "other-question", "unknown-code",
        "question-as-answer"])
def test_answers_must_cover_each_question_once_with_its_own_options(given, why):
    case = case_in(S.ACCEPTED)

    refused = refuse(case, A.ANSWER, ACTORS[P.RESPONDER],
                     args=step_args(A.ANSWER, answers=given))

    assert refused.code == ("answers_incomplete" if why == "every question" else "not_an_answer")
    assert why in refused.message


def test_answer_without_the_question_set_is_refused():
    refused = refuse(case_in(S.ACCEPTED), A.ANSWER, ACTORS[P.RESPONDER], question_set=None)

    assert refused.code == "unknown_question_set"


# Create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "code", "why"), [
    ({"questions": ["PQ-GEN-Q01", "PQ-GEN-Q77"]}, "unknown_question", "PQ-GEN-Q77"),
    ({"questions": ["PQ-GEN-Q01", "PQ-GEN-Q01"]}, "question_asked_twice", "twice"),
    ({"answer_by": "2030-04-30"}, "answer_date_in_past", "in the past"),
    ({"responder_authority_id": REQUESTER}, "request_to_itself", "itself"),
    ({"question_set_version": 2}, "unknown_question_set", "PQ-GEN"),
    ({"question_set": "PQ-OTHER"}, "unknown_question_set", "PQ-OTHER"),
    ({"area": "SERV"}, "question_set_other_area", "another area"),
], ids=["unknown-question", "asked-twice", "date-in-past", "to-self", "qs-version",
        "qs-code", "area"])
def test_create_is_validated(overrides, code, why):
    refused = refuse(None, A.CREATE, ACTORS[P.REQUESTER], args=create_args(**overrides))

    assert refused.code == code
    assert why in refused.message


def test_create_without_a_question_set_is_refused():
    refused = refuse(None, A.CREATE, ACTORS[P.REQUESTER], args=create_args(), question_set=None)

    assert refused.code == "unknown_question_set"


def test_answer_date_today_is_allowed():
    case = apply_step(None, A.CREATE, create_args(answer_by=NOW.date().isoformat()),
                      actor=ACTORS[P.REQUESTER], now=NOW, question_set=QS)

    assert case.answer_by == NOW.date()


# The case record -------------------------------------------------------------------------


def test_party_and_audiences():
    draft, sent = new_case(), case_in(S.SENT)

    assert draft.party_of(REQUESTER) is P.REQUESTER
    assert draft.party_of(RESPONDER) is P.RESPONDER
    assert draft.party_of(THIRD) is None
    assert case_audiences(draft) == (f"authority:{REQUESTER}",)
    # The record survives the wire unchanged.
    assert CaseRecord.model_validate_json(sent.model_dump_json()) == sent


def audience(*authorities):
    return {f"authority:{a}" for a in authorities}


# Who sees a case in each state of ``PATHS`` (every role took part): need to know.
EXPECTED_AUDIENCES = {
    S.DRAFT: audience(REQUESTER),  # refused by its coordinator: back to its author only
    S.AWAITING_APPROVAL: audience(REQUESTER, REQUESTER_COORD),
    S.SENT: audience(REQUESTER, RESPONDER),
    S.ACCEPTED: audience(REQUESTER, RESPONDER),
    S.REPLY_AWAITING_APPROVAL: audience(REQUESTER, RESPONDER, RESPONDER_COORD),
    S.ANSWERED: audience(REQUESTER, RESPONDER),
    S.CLOSED: audience(REQUESTER, RESPONDER),
    S.WITHDRAWN: audience(REQUESTER, RESPONDER),
}


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_audiences_per_state(state):
    assert set(case_audiences(case_in(state))) == EXPECTED_AUDIENCES[state]


def test_records_stored_before_participants_read_with_both_parties():
    stored = case_in(S.SENT).model_dump(mode="json")
    del stored["participants"]

    old = CaseRecord.model_validate(stored)

    assert [(p.authority_id, p.role) for p in old.participants] == [
        (REQUESTER, P.REQUESTER), (RESPONDER, P.RESPONDER)]


def test_participants_and_their_mirrors_must_agree():
    stored = case_in(S.SENT).model_dump(mode="json")
    stored["responder_authority_id"] = THIRD

    with pytest.raises(ValueError, match="one responder"):
        CaseRecord.model_validate(stored)


# Editing a draft, and when the officer acted ----------------------------------------------


def test_a_draft_is_edited_with_the_same_checks_as_a_create():
    draft = new_case()

    edited = apply_step(draft, A.EDIT, step_args(
        A.EDIT, questions=["PQ-GEN-Q04"], answer_by="2030-07-01",
        subject={"family_name": "Nagy", "given_names": "László Péter", "profession": "dentist"},
        request_text={"text": "Bitte prüfen.", "lang": "de"}), actor=ACTORS[P.REQUESTER],
        now=LATER, question_set=QS)

    assert (edited.state, edited.version) == (S.DRAFT, 2)
    assert edited.questions == ("PQ-GEN-Q04",)
    assert edited.answer_by == dt.date(2030, 7, 1)
    assert edited.subject.given_names == "László Péter"
    assert edited.request_text == FreeText(text="Bitte prüfen.", lang="de")
    assert edited.created_at == NOW and edited.updated_at == LATER
    assert [e.action for e in edited.timeline] == [A.CREATE, A.EDIT]
    refused = refuse(draft, A.EDIT, ACTORS[P.REQUESTER],
                     args=step_args(A.EDIT, responder_authority_id=REQUESTER))
    assert refused.code == "request_to_itself"


def test_a_sent_request_can_no_longer_be_edited():
    refused = refuse(case_in(S.SENT), A.EDIT, ACTORS[P.REQUESTER])

    assert (refused.code, refused.params) == ("invalid_transition",
                                              {"action": "edit", "state": "sent"})


def test_the_timeline_keeps_when_the_officer_acted_and_when_the_server_applied():
    offline = NOW - dt.timedelta(hours=5)
    case = apply_step(case_in(S.SENT), A.ACCEPT, step_args(A.ACCEPT), actor=ACTORS[P.RESPONDER],
                      now=NOW, question_set=QS, acted_at=offline)

    event = case.timeline[-1]
    assert (event.acted_at, event.at) == (offline, NOW)


def test_a_clock_running_ahead_cannot_date_a_step_after_its_receipt():
    case = apply_step(case_in(S.SENT), A.ACCEPT, step_args(A.ACCEPT), actor=ACTORS[P.RESPONDER],
                      now=NOW, question_set=QS, acted_at=NOW + dt.timedelta(days=3))

    assert case.timeline[-1].acted_at == NOW


def test_refusals_carry_their_parameters():
    refused = refuse(case_in(S.WITHDRAWN), A.ANSWER, ACTORS[P.RESPONDER])

    assert refused.params == {"action": "answer", "state": "withdrawn"}


# Answers of every type -----------------------------------------------------------------------

TYPED = QuestionSet.model_validate({
    "code": "TYPED", "area": "PQ", "version": 1, "names": {"en": "Every answer type"},
    "questions": [
        {"code": code, "texts": {"en": code}, "answer_type": answer_type,
         "answers": [{"code": f"{code}-A{n}", "texts": {"en": str(n)}}
                     for n in range(1, options + 1)]}
        for code, answer_type, options in (
            ("YN", "yes_no", 2), ("ONE", "single_choice", 3), ("MANY", "multiple_choice", 3),
            ("DATE", "date", 0), ("NUM", "number", 0), ("TEXT", "text", 0), ("DOC", "document", 0))
    ],
})
GOOD_TYPED = {
    "YN": {"answer": "YN-A2"}, "ONE": {"answer": "ONE-A3"},
    "MANY": {"choices": ["MANY-A1", "MANY-A3"]},
    "DATE": {"value": "2019-09-01"}, "NUM": {"value": "4,5"},
    "TEXT": {"value": "Eingetragen unter Nr. 4711.", "lang": "de"},
    "DOC": {"value": "Kopie der Approbationsurkunde, per Post am 3. Mai versandt", "lang": "de"},
}


def typed_case():
    case = apply_step(None, A.CREATE, create_args(question_set="TYPED", questions=list(GOOD_TYPED)),
                      actor=ACTORS[P.REQUESTER], now=NOW, question_set=TYPED)
    for action, party in ((A.SEND, P.REQUESTER), (A.ACCEPT, P.RESPONDER)):
        case = apply_step(case, action, step_args(action), actor=ACTORS[party], now=NOW,
                          question_set=TYPED)
    return case


def typed_answers(**changes):
    return [{"question": code, **changes.get(code, given)} for code, given in GOOD_TYPED.items()]


def test_every_answer_type_is_answered_with_its_kind_of_answer():
    new = apply_step(typed_case(), A.ANSWER, step_args(A.ANSWER, answers=typed_answers()),
                     actor=ACTORS[P.RESPONDER], now=LATER, question_set=TYPED)

    given = {a.question: a for a in new.answers}
    assert given["MANY"].choices == ("MANY-A1", "MANY-A3")
    assert (given["TEXT"].value, given["TEXT"].lang) == ("Eingetragen unter Nr. 4711.", "de")
    assert given["DATE"].value == "2019-09-01"
    # A choice answer is written as before the answer types: no empty keys on the wire.
    assert given["YN"].model_dump(mode="json") == {"question": "YN", "answer": "YN-A2"}


@pytest.mark.parametrize(("question", "given"), [
    ("YN", {"value": "yes"}), ("ONE", {"answer": "YN-A1"}), ("ONE", {"choices": ["ONE-A1"]}),
    ("MANY", {"answer": "MANY-A1"}), ("MANY", {"choices": ["MANY-A1", "MANY-A9"]}),
    ("MANY", {"choices": ["MANY-A1", "MANY-A1"]}), ("DATE", {"value": "1 May 2019"}),
    ("DATE", {"answer": "DATE"}), ("NUM", {"value": "four"}), ("NUM", {"value": "NaN"}),
    ("TEXT", {"answer": "ONE-A1"}),
], ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())))
def test_an_answer_of_the_wrong_kind_is_refused(question, given):
    refused = refuse(typed_case(), A.ANSWER, ACTORS[P.RESPONDER], question_set=TYPED,
                     args=step_args(A.ANSWER, answers=typed_answers(**{question: given})))

    assert refused.code == "not_an_answer"
    assert refused.params["question"] == question


@pytest.mark.parametrize("given", [{}, {"answer": "YN-A1", "value": "yes"}, {"value": ""}])
def test_an_answer_gives_exactly_one_thing(given):
    with pytest.raises(RemoteProtocolError):
        parse_args("case.answer", {"case_id": CASE_ID, "answers": [{"question": "YN", **given}]})


# Rights per legislative area (``user_areas``): every step of a user limited to other areas
# is refused; a user without area rows is not limited.
STEPS_ON_A_CASE = sorted(((state, action, role) for (state, action, role) in EXPECTED_TRANSITIONS
                          if state is not None), key=str)


@pytest.mark.parametrize(("state", "action", "role"), STEPS_ON_A_CASE)
def test_a_user_limited_to_other_areas_is_refused_every_step(state, action, role):
    case = case_in(state)
    limited = dataclasses.replace(ACTORS[role], areas=frozenset({"SERV"}))
    with pytest.raises(WorkflowRefused) as info:
        apply_step(case, action, step_args(action), actor=limited, now=LATER,
                   question_set=QS, organisation=ORG)
    assert (info.value.code, info.value.params) == ("area_not_allowed", {"area": "PQ"})
    assert allowed_actions(case, limited.authority_id, limited.roles, limited.areas) \
        == frozenset()
    granted = dataclasses.replace(limited, areas=frozenset({"SERV", "PQ"}))
    assert apply_step(case, action, step_args(action), actor=granted, now=LATER,
                      question_set=QS, organisation=ORG).state in (
        EXPECTED_TRANSITIONS[(state, action, role)], S.AWAITING_APPROVAL,
        S.REPLY_AWAITING_APPROVAL)
    assert action in allowed_actions(case, granted.authority_id, granted.roles, granted.areas)


def test_a_user_limited_to_other_areas_creates_nothing_and_moves_no_draft_there():
    limited = dataclasses.replace(ACTORS[P.REQUESTER], areas=frozenset({"SERV"}))
    with pytest.raises(WorkflowRefused) as info:
        apply_step(None, A.CREATE, create_args(), actor=limited, now=NOW, question_set=QS,
                   organisation=ORG)
    assert info.value.code == "area_not_allowed"
    assert ACTORS[P.REQUESTER].areas is None  # no rows: not limited, as before
    only_pq = dataclasses.replace(ACTORS[P.REQUESTER], areas=frozenset({"PQ"}))
    edit = parse_args("case.edit_draft", {**create_args().model_dump(mode="json"),
                                          "area": "SERV"})[0]
    with pytest.raises(WorkflowRefused) as info:
        apply_step(new_case(), A.EDIT, edit, actor=only_pq, now=LATER, question_set=QS,
                   organisation=ORG)
    assert (info.value.code, info.value.params) == ("area_not_allowed", {"area": "SERV"})
