"""Engine and sessions: SQLite (WAL) in the data directory, or PostgreSQL by URL."""

import contextlib
import os
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# Starlette runs blocking work on anyio's default thread limiter: 40 threads.
REQUEST_THREADS = 40


def make_engine(url: str) -> Engine:
    """An engine whose errors and logs never show the values bound to a statement.

    ``hide_parameters``: a failed INSERT of a case would otherwise quote its personal data
    in the exception message, and from there in a log.
    """
    if url.startswith("postgresql://"):
        # psycopg 3 is the maintained driver; plain postgresql:// would ask for psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _private_sqlite_file(make_url(url).database)
        # A pooled connection per request thread (anyio's pool: 40), kept: beyond the pool
        # every request opened a connection and ran the pragmas again (a profile under load).
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=REQUEST_THREADS, max_overflow=10,
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Enough kept connections for the request threads that use one at a time (a connection
    # opened per request beyond the pool costs a PostgreSQL backend start, milliseconds);
    # two instances keep 2 x 20 of the default 100 PostgreSQL connections.
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True,
                         hide_parameters=True)


def _private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would use the umask);
    SQLite gives its -wal and -shm files the mode of the database file."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
