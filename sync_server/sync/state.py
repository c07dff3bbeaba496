"""The committed state, read once for many requests at a time, and what each audience holds.

Every authenticated request needs the server state row (epoch, committed sequence,
``auth_version``: ``deps.get_principal``), and an idle sync check (a pull or a wait with an
up-to-date cursor) needs nothing else: thousands of clients re-poll, and almost every answer is
"nothing new". So:

- ``StateReader.read`` coalesces: a request joins a read that *starts after it arrived* (the
  one starting next if one is already running), so what it gets is never older than the
  request, exactly as a read of its own would be, and a revocation or a new row still counts
  at the very next request. Under load one read of the row serves every request that arrived
  while the previous read ran: one hand-off to the thread pool for all of them.
- ``AudienceMarks``, kept up to date by the same read: for each audience, the highest sequence
  number of its sync rows up to the committed sequence. A cursor at or above the marks of all
  of a caller's audiences has nothing new to pull, and is answered without a query.

The marks follow the database, not this process: each read that finds a higher committed
sequence reads the rows in between (``ix_sync_rows_seq``), whoever wrote them (another
instance, the command line). Numbers are handed out in commit order (``sequence``), so every
row at or below the committed sequence is visible to that read. A row rewritten to a higher
number meanwhile is found by the next read; an entity the marks do not show at its old number
is not at that number any more, and a pull would not return it there either. Marks only grow
(a deleted row leaves its mark: one query too many, never an answer too few). A new epoch or a
sequence lower than before (a restore) makes the next read start over from every row.
"""

import asyncio
import dataclasses
import threading
import weakref
from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sync_server.orm import ServerState
from sync_server.sync.epoch import Committed
from sync_server.sync.models import SyncRow


class AudienceMarks:
    """Audience -> highest sequence number of its sync rows, for rows up to ``upto``.

    Complete: an audience without an entry has no rows at or below ``upto``.
    """

    def __init__(self, epoch: str, upto: int, highest: dict[str, int]) -> None:
        self.epoch = epoch
        self.upto = upto
        self._highest = highest

    def quiet(self, audiences: Iterable[str], *, after: int, state: Committed) -> bool:
        """True if no row of ``audiences`` lies in ``(after, state.seq]``.

        False when unsure (the marks are of another epoch or older than ``state``).
        """
        if self.epoch != state.epoch or self.upto < state.seq:
            return False
        highest = self._highest
        return all(highest.get(audience, 0) <= after for audience in audiences)

    def advance(self, upto: int, found: Iterable[tuple[str, int]]) -> None:
        """Take the marks of the rows in ``(self.upto, upto]``; then cover up to ``upto``."""
        highest = self._highest
        for audience, seq in found:
            if seq > highest.get(audience, 0):
                highest[audience] = seq
        # Last: a reader that sees the new ``upto`` sees every mark it covers.
        self.upto = upto


@dataclasses.dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The server state row as one read found it, and the marks up to its sequence."""

    committed: Committed
    auth_version: int
    marks: AudienceMarks


class _Round:
    """The reads of one event loop: the one running and the one that starts after it."""

    def __init__(self) -> None:
        self.running: asyncio.Future[Snapshot] | None = None
        self.next: asyncio.Future[Snapshot] | None = None
        self.task: asyncio.Task[None] | None = None


class StateReader:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()  # one read of the marks at a time, from any thread
        self._marks: AudienceMarks | None = None
        # Per event loop (the server has one; tests may run several in turn).
        self._rounds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Round] = (
            weakref.WeakKeyDictionary())

    async def read(self) -> Snapshot:
        """The state as of a read that started after this call: coalesced with others."""
        loop = asyncio.get_running_loop()
        round_ = self._rounds.get(loop)
        if round_ is None:
            round_ = self._rounds[loop] = _Round()
        if round_.running is None:
            future = round_.running = loop.create_future()
            round_.task = loop.create_task(self._run(round_, future))
        else:
            # The running read may have started before this request arrived: wait for the next.
            if round_.next is None:
                round_.next = loop.create_future()
            future = round_.next
        return await asyncio.shield(future)

    async def _run(self, round_: _Round, future: "asyncio.Future[Snapshot]") -> None:
        while True:
            try:
                future.set_result(await run_in_threadpool(self.read_now))
            except Exception as exc:  # noqa: BLE001 - handed to every request waiting for it
                future.set_exception(exc)
                future.exception()  # retrieved, even if every one of them was cancelled
            follower, round_.next = round_.next, None
            round_.running = follower
            if follower is None:
                return
            future = follower

    def read_now(self) -> Snapshot:
        """One read of the state row, and the marks brought up to it (any thread)."""
        with self._sessions() as session:
            epoch, seq, auth_version = session.execute(
                select(ServerState.epoch, ServerState.last_seq, ServerState.auth_version)
                .where(ServerState.id == 1)).one()
            committed = Committed(epoch=epoch, seq=seq)
            with self._lock:
                marks = self._marks
                if marks is None or marks.epoch != epoch or seq < marks.upto:
                    marks = self._marks = AudienceMarks(epoch, seq, _read_highest(
                        session, SyncRow.seq <= seq))
                elif seq > marks.upto:
                    marks.advance(seq, _read_highest(
                        session, SyncRow.seq > marks.upto, SyncRow.seq <= seq).items())
        return Snapshot(committed=committed, auth_version=auth_version, marks=marks)


def _read_highest(session: Session, *bounds: ColumnElement[bool]) -> dict[str, int]:
    """Each audience's highest sequence number among the rows within ``bounds``."""
    rows = session.execute(select(SyncRow.audience, func.max(SyncRow.seq).label("highest"))
                           .where(*bounds).group_by(SyncRow.audience))
    return {row.audience: row.highest for row in rows}
