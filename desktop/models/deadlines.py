"""Deadline badges of the case list: due soon, or overdue.

A request still waiting for its answer (sent or accepted) is *overdue* once its answer date
has passed, and *due soon* when that date is at most ``DUE_SOON_WORKING_DAYS`` working days
(Monday to Friday) away. An answered, closed or withdrawn case, or a draft, has no badge.
"""

import datetime as dt
from enum import StrEnum

from sync_protocol.cases import CaseStatus

DUE_SOON_WORKING_DAYS = 3
WAITING = frozenset({CaseStatus.SENT.value, CaseStatus.ACCEPTED.value})


class Badge(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def working_days_until(today: dt.date, day: dt.date) -> int:
    """Working days after ``today`` up to and including ``day`` (0 if ``day`` <= ``today``)."""
    weeks, rest = divmod(max((day - today).days, 0), 7)
    extra = sum(1 for n in range(1, rest + 1) if (today + dt.timedelta(days=n)).weekday() < 5)
    return weeks * 5 + extra


def badge(state: str, answer_by: dt.date, today: dt.date) -> Badge | None:
    if state not in WAITING:
        return None
    if answer_by < today:
        return Badge.OVERDUE
    if working_days_until(today, answer_by) <= DUE_SOON_WORKING_DAYS:
        return Badge.DUE_SOON
    return None


def due_soon_until(today: dt.date) -> dt.date:
    """The last answer date that is still "due soon" on ``today``."""
    day = today
    while working_days_until(today, day + dt.timedelta(days=1)) <= DUE_SOON_WORKING_DAYS:
        day += dt.timedelta(days=1)
    return day
