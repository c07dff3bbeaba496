"""Time-driven news about a case (deadlines, reminders, inactivity), and when each falls due.

This module owns the timing policy both sides apply: the server schedules its jobs by it, and
a client can show the same "due soon" the server mails about. Dates are calendar dates of the
answer date; times are UTC. Working days are Monday to Friday (public holidays differ by
member state and are not counted: a reminder may come a day early around a holiday).

- ``deadline_soon``: 06:00 UTC on the third working day before the answer date, to the
  responder (time to answer or to propose another date).
- ``deadline_passed``: 00:00 UTC the day after the answer date, to both sides.
- ``accept_reminder``: five working days after the request was sent, if it is still not
  accepted, to the responder.
- ``inactive``: 61 days (two months) after the case last changed, if it is still open, to
  both sides; the start of an escalation to the coordinator.
"""

import datetime as dt
from enum import StrEnum
from typing import Final

from sync_protocol.bounds import Date, Timestamp
from sync_protocol.frozen import Frozen


class NoticeKind(StrEnum):
    DEADLINE_SOON = "deadline_soon"
    DEADLINE_PASSED = "deadline_passed"
    ACCEPT_REMINDER = "accept_reminder"
    INACTIVE = "inactive"


DEADLINE_SOON_WORKING_DAYS: Final = 3
ACCEPT_REMINDER_WORKING_DAYS: Final = 5
INACTIVE_AFTER: Final = dt.timedelta(days=61)
_MORNING: Final = dt.time(6, 0, tzinfo=dt.UTC)


class CaseNotice(Frozen):
    """One piece of time-driven news, synced to the authorities it concerns. It holds no
    personal data: the case id, what happened, when, and the answer date it is about."""

    id: str
    case_id: str
    kind: NoticeKind
    at: Timestamp
    answer_by: Date | None = None


def add_working_days(day: dt.date, count: int) -> dt.date:
    """``day`` moved by ``count`` working days (negative: back); weekends are skipped."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def deadline_soon_at(answer_by: dt.date) -> dt.datetime:
    return dt.datetime.combine(add_working_days(answer_by, -DEADLINE_SOON_WORKING_DAYS),
                               _MORNING)


def deadline_passed_at(answer_by: dt.date) -> dt.datetime:
    return dt.datetime.combine(answer_by + dt.timedelta(days=1), dt.time(0, 0, tzinfo=dt.UTC))


def accept_reminder_at(sent_at: dt.datetime) -> dt.datetime:
    sent_at = sent_at.astimezone(dt.UTC)
    return dt.datetime.combine(add_working_days(sent_at.date(), ACCEPT_REMINDER_WORKING_DAYS),
                               sent_at.timetz())


def inactive_at(last_change: dt.datetime) -> dt.datetime:
    return last_change + INACTIVE_AFTER
