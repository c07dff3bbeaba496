"""Long-polls woken across server instances on one PostgreSQL database: LISTEN/NOTIFY.

A push announces the audiences it changed inside its own transaction
(``ChangeNotifier.announce``: ``pg_notify``, which PostgreSQL delivers when, and only if, the
transaction commits). Every instance keeps one connection listening on ``CHANNEL`` and wakes
its own waiters for those audiences; its own announcements it skips (the push already woke
them, in process). The payload names audiences only, never personal data.

If the listening connection drops, the relay reconnects and then wakes every waiter of its
instance: a change announced while it was away would otherwise wait for the long-poll's
timeout. A woken waiter only re-checks; waking too many costs a query each, never a wrong
answer.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import psycopg

from sync_server.sync.notifier import CHANNEL, ChangeNotifier

log = logging.getLogger("imi.server")

RECONNECT_S = 1.0


def listen_url(database_url: str) -> str | None:
    """The libpq URL to listen on, or None when the database is not PostgreSQL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url.removeprefix(prefix)
    return None


async def _listen(notifier: ChangeNotifier, url: str, ready: asyncio.Event) -> None:
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                if ready.is_set():
                    notifier.wake_all()  # back after a drop: something may have been missed
                ready.set()
                async for message in conn.notifies():
                    origin, _, audiences = message.payload.partition(" ")
                    if origin != notifier.instance:
                        notifier.notify(audiences.split())
        except psycopg.Error as exc:
            log.warning("cross-instance wake-ups interrupted (%s); reconnecting",
                        type(exc).__name__)
            ready.set()  # the server runs on without them; waiters still time out and re-poll
            await asyncio.sleep(RECONNECT_S)


@contextlib.asynccontextmanager
async def relayed(notifier: ChangeNotifier, database_url: str) -> AsyncIterator[None]:
    """Listen for the other instances' changes while the server runs (PostgreSQL only)."""
    url = listen_url(database_url)
    if url is None:
        yield
        return
    ready = asyncio.Event()
    task = asyncio.create_task(_listen(notifier, url, ready))
    notifier.announcing = True
    await asyncio.wait_for(ready.wait(), timeout=30)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
