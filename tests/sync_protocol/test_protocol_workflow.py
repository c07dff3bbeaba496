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
    Escalation,
    FreeText,
    Participant,
    Subject,
    for_version,
)
from sync_protocol.catalogue import CatalogueFile, QuestionSet
from sync_protocol.errors import RemoteProtocolError, WorkflowRefused
from sync_protocol.mutations import MUTATION_FOR_ACTION, MUTATIONS, parse_args
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    AuthorityMode,
    Direction,
    Organisation,
    Place,
)
from sync_protocol.visibility import case_audiences, case_views
from sync_protocol.workflow import (
    ALLOCATOR_ROLE,
    COORDINATOR_ROLE,
    HANDLER_ROLE,
    TRANSITIONS,
    Actor,
    allowed_actions,
    apply_step,
    split_off,
    user_role_for,
)

CATALOGUE_FILE = Path(__file__).parents[2] / "sync_server" / "seed" / "question_set_pq.json"
QS = CatalogueFile.model_validate_json(CATALOGUE_FILE.read_bytes()).question_sets[0]
QUESTIONS = ("PQ-GEN-Q01", "PQ-GEN-Q04", "PQ-GEN-Q12")
NOW = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
CASE_ID = "0123456789abcdef0123456789abcdef"
REQUESTER, RESPONDER, THIRD = "DE-LZK", "HU-ENKK", "FR-ONCD"
REQUESTER_COORD, RESPONDER_COORD = "sdimic-DE-BW", "nimic-HU"
ESCALATION_COORD = "dimic-HU-PQ"  # the responder's responsible coordinator
OTHER = "AT-BMG"  # where requests are forwarded and split off to
NEW_CASE_ID = "fedcba9876543210fedcba9876543210"
MUCH_LATER = NOW + dt.timedelta(days=62)  # over two months without a step: inactive

S, A, P = CaseStatus, Action, CaseRole
COORDINATORS = (P.REQUESTER_COORDINATOR, P.RESPONDER_COORDINATOR)
OPEN = (S.SENT, S.ACCEPTED, S.ANSWERED)

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
    # Version 3 (issue 9): the full workflow.
    (S.ANSWERED, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.ANSWERED, A.REQUEST_MORE, P.REQUESTER): S.ACCEPTED,
    (S.SENT, A.FORWARD, P.RESPONDER): S.SENT,
    (S.ACCEPTED, A.FORWARD, P.RESPONDER): S.SENT,
    # Steps beside the states: the state stays.
    (S.ACCEPTED, A.AGREE_DATE, P.REQUESTER): S.ACCEPTED,
    (S.ACCEPTED, A.DECLINE_DATE, P.REQUESTER): S.ACCEPTED,
    (S.SENT, A.SPLIT, P.RESPONDER): S.SENT,
    (S.ACCEPTED, A.SPLIT, P.RESPONDER): S.ACCEPTED,
    **{(s, a, p): s for s in OPEN for a in (A.ASK_INFO, A.GIVE_INFO, A.ESCALATE)
       for p in (P.REQUESTER, P.RESPONDER)},
    **{(s, A.COMMENT, p): s
       for s in (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED, S.CLOSED)
       for p in (P.REQUESTER, P.RESPONDER, P.ESCALATION_COORDINATOR)},
    (S.CLOSED, A.RATE, P.REQUESTER): S.CLOSED,
    **{(s, A.RESOLVE_ESCALATION, P.ESCALATION_COORDINATOR): s
       for s in (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED, S.CLOSED,
                 S.WITHDRAWN)},
    **{(s, A.ALLOCATE, P.REQUESTER): s
       for s in (S.AWAITING_APPROVAL, S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL,
                 S.ANSWERED)},
    **{(s, A.ALLOCATE, P.RESPONDER): s
       for s in (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED)},
}

# What each role may do in the cases of ``PATHS`` (the responder proposed another date when
# accepting; no information was asked for, nothing rated; the escalation coordinator's cases
# are escalated), the guards without arguments applied, as the client enables its buttons.
_TALK = {A.ASK_INFO, A.COMMENT, A.ESCALATE, A.ALLOCATE}
EXPECTED_ALLOWED = {
    (S.DRAFT, P.REQUESTER): {A.EDIT, A.SEND, A.WITHDRAW},
    (S.AWAITING_APPROVAL, P.REQUESTER): {A.WITHDRAW, A.ALLOCATE},
    (S.AWAITING_APPROVAL, P.REQUESTER_COORDINATOR): {A.APPROVE, A.REFUSE},
    (S.SENT, P.REQUESTER): {A.WITHDRAW, *_TALK},
    (S.SENT, P.RESPONDER): {A.ACCEPT, A.FORWARD, A.SPLIT, *_TALK},
    (S.SENT, P.ESCALATION_COORDINATOR): {A.COMMENT, A.RESOLVE_ESCALATION},
    (S.ACCEPTED, P.REQUESTER): {A.WITHDRAW, A.AGREE_DATE, A.DECLINE_DATE, *_TALK},
    (S.ACCEPTED, P.RESPONDER): {A.ANSWER, A.FORWARD, A.SPLIT, *_TALK},
    (S.ACCEPTED, P.ESCALATION_COORDINATOR): {A.COMMENT, A.RESOLVE_ESCALATION},
    (S.REPLY_AWAITING_APPROVAL, P.REQUESTER): {A.WITHDRAW, A.COMMENT, A.ALLOCATE},
    (S.REPLY_AWAITING_APPROVAL, P.RESPONDER): {A.COMMENT, A.ALLOCATE},
    (S.REPLY_AWAITING_APPROVAL, P.RESPONDER_COORDINATOR): {A.APPROVE, A.REFUSE},
    (S.REPLY_AWAITING_APPROVAL, P.ESCALATION_COORDINATOR): {A.COMMENT, A.RESOLVE_ESCALATION},
    (S.ANSWERED, P.REQUESTER): {A.ACCEPT_REPLY, A.WITHDRAW, A.REQUEST_MORE, *_TALK},
    (S.ANSWERED, P.RESPONDER): _TALK,
    (S.ANSWERED, P.ESCALATION_COORDINATOR): {A.COMMENT, A.RESOLVE_ESCALATION},
    (S.CLOSED, P.REQUESTER): {A.COMMENT, A.RATE},
    (S.CLOSED, P.RESPONDER): {A.COMMENT},
    (S.CLOSED, P.ESCALATION_COORDINATOR): {A.COMMENT, A.RESOLVE_ESCALATION},
    (S.WITHDRAWN, P.ESCALATION_COORDINATOR): {A.RESOLVE_ESCALATION},
}

# The organisation the paths run under: the requester's requests and the responder's replies
# need their coordinators' approval, so every role takes part.
ORG = Organisation.of(
    rules=[ApprovalRule(member_state="DE", region="BW", area="PQ", direction=Direction.REQUEST,
                        coordinator_authority_id=REQUESTER_COORD),
           ApprovalRule(member_state="HU", area="PQ", direction=Direction.REPLY,
                        coordinator_authority_id=RESPONDER_COORD)],
    places={REQUESTER: Place(member_state="DE", region="BW"),
            RESPONDER: Place(member_state="HU"), OTHER: Place(member_state="AT")},
    coordinators={REQUESTER: REQUESTER_COORD, RESPONDER: ESCALATION_COORD})
# No approval rules: each step goes where the table says (escalations still have somewhere to go).
NO_RULES = Organisation.of(coordinators={RESPONDER: ESCALATION_COORD})

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


HANDLER = frozenset({HANDLER_ROLE, ALLOCATOR_ROLE})  # handles and allocates requests
COORDINATOR = frozenset({COORDINATOR_ROLE})


def actor(authority_id, roles=HANDLER):
    return Actor(user_id=f"user-{authority_id}", user_name=f"Handler {authority_id}",
                 authority_id=authority_id, roles=roles)


ACTORS = {P.REQUESTER: actor(REQUESTER), P.RESPONDER: actor(RESPONDER),
          P.REQUESTER_COORDINATOR: actor(REQUESTER_COORD, COORDINATOR),
          P.RESPONDER_COORDINATOR: actor(RESPONDER_COORD, COORDINATOR),
          P.ESCALATION_COORDINATOR: actor(ESCALATION_COORD, COORDINATOR)}


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


REASON = {"text": "Bitte ergänzen", "lang": "de"}
TEXT = {"text": "Bitte senden Sie die Urkunde.", "lang": "de"}
PROPOSED = "2030-06-15"
# The arguments each step needs beyond the case id, where it needs any.
ARGS = {
    A.ANSWER: {"answers": answers()},
    A.REFUSE: {"reason": REASON},
    A.WITHDRAW: {"reason": REASON},
    A.ACCEPT: {"proposed_answer_by": PROPOSED},
    A.DECLINE_DATE: {"reason": REASON},
    A.FORWARD: {"responder_authority_id": OTHER},
    A.SPLIT: {"new_case_id": NEW_CASE_ID, "responder_authority_id": OTHER,
              "questions": [QUESTIONS[0]]},
    A.ASK_INFO: {"text": TEXT},
    A.GIVE_INFO: {"text": TEXT},
    A.COMMENT: {"text": TEXT},
    A.REQUEST_MORE: {"reason": REASON},
    A.RATE: {"timeliness": 4, "effort": 5},
    A.ESCALATE: {"reason": REASON},
    A.ALLOCATE: {"user_id": "u-anna", "user_name": "Anna Weber"},
}


def step_args(action, **extra):
    base = {"case_id": CASE_ID, **ARGS.get(action, {}), **extra}
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


def escalated(case):
    """``case`` with an open escalation to the responder's coordinator (as after a step
    ``ESCALATE``, taken when the case has been inactive; its path is tested on its own)."""
    return case.with_participants(
        (*case.participants,
         Participant(authority_id=ESCALATION_COORD, role=P.ESCALATION_COORDINATOR)),
        escalation=Escalation(reason=FreeText(**REASON), authority_id=REQUESTER,
                              coordinator_id=ESCALATION_COORD, at=NOW))


def case_for(state, role):
    """A case in ``state`` as ``role`` meets it: escalated for the escalation coordinator
    (where a case can be: once it reached the responder)."""
    case = case_in(state)
    if role is P.ESCALATION_COORDINATOR and state not in (S.DRAFT, S.AWAITING_APPROVAL):
        case = escalated(case)
    return case


def ready(state, action, role):
    """A case in ``state`` on which the guards of ``action`` let ``role`` take it, and when:
    further information asked for by the other side before it is given; two months of quiet
    before an escalation."""
    case = case_for(state, role)
    if action is A.GIVE_INFO:
        other = P.REQUESTER if role is P.RESPONDER else P.RESPONDER
        case = apply_step(case, A.ASK_INFO, step_args(A.ASK_INFO), actor=ACTORS[other],
                          now=NOW, question_set=QS, organisation=ORG)
    return case, (MUCH_LATER if action is A.ESCALATE else LATER)


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
    case, when = ready(before, action, party)
    note = FreeText(text="Bitte beachten", lang="de")
    # Where the step's own text is its timeline note (a reason, a note), and where it is not.
    noted = "reason" if action in (A.WITHDRAW, A.REFUSE, A.DECLINE_DATE, A.REQUEST_MORE) else (
        "note" if action in (A.CREATE, A.SEND, A.ACCEPT, A.ACCEPT_REPLY, A.APPROVE, A.AGREE_DATE,
                             A.FORWARD, A.SPLIT, A.RESOLVE_ESCALATION) else None)
    extra = {noted: note.model_dump()} if noted else {}

    new = apply_step(case, action, step_args(action, **extra), actor=ACTORS[party], now=when,
                     question_set=QS, base_version=case.version, organisation=NO_RULES)

    assert new.state is after
    assert new.version == case.version + 1
    assert new.updated_at == when
    assert new.created_at == case.created_at
    assert new.timeline[:-1] == case.timeline
    event = new.timeline[-1]
    assert (event.action, event.state, event.at) == (action, after, when)
    assert event.authority_id == ACTORS[party].authority_id
    assert event.user_name == ACTORS[party].user_name
    assert event.note == (note if noted else None)
    unchanged = {"id", "subject", "requester_authority_id", "area", "question_set"}
    assert new.model_dump(include=unchanged) == case.model_dump(include=unchanged)
    if action not in (A.FORWARD, A.SPLIT, A.AGREE_DATE):
        assert (new.responder_authority_id, new.questions, new.answer_by) == (
            case.responder_authority_id, case.questions, case.answer_by)
    assert case.state is before  # the input is a value: untouched


def test_answer_stores_the_answers_and_reply_text():
    case = case_in(S.ACCEPTED)
    reply = {"text": "Die Person ist eingetragen.", "lang": "de"}

    new = apply_step(case, A.ANSWER, step_args(A.ANSWER, reply_text=reply),
                     actor=ACTORS[P.RESPONDER], now=LATER, question_set=QS)

    assert new.answers == tuple(Answer(question=q, answer=f"{q}-A1") for q in QUESTIONS)
    assert new.reply_text == FreeText(**reply)


# Every (state, action, role) outside the table: refused, with the reason the specification
# gives, whether the actor saw the case as it is or an older version of it.
REFUSED = [
    (state, action, party)
    for state, action, party in itertools.product(S, A, P)
    if action is not A.CREATE and (state, action, party) not in EXPECTED_TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"),
                         [(s, a) for s in S for a in A if a is not A.CREATE],
                         ids=lambda v: getattr(v, "value", None))
def test_steps_outside_the_table_are_refused(state, action):
    for party in P:
        if (state, action, party) in EXPECTED_TRANSITIONS:
            continue
        case = case_for(state, party)

        current = refuse(case, action, ACTORS[party])
        seen_current = refuse(case, action, ACTORS[party], base_version=case.version)
        moved_on = refuse(case, action, ACTORS[party], base_version=case.version - 1)

        expected = expected_refusal(case, action, party, moved_on=False)
        assert current.code == seen_current.code == expected, party
        assert moved_on.code == expected_refusal(case, action, party, moved_on=True), party
        if expected == "invalid_transition":
            assert state.value in current.message
        if moved_on.code == "conflict":
            assert state.value in moved_on.message


def test_the_refused_cases_cover_every_state_action_and_role():
    assert len(REFUSED) + len(EXPECTED_TRANSITIONS) - 1 == len(S) * (len(A) - 1) * len(P)


def test_an_allowed_step_on_an_older_version_still_applies():
    case = case_in(S.SENT)

    new = apply_step(case, A.WITHDRAW, step_args(A.WITHDRAW), actor=ACTORS[P.REQUESTER],
                     now=LATER, question_set=QS, base_version=1)
    assert new.timeline[-1].note == FreeText(**REASON)

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
    A.AGREE_DATE: (S.ACCEPTED, P.REQUESTER),
    A.DECLINE_DATE: (S.ACCEPTED, P.REQUESTER),
    A.FORWARD: (S.ACCEPTED, P.RESPONDER),
    A.SPLIT: (S.SENT, P.RESPONDER),
    A.ASK_INFO: (S.SENT, P.REQUESTER),
    A.GIVE_INFO: (S.ACCEPTED, P.RESPONDER),
    A.COMMENT: (S.CLOSED, P.ESCALATION_COORDINATOR),
    A.REQUEST_MORE: (S.ANSWERED, P.REQUESTER),
    A.RATE: (S.CLOSED, P.REQUESTER),
    A.ESCALATE: (S.ANSWERED, P.RESPONDER),
    A.RESOLVE_ESCALATION: (S.WITHDRAWN, P.ESCALATION_COORDINATOR),
    A.ALLOCATE: (S.SENT, P.RESPONDER),
}


@pytest.mark.parametrize("action", list(A), ids=lambda a: a.value)
def test_without_the_needed_role_every_step_is_forbidden(action):
    """Request handlers act for requester and responder, coordinators decide approvals and
    escalations, allocators allocate: none can do another's part."""
    state, party = WHERE_ALLOWED[action]
    assert (state, action, party) in EXPECTED_TRANSITIONS
    needed = user_role_for(action, party)
    others = {HANDLER_ROLE, COORDINATOR_ROLE, ALLOCATOR_ROLE, "local_data_administrator"}
    no_role = actor(ACTORS[party].authority_id, roles=frozenset(others - {needed}))
    case = None if state is None else ready(state, action, party)[0]
    args = create_args() if action is A.CREATE else step_args(action)

    refused = refuse(case, action, no_role, args=args)

    assert refused.code == ("not_allocator" if action is A.ALLOCATE else "forbidden")
    assert action not in (set() if case is None else allowed_actions(
        case, no_role.authority_id, no_role.roles))


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_a_third_authority_is_not_involved(state):
    case = case_in(state)
    for action in A:
        if action is not A.CREATE:
            assert refuse(case, action, actor(THIRD)).code == "not_involved", action


def test_step_on_a_missing_case_is_not_found():
    assert refuse(None, A.SEND, ACTORS[P.REQUESTER]).code == "not_found"


def test_create_over_an_existing_case_is_refused():
    refused = refuse(new_case(), A.CREATE, ACTORS[P.REQUESTER], args=create_args())

    assert refused.code == "already_exists"


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_allowed_actions_per_state_and_party(state):
    for party in P:
        case = case_for(state, party)
        expected = EXPECTED_ALLOWED.get((state, party), set())
        who = ACTORS[party]
        assert allowed_actions(case, who.authority_id, who.roles) == expected, party
        # Without the user's roles, what the case roles allow; with the time, no escalation
        # before two months of quiet.
        assert allowed_actions(case, who.authority_id) == expected, party
        assert allowed_actions(case, who.authority_id, who.roles, now=LATER) == (
            expected - {A.ESCALATE}), party
        assert allowed_actions(case, who.authority_id, who.roles, now=MUCH_LATER) == expected
    assert allowed_actions(case_in(state), THIRD) == frozenset()


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_allowed_actions_agree_with_apply_step(state):
    """What the client enables is exactly what the server would accept."""
    for party in P:
        case = case_for(state, party)
        who = ACTORS[party]
        # (Two months on, the dates the steps give are in the past: only escalation waits.)
        for action, when in [(a, LATER) for a in A] + [(A.ESCALATE, MUCH_LATER)]:
            if action is A.CREATE:
                continue
            try:
                apply_step(case, action, step_args(action), actor=who, now=when,
                           question_set=QS, organisation=NO_RULES)
                accepted = True
            except WorkflowRefused:
                accepted = False
            enabled = action in allowed_actions(case, who.authority_id, who.roles, now=when)
            assert accepted == enabled, (party, action, when)


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
    case, when = ready(state, action, role)
    limited = dataclasses.replace(ACTORS[role], areas=frozenset({"SERV"}))
    with pytest.raises(WorkflowRefused) as info:
        apply_step(case, action, step_args(action), actor=limited, now=when,
                   question_set=QS, organisation=ORG)
    assert (info.value.code, info.value.params) == ("area_not_allowed", {"area": "PQ"})
    assert allowed_actions(case, limited.authority_id, limited.roles, limited.areas) \
        == frozenset()
    granted = dataclasses.replace(limited, areas=frozenset({"SERV", "PQ"}))
    assert apply_step(case, action, step_args(action), actor=granted, now=when,
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


# The full workflow's steps and their guards (issue 9) ------------------------------------


def step(case, action, role, *, now=LATER, organisation=NO_RULES, **extra):
    return apply_step(case, action, step_args(action, **extra), actor=ACTORS[role], now=now,
                      question_set=QS, organisation=organisation)


def refused_code(case, action, role, *, now=LATER, organisation=NO_RULES, **extra):
    with pytest.raises(WorkflowRefused) as info:
        step(case, action, role, now=now, organisation=organisation, **extra)
    return info.value.code


def test_accepting_may_propose_a_date_which_the_requester_agrees_to():
    accepted = case_in(S.ACCEPTED)
    assert (accepted.proposed_answer_by, accepted.answer_by) == (
        dt.date(2030, 6, 15), dt.date(2030, 6, 1))

    agreed = step(accepted, A.AGREE_DATE, P.REQUESTER)

    assert (agreed.answer_by, agreed.proposed_answer_by) == (dt.date(2030, 6, 15), None)
    assert refused_code(agreed, A.AGREE_DATE, P.REQUESTER) == "no_date_proposed"
    assert refused_code(agreed, A.DECLINE_DATE, P.REQUESTER) == "no_date_proposed"


def test_a_declined_date_leaves_the_answer_date_and_keeps_the_reason():
    declined = step(case_in(S.ACCEPTED), A.DECLINE_DATE, P.REQUESTER)

    assert (declined.answer_by, declined.proposed_answer_by) == (dt.date(2030, 6, 1), None)
    assert declined.timeline[-1].note == FreeText(**REASON)


def test_accepting_without_a_proposal_or_with_the_same_date_proposes_nothing():
    sent = case_in(S.SENT)
    for given in ({"proposed_answer_by": None}, {"proposed_answer_by": "2030-06-01"}):
        accepted = apply_step(sent, A.ACCEPT, step_args(A.ACCEPT, **given),
                              actor=ACTORS[P.RESPONDER], now=LATER, question_set=QS)
        assert accepted.proposed_answer_by is None
    assert refused_code(sent, A.ACCEPT, P.RESPONDER, now=MUCH_LATER) == "answer_date_in_past"


def test_an_answer_settles_a_proposal_left_open():
    answered = step(case_in(S.ACCEPTED), A.ANSWER, P.RESPONDER)

    assert answered.proposed_answer_by is None


@pytest.mark.parametrize("state", [S.SENT, S.ACCEPTED])
def test_forwarding_hands_the_case_to_the_new_responder(state):
    case = step(case_in(state), A.ALLOCATE, P.RESPONDER)
    case = step(case, A.ALLOCATE, P.REQUESTER)
    case = step(case, A.ASK_INFO, P.RESPONDER)

    forwarded = step(case, A.FORWARD, P.RESPONDER)

    assert forwarded.state is S.SENT
    assert forwarded.responder_authority_id == OTHER
    assert forwarded.roles_of(RESPONDER) == frozenset()
    assert forwarded.holders(P.RESPONDER) == (OTHER,)
    assert (forwarded.proposed_answer_by, forwarded.open_info_request) == (None, None)
    assert forwarded.messages == case.messages  # the history stays with the case
    assert [a.authority_id for a in forwarded.assignments] == [REQUESTER]
    assert set(case_audiences(forwarded)) == audience(REQUESTER, OTHER)
    assert A.ACCEPT in allowed_actions(forwarded, OTHER)


def test_a_forwarded_reply_approver_takes_no_part_in_the_new_responder_s_reply():
    awaiting = case_in(S.REPLY_AWAITING_APPROVAL)
    back = apply_step(awaiting, A.REFUSE, step_args(A.REFUSE), actor=ACTORS[
        P.RESPONDER_COORDINATOR], now=LATER, question_set=QS, organisation=ORG)
    assert RESPONDER_COORD in back.holders(P.RESPONDER_COORDINATOR)

    forwarded = step(back, A.FORWARD, P.RESPONDER)

    assert forwarded.holders(P.RESPONDER_COORDINATOR) == ()
    assert (forwarded.answers, forwarded.reply_text) == ((), None)


@pytest.mark.parametrize(("target", "code"), [
    (RESPONDER, "forward_to_itself"), (REQUESTER, "forward_to_requester")])
def test_forwarding_and_splitting_go_to_a_third_authority(target, code):
    sent = case_in(S.SENT)
    assert refused_code(sent, A.FORWARD, P.RESPONDER, responder_authority_id=target) == code
    assert refused_code(sent, A.SPLIT, P.RESPONDER, responder_authority_id=target) == code


def test_forwarding_to_an_authority_that_only_sends_is_refused():
    sends_only = Organisation.of(modes=[AuthorityAreaMode(authority_id=OTHER, area="PQ",
                                                          mode=AuthorityMode.SEND)])

    code = refused_code(case_in(S.SENT), A.FORWARD, P.RESPONDER, organisation=sends_only)

    assert code == "authority_cannot_answer"


def test_a_split_keeps_the_other_questions_and_links_the_new_case():
    case = step(case_in(S.ACCEPTED), A.ALLOCATE, P.RESPONDER)
    case = step(case, A.ALLOCATE, P.REQUESTER)
    args = step_args(A.SPLIT, questions=list(QUESTIONS[:2]))

    original = apply_step(case, A.SPLIT, args, actor=ACTORS[P.RESPONDER], now=LATER,
                          question_set=QS)
    new = split_off(case, args, actor=ACTORS[P.RESPONDER], now=LATER)

    assert original.state is S.ACCEPTED
    assert original.questions == QUESTIONS[2:]
    assert [(link.case_id, link.kind) for link in original.links] == [(NEW_CASE_ID, "split_into")]
    assert (new.id, new.version, new.state) == (NEW_CASE_ID, 1, S.SENT)
    assert new.questions == QUESTIONS[:2]
    assert [(link.case_id, link.kind) for link in new.links] == [(CASE_ID, "split_from")]
    same = ("requester_authority_id", "subject", "area", "question_set", "question_set_version",
            "answer_by", "request_text")
    assert new.model_dump(include=set(same)) == case.model_dump(include=set(same))
    assert new.responder_authority_id == OTHER
    assert (new.answers, new.messages, new.proposed_answer_by) == ((), (), None)
    assert [a.authority_id for a in new.assignments] == [REQUESTER]
    assert [(e.action, e.state, e.authority_id) for e in new.timeline] == [
        (A.SPLIT, S.SENT, RESPONDER)]
    # The splitting authority keeps the original and does not see the new case.
    assert set(case_audiences(new)) == audience(REQUESTER, OTHER)
    assert set(case_audiences(original)) == audience(REQUESTER, RESPONDER)


def test_a_split_after_an_answer_was_asked_for_again_keeps_only_the_remaining_answers():
    again = step(case_in(S.ANSWERED), A.REQUEST_MORE, P.REQUESTER)
    assert again.state is S.ACCEPTED and len(again.answers) == 3  # kept until replaced

    split = step(again, A.SPLIT, P.RESPONDER)

    assert [a.question for a in split.answers] == list(QUESTIONS[1:])


@pytest.mark.parametrize(("questions", "code"), [
    (list(QUESTIONS), "split_all_questions"),
    (["PQ-GEN-Q02"], "question_not_in_case"),
    ([QUESTIONS[0], QUESTIONS[0]], "question_asked_twice"),
])
def test_split_guards(questions, code):
    assert refused_code(case_in(S.SENT), A.SPLIT, P.RESPONDER, questions=questions) == code


def test_a_split_into_the_case_itself_is_refused():
    assert refused_code(case_in(S.SENT), A.SPLIT, P.RESPONDER,
                        new_case_id=CASE_ID) == "already_exists"


def test_two_rounds_of_further_information_each_way():
    case = case_in(S.ACCEPTED)
    for asking, giving in ((P.RESPONDER, P.REQUESTER), (P.REQUESTER, P.RESPONDER),
                           (P.RESPONDER, P.REQUESTER)):
        assert refused_code(case, A.GIVE_INFO, asking) == "no_info_requested"
        case = step(case, A.ASK_INFO, asking)
        assert case.open_info_request is asking
        assert refused_code(case, A.ASK_INFO, giving) == "info_already_requested"
        assert refused_code(case, A.GIVE_INFO, asking) == "no_info_requested"
        case = step(case, A.GIVE_INFO, giving)
        assert case.open_info_request is None
    assert [(m.kind, m.authority_id) for m in case.messages] == [
        ("info_request", RESPONDER), ("info_reply", REQUESTER),
        ("info_request", REQUESTER), ("info_reply", RESPONDER),
        ("info_request", RESPONDER), ("info_reply", REQUESTER)]
    assert case.state is S.ACCEPTED
    message = case.messages[0]
    assert (message.text, message.user_name, message.at) == (
        FreeText(**TEXT), ACTORS[P.RESPONDER].user_name, LATER)


def test_comments_leave_the_state_and_reach_the_other_side():
    case = step(case_in(S.CLOSED), A.COMMENT, P.RESPONDER)

    assert case.state is S.CLOSED
    assert [(m.kind, m.authority_id) for m in case.messages] == [("comment", RESPONDER)]


def test_withdrawing_a_sent_request_needs_a_reason_a_draft_does_not():
    no_reason = parse_args("case.withdraw", {"case_id": CASE_ID})[0]
    with pytest.raises(WorkflowRefused) as info:
        apply_step(case_in(S.ANSWERED), A.WITHDRAW, no_reason, actor=ACTORS[P.REQUESTER],
                   now=LATER, question_set=QS)
    assert info.value.code == "reason_required"

    withdrawn = apply_step(new_case(), A.WITHDRAW, no_reason, actor=ACTORS[P.REQUESTER],
                           now=LATER, question_set=QS)

    assert withdrawn.state is S.WITHDRAWN


def test_a_closed_case_is_rated_once():
    rated = step(case_in(S.CLOSED), A.RATE, P.REQUESTER, note=TEXT)

    assert (rated.rating.timeliness, rated.rating.effort, rated.rating.at) == (4, 5, LATER)
    assert rated.timeline[-1].note is None  # the rating keeps its own note
    assert refused_code(rated, A.RATE, P.REQUESTER) == "already_rated"


@pytest.mark.parametrize("score", [0, 6])
def test_ratings_are_from_one_to_five(score):
    with pytest.raises(RemoteProtocolError):
        step_args(A.RATE, timeliness=score)


def test_an_inactive_case_is_escalated_to_the_responder_s_coordinator_until_resolved():
    case = case_in(S.ACCEPTED)
    assert refused_code(case, A.ESCALATE, P.REQUESTER) == "not_inactive"
    assert refused_code(case, A.ESCALATE, P.REQUESTER,
                        now=case.timeline[-1].at + dt.timedelta(days=61)) == "not_inactive"

    up = step(case, A.ESCALATE, P.REQUESTER, now=MUCH_LATER)

    assert up.escalation == Escalation(reason=FreeText(**REASON), authority_id=REQUESTER,
                                       coordinator_id=ESCALATION_COORD, at=MUCH_LATER)
    assert ESCALATION_COORD in up.holders(P.ESCALATION_COORDINATOR)
    assert set(case_audiences(up)) == audience(REQUESTER, RESPONDER, ESCALATION_COORD)
    assert refused_code(up, A.ESCALATE, P.RESPONDER,
                        now=MUCH_LATER + dt.timedelta(days=70)) == "already_escalated"
    commented = step(up, A.COMMENT, P.ESCALATION_COORDINATOR, now=MUCH_LATER)

    resolved = step(commented, A.RESOLVE_ESCALATION, P.ESCALATION_COORDINATOR, now=MUCH_LATER)

    assert resolved.escalation.open is False
    assert resolved.holders(P.ESCALATION_COORDINATOR) == ()
    assert set(case_audiences(resolved)) == audience(REQUESTER, RESPONDER)
    assert refused_code(resolved, A.COMMENT, P.ESCALATION_COORDINATOR) == "not_involved"
    # The resolution is a step: the case must be quiet for two months again.
    assert refused_code(resolved, A.ESCALATE, P.REQUESTER,
                        now=MUCH_LATER + dt.timedelta(days=1)) == "not_inactive"
    assert step(resolved, A.ESCALATE, P.REQUESTER,
                now=MUCH_LATER + dt.timedelta(days=62)).escalation.open


def test_the_not_inactive_refusal_says_since_when():
    with pytest.raises(WorkflowRefused) as info:
        step(case_in(S.SENT), A.ESCALATE, P.RESPONDER)
    assert info.value.params == {"since": NOW.date().isoformat()}


def test_an_escalation_needs_a_responsible_coordinator():
    code = refused_code(case_in(S.SENT), A.ESCALATE, P.REQUESTER, now=MUCH_LATER,
                        organisation=Organisation.of())
    assert code == "no_coordinator"


def test_an_allocation_per_authority_replaces_that_authority_s_last_one():
    case = step(case_in(S.SENT), A.ALLOCATE, P.REQUESTER)
    case = step(case, A.ALLOCATE, P.RESPONDER)
    case = step(case, A.ALLOCATE, P.RESPONDER, user_id="u-bela", user_name="Kovács Béla")

    assert [(a.authority_id, a.user_id) for a in case.assignments] == [
        (REQUESTER, "u-anna"), (RESPONDER, "u-bela")]
    # Each authority sees only its own allocation.
    views = case_views(case)
    assert [a.user_id for a in views[f"authority:{REQUESTER}"].assignments] == ["u-anna"]
    assert [a.user_id for a in views[f"authority:{RESPONDER}"].assignments] == ["u-bela"]


def test_a_request_handler_without_the_allocator_role_does_not_allocate():
    handler = actor(RESPONDER, frozenset({HANDLER_ROLE}))
    with pytest.raises(WorkflowRefused) as info:
        apply_step(case_in(S.SENT), A.ALLOCATE, step_args(A.ALLOCATE), actor=handler,
                   now=LATER, question_set=QS)
    assert info.value.code == "not_allocator"
    allocator_only = actor(RESPONDER, frozenset({ALLOCATOR_ROLE}))
    assert allowed_actions(case_in(S.SENT), RESPONDER, allocator_only.roles) == {A.ALLOCATE}
    assert step(case_in(S.SENT), A.ALLOCATE, P.RESPONDER).assignments


def test_records_of_version_2_read_with_the_new_fields_empty():
    stored = case_in(S.SENT).model_dump(mode="json")
    for field in ("proposed_answer_by", "links", "messages", "open_info_request", "rating",
                  "escalation", "assignments"):
        del stored[field]

    old = CaseRecord.model_validate(stored)

    assert (old.links, old.messages, old.escalation, old.assignments) == ((), (), None, ())


V2_FIELDS = {"id", "version", "state", "area", "question_set", "question_set_version",
             "requester_authority_id", "responder_authority_id", "subject", "questions",
             "answer_by", "request_text", "answers", "reply_text", "created_at", "updated_at",
             "timeline", "participants"}


def test_a_version_2_client_gets_the_case_without_what_version_3_added():
    case = step(case_in(S.ACCEPTED), A.COMMENT, P.REQUESTER)
    case = escalated(case)
    data = case.model_dump(mode="json")

    for spoken in (2, None):
        old = for_version(data, spoken)
        assert set(old) <= V2_FIELDS
        assert [p["role"] for p in old["participants"]] == [
            "requester", "responder", "requester_coordinator"]
        assert [e["action"] for e in old["timeline"]] == [
            "create", "send", "approve", "accept"]
        # What is left parses as a version-2 record did: no field it did not know.
        assert CaseRecord.model_validate(old).messages == ()
    assert for_version(data, 3) == data
