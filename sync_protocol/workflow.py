"""The request workflow (M5): which step may be taken, in which role, in which state.

This module owns the rules. ``TRANSITIONS`` is the whole table (state x action x role in the
case -> state); each action has a small handler in ``HANDLERS`` that checks its arguments and
reads the synced configuration through its guards (``sync_protocol.organisation``: approval
rules hold an outgoing request or reply for a coordinator, authority modes allow sending or
answering per area). ``apply_step`` turns a case and a checked mutation into the next case.
The server enforces it on every push; the client uses the same function to apply a step
optimistically and ``allowed_actions`` to enable its buttons. There is no second copy.
"""

import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from typing import Final

from sync_protocol.cases import (
    Action,
    Answer,
    Assignment,
    CaseLink,
    CaseMessage,
    CaseRecord,
    CaseRole,
    CaseStatus,
    Escalation,
    FreeText,
    MessageKind,
    Participant,
    Rating,
    TimelineEvent,
)
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.errors import WorkflowRefused
from sync_protocol.mutations import (
    AcceptCase,
    AllocateCase,
    AnswerCase,
    ApprovalDecision,
    CaseStep,
    CommentCase,
    CreateCase,
    DeclineDate,
    EditDraft,
    EscalateCase,
    ForwardCase,
    InfoReply,
    InfoRequest,
    RateCase,
    RefuseApproval,
    RequestMore,
    SplitCase,
    WithdrawCase,
    _Args,
)
from sync_protocol.notices import INACTIVE_AFTER
from sync_protocol.organisation import NO_ORGANISATION, Direction, Organisation
from sync_protocol.visibility import sees

S, A, R = CaseStatus, Action, CaseRole

# (state before, action, role in the case) -> state after. ``None`` is "no case yet".
# Send and answer go to the approval states instead when a rule asks for a coordinator's
# approval (their handlers' guards); approving goes on to where the step was heading.
TRANSITIONS: Final[dict[tuple[CaseStatus | None, Action, CaseRole], CaseStatus]] = {
    (None, A.CREATE, R.REQUESTER): S.DRAFT,
    (S.DRAFT, A.EDIT, R.REQUESTER): S.DRAFT,
    (S.DRAFT, A.SEND, R.REQUESTER): S.SENT,
    (S.AWAITING_APPROVAL, A.APPROVE, R.REQUESTER_COORDINATOR): S.SENT,
    (S.AWAITING_APPROVAL, A.REFUSE, R.REQUESTER_COORDINATOR): S.DRAFT,
    (S.SENT, A.ACCEPT, R.RESPONDER): S.ACCEPTED,
    (S.ACCEPTED, A.ANSWER, R.RESPONDER): S.ANSWERED,
    (S.REPLY_AWAITING_APPROVAL, A.APPROVE, R.RESPONDER_COORDINATOR): S.ANSWERED,
    (S.REPLY_AWAITING_APPROVAL, A.REFUSE, R.RESPONDER_COORDINATOR): S.ACCEPTED,
    (S.ANSWERED, A.ACCEPT_REPLY, R.REQUESTER): S.CLOSED,
    (S.DRAFT, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    (S.AWAITING_APPROVAL, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    (S.SENT, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    (S.ACCEPTED, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    (S.REPLY_AWAITING_APPROVAL, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    (S.ANSWERED, A.WITHDRAW, R.REQUESTER): S.WITHDRAWN,
    # Asking for more after a reply: the responder answers again.
    (S.ANSWERED, A.REQUEST_MORE, R.REQUESTER): S.ACCEPTED,
    # Forwarding hands the request to another authority, which receives it as sent.
    (S.SENT, A.FORWARD, R.RESPONDER): S.SENT,
    (S.ACCEPTED, A.FORWARD, R.RESPONDER): S.SENT,
}

# Steps beside the states: each leaves the state as it is, in the states and roles listed.
_OPEN = (S.SENT, S.ACCEPTED, S.ANSWERED)
_SIDES = (R.REQUESTER, R.RESPONDER)
_BESIDE: Final[tuple[tuple[Action, tuple[CaseStatus, ...], tuple[CaseRole, ...]], ...]] = (
    (A.AGREE_DATE, (S.ACCEPTED,), (R.REQUESTER,)),
    (A.DECLINE_DATE, (S.ACCEPTED,), (R.REQUESTER,)),
    (A.SPLIT, (S.SENT, S.ACCEPTED), (R.RESPONDER,)),
    (A.ASK_INFO, _OPEN, _SIDES),
    (A.GIVE_INFO, _OPEN, _SIDES),
    (A.COMMENT, (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED, S.CLOSED),
     (*_SIDES, R.ESCALATION_COORDINATOR)),
    (A.RATE, (S.CLOSED,), (R.REQUESTER,)),
    (A.ESCALATE, _OPEN, _SIDES),
    # An escalation stays open whatever happens to the case, until its coordinator closes it.
    (A.RESOLVE_ESCALATION, (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED,
                            S.CLOSED, S.WITHDRAWN), (R.ESCALATION_COORDINATOR,)),
    (A.ALLOCATE, (S.AWAITING_APPROVAL, S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL,
                  S.ANSWERED), (R.REQUESTER,)),
    (A.ALLOCATE, (S.SENT, S.ACCEPTED, S.REPLY_AWAITING_APPROVAL, S.ANSWERED), (R.RESPONDER,)),
)
TRANSITIONS.update({(state, action, role): state
                    for action, states, roles in _BESIDE for state in states for role in roles})

# The role a user needs at their authority to act in each role of a case.
HANDLER_ROLE: Final = "request_handler"
COORDINATOR_ROLE: Final = "coordinator"
ALLOCATOR_ROLE: Final = "allocator"
USER_ROLE_FOR: Final[Mapping[CaseRole, str]] = {
    R.REQUESTER: HANDLER_ROLE,
    R.RESPONDER: HANDLER_ROLE,
    R.REQUESTER_COORDINATOR: COORDINATOR_ROLE,
    R.RESPONDER_COORDINATOR: COORDINATOR_ROLE,
    R.ESCALATION_COORDINATOR: COORDINATOR_ROLE,
}
# Steps the requester's and responder's users take with another role than request handler.
USER_ROLE_FOR_ACTION: Final[Mapping[Action, str]] = {A.ALLOCATE: ALLOCATOR_ROLE}


_CASE_USER_ROLES: Final = frozenset({HANDLER_ROLE, COORDINATOR_ROLE, ALLOCATOR_ROLE})


def user_role_for(action: Action, role: CaseRole) -> str:
    """The role a user needs at their authority to take ``action`` in case role ``role``."""
    if role in (R.REQUESTER, R.RESPONDER):
        return USER_ROLE_FOR_ACTION.get(action, USER_ROLE_FOR[role])
    return USER_ROLE_FOR[role]


# The coordinator role whose decision each approval state waits for.
DECIDED_BY: Final[Mapping[CaseStatus, CaseRole]] = {
    S.AWAITING_APPROVAL: R.REQUESTER_COORDINATOR,
    S.REPLY_AWAITING_APPROVAL: R.RESPONDER_COORDINATOR,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Actor:
    """Who takes a step: from the server's token, or the client's own profile."""

    user_id: str
    user_name: str
    authority_id: str
    roles: frozenset[str]
    # The legislative areas the user has rights in (``user_areas``). ``None``: the user has no
    # area rows and is not limited per area (users made before rights per area existed).
    areas: frozenset[str] | None = None


def area_allowed(area: str, areas: frozenset[str] | None) -> bool:
    """Whether a user with rights in ``areas`` (``None``: not limited) may act in ``area``."""
    return areas is None or area in areas


def _check_area(area: str, actor: Actor) -> None:
    """Guard of every step: the case's legislative area is one of the user's areas."""
    if not area_allowed(area, actor.areas):
        raise WorkflowRefused("area_not_allowed",
                              f"you have no rights in the legislative area {area}",
                              params={"area": area})


def allowed_actions(case: CaseRecord, authority_id: str,
                    user_roles: frozenset[str] | None = None,
                    user_areas: frozenset[str] | None = None,
                    now: dt.datetime | None = None) -> frozenset[Action]:
    """The steps ``authority_id`` may take on ``case`` now (to enable buttons).

    ``user_roles``: the user's roles at the authority; when given, a case role the user
    cannot act in (a coordinator's decision without the coordinator role, an allocation
    without the allocator role) adds nothing. ``user_areas``: the user's legislative areas; a
    case in another area allows nothing. The guards that need no arguments are applied too
    (a date to agree to, an open request for information, an escalation); ``now``, when
    given, also the two months of inactivity an escalation needs.
    """
    if not area_allowed(case.area, user_areas):
        return frozenset()
    roles = frozenset(r for r in case.roles_of(authority_id) if sees(case, r))
    return frozenset(
        action for (state, action, role) in TRANSITIONS
        if state is case.state and role in roles
        and (user_roles is None or user_role_for(action, role) in user_roles)
        and available(case, action, role, now)
    )


def available(case: CaseRecord, action: Action, role: CaseRole,
              now: dt.datetime | None = None) -> bool:
    """Whether the guards of ``action`` that read only the case let ``role`` take it now
    (``now`` ``None``: the inactivity an escalation needs is not checked)."""
    if action in (A.AGREE_DATE, A.DECLINE_DATE):
        return case.proposed_answer_by is not None
    if action is A.ASK_INFO:
        return case.open_info_request is None
    if action is A.GIVE_INFO:
        return case.open_info_request is not None and case.open_info_request is not role
    if action is A.RATE:
        return case.rating is None
    if action is A.SPLIT:
        return len(case.questions) > 1
    if action is A.ESCALATE:
        return not _escalated(case) and (now is None or inactive(case, now))
    return True


def _escalated(case: CaseRecord) -> bool:
    return case.escalation is not None and case.escalation.open


def last_activity(case: CaseRecord) -> dt.datetime:
    """When the case last moved: its last timeline step (any step, comments included)."""
    return case.timeline[-1].at if case.timeline else case.updated_at


def inactive(case: CaseRecord, now: dt.datetime) -> bool:
    """Whether the case has had no step for over ``INACTIVE_AFTER`` (two months)."""
    return now - last_activity(case) > INACTIVE_AFTER


@dataclasses.dataclass(frozen=True, kw_only=True)
class Step:
    """One step being applied: what a handler reads."""

    case: CaseRecord
    args: _Args
    actor: Actor
    role: CaseRole
    target: CaseStatus
    organisation: Organisation
    question_set: QuestionSet | None
    now: dt.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a handler decides: the state, field changes, the timeline note, participants."""

    state: CaseStatus
    changes: Mapping[str, object] = dataclasses.field(default_factory=dict)
    note: FreeText | None = None
    participants: tuple[Participant, ...] | None = None


Handler = Callable[[Step], Outcome]


def apply_step(
    case: CaseRecord | None,
    action: Action,
    args: _Args,
    *,
    actor: Actor,
    now: dt.datetime,
    question_set: QuestionSet | None,
    base_version: int | None = None,
    acted_at: dt.datetime | None = None,
    organisation: Organisation = NO_ORGANISATION,
) -> CaseRecord:
    """The case after ``actor`` takes ``action`` with ``args``; raise ``WorkflowRefused``.

    ``question_set`` is the catalogue entry the case uses (needed to check codes on create,
    edit and answer). ``organisation`` is the synced configuration the guards read (approval
    rules, authority modes, where the authorities are). ``base_version`` is the version the
    actor saw; a refusal on a case that has moved on since is reported as a ``conflict`` (or,
    for a coordinator's decision, as the reason it no longer applies) so the user learns that
    someone else acted. ``acted_at`` is when the officer took the step (the mutation's
    ``created_at``; offline, hours before ``now``, when the server receives it). The timeline
    keeps both; a clock that runs ahead cannot date a step after its receipt.
    """
    acted = min(acted_at, now) if acted_at is not None else now
    if action is Action.CREATE:
        if HANDLER_ROLE not in actor.roles:
            raise WorkflowRefused("forbidden", "you do not have the request handler role")
        if case is not None:
            raise WorkflowRefused("already_exists", "a case with this id already exists")
        assert isinstance(args, CreateCase)
        _check_area(args.area, actor)
        return _create(args, actor=actor, now=now, acted=acted, question_set=question_set,
                       organisation=organisation)
    if case is None:
        if not actor.roles & _CASE_USER_ROLES:
            raise WorkflowRefused("forbidden", "you do not have the request handler role")
        raise WorkflowRefused("not_found", "no such case")
    roles = case.roles_of(actor.authority_id)
    # A responder the request never reached is not involved yet; a coordinator is told why
    # its decision no longer applies, even once the case has left its sight.
    if not any(sees(case, role) or role in DECIDED_BY.values() for role in roles):
        if not actor.roles & _CASE_USER_ROLES:
            raise WorkflowRefused("forbidden", "you do not have the request handler role")
        raise WorkflowRefused("not_involved", "your authority is not involved in this case")
    role, target = _transition(case, action, roles, actor=actor, base_version=base_version)
    _check_area(case.area, actor)
    if isinstance(args, EditDraft):
        _check_area(args.area, actor)
    outcome = HANDLERS[action](Step(case=case, args=args, actor=actor, role=role,
                                    target=target, organisation=organisation,
                                    question_set=question_set, now=now))
    event = TimelineEvent(
        at=now,
        acted_at=acted,
        action=action,
        state=outcome.state,
        authority_id=actor.authority_id,
        user_name=actor.user_name,
        note=outcome.note,
    )
    changes = {
        **outcome.changes,
        "state": outcome.state,
        "version": case.version + 1,
        "updated_at": now,
        "timeline": (*case.timeline, event),
    }
    if outcome.participants is not None:
        return case.with_participants(outcome.participants, **changes)
    return case.model_copy(update=changes)


def _transition(case: CaseRecord, action: Action, roles: frozenset[CaseRole], *,
                actor: Actor, base_version: int | None) -> tuple[CaseRole, CaseStatus]:
    """The role the actor acts in and the state the table leads to; or the refusal."""
    acting = [r for r in roles if user_role_for(action, r) in actor.roles]
    for role in sorted(acting):
        target = TRANSITIONS.get((case.state, action, role))
        if target is not None:
            return role, target
    if not acting:
        needed = {user_role_for(action, r) for r in roles}
        if ALLOCATOR_ROLE in needed:
            raise WorkflowRefused("not_allocator", "you do not have the allocator role")
        if COORDINATOR_ROLE in needed and HANDLER_ROLE not in needed:
            raise WorkflowRefused("forbidden", "you do not have the coordinator role")
        raise WorkflowRefused("forbidden", "you do not have the request handler role")
    if action in (Action.APPROVE, Action.REFUSE) and any(r in DECIDED_BY.values()
                                                          for r in acting):
        _decision_no_longer_applies(case)
    if base_version is not None and base_version < case.version:
        raise WorkflowRefused(
            "conflict",
            f"the case changed before your {action.value} reached the server: "
            f"it is now {case.state.value}",
            params={"action": action.value, "state": case.state.value},
        )
    raise WorkflowRefused(
        "invalid_transition", f"cannot {action.value} a case that is {case.state.value}",
        params={"action": action.value, "state": case.state.value},
    )


def _decision_no_longer_applies(case: CaseRecord) -> None:
    """A coordinator's approve or refuse on a case that no longer waits for it: say why."""
    if case.state is CaseStatus.WITHDRAWN:
        raise WorkflowRefused("approval_withdrawn",
                              "the sender withdrew the case before your decision reached "
                              "the server")
    decided = next((e for e in reversed(case.timeline)
                    if e.action in (Action.APPROVE, Action.REFUSE)), None)
    if decided is not None:
        raise WorkflowRefused("approval_already_decided",
                              f"another coordinator already decided ({decided.action.value})",
                              params={"decision": decided.action.value,
                                      "user": decided.user_name})
    raise WorkflowRefused("approval_not_pending",
                          f"the case does not wait for an approval: it is {case.state.value}",
                          params={"state": case.state.value})


# The handlers: one per action. Each checks its arguments and runs its guards.

def _edit(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, EditDraft)
    _check_request(args, actor=step.actor, now=step.now, question_set=step.question_set,
                   organisation=step.organisation)
    participants = tuple(
        Participant(authority_id=args.responder_authority_id, role=p.role)
        if p.role is CaseRole.RESPONDER else p
        for p in step.case.participants)
    return Outcome(state=step.target,
                   changes={**{field: getattr(args, field) for field in _REQUEST_FIELDS},
                            "request_attachments": args.attachments},
                   participants=participants)


def _send(step: Step) -> Outcome:
    case = step.case
    _check_modes(case.area, case.requester_authority_id, case.responder_authority_id,
                 step.organisation)
    approver = step.organisation.approver(case.requester_authority_id, case.area,
                                          Direction.REQUEST)
    note = _note(step.args)
    if approver is None or approver == case.requester_authority_id:
        return Outcome(state=step.target, note=note)
    return Outcome(state=CaseStatus.AWAITING_APPROVAL, note=note,
                   participants=_joined(case, approver, CaseRole.REQUESTER_COORDINATOR))


def _accept(step: Step) -> Outcome:
    args, case = step.args, step.case
    assert isinstance(args, AcceptCase)
    proposed = args.proposed_answer_by
    if proposed is not None and proposed < step.now.date():
        raise WorkflowRefused("answer_date_in_past", "the proposed answer date is in the past",
                              params={"answer_by": proposed.isoformat()})
    if proposed == case.answer_by:
        proposed = None  # the date asked for: nothing to agree to
    return Outcome(state=step.target, note=args.note,
                   changes={"proposed_answer_by": proposed})


def _proposed(case: CaseRecord) -> dt.date:
    """Guard of agreeing to or declining a date: the responder proposed one."""
    if case.proposed_answer_by is None:
        raise WorkflowRefused("no_date_proposed", "no other answer date was proposed")
    return case.proposed_answer_by


def _agree_date(step: Step) -> Outcome:
    proposed = _proposed(step.case)
    return Outcome(state=step.target, note=_note(step.args),
                   changes={"answer_by": proposed, "proposed_answer_by": None})


def _decline_date(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, DeclineDate)
    _proposed(step.case)
    return Outcome(state=step.target, note=args.reason, changes={"proposed_answer_by": None})


def _check_new_responder(case: CaseRecord, authority_id: str,
                         organisation: Organisation) -> None:
    """Guard of forwarding and splitting: another authority than the two sides, one that may
    answer requests in the case's area. (That it exists, is active and competent in the area
    only the server knows: ``sync_server.cases.service``.)"""
    if authority_id == case.responder_authority_id:
        raise WorkflowRefused("forward_to_itself",
                              "a request cannot be forwarded to the authority that holds it")
    if authority_id == case.requester_authority_id:
        raise WorkflowRefused("forward_to_requester",
                              "a request cannot be forwarded to the authority that sent it")
    _check_modes(case.area, case.requester_authority_id, authority_id, organisation)


def _without_reply() -> dict[str, object]:
    """The changes that drop a reply (and its documents, where the record has them)."""
    changes: dict[str, object] = {"answers": (), "reply_text": None}
    if "reply_attachments" in CaseRecord.model_fields:
        changes["reply_attachments"] = ()
    return changes


def _forward(step: Step) -> Outcome:
    args, case = step.args, step.case
    assert isinstance(args, ForwardCase)
    new = args.responder_authority_id
    _check_new_responder(case, new, step.organisation)
    old = case.responder_authority_id
    # The new responder takes the forwarder's place; a coordinator that was to approve the
    # forwarder's reply has no part in the new responder's.
    participants = tuple(
        Participant(authority_id=new, role=p.role) if p.role is CaseRole.RESPONDER else p
        for p in case.participants if p.role is not CaseRole.RESPONDER_COORDINATOR)
    return Outcome(state=step.target, note=args.note, participants=participants, changes={
        **_without_reply(),
        "responder_authority_id": new,
        "proposed_answer_by": None,
        "open_info_request": None,
        "assignments": tuple(a for a in case.assignments if a.authority_id != old),
    })


def _split(step: Step) -> Outcome:
    args, case = step.args, step.case
    assert isinstance(args, SplitCase)
    _check_split(case, args, step.organisation)
    remaining = tuple(q for q in case.questions if q not in args.questions)
    return Outcome(state=step.target, note=args.note, changes={
        "questions": remaining,
        "answers": tuple(a for a in case.answers if a.question in remaining),
        "links": (*case.links, CaseLink(case_id=args.new_case_id, kind="split_into")),
    })


def _check_split(case: CaseRecord, args: SplitCase, organisation: Organisation) -> None:
    _check_new_responder(case, args.responder_authority_id, organisation)
    unknown = [q for q in args.questions if q not in case.questions]
    if unknown:
        raise WorkflowRefused("question_not_in_case",
                              f"not questions of this case: {', '.join(unknown)}",
                              params={"questions": ", ".join(unknown)})
    twice = next((q for q in args.questions if args.questions.count(q) > 1), None)
    if twice is not None:
        raise WorkflowRefused("question_asked_twice", "a question is split off twice",
                              params={"question": twice})
    if set(args.questions) == set(case.questions):
        raise WorkflowRefused("split_all_questions",
                              "splitting off every question is forwarding the request")
    if args.new_case_id == case.id or any(link.case_id == args.new_case_id
                                          for link in case.links):
        raise WorkflowRefused("already_exists", "a case with this id already exists")


def split_off(case: CaseRecord, args: SplitCase, *, actor: Actor, now: dt.datetime,
              acted_at: dt.datetime | None = None) -> CaseRecord:
    """The new case a split makes of ``case`` (as it was before the split): sent to the
    authority named, with the questions split off, the same requester, subject, area,
    question set, answer date and request text, linked back to ``case``. The splitting
    authority takes no part in it (and does not see it)."""
    kept = ("area", "question_set", "question_set_version", "requester_authority_id",
            "subject", "answer_by", "request_text", "request_attachments")
    data = case.model_dump()
    acted = min(acted_at, now) if acted_at is not None else now
    return CaseRecord.model_validate({
        **{field: data[field] for field in kept if field in data},
        "id": args.new_case_id,
        "version": 1,
        "state": CaseStatus.SENT,
        "responder_authority_id": args.responder_authority_id,
        "participants": (
            Participant(authority_id=case.requester_authority_id, role=CaseRole.REQUESTER),
            Participant(authority_id=args.responder_authority_id, role=CaseRole.RESPONDER)),
        "questions": tuple(q for q in case.questions if q in args.questions),
        "links": (CaseLink(case_id=case.id, kind="split_from"),),
        "assignments": tuple(a for a in case.assignments
                             if a.authority_id == case.requester_authority_id),
        "created_at": now,
        "updated_at": now,
        "timeline": (TimelineEvent(at=now, acted_at=acted, action=Action.SPLIT,
                                   state=CaseStatus.SENT, authority_id=actor.authority_id,
                                   user_name=actor.user_name, note=args.note),),
    })


def _message(step: Step, kind: MessageKind, args: InfoRequest | InfoReply | CommentCase,
             **changes: object) -> Outcome:
    message = CaseMessage(kind=kind, authority_id=step.actor.authority_id,
                          user_name=step.actor.user_name, at=step.now, text=args.text,
                          attachments=args.attachments)
    return Outcome(state=step.target,
                   changes={"messages": (*step.case.messages, message), **changes})


def _ask_info(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, InfoRequest)
    if step.case.open_info_request is not None:
        raise WorkflowRefused("info_already_requested",
                              "further information was asked for and not given yet")
    return _message(step, "info_request", args, open_info_request=step.role)


def _give_info(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, InfoReply)
    if step.case.open_info_request in (None, step.role):
        raise WorkflowRefused("no_info_requested",
                              "the other side has not asked for further information")
    return _message(step, "info_reply", args, open_info_request=None)


def _comment(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, CommentCase)
    return _message(step, "comment", args)


def _request_more(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, RequestMore)
    return Outcome(state=step.target, note=args.reason)


def _rate(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, RateCase)
    if step.case.rating is not None:
        raise WorkflowRefused("already_rated", "the case was already rated")
    return Outcome(state=step.target, changes={"rating": Rating(
        timeliness=args.timeliness, effort=args.effort, note=args.note, at=step.now)})


def _escalate(step: Step) -> Outcome:
    args, case = step.args, step.case
    assert isinstance(args, EscalateCase)
    if _escalated(case):
        raise WorkflowRefused("already_escalated", "the case is already escalated")
    if not inactive(case, step.now):
        since = last_activity(case).date().isoformat()
        raise WorkflowRefused("not_inactive",
                              f"the case last moved on {since}: not two months ago",
                              params={"since": since})
    coordinator = step.organisation.responsible(case.responder_authority_id)
    if coordinator is None:
        raise WorkflowRefused("no_coordinator",
                              f"{case.responder_authority_id} has no responsible coordinator",
                              params={"authority": case.responder_authority_id})
    escalation = Escalation(reason=args.reason, authority_id=step.actor.authority_id,
                            coordinator_id=coordinator, at=step.now)
    return Outcome(state=step.target, changes={"escalation": escalation},
                   participants=_joined(case, coordinator, CaseRole.ESCALATION_COORDINATOR))


def _resolve_escalation(step: Step) -> Outcome:
    case = step.case
    assert case.escalation is not None  # the coordinator sees the case only while open
    participants = tuple(p for p in case.participants
                         if p.role is not CaseRole.ESCALATION_COORDINATOR)
    return Outcome(state=step.target, note=_note(step.args), participants=participants,
                   changes={"escalation": case.escalation.model_copy(update={"open": False})})


def _allocate(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, AllocateCase)
    mine = step.actor.authority_id
    assignment = Assignment(authority_id=mine, user_id=args.user_id, user_name=args.user_name)
    return Outcome(state=step.target, changes={"assignments": (
        *(a for a in step.case.assignments if a.authority_id != mine), assignment)})


def _answer(step: Step) -> Outcome:
    args, case = step.args, step.case
    assert isinstance(args, AnswerCase)
    _check_answers(case, args, step.question_set)
    # Once answered, a date proposed on accepting is no longer open for agreement.
    changes = {"answers": args.answers, "reply_text": args.reply_text,
               "reply_attachments": args.attachments, "proposed_answer_by": None}
    approver = step.organisation.approver(case.responder_authority_id, case.area,
                                          Direction.REPLY)
    if approver is None or approver == case.responder_authority_id:
        return Outcome(state=step.target, changes=changes)
    return Outcome(state=CaseStatus.REPLY_AWAITING_APPROVAL, changes=changes,
                   participants=_joined(case, approver, CaseRole.RESPONDER_COORDINATOR))


def _approve(step: Step) -> Outcome:
    return Outcome(state=step.target, note=_note(step.args))


def _refuse(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, RefuseApproval)
    # A refused reply goes back to its author without reaching the requester: drop it.
    changes = (_without_reply()
               if step.case.state is CaseStatus.REPLY_AWAITING_APPROVAL else {})
    return Outcome(state=step.target, note=args.reason, changes=changes)


def _withdraw(step: Step) -> Outcome:
    args = step.args
    assert isinstance(args, WithdrawCase)
    if args.reason is None and step.case.state is not CaseStatus.DRAFT:
        raise WorkflowRefused("reason_required",
                              "a request that was sent is withdrawn with a reason")
    return Outcome(state=step.target, note=args.reason)


def _plain(step: Step) -> Outcome:
    return Outcome(state=step.target, note=_note(step.args))


def _note(args: _Args) -> FreeText | None:
    return args.note if isinstance(args, (CaseStep, ApprovalDecision)) else None


def _joined(case: CaseRecord, authority_id: str, role: CaseRole) -> tuple[Participant, ...]:
    joining = Participant(authority_id=authority_id, role=role)
    if joining in case.participants:
        return case.participants
    return (*case.participants, joining)


HANDLERS: Final[Mapping[Action, Handler]] = {
    Action.EDIT: _edit,
    Action.SEND: _send,
    Action.ACCEPT: _accept,
    Action.ANSWER: _answer,
    Action.ACCEPT_REPLY: _plain,
    Action.WITHDRAW: _withdraw,
    Action.APPROVE: _approve,
    Action.REFUSE: _refuse,
    Action.AGREE_DATE: _agree_date,
    Action.DECLINE_DATE: _decline_date,
    Action.FORWARD: _forward,
    Action.SPLIT: _split,
    Action.ASK_INFO: _ask_info,
    Action.GIVE_INFO: _give_info,
    Action.COMMENT: _comment,
    Action.REQUEST_MORE: _request_more,
    Action.RATE: _rate,
    Action.ESCALATE: _escalate,
    Action.RESOLVE_ESCALATION: _resolve_escalation,
    Action.ALLOCATE: _allocate,
}


# What an edit of a draft may change: everything the create set, except the case id.
_REQUEST_FIELDS: Final = ("area", "question_set", "question_set_version",
                          "responder_authority_id", "subject", "questions", "answer_by",
                          "request_text")


def _create(
    args: CreateCase, *, actor: Actor, now: dt.datetime, acted: dt.datetime,
    question_set: QuestionSet | None, organisation: Organisation,
) -> CaseRecord:
    _check_request(args, actor=actor, now=now, question_set=question_set,
                   organisation=organisation)
    state = TRANSITIONS[(None, Action.CREATE, CaseRole.REQUESTER)]
    return CaseRecord(
        id=args.case_id,
        version=1,
        state=state,
        requester_authority_id=actor.authority_id,
        participants=(
            Participant(authority_id=actor.authority_id, role=CaseRole.REQUESTER),
            Participant(authority_id=args.responder_authority_id, role=CaseRole.RESPONDER),
        ),
        **{field: getattr(args, field) for field in _REQUEST_FIELDS},
        request_attachments=args.attachments,
        created_at=now,
        updated_at=now,
        timeline=(
            TimelineEvent(
                at=now,
                acted_at=acted,
                action=Action.CREATE,
                state=state,
                authority_id=actor.authority_id,
                user_name=actor.user_name,
            ),
        ),
    )


def _check_request(
    args: CreateCase, *, actor: Actor, now: dt.datetime, question_set: QuestionSet | None,
    organisation: Organisation,
) -> None:
    if question_set is None or (question_set.code, question_set.version) != (
        args.question_set,
        args.question_set_version,
    ):
        raise WorkflowRefused("unknown_question_set", f"no question set {args.question_set}",
                              params={"question_set": args.question_set})
    if question_set.area != args.area:
        raise WorkflowRefused("question_set_other_area", "the question set is for another area",
                              params={"question_set": args.question_set, "area": args.area})
    unknown = [code for code in args.questions if question_set.question(code) is None]
    if unknown:
        raise WorkflowRefused("unknown_question", f"not in the question set: {', '.join(unknown)}",
                              params={"questions": ", ".join(unknown)})
    twice = next((q for q in args.questions if args.questions.count(q) > 1), None)
    if twice is not None:
        raise WorkflowRefused("question_asked_twice", "a question is asked twice",
                              params={"question": twice})
    if args.answer_by < now.date():
        raise WorkflowRefused("answer_date_in_past", "the answer date is in the past",
                              params={"answer_by": args.answer_by.isoformat()})
    if args.responder_authority_id == actor.authority_id:
        raise WorkflowRefused("request_to_itself", "an authority cannot send a request to itself")
    _check_modes(args.area, actor.authority_id, args.responder_authority_id, organisation)


def _check_modes(area: str, requester: str, responder: str, organisation: Organisation) -> None:
    """Guard: the requester may send, and the responder answer, in ``area``."""
    if not organisation.may_send(requester, area):
        raise WorkflowRefused("authority_cannot_send",
                              f"{requester} only answers requests in {area}",
                              params={"authority": requester, "area": area})
    if not organisation.may_answer(responder, area):
        raise WorkflowRefused("authority_cannot_answer",
                              f"{responder} only sends requests in {area}",
                              params={"authority": responder, "area": area})


def _check_answers(case: CaseRecord, args: AnswerCase, question_set: QuestionSet | None) -> None:
    if question_set is None:
        raise WorkflowRefused("unknown_question_set", f"no question set {case.question_set}",
                              params={"question_set": case.question_set})
    given = [a.question for a in args.answers]
    if sorted(given) != sorted(case.questions):
        raise WorkflowRefused("answers_incomplete", "answer every question of the request once")
    for answer in args.answers:
        question = question_set.question(answer.question)
        if question is None or not _fits(question, answer):
            shown = answer.answer or ", ".join(answer.choices) or answer.value or ""
            raise WorkflowRefused(
                "not_an_answer", f"{shown} is not an answer to {answer.question}",
                params={"question": answer.question, "answer": shown},
            )


def _fits(question: Question, answer: Answer) -> bool:
    """Whether ``answer`` is of the kind ``question`` asks for (its type, its options)."""
    options = {o.code for o in question.answers}
    if question.answer_type == "multiple_choice":
        return (bool(answer.choices) and set(answer.choices) <= options
                and len(set(answer.choices)) == len(answer.choices))
    if question.is_choice:
        return answer.answer in options
    if answer.value is None:
        return False
    if question.answer_type == "date":
        try:
            dt.date.fromisoformat(answer.value)
        except ValueError:
            return False
        return True
    if question.answer_type == "number":
        try:
            return decimal.Decimal(answer.value.replace(",", ".")).is_finite()
        except decimal.InvalidOperation:
            return False
    return True  # text, document: any text
