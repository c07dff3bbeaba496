"""Keeps the replica in sync in the background and tells the window how things stand.

One sync pass at a time on the network lane; requests that arrive meanwhile coalesce into one
more pass. A daemon thread long-polls ``/v1/sync/wait`` so a request sent to us shows up
within a second; when offline it backs off and a timer keeps probing, so the outbox is
delivered as soon as the server is back.

When the server no longer accepts the token (401: expired, revoked, account deactivated) the
controller stops syncing and says so once (``sig_sign_in_required`` with the server's code);
the outbox is untouched, and syncing resumes when ``signed_in`` is called with a new token.
"""

import datetime as dt
import threading

from desktop.labels import wrong_system_message
from desktop.models.sync_engine import SyncEngine, SyncReport
from desktop.models.transport import Offline, ServerRefused, WrongSystem
from desktop.operations import Workers
from desktop.qt import QObject, QTimer, Signal

RETRY_MS = 5000
OFFLINE_BACKOFF_S = 3.0


class SyncController(QObject):
    sig_status_changed = Signal()
    sig_data_changed = Signal()
    sig_progress = Signal(int, bool)
    sig_refused = Signal(list)
    sig_sign_in_required = Signal(str)
    _sig_poke = Signal()

    def __init__(self, workers: Workers, engine: SyncEngine) -> None:
        super().__init__()
        self._workers, self._engine = workers, engine
        self.online: bool | None = None
        self.last_sync: dt.datetime | None = None
        self.problem: str | None = None
        # The server's code while it refuses our token; no sync runs until ``signed_in``.
        self.signed_out: str | None = None
        self._running = False
        self._again = False
        self._stop = threading.Event()
        self._sig_poke.connect(self.request_sync)
        self._timer = QTimer(self)
        self._timer.setInterval(RETRY_MS)
        self._timer.timeout.connect(self._on_timer)
        self._poller = threading.Thread(target=self._poll, name="imi-longpoll", daemon=True)

    def start(self) -> None:
        self._timer.start()
        self._poller.start()
        self.request_sync()

    def stop(self) -> None:
        self._stop.set()
        self._timer.stop()

    def _on_timer(self) -> None:
        if self.online is not True:
            self.request_sync()

    def signed_in(self) -> None:
        """A new token is in place: sync again, delivering what was queued meanwhile."""
        self.signed_out = None
        self.problem = None
        self.sig_status_changed.emit()
        self.request_sync()

    def request_sync(self) -> None:
        if self._stop.is_set() or self.signed_out is not None:
            return
        if self._running:
            self._again = True
            return
        self._running, self._again = True, False
        self._workers.run_net(lambda: self._engine.sync(progress=self.sig_progress.emit),
                              success=self._synced, failure=self._failed)

    def _synced(self, report: SyncReport) -> None:
        self._running = False
        self.online, self.problem, self.last_sync = True, None, report.finished_at
        self.sig_data_changed.emit()
        if report.refused:
            self.sig_refused.emit(report.refused)
        self.sig_status_changed.emit()
        if self._again:
            self.request_sync()

    def _failed(self, error: BaseException) -> None:
        self._running = False
        if isinstance(error, Offline):
            self.online, self.problem = False, None
        elif isinstance(error, WrongSystem):
            self.online = False
            self.problem = wrong_system_message(training_profile=error.training_profile)
        elif isinstance(error, ServerRefused) and error.status == 401:
            self.online, self.problem = True, None
            self._again = False
            if self.signed_out is None:
                self.signed_out = error.code
                self.sig_sign_in_required.emit(error.code)
        elif isinstance(error, ServerRefused):
            self.online, self.problem = True, error.message
        else:
            self.problem = str(error) or type(error).__name__
        # Pushed steps may have been settled before the failure: show what is there.
        self.sig_data_changed.emit()
        self.sig_status_changed.emit()

    def _poll(self) -> None:
        while not self._stop.is_set():
            if self.online is not True or self._running or self.signed_out is not None:
                self._stop.wait(0.5)
                continue
            try:
                changed = self._engine.wait(timeout=25.0)
            except Offline:
                self._stop.wait(OFFLINE_BACKOFF_S)
                changed = True  # let a sync pass find out and say so
            except ServerRefused as refused:
                if refused.status != 401:
                    self._stop.wait(OFFLINE_BACKOFF_S)
                    continue
                changed = True  # the token is refused: a sync pass says so, once
            except Exception:  # noqa: BLE001 - the long-poll thread outlives any one failure
                self._stop.wait(OFFLINE_BACKOFF_S)
                continue
            if changed and not self._stop.is_set():
                self._sig_poke.emit()
