"""Background work, the one way: a database lane and a network lane, results by signal.

Like Anki's ``QueryOp``: ``workers.run_db(work, success=..., failure=...)`` runs
``work(replica)`` on the database lane, ``run_net(op, ...)`` runs ``op()`` on the network lane,
and ``success(result)`` or ``failure(exception)`` is called back on the GUI thread. Every
replica write happens on the database lane; the network lane reaches the database only by
submitting work to it.
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
    """One worker thread, results and progress delivered on the GUI thread by signal.

    On its own it serves work before a profile is open (signing in at set-up); ``Workers``
    adds the database lane once one is.
    """

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

    def run_db(self, work: Callable[[Replica], T], *, success: Success[T],
               failure: Failure) -> None:
        self._watch(self.db.submit(work), success, failure)

    def shutdown(self) -> None:
        super().shutdown()
        self.db.close()
