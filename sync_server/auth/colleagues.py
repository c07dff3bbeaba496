"""Each authority's users, published to that authority's replicas as ``colleague`` entities.

A user row that is created or changes its name, roles, areas, authority or active flag is
republished in the same transaction, whoever changed it (the administration's services, the
console, the seed, a registration): session events collect the users flushed, and publish
them just before the transaction commits. So no writer can forget it, as the replica's
triggers keep its derived tables in step.

What a colleague carries is ``sync_protocol.colleagues.Colleague``: no user name, e-mail or
phone. Only the user's own authority sees it; a deactivated user is revoked (the replicas
delete it), and a user moved to another authority is revoked from the old one's audience.
The display name is stored as the users table stores it (plain); case data stays sealed.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from sync_protocol.audiences import authority_audience
from sync_protocol.colleagues import Colleague
from sync_protocol.messages import EntityKind
from sync_server.auth.models import User, UserArea
from sync_server.sync.publish import json_payload, publish
from sync_server.sync.sequence import SequenceLock

_PENDING = "imi.colleagues_changed"
# A session created with ``info={UNPUBLISHED: True}`` writes users without publishing them:
# only for writing rows into a database of an older revision (the migration tests), whose
# tables the publication would not find.
UNPUBLISHED = "imi.colleagues_unpublished"
_PUBLISHED_FIELDS = ("display_name", "roles", "authority_id", "active", "scope_version")


def colleague_of(user: User, areas: Iterable[str]) -> Colleague:
    return Colleague(id=user.id, display_name=user.display_name, roles=tuple(user.roles),
                     areas=tuple(sorted(set(areas))))


def publish_users(session: Session, seq: SequenceLock, user_ids: Iterable[str]) -> None:
    """Publish the current state of ``user_ids`` to their authorities (inside the caller's
    transaction, with its sequence lock)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    areas: dict[str, list[str]] = {}
    for user_id, area in session.execute(select(UserArea.user_id, UserArea.area)
                                         .where(UserArea.user_id.in_(ids))):
        areas.setdefault(user_id, []).append(area)
    for user in session.scalars(select(User).where(User.id.in_(ids))):
        colleague = colleague_of(user, areas.get(user.id, ()))
        publish(session, seq, kind=EntityKind.COLLEAGUE, entity_id=user.id, version=1,
                payload=json_payload(colleague.model_dump(mode="json")),
                audiences=(authority_audience(user.authority_id),) if user.active else ())


def _changed(obj: Any, new: bool) -> str | None:
    if isinstance(obj, User):
        state = inspect(obj)
        if new or any(state.attrs[f].history.has_changes() for f in _PUBLISHED_FIELDS):
            return obj.id
    elif isinstance(obj, UserArea):
        return obj.user_id
    return None


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(UNPUBLISHED):
        return
    found = {_changed(o, True) for o in session.new}
    found |= {_changed(o, False) for o in session.dirty}
    found |= {_changed(o, True) for o in session.deleted if isinstance(o, UserArea)}
    found.discard(None)
    if found:
        session.info.setdefault(_PENDING, set()).update(found)


def _before_commit(session: Session) -> None:
    session.flush()  # the users changed since the last flush are collected too
    pending: set[str] = session.info.pop(_PENDING, set())
    if not pending:
        return
    # After the writer's own numbers (it flushes its lock before it commits): the lock's
    # UPDATE reads the last number this transaction wrote.
    seq = SequenceLock(session).acquire()
    publish_users(session, seq, pending)
    seq.flush()


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


_installed = False


def watch_users() -> None:
    """Install the publication on every session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    _installed = True
