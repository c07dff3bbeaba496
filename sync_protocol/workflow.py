"""The request workflow (M5): which step may be taken, by whom, in which state.

This module owns the rules. ``TRANSITIONS`` is the whole table (state x action x party ->
state); ``apply_step`` turns a case and a checked mutation into the next case. The server
enforces it on every push; the client uses the same function to apply a step optimistically
and ``allowed_actions`` to enable its buttons. There is no second copy of these rules.
"""

import dataclasses
import datetime as dt
import decimal
from typing import Final

from sync_protocol.cases import (
    Action,
    Answer,
    CaseRecord,
    CaseStatus,
    FreeText,
    Party,
    TimelineEvent,
)
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.errors import WorkflowRefused
from sync_protocol.mutations import (
    AnswerCase,
    CaseStep,
    CreateCase,
    EditDraft,
    WithdrawCase,
    _Args,
)

S, A, P = CaseStatus, Action, Party

# (state before, action, party) -> state after. ``None`` is "no case yet".
TRANSITIONS: Final[dict[tuple[CaseStatus | None, Action, Party], CaseStatus]] = {
    (None, A.CREATE, P.REQUESTER): S.DRAFT,
    (S.DRAFT, A.EDIT, P.REQUESTER): S.DRAFT,
    (S.DRAFT, A.SEND, P.REQUESTER): S.SENT,
    (S.SENT, A.ACCEPT, P.RESPONDER): S.ACCEPTED,
    (S.ACCEPTED, A.ANSWER, P.RESPONDER): S.ANSWERED,
    (S.ANSWERED, A.ACCEPT_REPLY, P.REQUESTER): S.CLOSED,
    (S.DRAFT, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.SENT, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
    (S.ACCEPTED, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN,
}

# The role a user needs at their authority to take any step on a request.
HANDLER_ROLE: Final = "request_handler"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Actor:
    """Who takes a step: from the server's token, or the client's own profile."""

    user_id: str
    user_name: str
    authority_id: str
    roles: frozenset[str]


def allowed_actions(case: CaseRecord, authority_id: str) -> frozenset[Action]:
    """The steps ``authority_id`` may take on ``case`` now (to enable buttons)."""
    party = case.party_of(authority_id)
    return frozenset(
        action for (state, action, p) in TRANSITIONS if state is case.state and p is party
    )


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
) -> CaseRecord:
    """The case after ``actor`` takes ``action`` with ``args``; raise ``WorkflowRefused``.

    ``question_set`` is the catalogue entry the case uses (needed to check codes on create,
    edit and answer). ``base_version`` is the version the actor saw; a refusal on a case that
    has moved on since is reported as a ``conflict`` so the user learns that someone else acted.
    ``acted_at`` is when the officer took the step (the mutation's ``created_at``; offline,
    hours before ``now``, when the server receives it). The timeline keeps both; a clock that
    runs ahead cannot date a step after its receipt.
    """
    acted = min(acted_at, now) if acted_at is not None else now
    if HANDLER_ROLE not in actor.roles:
        raise WorkflowRefused("forbidden", "you do not have the request handler role")
    if action is Action.CREATE:
        if case is not None:
            raise WorkflowRefused("already_exists", "a case with this id already exists")
        assert isinstance(args, CreateCase)
        return _create(args, actor=actor, now=now, acted=acted, question_set=question_set)
    if case is None:
        raise WorkflowRefused("not_found", "no such case")
    party = case.party_of(actor.authority_id)
    if party is None:
        raise WorkflowRefused("not_involved", "your authority is not involved in this case")
    new_state = TRANSITIONS.get((case.state, action, party))
    if new_state is None:
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
    changes: dict[str, object] = {}
    note: FreeText | None = None
    if isinstance(args, EditDraft):
        _check_request(args, actor=actor, now=now, question_set=question_set)
        changes = {field: getattr(args, field) for field in _REQUEST_FIELDS}
    elif isinstance(args, AnswerCase):
        _check_answers(case, args, question_set)
        changes = {"answers": args.answers, "reply_text": args.reply_text}
        note = None
    elif isinstance(args, WithdrawCase):
        note = args.reason
    elif isinstance(args, CaseStep):
        note = args.note
    event = TimelineEvent(
        at=now,
        acted_at=acted,
        action=action,
        state=new_state,
        authority_id=actor.authority_id,
        user_name=actor.user_name,
        note=note,
    )
    return case.model_copy(
        update={
            **changes,
            "state": new_state,
            "version": case.version + 1,
            "updated_at": now,
            "timeline": (*case.timeline, event),
        }
    )


# What an edit of a draft may change: everything the create set, except the case id.
_REQUEST_FIELDS: Final = ("area", "question_set", "question_set_version",
                          "responder_authority_id", "subject", "questions", "answer_by",
                          "request_text")


def _create(
    args: CreateCase, *, actor: Actor, now: dt.datetime, acted: dt.datetime,
    question_set: QuestionSet | None,
) -> CaseRecord:
    _check_request(args, actor=actor, now=now, question_set=question_set)
    state = TRANSITIONS[(None, Action.CREATE, Party.REQUESTER)]
    return CaseRecord(
        id=args.case_id,
        version=1,
        state=state,
        requester_authority_id=actor.authority_id,
        **{field: getattr(args, field) for field in _REQUEST_FIELDS},
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
    args: CreateCase, *, actor: Actor, now: dt.datetime, question_set: QuestionSet | None
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
