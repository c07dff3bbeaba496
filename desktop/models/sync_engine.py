"""One sync pass: push the outbox, then pull until up to date. No Qt, no threads of its own.

The engine does the network work on the thread that calls it. Database work goes through
``run_db``, which the Qt client points at its single database worker (so writes are
serialised there) and tests point at a direct call.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from desktop.models import cases
from desktop.models.replica import Replica
from desktop.models.transport import ServerRefused, Transport
from sync_protocol.messages import MAX_MUTATIONS_PER_PUSH, MutationIn, MutationResult, PushRequest
from sync_protocol.version import PROTOCOL_VERSION

T = TypeVar("T")
RunDb = Callable[[Callable[[Replica], T]], T]

PULL_PAGE = 2000


@dataclasses.dataclass(kw_only=True)
class SyncReport:
    pushed: int = 0
    refused: list[MutationResult] = dataclasses.field(default_factory=list)
    pulled: int = 0
    finished_at: dt.datetime | None = None


class SyncEngine:
    def __init__(self, *, transport: Transport, device_id: str, run_db: RunDb[object]) -> None:
        self.transport = transport
        self.device_id = device_id
        self._run_db = run_db

    def _db(self, work: Callable[[Replica], T]) -> T:
        return self._run_db(work)  # type: ignore[return-value]

    def sync(self, *, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Push everything pending, then pull everything new. Raises ``Offline``."""
        report = SyncReport()
        self.push(report)
        self.pull(report, progress=progress)
        report.finished_at = dt.datetime.now(dt.UTC)
        self._db(lambda r: _in_tx(r, lambda: r.set_meta("last_sync",
                                                        report.finished_at.isoformat())))
        return report

    def push(self, report: SyncReport) -> None:
        while True:
            rows = self._db(lambda r: r.outbox(limit=MAX_MUTATIONS_PER_PUSH))
            if not rows:
                return
            request = PushRequest(
                protocol_version=PROTOCOL_VERSION,
                device_id=self.device_id,
                mutations=tuple(
                    MutationIn(mutation_id=row["mutation_id"], name=row["name"], args=row["args"],
                               base_version=row["base_version"],
                               created_at=dt.datetime.fromisoformat(row["created_at"]))
                    for row in rows
                ),
            )
            response = self.transport.push(request)
            refused_now = self._db(
                lambda r, results=response.results: cases.apply_push_results(r, results))
            report.pushed += len(response.results)
            report.refused.extend(refused_now)

    def pull(self, report: SyncReport, *,
             progress: Callable[[int, int], None] | None = None) -> None:
        while True:
            cursor = self._db(lambda r: r.get_meta("cursor", ""))
            try:
                page = self.transport.pull(cursor, limit=PULL_PAGE)
            except ServerRefused as refused:
                if refused.code != "reset_required":
                    raise
                # Re-bootstrap: forget what was pulled, keep the outbox and its ids.
                self._db(lambda r: _in_tx(r, r.reset_synced_data))
                continue
            report.pulled += self._db(
                lambda r, page=page: cases.apply_pull_page(r, page.changes, page.cursor)
            )
            if progress is not None:
                progress(report.pulled, report.pulled + (PULL_PAGE if page.has_more else 0))
            if not page.has_more:
                return

    def wait(self, *, timeout: float) -> bool:
        cursor = self._db(lambda r: r.get_meta("cursor", ""))
        return self.transport.wait(cursor, timeout=timeout)


def _in_tx(replica: Replica, work: Callable[[], object]) -> None:
    with replica.transaction():
        work()
