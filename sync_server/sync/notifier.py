"""Wakes long-polling ``/v1/sync/wait`` calls when something they may see has changed.

Services run in worker threads; waiters are coroutines on the server's event loop. A waiter
registers *before* it checks for changes, so a change committed between the check and the
sleep still wakes it. ``close`` releases every waiter when the server stops: uvicorn waits for
open requests before it stops, and a long-poll would hold it up to 25 s. Several server
instances on one PostgreSQL database wake each other's waiters through ``announce`` and the
listener in ``sync.relay`` (LISTEN/NOTIFY).
"""

import asyncio
import contextlib
import secrets
import threading
from collections.abc import AsyncIterator, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL = "imi_changes"


class _Waiter:
    def __init__(self, audiences: frozenset[str]) -> None:
        self.audiences = audiences
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()


class ChangeNotifier:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[_Waiter] = set()
        self._closed = False
        # Names this process in its announcements, so it skips its own.
        self.instance = secrets.token_hex(8)
        # Set by ``sync.relay`` while it listens on PostgreSQL.
        self.announcing = False

    def announce(self, session: Session, audiences: Iterable[str]) -> None:
        """Tell the other instances, inside the transaction that made the change (PostgreSQL
        delivers a NOTIFY when the transaction commits, and drops it on a rollback)."""
        changed = sorted(set(audiences))
        if self.announcing and changed:
            session.execute(select(func.pg_notify(CHANNEL,
                                                  f"{self.instance} {' '.join(changed)}")))

    def wake_all(self) -> None:
        with self._lock:
            woken = list(self._waiters)
        for waiter in woken:
            waiter.loop.call_soon_threadsafe(waiter.event.set)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Wake every waiter, now and later: the server is stopping."""
        with self._lock:
            self._closed = True
            woken = list(self._waiters)
        for waiter in woken:
            waiter.loop.call_soon_threadsafe(waiter.event.set)

    def notify(self, audiences: Iterable[str]) -> None:
        changed = set(audiences)
        with self._lock:
            woken = [w for w in self._waiters if w.audiences & changed]
        for waiter in woken:
            waiter.loop.call_soon_threadsafe(waiter.event.set)

    @contextlib.asynccontextmanager
    async def listen(self, audiences: Iterable[str]) -> AsyncIterator[asyncio.Event]:
        waiter = _Waiter(frozenset(audiences))
        with self._lock:
            self._waiters.add(waiter)
            if self._closed:
                waiter.event.set()
        try:
            yield waiter.event
        finally:
            with self._lock:
                self._waiters.discard(waiter)
