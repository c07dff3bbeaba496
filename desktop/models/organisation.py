"""The organisation as this replica holds it (public sync rows): for the workflow's guards
and the coordinator's settings view (read here; changed on the server, online). No Qt."""

import dataclasses
from collections.abc import Iterable, Mapping

from desktop.models.replica import Replica
from desktop.models.transport import Transport
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.messages import EntityKind
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    CoordinatorScope,
    Organisation,
    Place,
    RuleChange,
    covers,
)

KINDS = frozenset({EntityKind.COORDINATOR, EntityKind.APPROVAL_RULE, EntityKind.AUTHORITY_MODE})


def rules(replica: Replica) -> list[ApprovalRule]:
    return [ApprovalRule.model_validate(d)
            for d in replica.organisation_rows(EntityKind.APPROVAL_RULE.value)]


def modes(replica: Replica) -> list[AuthorityAreaMode]:
    return [AuthorityAreaMode.model_validate(d)
            for d in replica.organisation_rows(EntityKind.AUTHORITY_MODE.value)]


def scope(replica: Replica, authority_id: str) -> CoordinatorScope | None:
    """The coordinator scope of ``authority_id`` (None: it is not a coordinator)."""
    for data in replica.organisation_rows(EntityKind.COORDINATOR.value):
        if data.get("authority_id") == authority_id:
            return CoordinatorScope.model_validate(data)
    return None


def organisation_for(replica: Replica, authority_ids: Iterable[str]) -> Organisation:
    """What a workflow step between ``authority_ids`` reads, as the server builds it."""
    places = {}
    coordinators = {}
    for authority_id in set(authority_ids):
        data = replica.authority(authority_id)
        if data is not None:
            places[authority_id] = Place(member_state=data["member_state"],
                                         region=data.get("region") or None)
            if data.get("coordinator_id"):
                coordinators[authority_id] = str(data["coordinator_id"])
    return Organisation.of(rules=rules(replica), modes=modes(replica), places=places,
                           coordinators=coordinators)


# -- the coordinator's settings view ---------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """What a coordinator's settings view shows: the rules and modes within its scope, and
    the choices it has for new ones. Read from the replica (works offline, read-only)."""

    scope: CoordinatorScope
    rules: tuple[ApprovalRule, ...]
    modes: tuple[AuthorityAreaMode, ...]
    # (id, official name, member state, region) of the authorities in the scope.
    authorities: tuple[tuple[str, str, str, str | None], ...]
    coordinators: tuple[CoordinatorScope, ...]  # every coordinator: who may approve what
    names: Mapping[str, str]  # authority id -> official name
    areas: tuple[LegislativeArea, ...]

    def member_states(self) -> list[str]:
        if self.scope.member_state is not None:
            return [self.scope.member_state]
        return sorted({a[2] for a in self.authorities} | {c.member_state for c in
                                                           self.coordinators if c.member_state})

    def regions(self, member_state: str) -> list[str]:
        """Regions of ``member_state`` a rule may name (an SDIMIC: its own)."""
        if self.scope.region is not None:
            return [self.scope.region]
        return sorted({a[3] for a in self.authorities if a[2] == member_state and a[3]})

    def approvers(self, member_state: str, region: str | None, area: str) -> list[str]:
        """The coordinators who may decide under a rule for this state, region and area."""
        return [c.authority_id for c in self.coordinators
                if covers(c, member_state, region, area)]

    def in_scope(self, member_state: str, region: str | None, area: str) -> bool:
        return covers(self.scope, member_state, region, area)


def settings(replica: Replica, authority_id: str) -> Settings | None:
    """The settings view of coordinator ``authority_id`` (None: not a coordinator)."""
    own = scope(replica, authority_id)
    if own is None:
        return None
    places: dict[str, tuple[str, str | None]] = {}
    names: dict[str, str] = {}
    listed = []
    for data in replica.authorities():
        member_state, region = data["member_state"], data.get("region") or None
        places[data["id"]] = (member_state, region)
        names[data["id"]] = data.get("official_name") or data["id"]
        if covers(own, member_state, region, own.area):
            listed.append((data["id"], names[data["id"]], member_state, region))
    coordinators = tuple(CoordinatorScope.model_validate(d) for d in
                         replica.organisation_rows(EntityKind.COORDINATOR.value))
    own_rules = tuple(sorted(
        (r for r in rules(replica) if covers(own, r.member_state, r.region, r.area)),
        key=lambda r: (r.member_state, r.region or "", r.area, r.direction.value)))
    own_modes = tuple(sorted(
        (m for m in modes(replica) if m.authority_id in places
         and covers(own, *places[m.authority_id], m.area)),
        key=lambda m: (names.get(m.authority_id, m.authority_id), m.area)))
    areas = tuple(a for a in replica.areas() if own.area is None or a.code == own.area)
    return Settings(scope=own, rules=own_rules, modes=own_modes, authorities=tuple(listed),
                    coordinators=coordinators, names=names, areas=areas)


def change_rule(transport: Transport, rule: ApprovalRule, *, active: bool = True
                ) -> ApprovalRule:
    """Add or change (``active``) or remove a rule on the server; it syncs to every replica."""
    return transport.call("POST", "/v1/organisation/rules", ApprovalRule,
                          body=RuleChange(rule=rule, active=active))


def set_mode(transport: Transport, mode: AuthorityAreaMode) -> AuthorityAreaMode:
    """Set whether an authority sends, answers or both in an area, on the server."""
    return transport.call("POST", "/v1/organisation/modes", AuthorityAreaMode, body=mode)
