"""Coordinators' scopes on the server.

STAND-IN for branch ``roles`` (which owns this module; it had not committed it when
``coordinators`` needed it): the subset ``coordinators`` uses, copied from roles' work in
progress. At merge, take roles' version of this file entirely.
"""

from sqlalchemy.orm import Session

from sync_protocol.organisation import CoordinatorScope
from sync_server.organisation.models import Coordinator
from sync_server.sync.sequence import SequenceLock


def scope_of(row: Coordinator) -> CoordinatorScope:
    return CoordinatorScope.model_validate({
        "authority_id": row.authority_id, "kind": row.kind, "member_state": row.member_state,
        "region": row.region, "area": row.area, "parent_authority_id": row.parent_authority_id})


def coordinator_scope(session: Session, authority_id: str) -> CoordinatorScope | None:
    row = session.get(Coordinator, authority_id)
    return scope_of(row) if row else None


def add_coordinator(session: Session, seq: SequenceLock,  # noqa: ARG001 - roles publishes
                    scope: CoordinatorScope) -> None:
    """Record ``scope`` for an existing authority (roles' version also publishes it)."""
    row = session.get(Coordinator, scope.authority_id)
    if row is None:
        row = Coordinator(authority_id=scope.authority_id)
        session.add(row)
    row.kind, row.member_state, row.region = scope.kind.value, scope.member_state, scope.region
    row.area, row.parent_authority_id = scope.area, scope.parent_authority_id
