"""The configurable organisation on the server: read it for a workflow step, change it as the
right coordinator, publish it to every replica (public sync rows).

Changes are keyword-only functions writing inside the caller's transaction; each checks that
the acting coordinator's scope ``covers`` what it changes (``sync_protocol.organisation``).
"""

import threading
import weakref
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import EntityKind
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    AuthorityMode,
    CoordinatorScope,
    Direction,
    Organisation,
    Place,
    covers,
)
from sync_server.auth.token_cache import VersionedCache, bumped
from sync_server.directory.models import Authority
from sync_server.organisation.models import ApprovalRuleRow, AuthorityModeRow, Coordinator
from sync_server.orm import ServerState
from sync_server.sync.publish import PUBLIC, json_payload, publish
from sync_server.sync.sequence import SequenceLock

# ``organisation_for`` results per engine, by (epoch, authority ids). The tables it reads are
# watched by ``auth.token_cache``: any change to an authority, a coordinator, an approval rule
# or an authority's mode, by any instance or the command line, bumps ``auth_version`` in its
# own transaction, and an entry read under another version is read again.
_Cache = VersionedCache[tuple[str, tuple[str, ...]], Organisation]
_CACHES: "weakref.WeakKeyDictionary[Engine, _Cache]" = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()
_STATE_KEY = "imi.organisation.state"


def organisation_for(session: Session, authority_ids: Iterable[str]) -> Organisation:
    """The configuration a step on a case between ``authority_ids`` needs."""
    ids = tuple(sorted(set(authority_ids)))
    session.flush()  # a change still pending in the session bumps ``auth_version`` now
    if bumped(session.connection()):
        # This transaction changed the organisation (or accounts): read what it sees, and
        # neither serve a version's entry to it nor cache it under a version it has not
        # committed.
        return _read_organisation(session, ids)[0]
    epoch, version = _state(session)
    engine = session.get_bind().engine
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = _Cache(size=10_000)
    hit = cache.get((epoch, ids), version)
    if hit is not None:
        return hit
    organisation, complete = _read_organisation(session, ids)
    if complete:  # an authority missing now could be added without a bump
        cache.put((epoch, ids), version, organisation)
    return organisation


def _state(session: Session) -> tuple[str, int]:
    """The epoch and ``auth_version`` as this transaction first read them (once each)."""
    transaction = session.get_transaction()
    held = session.info.get(_STATE_KEY)
    if held is not None and held[0] is transaction:
        return held[1], held[2]
    epoch, version = session.execute(select(ServerState.epoch, ServerState.auth_version)
                                     .where(ServerState.id == 1)).one()
    session.info[_STATE_KEY] = (transaction, str(epoch), int(version))
    return str(epoch), int(version)


def _read_organisation(session: Session, ids: tuple[str, ...]) -> tuple[Organisation, bool]:
    """The organisation of ``ids`` from the database, and whether every one of them exists."""
    # Columns, not ``Authority`` objects: those load their areas and competences (hundreds of
    # rows for a broad authority) with them, which was a quarter of a push's time.
    authorities = [_Listed(*row) for row in session.execute(
        select(Authority.id, Authority.member_state, Authority.region, Authority.coordinator_id)
        .where(Authority.id.in_(ids)))]
    places = {a.id: Place(member_state=a.member_state, region=a.region or None)
              for a in authorities}
    states = sorted({p.member_state for p in places.values()})
    rules = [rule_of(r) for r in session.scalars(
        select(ApprovalRuleRow).where(ApprovalRuleRow.member_state.in_(states),
                                      ApprovalRuleRow.active.is_(True)))]
    modes = [mode_of(m) for m in session.scalars(
        select(AuthorityModeRow).where(AuthorityModeRow.authority_id.in_(ids)))]
    organisation = Organisation.of(rules=rules, modes=modes, places=places,
                                   coordinators=_responsible(session, authorities))
    return organisation, len(places) == len(ids)


class _Listed(NamedTuple):
    """What a step needs of an authority (``organisation_for``)."""

    id: str
    member_state: str
    region: str
    coordinator_id: str | None


def _responsible(session: Session, authorities: Iterable[_Listed]) -> dict[str, str]:
    """Each authority's responsible coordinator: the directory's ``coordinator_id`` when that
    coordinator is active, else its member state's national coordinator (NIMIC)."""
    authorities = list(authorities)
    named = {a.coordinator_id for a in authorities if a.coordinator_id}
    active = set(session.scalars(select(Coordinator.authority_id)
                                 .join(Authority, Authority.id == Coordinator.authority_id)
                                 .where(Coordinator.authority_id.in_(sorted(named)),
                                        Authority.active.is_(True)))) if named else set()
    national = {row.member_state: row.authority_id for row in session.scalars(
        select(Coordinator).join(Authority, Authority.id == Coordinator.authority_id).where(
            Coordinator.kind == "nimic", Authority.active.is_(True),
            Coordinator.member_state.in_(sorted({a.member_state for a in authorities}))))}
    responsible = {}
    for authority in authorities:
        if authority.coordinator_id in active:
            responsible[authority.id] = str(authority.coordinator_id)
        elif authority.member_state in national:
            responsible[authority.id] = national[authority.member_state]
    return responsible


def rule_of(row: ApprovalRuleRow) -> ApprovalRule:
    return ApprovalRule(member_state=row.member_state, region=row.region, area=row.area,
                        direction=Direction(row.direction),
                        coordinator_authority_id=row.coordinator_authority_id)


def mode_of(row: AuthorityModeRow) -> AuthorityAreaMode:
    return AuthorityAreaMode(authority_id=row.authority_id, area=row.area,
                             mode=AuthorityMode(row.mode))


def scope_of(row: Coordinator) -> CoordinatorScope:
    return CoordinatorScope.model_validate({
        "authority_id": row.authority_id, "kind": row.kind, "member_state": row.member_state,
        "region": row.region, "area": row.area, "parent_authority_id": row.parent_authority_id})


def coordinator_scope(session: Session, authority_id: str) -> CoordinatorScope | None:
    row = session.get(Coordinator, authority_id)
    return scope_of(row) if row else None


def add_coordinator(session: Session, seq: SequenceLock, scope: CoordinatorScope) -> None:
    """Record ``scope`` for an existing authority (seed, console); publish it."""
    if session.get(Authority, scope.authority_id) is None:
        raise LocalProtocolError("unknown_authority", f"no authority {scope.authority_id}",
                                 params={"authority": scope.authority_id})
    row = session.get(Coordinator, scope.authority_id)
    if row is None:
        row = Coordinator(authority_id=scope.authority_id)
        session.add(row)
    row.kind, row.member_state, row.region = scope.kind.value, scope.member_state, scope.region
    row.area, row.parent_authority_id = scope.area, scope.parent_authority_id
    publish(session, seq, kind=EntityKind.COORDINATOR, entity_id=scope.authority_id,
            version=1, payload=json_payload(scope.model_dump(mode="json")), audiences=PUBLIC)


def _acting_scope(session: Session, actor_authority_id: str) -> CoordinatorScope:
    scope = coordinator_scope(session, actor_authority_id)
    if scope is None:
        raise LocalProtocolError("not_a_coordinator", "your authority is not a coordinator",
                                 status_hint=403)
    return scope


def set_approval_rule(session: Session, seq: SequenceLock, *, actor_authority_id: str,
                      rule: ApprovalRule, active: bool = True) -> ApprovalRule:
    """Add, change or (``active=False``) remove a rule, as ``actor_authority_id``.

    The acting coordinator must cover the rule's state, region and area, and so must the
    coordinator the rule names (it decides in that scope).
    """
    scope = _acting_scope(session, actor_authority_id)
    if not covers(scope, rule.member_state, rule.region, rule.area):
        raise LocalProtocolError("outside_scope", "this is outside your coordinator's scope",
                                 params={"member_state": rule.member_state}, status_hint=403)
    approver = coordinator_scope(session, rule.coordinator_authority_id)
    if approver is None or not covers(approver, rule.member_state, rule.region, rule.area):
        raise LocalProtocolError("approver_outside_scope",
                                 f"{rule.coordinator_authority_id} does not coordinate there",
                                 params={"authority": rule.coordinator_authority_id})
    row = session.get(ApprovalRuleRow, rule.id)
    if row is None:
        row = ApprovalRuleRow(id=rule.id, member_state=rule.member_state, region=rule.region,
                              area=rule.area, direction=rule.direction.value, version=0)
        session.add(row)
    row.coordinator_authority_id = rule.coordinator_authority_id
    row.active, row.version = active, row.version + 1
    publish(session, seq, kind=EntityKind.APPROVAL_RULE, entity_id=rule.id,
            version=row.version, payload=json_payload(rule.model_dump(mode="json")),
            audiences=PUBLIC if active else ())
    return rule


def set_authority_mode(session: Session, seq: SequenceLock, *, actor_authority_id: str,
                       mode: AuthorityAreaMode) -> AuthorityAreaMode:
    """Set whether an authority sends, answers or both in an area, as a covering coordinator."""
    scope = _acting_scope(session, actor_authority_id)
    authority = session.get(Authority, mode.authority_id)
    if authority is None:
        raise LocalProtocolError("unknown_authority", f"no authority {mode.authority_id}",
                                 params={"authority": mode.authority_id})
    if not covers(scope, authority.member_state, authority.region or None, mode.area):
        raise LocalProtocolError("outside_scope", "this is outside your coordinator's scope",
                                 params={"member_state": authority.member_state},
                                 status_hint=403)
    row = session.get(AuthorityModeRow, (mode.authority_id, mode.area))
    if row is None:
        row = AuthorityModeRow(authority_id=mode.authority_id, area=mode.area, version=0)
        session.add(row)
    row.mode, row.version = mode.mode.value, row.version + 1
    publish(session, seq, kind=EntityKind.AUTHORITY_MODE, entity_id=mode.id,
            version=row.version, payload=json_payload(mode.model_dump(mode="json")),
            audiences=PUBLIC)
    return mode
