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
from sync_protocol.cases import Action, CaseRecord, CaseStatus
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

# Steps that ask the other side to act: (who is told: requester side?, mail event).
_STEP_MAILS: dict[str, tuple[bool, str]] = {
    Action.SEND.value: (False, "request_received"),
    Action.ANSWER.value: (True, "answer_received"),
}
COMMENT = "comment"  # the comment step (another branch adds it): tells the other side


def after_step(session: Session, case: CaseRecord, *, action: str, actor_authority: str,
               now: dt.datetime) -> None:
    """Schedule the case's jobs and queue the step's mails, in the step's transaction."""
    if case.state in AWAITING_ANSWER:
        answer_by = case.answer_by.isoformat()
        soon = deadline_soon_at(case.answer_by)
        if soon > now:
            schedule.add(session, kind=NoticeKind.DEADLINE_SOON, subject_id=case.id,
                         detail=answer_by, due_at=soon)
        schedule.add(session, kind=NoticeKind.DEADLINE_PASSED, subject_id=case.id,
                     detail=answer_by, due_at=deadline_passed_at(case.answer_by))
    if action == Action.SEND.value:
        schedule.add(session, kind=NoticeKind.ACCEPT_REMINDER, subject_id=case.id, detail="",
                     due_at=accept_reminder_at(now))
    if case.state in OPEN:
        schedule.add(session, kind=NoticeKind.INACTIVE, subject_id=case.id,
                     detail=str(case.version), due_at=inactive_at(now))
    told = _STEP_MAILS.get(action)
    if told is not None:
        to_requester, event = told
        authority = case.requester_authority_id if to_requester else case.responder_authority_id
        outbox.tell_authority(session, authority_id=authority, event=event, case_id=case.id,
                              now=now)
    elif action == COMMENT:
        other = (case.responder_authority_id if actor_authority == case.requester_authority_id
                 else case.requester_authority_id)
        outbox.tell_authority(session, authority_id=other, event="comment_received",
                              case_id=case.id, now=now)


def still_due(job: ScheduledJob, case: CaseRecord | None) -> bool:
    """Whether what ``job`` is about still holds for the case as it is now."""
    if case is None:
        return False
    kind = NoticeKind(job.kind)
    if kind in (NoticeKind.DEADLINE_SOON, NoticeKind.DEADLINE_PASSED):
        return case.state in AWAITING_ANSWER and case.answer_by.isoformat() == job.detail
    if kind is NoticeKind.ACCEPT_REMINDER:
        return case.state is CaseStatus.SENT
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
