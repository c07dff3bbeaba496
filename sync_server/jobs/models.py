"""The scheduled-job table: time-driven work as rows, so it survives restarts.

A job is created once (``key`` is unique: scheduling the same thing twice is a no-op), waits
until ``due_at``, is claimed by one runner for a lease, and is marked ``done`` in the same
transaction as its effects. A runner that dies leaves a ``running`` row whose lease expires;
the next runner takes it again (``attempts`` counts the tries).
"""

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import AutoId, Base


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_state_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    # What the job is about beyond its subject: the answer date, the case version, the day.
    detail: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[dt.datetime]
    # pending -> running (leased) -> done | failed; running with an old lease is pending again.
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[dt.datetime | None]
