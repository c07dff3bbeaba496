"""Keeps the replica in sync in the background and tells the window how things stand.

One sync pass at a time on the network lane; requests that arrive meanwhile coalesce into one
more pass. After a successful pass a long-poll (``/v1/sync/wait``, one operation at a time on
the wait lane of ``desktop.operations``) asks the server to answer as soon as something new is
visible, so a request sent to us shows up within a second.

Nothing stalls: a pass that fails for any reason (offline, a reset, a timeout, a 5xx, an answer
that does not parse, a refusal) is retried after a capped exponential backoff with jitter,
online or offline, and a pass requested meanwhile runs then, not never. A failed long-poll is
reported like a failed pass (status bar and log) and retried the same way. ``stop`` ends both
loops; the owner then cuts the connections and joins the lanes (``AppController.shutdown``).

When the server no longer accepts the token (401: expired, revoked, account deactivated) the
controller stops syncing and says so once (``sig_sign_in_required`` with the server's code);
the outbox is untouched, and syncing resumes when ``signed_in`` is called with a new token.
"""

import datetime as dt
import logging
import random
from collections.abc import Callable
from typing import TypeGuard

from desktop.i18n import _
from desktop.labels import wrong_system_message
from desktop.models.sync_engine import SyncEngine, SyncReport
from desktop.models.transport import Offline, ServerRefused, ServerTrouble, WrongSystem
from desktop.operations import Workers
from desktop.qt import QObject, QTimer, Signal
from sync_protocol.messages import WAIT_SECONDS

log = logging.getLogger("imi.sync")

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0


class Backoff:
    """Capped exponential backoff with jitter: the n-th delay in a row is drawn from
    ``[c/2, c]`` with ``c = min(cap, base * 2**(n-1))``, so clients that lost the same server
    do not come back in step."""

    def __init__(self, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S,
                 rng: Callable[[], float] = random.random) -> None:
        self.base, self.cap, self._rng = base, cap, rng
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        ceiling: float = min(self.cap, self.base * 2.0 ** min(self.failures - 1, 32))
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self) -> None:
        self.failures = 0


class SyncController(QObject):
    sig_status_changed = Signal()
    sig_data_changed = Signal()
    sig_progress = Signal(int, bool)
    sig_refused = Signal(list)
    # (what happened, how many steps are sent again): see ``sync_engine.SyncReport.notices``
    sig_notice = Signal(str, int)
    sig_sign_in_required = Signal(str)
    # How many new requests and answers one pass brought (once per pass, never per case).
    sig_new_work = Signal(int)

    def __init__(self, workers: Workers, engine: SyncEngine, *,
                 backoff: Callable[[], Backoff] = Backoff) -> None:
        super().__init__()
        self._workers, self._engine = workers, engine
        self.online: bool | None = None
        self.last_sync: dt.datetime | None = None
        # Why the last pass failed although the server answered: an error rendered in the
        # reader's language by the window, or a sentence already in it.
        self.problem: BaseException | str | None = None
        # The server's code while it refuses our token; no sync runs until ``signed_in``.
        self.signed_out: str | None = None
        # The server no longer speaks our protocol version: nothing to do but wait for an
        # update (the outbox stays as it is, for the updated client to deliver).
        self.too_old = False
        self._stopped = False
        self._running = False
        self._again = False
        self._waiting = False
        self._sync_backoff, self._wait_backoff = backoff(), backoff()
        self._retry = self._single_shot(self.request_sync)

    def _single_shot(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(slot)
        return timer

    @property
    def retry_scheduled(self) -> bool:
        return self._retry.isActive()

    def start(self) -> None:
        self.request_sync()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()

    def signed_in(self) -> None:
        """A new token is in place: sync again, delivering what was queued meanwhile."""
        self.signed_out = None
        self.problem = None
        self.sig_status_changed.emit()
        self.request_sync()

    # -- sync passes -----------------------------------------------------------------------

    def request_sync(self) -> None:
        if self._stopped or self.signed_out is not None or self.too_old:
            return
        if self._running:
            self._again = True
            return
        self._retry.stop()
        self._running, self._again = True, False
        self._workers.run_net(lambda: self._engine.sync(progress=self.sig_progress.emit),
                              success=self._synced, failure=self._failed)

    def _synced(self, report: SyncReport) -> None:
        self._running = False
        self._sync_backoff.reset()
        self.online, self.problem, self.last_sync = True, None, report.finished_at
        self.sig_data_changed.emit()
        if report.refused:
            self.sig_refused.emit(report.refused)
        for kind, waiting in report.notices:
            self.sig_notice.emit(kind, waiting)
        if report.new_work:
            self.sig_new_work.emit(report.new_work)
        self.sig_status_changed.emit()
        if self._again:
            self.request_sync()
        else:
            self._wait_for_news()

    def _failed(self, error: BaseException) -> None:
        self._running = False
        if _token_refused(error):
            self._signed_out(error)
            return
        if _too_old(error):
            self._outdated()
            return
        self._report(error, during="sync pass")
        # Pushed steps may have been settled before the failure: show what is there.
        self.sig_data_changed.emit()
        self.sig_status_changed.emit()
        # Also a pass requested meanwhile (``_again``) runs then: the retry is that pass.
        self._again = False
        if not self._stopped:
            self._retry.start(int(self._sync_backoff.next_delay() * 1000))

    # -- the long-poll ---------------------------------------------------------------------

    def _wait_for_news(self) -> None:
        if (self._stopped or self._waiting or self._running or self.signed_out is not None
                or self.too_old):
            return
        self._waiting = True
        self._workers.run_wait(lambda: self._engine.wait(timeout=WAIT_SECONDS),
                               success=self._waited, failure=self._wait_failed)

    def _waited(self, changed: bool) -> None:
        self._waiting = False
        self._wait_backoff.reset()
        if changed:
            self.request_sync()  # the pass that follows waits again
        else:
            self._wait_for_news()

    def _wait_failed(self, error: BaseException) -> None:
        self._waiting = False
        if _token_refused(error):
            self.request_sync()  # the token is refused: a sync pass says so, once
            return
        if _too_old(error):
            self._outdated()
            return
        self._report(error, during="long-poll")
        self.sig_status_changed.emit()
        if not self._stopped and not self._running and not self._retry.isActive():
            # A full pass after the pause: it finds out more, catches up, and waits again.
            self._retry.start(int(self._wait_backoff.next_delay() * 1000))

    def _signed_out(self, error: ServerRefused) -> None:
        """Stop syncing until ``signed_in``; ask once. The outbox stays as it is."""
        self.online, self.problem = True, None
        self._again = False
        self._retry.stop()
        if self.signed_out is None:
            self.signed_out = error.code
            self.sig_sign_in_required.emit(error.code)
        self.sig_data_changed.emit()
        self.sig_status_changed.emit()

    def _outdated(self) -> None:
        """Stop syncing for good (until an update); say so. The outbox stays as it is."""
        self.online, self.too_old = True, True
        self._again = False
        self._retry.stop()
        self.problem = _("This version of IMI is too old for the server. Please install "
                         "the update: your unsent changes are kept and will be sent then.")
        self.sig_data_changed.emit()
        self.sig_status_changed.emit()

    def _report(self, error: BaseException, *, during: str) -> None:
        if isinstance(error, Offline):
            self.online, self.problem = False, None
        elif isinstance(error, WrongSystem):
            self.online = False
            self.problem = wrong_system_message(training_profile=error.training_profile)
        elif isinstance(error, ServerRefused):
            # Rendered in the reader's language by the window (``desktop.refusals``).
            self.online, self.problem = True, error
        elif isinstance(error, ServerTrouble):
            self.online = True
            self.problem = _("The server has a problem; trying again")
        else:
            self.problem = _("Synchronisation failed ({error}); trying again").format(
                error=type(error).__name__)
        # The kind of failure only: a message could quote personal data.
        log.warning("%s failed: %s", during, type(error).__name__)


def _token_refused(error: BaseException) -> TypeGuard[ServerRefused]:
    return isinstance(error, ServerRefused) and error.status == 401


def _too_old(error: BaseException) -> bool:
    return isinstance(error, ServerRefused) and error.code == "unsupported_protocol_version"
