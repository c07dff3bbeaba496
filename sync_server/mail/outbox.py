"""Writing mails into the outbox, in the caller's transaction, for the people who want them.

Who is told: the active users of the authority that must act (or the one user a case was
allocated to), each as they chose (``MailPreference``): a mail per event, the event held for a
daily digest, or nothing. Users who never chose get nothing (mail is off until a user gives an
address).
"""

import datetime as dt
import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sync_server.auth.models import User
from sync_server.jobs import schedule
from sync_server.mail.models import MailPreference, OutboxMail

EACH, DIGEST, NONE = "each", "digest", "none"
CHOICES = (EACH, DIGEST, NONE)
DIGEST_HOUR = 7  # UTC: the digest of the day before is in the inbox when offices open


def new_message_token() -> str:
    return uuid.uuid4().hex


def next_digest_at(now: dt.datetime) -> dt.datetime:
    today = dt.datetime.combine(now.astimezone(dt.UTC).date(),
                                dt.time(DIGEST_HOUR, tzinfo=dt.UTC))
    return today if today > now else today + dt.timedelta(days=1)


def tell_authority(session: Session, *, authority_id: str, event: str, case_id: str,
                   now: dt.datetime) -> int:
    """Queue ``event`` about ``case_id`` for everyone of ``authority_id`` who wants mail;
    return how many mails or digest entries were queued."""
    return _queue(session, User.authority_id == authority_id, event=event, case_id=case_id,
                  now=now)


def tell_user(session: Session, *, user_id: str, event: str, case_id: str,
              now: dt.datetime) -> int:
    """Queue ``event`` about ``case_id`` for one user, if active and wanting mail (a case
    allocated to them); return how many mails or digest entries were queued (0 or 1)."""
    return _queue(session, User.id == user_id, event=event, case_id=case_id, now=now)


def _queue(session: Session, whom: ColumnElement[bool], *, event: str, case_id: str,
           now: dt.datetime) -> int:
    wanted = session.execute(
        select(User.id, MailPreference.choice)
        .join(MailPreference, MailPreference.user_id == User.id)
        .where(whom, User.active.is_(True), MailPreference.choice != NONE)
        .order_by(User.id)
    ).all()
    for user_id, choice in wanted:
        held = choice == DIGEST
        session.add(OutboxMail(
            message_id=new_message_token(), user_id=user_id, event=event, case_id=case_id,
            due_at=now, state="held" if held else "pending", attempts=0, created_at=now))
        if held:
            at = next_digest_at(now)
            schedule.add(session, kind=schedule.MAIL_DIGEST, subject_id=user_id,
                         detail=at.date().isoformat(), due_at=at)
    return len(wanted)


def bundle_digest(session: Session, *, user_id: str, now: dt.datetime) -> OutboxMail | None:
    """Turn a user's held events into one pending digest mail (None if nothing is held)."""
    held = list(session.scalars(
        select(OutboxMail).where(OutboxMail.user_id == user_id, OutboxMail.state == "held")
        .order_by(OutboxMail.id).with_for_update()))
    if not held:
        return None
    for row in held:
        row.state = "bundled"
    digest = OutboxMail(
        message_id=new_message_token(), user_id=user_id, event="digest", case_id="",
        bundle="\n".join(f"{row.event} {row.case_id}" for row in held), due_at=now,
        state="pending", attempts=0, created_at=now)
    session.add(digest)
    return digest
