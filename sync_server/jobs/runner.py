"""The job runner: a small loop in each server instance that runs due jobs and sends mail.

Every instance runs one; the database decides who does what (``leases``), so each job runs
exactly once however many instances there are, and a job whose runner died is run again when
its lease expires. The clock is injected: tests move it instead of waiting.
"""

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sync_protocol.notices import NoticeKind
from sync_server.cases.service import load_case
from sync_server.crypto import Sealer
from sync_server.jobs import case_jobs, leases, schedule
from sync_server.jobs.models import ScheduledJob
from sync_server.mail import outbox
from sync_server.mail.sender import MailSender
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.sequence import SequenceLock

log = logging.getLogger("imi.server")

Clock = Callable[[], dt.datetime]
MAX_ATTEMPTS = 10
BATCH = 50


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobRunner:
    def __init__(self, *, sessions: sessionmaker[Session], sealer: Sealer,
                 notifier: ChangeNotifier, clock: Clock = system_clock,
                 mailer: MailSender | None = None, owner: str | None = None,
                 lease: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.sessions, self.sealer, self.notifier = sessions, sealer, notifier
        self.clock, self.mailer, self.lease = clock, mailer, lease
        self.owner = owner or uuid.uuid4().hex

    def tick(self) -> int:
        """Run every job due now, then send due mail; return the number of jobs finished."""
        finished = 0
        while True:
            now = self.clock()
            with self.sessions.begin() as session:
                ids = leases.claim(session, ScheduledJob, now=now, owner=self.owner,
                                   lease=self.lease, limit=BATCH)
            for job_id in ids:
                finished += self.run_one(job_id, now=now)
            if len(ids) < BATCH:
                break
        if self.mailer is not None:
            self.mailer.send_due(self.clock())
        return finished

    def run_one(self, job_id: int, *, now: dt.datetime) -> int:
        """Run one claimed job: its effects and its ``done`` commit together, or not at all."""
        changed: set[str] = set()
        with self.sessions.begin() as session:
            seq = SequenceLock(session).acquire(at_first_number=True)
            job = leases.hold(session, ScheduledJob, job_id, owner=self.owner)
            if job is None:
                return 0
            try:
                with session.begin_nested():
                    changed = self._execute(session, seq, job, now)
            except Exception as exc:  # a job's failure must not stop the others
                log.exception("job %s (%s) failed, attempt %d", job.id, job.kind, job.attempts)
                job.last_error = type(exc).__name__[:200]
                job.owner, job.lease_until = None, None
                if job.attempts >= MAX_ATTEMPTS:
                    job.state = leases.FAILED
                else:
                    job.state, job.due_at = leases.PENDING, now + leases.retry_delay(job.attempts)
                seq.flush()
                return 0
            job.state, job.finished_at, job.lease_until = leases.DONE, now, None
            seq.flush()
        if changed:
            self.notifier.notify(changed)
        return 1

    def _execute(self, session: Session, seq: SequenceLock, job: ScheduledJob,
                 now: dt.datetime) -> set[str]:
        if job.kind == schedule.MAIL_DIGEST:
            outbox.bundle_digest(session, user_id=job.subject_id, now=now)
            return set()
        NoticeKind(job.kind)  # an unknown kind fails the job, visibly
        case = load_case(session, self.sealer, job.subject_id, lock=True)
        if case is None or not case_jobs.still_due(job, case):
            return set()
        return case_jobs.fire(session, seq, job, case, now=now)

    async def run_forever(self, interval: float) -> None:
        """Tick every ``interval`` seconds until cancelled (the server's lifespan)."""
        while True:
            try:
                await run_in_threadpool(self.tick)
            except Exception:  # the database may be away for a moment: try again next tick
                log.exception("job runner tick failed")
            await asyncio.sleep(interval)
