"""Sequence numbers for sync rows, handed out in commit order.

The ordering trap: on PostgreSQL a transaction could take sequence 7, commit after another
took 8 and was already pulled, and the puller would never see 7. So every transaction that
hands out numbers locks the one ``server_state`` row (an UPDATE takes a row lock until commit)
before its first number: writers queue there, and each one's numbers are above everything
already committed.

The lock is held as briefly as the numbering allows. The sync rows a transaction publishes
(``sync.publish``) wait in ``SequenceLock`` and are numbered and written together (one
multi-row INSERT ... ON CONFLICT) at ``flush``, or at the latest just before the commit:

- on PostgreSQL the lock is taken there, at the first number, so a push holds it for that
  INSERT and its commit, not while it validates and seals its steps. A push, the job runner
  and a translation (``acquire(at_first_number=True)``) take it *last*, after the rows they
  lock (device, case, job), and wait for it while holding those.

  The rule that keeps writers from deadlocking: a transaction holding the sequence lock never
  waits for a device, case or job row (lock, update or delete) another writer may hold. A
  writer that takes the lock first (``acquire()``: the organisation routes, registration,
  the command line, the seed) touches none of those rows after it, or locks them before it
  in id order as a push does (``training.reset_training`` locks every case first; the seed
  locks only cases it created itself). Bumping ``auth_version`` (``auth.token_cache``)
  writes the same row: it counts as taking the lock. PostgreSQL aborts one side of a
  deadlock; nothing else detects a breach of this rule.
- on SQLite the database has one writer at a time anyway, and a writer that starts with a read
  could not upgrade to a write lock (SQLITE_BUSY). So ``acquire`` takes the write lock at once,
  and first an in-process lock, held to the end of the transaction: the writers of a process
  queue on it and start the moment the one before commits, instead of polling the database
  lock in SQLite's busy-timeout sleeps (which grow to 100 ms each: seconds at the 99th
  percentile under load).

A savepoint rolled back takes its rows back out of the pending ones, as it would take back
rows added to the session, and the numbers handed out in it. If the lock was first taken in
it, PostgreSQL let go of the row lock with the savepoint: the next number takes it again.
"""

import functools
import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, Insert, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from sync_server.orm import ServerState
from sync_server.sync.models import SyncRow

_INFO_KEY = "imi.sequence_lock"
# One in-process writer lock per SQLite engine.
_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()
# Longer than SQLite's busy timeout (``db``): past it the UPDATE waits in SQLite as before.
_WRITER_WAIT = 30.0


@dataclass(slots=True)
class PendingRow:
    version: int
    payload: bytes | None
    sealed: bool
    reason: str | None


@functools.cache
def _upsert(dialect: str) -> Insert:
    """INSERT a sync row, or rewrite the one of its entity and audience."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(SyncRow.metadata.tables[SyncRow.__tablename__])
    return stmt.on_conflict_do_update(
        index_elements=["kind", "entity_id", "audience"],
        set_={name: stmt.excluded[name]
              for name in ("seq", "version", "payload", "sealed", "reason")})


def _writer_lock(engine: Engine) -> threading.Lock:
    with _WRITERS_GUARD:
        lock = _WRITERS.get(engine)
        if lock is None:
            lock = _WRITERS[engine] = threading.Lock()
        return lock


class SequenceLock:
    """Held from the first number to the end of the transaction; ``next()`` gives the next
    number, ``put`` queues a sync row to be numbered and written at ``flush``."""

    def __new__(cls, session: Session) -> "SequenceLock":
        # One per transaction: a function that takes ``SequenceLock(session)`` inside another
        # one's transaction shares its numbers and its queued rows.
        held = session.info.get(_INFO_KEY)
        if held is None:
            held = super().__new__(cls)
            held._session = session
            held._last = None
            held._written = 0
            held._writer = None
            # (kind, entity_id, audience) -> row, in the order they were (last) published.
            held._rows = {}
            held._saved = {}
            # Made inside savepoints: rolling one of them back undoes all of it.
            savepoint = session.get_nested_transaction()
            while savepoint is not None and savepoint.nested:
                held._saved[savepoint] = _Saved({}, None, 0)
                savepoint = savepoint.parent
            session.info[_INFO_KEY] = held
        assert isinstance(held, SequenceLock)
        return held

    _session: Session
    _last: int | None
    _written: int
    _writer: "threading.Lock | None"
    _rows: dict[tuple[str, str, str], PendingRow]
    _saved: dict[SessionTransaction, "_Saved"]

    def acquire(self, *, at_first_number: bool = False) -> "SequenceLock":
        """Take the lock, or on PostgreSQL with ``at_first_number`` only when the first
        number is handed out (see the module): for writers that lock other rows (devices,
        cases, jobs) first. Writers that lock the sequence first must lock none of those
        after it."""
        if self._last is not None:
            return self
        connection = self._session.connection()
        if connection.dialect.name == "sqlite":
            # pysqlite begins at the first write: a transaction that has not written yet holds
            # no database lock, and queues here. One that has (a seed, then a publication)
            # holds the database's write lock already and must not wait for a writer that
            # waits for it.
            if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
                lock = _writer_lock(connection.engine)
                if lock.acquire(timeout=_WRITER_WAIT):
                    self._writer = lock
            self._lock()
        elif not at_first_number:
            self._lock()
        return self

    def _lock(self) -> int:
        stmt = (
            update(ServerState)
            .where(ServerState.id == 1)
            .values(last_seq=ServerState.last_seq)
            .returning(ServerState.last_seq)
        )
        self._written = self._last = self._session.execute(stmt).scalar_one()
        return self._last

    def next(self) -> int:
        if self._last is None:
            self._lock()
        assert self._last is not None
        self._last += 1
        return self._last

    def pending(self, kind: str, entity_id: str) -> dict[str, PendingRow]:
        """The rows of one entity published in this transaction and not written yet."""
        return {audience: row for (k, e, audience), row in self._rows.items()
                if k == kind and e == entity_id}

    def put(self, kind: str, entity_id: str, audience: str, row: PendingRow) -> None:
        """Queue a sync row; a row queued again is numbered as the last one."""
        key = (kind, entity_id, audience)
        self._rows.pop(key, None)
        self._rows[key] = row

    def flush(self) -> None:
        """Number and write the queued rows, then the last number handed out; call before
        commit (a commit does it too)."""
        if self._rows:
            values = [
                {"kind": kind, "entity_id": entity_id, "audience": audience, "seq": self.next(),
                 "version": row.version, "payload": row.payload, "sealed": row.sealed,
                 "reason": row.reason}
                for (kind, entity_id, audience), row in self._rows.items()
            ]
            self._rows.clear()
            # Core on the connection, one statement compiled once per process: SQLAlchemy
            # sends the rows as multi-row VALUES batches ("insertmanyvalues").
            connection = self._session.connection()
            connection.execute(_upsert(connection.dialect.name), values)
        if self._last is not None and self._last != self._written:
            self._session.execute(
                update(ServerState).where(ServerState.id == 1).values(last_seq=self._last)
            )
            self._written = self._last

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


@dataclass(slots=True, frozen=True)
class _Saved:
    """A ``SequenceLock`` as a savepoint found it."""

    rows: dict[tuple[str, str, str], PendingRow]
    last: int | None
    written: int


@event.listens_for(Session, "before_commit")
def _flush_before_commit(session: Session) -> None:
    # Fired for a savepoint's release too: the rows wait for the transaction's own commit.
    seq = session.info.get(_INFO_KEY)
    if seq is not None and not session.in_nested_transaction():
        seq.flush()


@event.listens_for(Session, "after_transaction_create")
def _savepoint_started(session: Session, transaction: SessionTransaction) -> None:
    seq = session.info.get(_INFO_KEY)
    if seq is not None and transaction.nested:
        seq._saved[transaction] = _Saved(dict(seq._rows), seq._last, seq._written)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session: Session, previous: SessionTransaction) -> None:
    seq = session.info.get(_INFO_KEY)
    if seq is not None and previous.nested and previous in seq._saved:
        saved = seq._saved.pop(previous)
        # Numbers handed out and written in the savepoint are gone with it; a lock first
        # taken in it is gone too (``_last`` None: the next number locks again).
        seq._rows, seq._last, seq._written = saved.rows, saved.last, saved.written


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    seq = session.info.get(_INFO_KEY)
    if seq is None:
        return
    if transaction.parent is None:
        # Committed or rolled back: the next transaction of this session starts afresh.
        del session.info[_INFO_KEY]
        seq._release()
