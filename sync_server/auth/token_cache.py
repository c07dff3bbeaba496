"""Verified tokens, kept briefly in memory so an idle sync check does not look its token up.

Thousands of clients re-poll every few seconds; each check would otherwise join tokens, users
and authorities before it even reads its cursor. A cached entry is used only while all of
these hold, so that a revocation or deactivation still takes effect at the next request:

1. the server state's ``auth_version`` is the value read *before* the entry was verified.
   Every transaction that changes (or deletes) a token, a user, an authority or a user's
   area rights (a new ``user_areas`` row too) bumps it
   (``watch_accounts``, installed on every SQLAlchemy engine, in the same transaction as the
   change: the admin routes, the ``imi-server`` command line, any instance, ORM or plain
   statements), so any such change drops every entry of every instance on the same database
   at their next request;
2. the entry is younger than ``TTL``: a bound on anything written past the ORM by hand;
3. the token's own idle and age limits still hold, checked at each use as ``authenticate``
   does; when its last use is due to be written again, the token is looked up afresh.

A token's use being written (``last_used_at``) is not an account change: that statement
carries ``RENEWAL`` and bumps nothing.
"""

import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from cachetools import TTLCache
from sqlalchemy import Connection, Delete, Engine, Insert, Update, event, update

from sync_server.orm import ServerState

TTL_S = 30.0
MAX_ENTRIES = 100_000
RENEWAL = "imi_token_renewal"  # execution option of the statement that writes a token's use
# Execution option of the migrations' connection: a data migration of these tables may run
# before the column exists, and no server holds verified tokens across a migration.
MIGRATING = "imi_migrating"

K = TypeVar("K")
V = TypeVar("V")

# The coordinators, approval rules and authority modes are watched for the organisation a
# workflow step reads (``organisation.service.organisation_for`` caches it the same way).
_ORGANISATION = ("coordinators", "approval_rules", "authority_modes")
_WATCHED = ("tokens", "users", "authorities", "user_areas", *_ORGANISATION)
# Tables where a new row changes what a verified token allows: a user's legislative areas
# (``Principal.areas``) grow by an insert; so does the organisation.
_WATCHED_INSERTS = ("user_areas", *_ORGANISATION)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Verified:
    """What a look-up found: the principal (``auth.service.Principal``) and the token's times."""

    principal: Any
    created_at: dt.datetime
    last_used_at: dt.datetime


class VersionedCache(Generic[K, V]):
    """Values read under an ``auth_version``, each used only while the state says that same
    version; thread-safe (request threads and the event loop read it).

    An entry read under another version is dropped when asked for. A version lower than one
    seen before means the database went back (a restore) and drops every entry: counting up
    again to a version seen before must not revive what was read then. ``ttl`` bounds
    anything written past SQLAlchemy by hand.
    """

    def __init__(self, *, ttl: float = TTL_S, size: int = MAX_ENTRIES) -> None:
        self._entries: TTLCache[K, tuple[int, V]] = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()
        self._highest = -1

    def get(self, key: K, auth_version: int) -> V | None:
        with self._lock:
            if auth_version < self._highest:
                self._entries.clear()
            self._highest = auth_version
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] != auth_version:
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: K, auth_version: int, value: V) -> None:
        with self._lock:
            self._entries[key] = (auth_version, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class TokenCache(VersionedCache[str, Verified]):
    """Token digest -> ``Verified``."""


# ``connection.info`` key: the transaction that bumped ``auth_version`` on that connection.
_BUMPED = "imi.auth_bumped"


def _bump(connection: Connection) -> None:
    connection.execute(update(ServerState).where(ServerState.id == 1)
                       .values(auth_version=ServerState.auth_version + 1))
    # ``connection.info`` outlives the transaction (it is the pooled connection's): the mark
    # names the transaction, so the next one on this connection is not marked.
    connection.info[_BUMPED] = connection.get_transaction()


def bumped(connection: Connection) -> bool:
    """Whether the transaction running on ``connection`` changed what ``auth_version``
    guards: what it reads then is not yet what the version says (its own version is
    uncommitted, and gone if it rolls back), so nothing it reads may be cached by version."""
    marked = connection.info.get(_BUMPED)
    return marked is not None and marked is connection.get_transaction()


def _before_execute(connection: Connection, statement: Any, _multiparams: Any, _params: Any,
                    execution_options: Mapping[str, Any]) -> None:
    # UPDATE and DELETE: a new token, user or authority changes nobody's verified token (a
    # sign-in adds one); a new area right does. The ORM's flushes run through here too, so
    # this sees every change but raw SQL text.
    table = getattr(getattr(statement, "table", None), "name", None)
    if isinstance(statement, Insert):
        if table not in _WATCHED_INSERTS:
            return
    elif not isinstance(statement, Update | Delete) or table not in _WATCHED:
        return
    if (execution_options.get(RENEWAL) or statement.get_execution_options().get(RENEWAL)
            or connection.get_execution_options().get(MIGRATING)):
        return
    _bump(connection)


_installed = False


def watch_accounts() -> None:
    """Install the ``auth_version`` bump on every engine (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Engine, "before_execute", _before_execute)
    _installed = True
