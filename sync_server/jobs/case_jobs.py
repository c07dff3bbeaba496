"""The jobs a case needs, and what each does when it falls due.

After every applied step, ``after_step`` schedules what the case's new state calls for (the
timing is ``sync_protocol.notices``) and queues the mails the step itself causes. Jobs are
never cancelled: each one checks, when it runs, that what it is about still holds (the case
is still open, the answer date unchanged, nothing happened since), and otherwise ends quietly.
A changed answer date or a new step schedules new jobs under new keys.
"""

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from sync_protocol.audiences import authority_audience
from sync_protocol.cases import Action, CaseRecord, CaseRole, CaseStatus
from sync_protocol.messages import EntityKind
from sync_protocol.notices import (
    CaseNotice,
    NoticeKind,
    accept_reminder_at,
    deadline_passed_at,
    deadline_soon_at,
    inactive_at,
)
from sync_server.jobs import schedule
from sync_server.jobs.models import ScheduledJob
from sync_server.mail import outbox
from sync_server.sync.publish import json_payload, publish
from sync_server.sync.sequence import SequenceLock

OPEN = (CaseStatus.SENT, CaseStatus.ACCEPTED, CaseStatus.ANSWERED)
AWAITING_ANSWER = (CaseStatus.SENT, CaseStatus.ACCEPTED)

# Steps that put a request before its responder: sent (directly or once its coordinator
# approved it), or forwarded, which for the authority it was forwarded to is a new request.
_REACHES_RESPONDER = (Action.SEND.value, Action.APPROVE.value, Action.FORWARD.value)
# Steps that put a reply before its requester (directly or once approved).
_REACHES_REQUESTER = (Action.ANSWER.value, Action.APPROVE.value)
# Steps that wait for a coordinator's approval, and the coordinator's role in the case.
_APPROVERS: dict[tuple[str, CaseStatus], CaseRole] = {
    (Action.SEND.value, CaseStatus.AWAITING_APPROVAL): CaseRole.REQUESTER_COORDINATOR,
    (Action.ANSWER.value, CaseStatus.REPLY_AWAITING_APPROVAL): CaseRole.RESPONDER_COORDINATOR,
}
# The requester's answer to the date the responder proposed on accepting.
_DATE_ANSWERS: dict[str, str] = {
    Action.AGREE_DATE.value: "date_agreed",
    Action.DECLINE_DATE.value: "date_declined",
}
# Steps that add a message for the others of the case to read or answer.
_MESSAGE_MAILS: dict[str, str] = {
    Action.COMMENT.value: "comment_received",
    Action.ASK_INFO.value: "info_requested",
    Action.GIVE_INFO.value: "info_received",
}


def after_step(session: Session, case: CaseRecord, *, action: str, actor_authority: str,
               now: dt.datetime, actor_user: str | None = None) -> None:
    """Schedule the case's jobs and queue the step's mails, in the step's transaction.

    ``actor_user`` is who took the step: an allocator who allocates a case to themselves is
    not mailed about it."""
    jobs = []
    if case.state in AWAITING_ANSWER:
        answer_by = case.answer_by.isoformat()
        soon = deadline_soon_at(case.answer_by)
        if soon > now:
            jobs.append(schedule.job(kind=NoticeKind.DEADLINE_SOON, subject_id=case.id,
                                     detail=answer_by, due_at=soon))
        jobs.append(schedule.job(kind=NoticeKind.DEADLINE_PASSED, subject_id=case.id,
                                 detail=answer_by, due_at=deadline_passed_at(case.answer_by)))
    if action in _REACHES_RESPONDER and case.state is CaseStatus.SENT:
        # Keyed by the responder: a forwarded request reminds its new responder in its turn.
        jobs.append(schedule.job(kind=NoticeKind.ACCEPT_REMINDER, subject_id=case.id,
                                 detail=case.responder_authority_id,
                                 due_at=accept_reminder_at(now)))
    if case.state in OPEN:
        jobs.append(schedule.job(kind=NoticeKind.INACTIVE, subject_id=case.id,
                                 detail=str(case.version), due_at=inactive_at(now)))
    schedule.add_all(session, jobs)  # one statement for the step's jobs
    for authority, event in step_mails(case, action=action, actor_authority=actor_authority):
        outbox.tell_authority(session, authority_id=authority, event=event, case_id=case.id,
                              now=now)
    assignee = allocated_to(case, action=action, actor_authority=actor_authority)
    if assignee is not None and assignee != actor_user:
        outbox.tell_user(session, user_id=assignee, event="case_assigned", case_id=case.id,
                         now=now)


def step_mails(case: CaseRecord, *, action: str, actor_authority: str
               ) -> list[tuple[str, str]]:
    """The mails a step causes, to the authority that must act next: (authority, event).

    ``case`` is the case after the step. A request or reply waiting for its coordinator's
    approval reaches the other side, and is mailed, when approved. A split-off case is told
    as a sent one (the service calls ``after_step`` for it with ``send``).
    """
    if action in _REACHES_RESPONDER and case.state is CaseStatus.SENT:
        return [(case.responder_authority_id, "request_received")]
    if action in _REACHES_REQUESTER and case.state is CaseStatus.ANSWERED:
        return [(case.requester_authority_id, "answer_received")]
    if action == Action.REQUEST_MORE.value:
        return [(case.responder_authority_id, "more_requested")]
    approver = _APPROVERS.get((action, case.state))
    if approver is not None:
        return [(authority, "approval_requested") for authority in case.holders(approver)]
    if action == Action.ACCEPT.value and case.proposed_answer_by is not None:
        return [(case.requester_authority_id, "date_proposed")]
    if action == Action.ESCALATE.value and case.escalation is not None:
        return [(case.escalation.coordinator_id, "escalated")]
    if action in _DATE_ANSWERS:
        # The responder learns whether the date it proposed holds.
        return [(case.responder_authority_id, _DATE_ANSWERS[action])]
    if action == Action.RESOLVE_ESCALATION.value:
        return [(authority, "escalation_resolved") for authority in
                dict.fromkeys((case.requester_authority_id, case.responder_authority_id))
                if authority != actor_authority]
    message_event = _MESSAGE_MAILS.get(action)
    if message_event is None:
        return []
    readers = [case.requester_authority_id, case.responder_authority_id]
    if action == Action.COMMENT.value and case.escalation is not None and case.escalation.open:
        readers.append(case.escalation.coordinator_id)  # it follows the case it must settle
    return [(authority, message_event) for authority in dict.fromkeys(readers)
            if authority != actor_authority]


def allocated_to(case: CaseRecord, *, action: str, actor_authority: str) -> str | None:
    """The user an allocation step allocated the case to (of the allocator's authority)."""
    if action != Action.ALLOCATE.value:
        return None
    return next((a.user_id for a in case.assignments if a.authority_id == actor_authority),
                None)


def still_due(job: ScheduledJob, case: CaseRecord | None) -> bool:
    """Whether what ``job`` is about still holds for the case as it is now."""
    if case is None:
        return False
    kind = NoticeKind(job.kind)
    if kind in (NoticeKind.DEADLINE_SOON, NoticeKind.DEADLINE_PASSED):
        return case.state in AWAITING_ANSWER and case.answer_by.isoformat() == job.detail
    if kind is NoticeKind.ACCEPT_REMINDER:
        # Jobs from before forwarding existed carry no responder ("").
        return case.state is CaseStatus.SENT and job.detail in ("", case.responder_authority_id)
    return case.state in OPEN and str(case.version) == job.detail


def told_authorities(kind: NoticeKind, case: CaseRecord) -> tuple[str, ...]:
    """Who a notice is for: the responder for what only it can do, else both sides."""
    if kind in (NoticeKind.DEADLINE_SOON, NoticeKind.ACCEPT_REMINDER):
        return (case.responder_authority_id,)
    return (case.requester_authority_id, case.responder_authority_id)


def fire(session: Session, seq: SequenceLock, job: ScheduledJob, case: CaseRecord,
         *, now: dt.datetime) -> set[str]:
    """Publish the notice to the authorities it concerns and queue their mails; return the
    audiences whose view changed."""
    kind = NoticeKind(job.kind)
    notice = CaseNotice(id=hashlib.sha256(job.key.encode()).hexdigest()[:32], case_id=case.id,
                        kind=kind, at=now, answer_by=case.answer_by)
    authorities = told_authorities(kind, case)
    changed = publish(session, seq, kind=EntityKind.NOTICE, entity_id=notice.id, version=1,
                      payload=json_payload(notice.model_dump(mode="json")),
                      audiences=[authority_audience(a) for a in authorities])
    for authority in authorities:
        outbox.tell_authority(session, authority_id=authority, event=kind.value,
                              case_id=case.id, now=now)
    return changed
