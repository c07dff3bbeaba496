"""Background work, the one way: a database lane and a network lane, results by signal.

Like Anki's ``QueryOp``: ``workers.run(lane, op, success=..., failure=...)`` runs ``op`` on the
lane's single thread and calls ``success(result)`` or ``failure(exception)`` back on the GUI
thread. Every replica write happens on the database lane, so writes are serialised there;
the network lane reaches the database only through ``run_db``.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from desktop.models.replica import Replica
from desktop.qt import QObject, Signal

T = TypeVar("T")


class Workers(QObject):
    _finished = Signal(object)

    def __init__(self, replica_path: Path, key: bytes) -> None:
        super().__init__()
        self._path, self._key = replica_path, key
        self._local = threading.local()
        self._opened: list[Replica] = []
        self.db = ThreadPoolExecutor(1, thread_name_prefix="imi-db")
        self.net = ThreadPoolExecutor(1, thread_name_prefix="imi-net")
        self._closed = False
        # Emitted from a worker thread, delivered on the GUI thread (queued connection).
        self._finished.connect(self._deliver)

    def replica(self) -> Replica:
        """The database lane's own connection (call only on that lane)."""
        replica: Replica | None = getattr(self._local, "replica", None)
        if replica is None:
            replica = self._local.replica = Replica.open(self._path, self._key)
            self._opened.append(replica)
        return replica

    def run_db(self, work: Callable[[Replica], T]) -> T:
        """Run ``work`` on the database lane and wait for it (for the network lane)."""
        return self.db.submit(lambda: work(self.replica())).result()

    def run(self, lane: ThreadPoolExecutor, op: Callable[[], T], *,
            success: Callable[[T], None], failure: Callable[[BaseException], None]) -> None:
        future = lane.submit(op)
        future.add_done_callback(lambda f: self._finished.emit((f, success, failure)))

    def _deliver(self, payload: tuple[Future[Any], Callable[[Any], None],
                                      Callable[[BaseException], None]]) -> None:
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
        self.net.shutdown(wait=True, cancel_futures=True)

        def close_all() -> None:
            for replica in self._opened:
                replica.close()

        self.db.submit(close_all).result()
        self.db.shutdown(wait=True)
