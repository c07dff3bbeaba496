"""The database lane: one thread that owns a replica connection and runs all writes.

The client serialises every replica write here (ARCHITECTURE.md: "database writes are
serialised on one worker, network work on another"). ``submit`` returns a future, so the
network side can fetch the next page while this lane applies the last one.
``InlineLane`` runs work on the caller's thread and connection, for scripts and tests.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar

from desktop.models.replica import Replica

T = TypeVar("T")


class Lane(Protocol):
    def submit(self, work: Callable[[Replica], T]) -> "Future[T]": ...


class DatabaseLane:
    def __init__(self, path: Path, key: bytes) -> None:
        self._path, self._key = path, key
        self._local = threading.local()
        self._opened: list[Replica] = []
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="imi-db")

    def _replica(self) -> Replica:
        replica: Replica | None = getattr(self._local, "replica", None)
        if replica is None:
            replica = self._local.replica = Replica.open(self._path, self._key)
            self._opened.append(replica)
        return replica

    def submit(self, work: Callable[[Replica], T]) -> "Future[T]":
        return self._executor.submit(lambda: work(self._replica()))

    def close(self) -> None:
        def close_all() -> None:
            for replica in self._opened:
                replica.close()

        self._executor.submit(close_all).result()
        self._executor.shutdown(wait=True)


class InlineLane:
    """Runs work at once on the caller's thread, on a connection the caller owns."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def submit(self, work: Callable[[Replica], T]) -> "Future[T]":
        future: Future[T] = Future()
        try:
            future.set_result(work(self.replica))
        except BaseException as exc:  # noqa: BLE001 - a Future carries any error, as concurrent.futures does
            future.set_exception(exc)
        return future
