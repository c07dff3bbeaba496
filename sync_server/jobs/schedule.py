"""Adding scheduled jobs: once per idempotency key, whoever asks and however often."""

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_server.jobs.models import ScheduledJob

# Job kinds: the case notices of ``sync_protocol.notices.NoticeKind``, and the mail digest.
MAIL_DIGEST = "mail_digest"


def job_key(kind: str, subject_id: str, detail: str) -> str:
    return f"{kind}:{subject_id}:{detail}"


def job(*, kind: str, subject_id: str, detail: str, due_at: dt.datetime) -> dict[str, Any]:
    """The row of a job to ``add``."""
    return {"key": job_key(kind, subject_id, detail), "kind": kind, "subject_id": subject_id,
            "detail": detail, "due_at": due_at, "state": "pending", "attempts": 0}


def add(session: Session, *, kind: str, subject_id: str, detail: str,
        due_at: dt.datetime) -> None:
    """Schedule a job unless one with the same key exists (then nothing changes)."""
    add_all(session, [job(kind=kind, subject_id=subject_id, detail=detail, due_at=due_at)])


def add_all(session: Session, jobs: Sequence[dict[str, Any]]) -> None:
    """Schedule each job (``job``) unless one with its key exists, in one statement (a
    multi-row INSERT, compiled once).

    An INSERT ... ON CONFLICT DO NOTHING, so two instances scheduling the same job at once
    make one row, without either failing.
    """
    if not jobs:
        return
    connection = session.connection()
    connection.execute(_insert(connection.dialect.name), list(jobs))


@functools.cache
def _insert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ScheduledJob.metadata.tables[ScheduledJob.__tablename__]
    return insert(table).on_conflict_do_nothing(index_elements=["key"])
