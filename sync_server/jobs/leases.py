"""Claiming due rows for one runner, exactly once across server instances.

The one claiming rule for every table of time-driven work (scheduled jobs, the mail outbox):
a row whose ``due_at`` has come and that is ``pending``, or ``running`` under a lease that
expired (its runner died), is taken by a compare-and-set UPDATE that names the state it saw.
On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED`` first, so concurrent runners
take different rows instead of queueing on the same ones; the conditional UPDATE is what makes
a claim exclusive on both databases (on SQLite the single writer serialises the UPDATEs, and
the second one matches no row). No lock outlives its transaction: a lease is a timestamp.
"""

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class Leased(Protocol):
    """What a table of claimable work has (declared by its ORM class)."""

    id: InstrumentedAttribute[int]
    due_at: InstrumentedAttribute[dt.datetime]
    state: InstrumentedAttribute[str]
    owner: InstrumentedAttribute[str | None]
    lease_until: InstrumentedAttribute[dt.datetime | None]
    attempts: InstrumentedAttribute[int]


def claimable(model: Any, now: dt.datetime) -> Any:
    return and_(model.due_at <= now, or_(
        model.state == PENDING, and_(model.state == RUNNING, model.lease_until < now)))


def claim(session: Session, model: Any, *, now: dt.datetime, owner: str, lease: dt.timedelta,
          limit: int) -> list[int]:
    """Lease up to ``limit`` due rows of ``model`` to ``owner``; their ids, oldest first.

    Commits nothing: the caller's transaction does (keep it short).
    """
    query = select(model.id).where(claimable(model, now)).order_by(model.due_at, model.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.scalars(query.limit(limit)))
    taken: list[int] = []
    for row_id in candidates:
        result = session.execute(
            update(model)
            .where(model.id == row_id, claimable(model, now))
            .values(state=RUNNING, owner=owner, lease_until=now + lease,
                    attempts=model.attempts + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(row_id)
    return taken


def hold(session: Session, model: Any, row_id: int, *, owner: str) -> Any | None:
    """The row, locked, if ``owner`` still holds its lease; None if another runner took it
    over (this one was too slow and its lease expired): then do nothing with it."""
    row = session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None or row.state != RUNNING or row.owner != owner:
        return None
    return row


def retry_delay(attempts: int, *, base: dt.timedelta = dt.timedelta(minutes=1),
                cap: dt.timedelta = dt.timedelta(hours=6)) -> dt.timedelta:
    """Exponential back-off: 1, 2, 4 ... minutes, at most ``cap``."""
    delay: dt.timedelta = base * (2 ** min(max(attempts - 1, 0), 20))
    return min(cap, delay)
