"""Adding scheduled jobs: once per idempotency key, whoever asks and however often."""

import datetime as dt

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_server.jobs.models import ScheduledJob

# Job kinds: the case notices of ``sync_protocol.notices.NoticeKind``, and the mail digest.
MAIL_DIGEST = "mail_digest"


def job_key(kind: str, subject_id: str, detail: str) -> str:
    return f"{kind}:{subject_id}:{detail}"


def add(session: Session, *, kind: str, subject_id: str, detail: str,
        due_at: dt.datetime) -> None:
    """Schedule a job unless one with the same key exists (then nothing changes).

    An INSERT ... ON CONFLICT DO NOTHING, so two instances scheduling the same job at once
    make one row, without either failing.
    """
    values = {"key": job_key(kind, subject_id, detail), "kind": kind, "subject_id": subject_id,
              "detail": detail,              "due_at": due_at, "state": "pending", "attempts": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ScheduledJob).values(**values).on_conflict_do_nothing(
        index_elements=["key"]))
