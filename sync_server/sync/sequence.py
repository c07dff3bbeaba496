"""Sequence numbers for sync rows, handed out in commit order.

The ordering trap: on PostgreSQL a transaction could take sequence 7, commit after another
took 8 and was already pulled, and the puller would never see 7. So every write transaction
first locks the one ``server_state`` row (an UPDATE takes a row lock until commit): writers
queue there, and each one's numbers are above everything already committed. At this system's
write volume (tens of thousands of exchanges a year) one serialising lock costs nothing. On
SQLite the same UPDATE takes the database's write lock before any read, which also avoids
SQLITE_BUSY on lock upgrade.
"""

from sqlalchemy import update
from sqlalchemy.orm import Session

from sync_server.orm import ServerState


class SequenceLock:
    """Held from ``acquire`` to the end of the transaction; ``next()`` gives the next number."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._last: int | None = None
        self._start = 0

    def acquire(self) -> "SequenceLock":
        stmt = (
            update(ServerState)
            .where(ServerState.id == 1)
            .values(last_seq=ServerState.last_seq)
            .returning(ServerState.last_seq)
        )
        self._start = self._last = self._session.execute(stmt).scalar_one()
        return self

    def next(self) -> int:
        assert self._last is not None, "acquire() first"
        self._last += 1
        return self._last

    def flush(self) -> None:
        """Write the last number handed out back; call before commit."""
        if self._last is not None and self._last != self._start:
            self._session.execute(
                update(ServerState).where(ServerState.id == 1).values(last_seq=self._last)
            )
