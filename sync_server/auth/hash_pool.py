"""Password hashing on its own small pool, so that a flood of sign-ins cannot starve sync.

Argon2id is built to cost CPU and memory (~64 MiB per hash). Run on the server's request
threads, 120 concurrent wrong sign-ins took every thread and a gigabyte of memory, and a
signed-in officer's pull waited seconds. Here hashes run on ``workers`` threads of their own
(half the cores by default, at a lower CPU priority, so sync comes first), at most ``queue``
more wait, and beyond
that a sign-in is answered ``503 server_busy`` with ``Retry-After`` at once: nothing queues
without bound, and no request thread or database connection is held while a hash waits.
"""

import asyncio
import concurrent.futures
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from sync_protocol.errors import LocalProtocolError

T = TypeVar("T")

RETRY_AFTER_SECONDS = 1


class ServerBusy(LocalProtocolError):
    """Every hashing slot is taken: the sign-in was not tried, and may be repeated shortly."""

    def __init__(self) -> None:
        super().__init__("server_busy",
                         "the server is busy with other sign-ins: try again in a moment",
                         params={"retry_after": RETRY_AFTER_SECONDS}, status_hint=503)
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


HASH_NICENESS = 10


def _yield_cpu() -> None:
    """Lower this worker thread's CPU priority (Linux: niceness is per thread).

    Argon2 computes its lanes on threads it starts from this one, which inherit the
    niceness: when the cores are contended, a sync request's thread runs first and the hashes
    take what is left. Nothing changes on an idle server. Where the OS has no per-thread
    priority, the bounded pool alone limits what sign-ins take.
    """
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


class HashPool:
    """At most ``workers`` hashes at a time and ``queue`` waiting; the rest refused at once."""

    def __init__(self, *, workers: int, queue: int) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a hash pool needs at least one worker and a queue of 0 or more")
        self.workers = workers
        self.capacity = workers + queue
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="password-hash", initializer=_yield_cpu)
        self._lock = threading.Lock()
        self._taken = 0  # hashes running or waiting on the executor

    @classmethod
    def from_environment(cls) -> "HashPool":
        workers = int(os.environ.get("IMI_HASH_WORKERS", "0")) or default_workers()
        queue = int(os.environ.get("IMI_HASH_QUEUE", "0")) or 8 * workers
        return cls(workers=workers, queue=queue)

    def check_room(self) -> None:
        """``ServerBusy`` now if no slot is free: spares a refused caller the work before it.

        A slot free now may be gone when ``run`` comes: ``run`` takes it for real.
        """
        if self._taken >= self.capacity:
            raise ServerBusy

    def _release(self, _done: object = None) -> None:
        with self._lock:
            self._taken -= 1

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` on the pool; ``ServerBusy`` at once when the pool and queue are full."""
        with self._lock:
            if self._taken >= self.capacity:
                raise ServerBusy
            self._taken += 1
        try:
            future = self._executor.submit(work, *args)
        except BaseException:
            self._release()
            raise
        # Released when the hash is done, not when the caller stops waiting: a client that
        # hangs up does not free a slot its hash still occupies.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
