"""Background work, the one way: a database lane and network lanes, results by signal.

Like Anki's ``QueryOp``: ``workers.run_db(work, success=..., failure=...)`` runs
``work(replica)`` on the database lane, ``run_net(op, ...)`` runs ``op()`` on the network lane,
and ``success(result)`` or ``failure(exception)`` is called back on the GUI thread. Every
replica write happens on the database lane; the network lanes reach the database only by
submitting work to it. ``run_wait`` is the network lane for the long-poll: a wait that lasts
25 s must not hold up a sync pass. ``shutdown`` joins every lane; the caller first cuts the
connections in flight (``Transport.abort``) so no lane waits for a long-poll to end.
``Background`` alone (one network lane) serves the work before a profile is open: signing in
at set-up, with progress reports.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from desktop.models.db_lane import DatabaseLane
from desktop.models.replica import Replica
from desktop.qt import QObject, Signal

T = TypeVar("T")
Success = Callable[[T], None]
Failure = Callable[[BaseException], None]


class Background(QObject):
    """One network lane; results and progress delivered on the GUI thread by signal."""

    _finished = Signal(object)
    _progressed = Signal(object, str)

    def __init__(self, name: str = "imi-net") -> None:
        super().__init__()
        self._net = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._closed = False
        # Emitted from a worker thread, delivered on the GUI thread (queued connection).
        self._finished.connect(self._deliver)
        self._progressed.connect(lambda report, text: None if self._closed else report(text))

    def run_net(self, op: Callable[[], T], *, success: Success[T], failure: Failure) -> None:
        self._watch(self._net.submit(op), success, failure)

    def run_reporting(self, op: Callable[[Callable[[str], None]], T], *,
                      progress: Callable[[str], None], success: Success[T],
                      failure: Failure) -> None:
        """``op(report)`` on the worker; each ``report(text)`` reaches ``progress`` here."""
        self.run_net(lambda: op(lambda text: self._progressed.emit(progress, text)),
                     success=success, failure=failure)

    def _watch(self, future: "Future[T]", success: Success[T], failure: Failure) -> None:
        future.add_done_callback(lambda f: self._finished.emit((f, success, failure)))

    def _deliver(self, payload: tuple["Future[Any]", Success[Any], Failure]) -> None:
        future, success, failure = payload
        if self._closed:
            return  # a result that arrives after shutdown has no window left to show it in
        error = future.exception()
        if error is not None:
            failure(error)
        else:
            success(future.result())

    def shutdown(self) -> None:
        self._closed = True
        self._net.shutdown(wait=True, cancel_futures=True)


class Workers(Background):
    def __init__(self, replica_path: Path, key: bytes) -> None:
        super().__init__()
        self.db = DatabaseLane(replica_path, key)
        self._wait = ThreadPoolExecutor(1, thread_name_prefix="imi-wait")

    def run_db(self, work: Callable[[Replica], T], *, success: Success[T],
               failure: Failure) -> None:
        self._watch(self.db.submit(work), success, failure)

    def run_wait(self, op: Callable[[], T], *, success: Success[T], failure: Failure) -> None:
        self._watch(self._wait.submit(op), success, failure)

    def shutdown(self) -> None:
        super().shutdown()
        self._wait.shutdown(wait=True, cancel_futures=True)
        self.db.close()
