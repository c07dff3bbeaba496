"""One sync pass: upload the documents waiting, push the outbox, then pull until up to date.
No Qt, no threads of its own.

Documents go first: a step that refers to a document is pushed only once the server holds
the document complete. Each upload resumes from the offset the server holds (``HEAD``), so a
connection dropped half-way costs only the chunk in flight; the pass then fails as offline
and the next one continues.

The pass repairs what the server's 409 codes (``sync_protocol.codes``) report, and says so in
its report's ``notices``: a copied or restored profile takes a new device identity and pushes
its outbox again (``NEW_DEVICE``); a server restored from a backup gets the outbox again from
the id it expects, and everything is downloaded again (``SERVER_RESTORED``). The outbox is
kept in every case. Any other failure is raised for the caller to retry later.

The engine does the network work on the thread that calls it and hands database work to a
``Lane`` (``desktop.models.db_lane``): in the client, the one database thread where all writes
are serialised. While the lane applies one pulled page (and its cursor, in one transaction),
the engine already fetches the next, so a bootstrap costs about the larger of the two.
"""

import dataclasses
import datetime as dt
import functools
import platform
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from desktop.models import attachments, cases, identity
from desktop.models.db_lane import Lane
from desktop.models.replica import Replica
from desktop.models.transport import ServerRefused, Transport
from sync_protocol import version
from sync_protocol.attachments import AttachmentRef
from sync_protocol.codes import MUTATION_GAP, MUTATION_ID_REUSED, RESET_REQUIRED
from sync_protocol.messages import MAX_MUTATIONS_PER_PUSH, MutationIn, MutationResult, PushRequest

T = TypeVar("T")

PULL_PAGE = 2000
# One PUT per chunk: small enough that a dropped line costs little, large enough that a 20 MB
# document is 20 requests.
UPLOAD_CHUNK = 1024 * 1024
# Refusals that concern the caller, not the document (signed out, another device): the pass
# stops and the sign-in flow takes over. Any other refusal of a document is final for this
# upload: the step that refers to it is pushed all the same and comes back refused
# (``attachment_missing``, ...) under Needs attention, and the pull is not held up.
_CALLER_REFUSED = frozenset({401, 403})
# Repairs per pass: each one makes the next push fit, so a second of the same kind in one
# pass means the server keeps disagreeing; the pass then fails and is retried later.
MAX_REPAIRS = 3

NEW_DEVICE = "new_device"
SERVER_RESTORED = "server_restored"

# progress(changes applied so far, whether more pages follow)
Progress = Callable[[int, bool], None]


@dataclasses.dataclass(kw_only=True)
class SyncReport:
    pushed: int = 0
    uploaded: int = 0
    refused: list[MutationResult] = dataclasses.field(default_factory=list)
    pulled: int = 0
    # (what happened, how many steps are sent again): NEW_DEVICE or SERVER_RESTORED
    notices: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    # New requests and answers for us that this pass brought (``cases.take_new_work``).
    new_work: int = 0
    finished_at: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))


class SyncEngine:
    def __init__(self, *, transport: Transport, device_id: str, db: Lane) -> None:
        self.transport = transport
        self.device_id = device_id
        self._lane = db

    def _db(self, work: Callable[[Replica], T]) -> T:
        return self._lane.submit(work).result()

    def sync(self, *, progress: Progress | None = None) -> SyncReport:
        """Push everything pending, then pull everything new. Raises ``Offline``."""
        report = SyncReport()
        self.upload(report)
        self.push(report)
        self.pull(report, progress=progress)
        report.new_work = self._db(cases.take_new_work)
        report.finished_at = dt.datetime.now(dt.UTC)
        stamp = report.finished_at.isoformat()
        self._db(lambda r: r.save_meta("last_sync", stamp))
        return report

    def upload(self, report: SyncReport) -> None:
        """Upload every document waiting; raises ``Offline`` (the push waits for the next
        pass) if the line drops."""
        for ref in self._db(attachments.pending_uploads):
            try:
                self._upload(ref)
            except ServerRefused as refused:
                if refused.status in _CALLER_REFUSED:
                    raise
            self._db(functools.partial(attachments.uploaded, sha256=ref.sha256))
            report.uploaded += 1

    def _upload(self, ref: AttachmentRef) -> None:
        store = self._db(lambda r: r.attachments)
        assert store is not None, "a replica opened from a profile"
        offset, complete = self.transport.blob_held(ref.sha256)
        restarts = 0
        while not complete:
            chunk = store.read_range(ref.sha256, offset, UPLOAD_CHUNK)
            try:
                status = self.transport.put_blob(ref, offset, chunk)
            except ServerRefused as refused:
                restarts += 1
                if restarts > MAX_REPAIRS:
                    raise
                if refused.code == "upload_offset":
                    # Our last chunk arrived but its answer was lost, or another device of
                    # the authority uploads the same document: go on from where it is.
                    offset = int(refused.params.get("offset", 0))
                    continue
                if refused.code == "attachment_hash_mismatch":
                    offset = 0  # damaged on the way: the server dropped it; once more
                    continue
                raise
            offset, complete = status.received, status.complete

    def push(self, report: SyncReport) -> None:
        repairs = 0
        while True:
            rows = self._db(lambda r: r.outbox(limit=MAX_MUTATIONS_PER_PUSH))
            if not rows:
                return
            try:
                self._push_rows(rows, report)
            except ServerRefused as refused:
                repairs += 1
                if repairs > MAX_REPAIRS or not self._repair(refused, rows, report):
                    raise

    def _push_rows(self, rows: list[dict[str, Any]], report: SyncReport) -> None:
        request = PushRequest(
            protocol_version=version.PROTOCOL_VERSION,
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
            functools.partial(cases.apply_push_results, results=response.results))
        report.pushed += len(response.results)
        report.refused.extend(refused_now)

    def _repair(self, refused: ServerRefused, rows: list[dict[str, Any]],
                report: SyncReport) -> bool:
        """Make the outbox fit the server again after a 409; False if ``refused`` is not one
        of those."""
        first = rows[0]["mutation_id"]
        if refused.code == MUTATION_ID_REUSED:
            reused = refused.mutation_id or first
            if reused > first:
                # The steps before it were applied or replayed by that push: settle them.
                self._push_rows([r for r in rows if r["mutation_id"] < reused], report)
            answer = self.transport.new_device(device_name=platform.node()[:200])
            waiting = self._db(functools.partial(
                identity.adopt_device, device_id=answer.device_id, token=answer.token))
            self.device_id = answer.device_id
            report.notices.append((NEW_DEVICE, waiting))
            return True
        expected = refused.expected_mutation_id
        if refused.code == MUTATION_GAP and expected is not None and 0 < expected < first:
            waiting = self._db(functools.partial(identity.resume_after_server_restore,
                                                 expected=expected))
            report.notices.append((SERVER_RESTORED, waiting))
            return True
        return False

    def pull(self, report: SyncReport, *, progress: Progress | None = None) -> None:
        cursor: str = self._db(lambda r: r.get_meta("cursor", ""))
        applying: Future[int] | None = None
        try:
            while True:
                try:
                    page = self.transport.pull(cursor, limit=PULL_PAGE)
                except ServerRefused as refused:
                    if refused.code != RESET_REQUIRED or not cursor:
                        raise
                    # Re-bootstrap: forget what was pulled, keep the outbox and its ids.
                    if applying is not None:
                        applying.result()
                        applying = None
                    self._db(cases.forget_pulled)
                    cursor = ""
                    continue
                if applying is not None:
                    report.pulled += applying.result()
                applying = self._lane.submit(functools.partial(
                    cases.apply_pull_page, changes=page.changes, cursor=page.cursor,
                    complete=not page.has_more))
                if progress is not None:
                    progress(report.pulled, page.has_more)
                if not page.has_more:
                    break
                cursor = page.cursor
        finally:
            # Never leave with a page half-way: its transaction commits or rolls back first.
            if applying is not None:
                report.pulled += applying.result()

    def wait(self, *, timeout: float) -> bool:
        cursor = self._db(lambda r: r.get_meta("cursor", ""))
        return self.transport.wait(cursor, timeout=timeout)

