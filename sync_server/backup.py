"""``imi-server backup`` and ``restore``: a consistent copy of the database, and putting one back.

SQLite: the online backup API of ``sqlite3`` copies page by page under the database's locks,
so a backup taken while the server runs is consistent, and a restore behind a running server
is seen by it at its next request. PostgreSQL: ``pg_dump -Fc`` and ``pg_restore --clean``
(the client tools of the server's major version must be installed). The master key file is in
neither: it is kept apart (README "Backups"), and a restore needs the key of the same system.

After a restore the caller starts a new epoch (``migrate.new_epoch``): every replica is told
``reset_required``, downloads everything again and then sends its waiting changes.
"""

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url

from sync_server.config import ConfigError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (replaced whole, or untouched)."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if database_url.startswith("sqlite:///"):
            source = database_url.removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(source)) as src, \
                    contextlib.closing(sqlite3.connect(partial)) as dst:
                src.backup(dst)
        else:
            url, env = _libpq(database_url)
            _tool(["pg_dump", "--format=custom", f"--file={partial}", f"--dbname={url}"], env)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup ``source``; refuses a backup of the
    other kind (a PostgreSQL dump for SQLite, or the reverse) before touching anything."""
    if not source.is_file():
        raise ConfigError(f"no backup file {source}")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if database_url.startswith("sqlite:///"):
        if not head.startswith(SQLITE_MAGIC):
            raise ConfigError(f"{source} is not a SQLite backup (made by 'imi-server backup' "
                              "on a SQLite server)")
        target = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(source)) as src, \
                contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return
    if not head.startswith(PG_DUMP_MAGIC):
        raise ConfigError(f"{source} is not a PostgreSQL backup (made by 'imi-server backup', "
                          "pg_dump -Fc)")
    url, env = _libpq(database_url)
    # One transaction: a restore that fails half-way leaves the database as it was.
    _tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
           "--exit-on-error", f"--dbname={url}", str(source)], env)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL in libpq's form, without its password (which goes in ``PGPASSWORD``, so it is
    not in the process list)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise ConfigError(f"{command[0]} is not installed: install PostgreSQL's client tools "
                          "(same major version as the server)") from exc
    if done.returncode != 0:
        # pg_dump's and pg_restore's messages name objects, never row data.
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"{command[0]} failed: {last}")
