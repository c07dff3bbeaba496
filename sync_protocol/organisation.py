"""The configurable organisation (M3): coordinators, approval rules and authority modes.

This module owns the shapes both sides read and the pure rules over them:

- ``covers``: whether a coordinator's scope includes a member state, region and area.
- ``Organisation.approver``: which coordinator must approve an outgoing request or reply of an
  authority in an area (the most specific rule wins: a region's rule before its state's).
- ``Organisation.mode``: whether an authority may send, answer, or both in an area
  (``both`` unless configured).

The server stores them in tables (``coordinators``, ``approval_rules``, ``authority_modes``)
and publishes them to every replica as public sync rows; the workflow's guards read them
through an ``Organisation`` value, so the client checks a step with the rules the server uses.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from sync_protocol.catalogue import Code
from sync_protocol.frozen import Frozen

AuthorityIdStr = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MemberStateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
RegionCode = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CoordinatorKind(StrEnum):
    COMMISSION = "commission"
    NIMIC = "nimic"
    SDIMIC = "sdimic"
    DIMIC = "dimic"


class CoordinatorScope(Frozen):
    """What a coordinator authority coordinates. ``None`` is "every" for that field."""

    authority_id: AuthorityIdStr
    kind: CoordinatorKind
    member_state: MemberStateCode | None = None
    region: RegionCode | None = None
    area: Code | None = None
    parent_authority_id: AuthorityIdStr | None = None


def covers(scope: CoordinatorScope, member_state: str, region: str | None,
           area: str | None) -> bool:
    """Whether ``scope`` includes an authority or rule in ``member_state``/``region``/``area``.

    The Commission covers everything; a NIMIC its state; an SDIMIC its state and region; a
    DIMIC its state and, where set, its region and area. ``region``/``area`` ``None`` on the
    asking side means "the whole state" / "every area", which only a scope without that
    restriction covers.
    """
    if scope.kind is CoordinatorKind.COMMISSION:
        return True
    if scope.member_state != member_state:
        return False
    if scope.kind is CoordinatorKind.NIMIC:
        return True
    if scope.region is not None and scope.region != region:
        return False
    return scope.area is None or scope.area == area


class Direction(StrEnum):
    """Which outgoing message a rule holds back for approval."""

    REQUEST = "request"
    REPLY = "reply"


class ApprovalRule(Frozen):
    """Outgoing ``direction`` messages of authorities in ``member_state`` (and ``region``, when
    set) in ``area`` need the approval of ``coordinator_authority_id``."""

    member_state: MemberStateCode
    region: RegionCode | None = None
    area: Code
    direction: Direction
    coordinator_authority_id: AuthorityIdStr

    @property
    def id(self) -> str:
        """One rule per (state, region, area, direction): its id in the sync rows."""
        return f"{self.member_state}:{self.region or '*'}:{self.area}:{self.direction.value}"


class RuleChange(Frozen):
    """A coordinator adds or changes ``rule`` (``active``), or removes it (not ``active``)."""

    rule: ApprovalRule
    active: bool = True


class AuthorityMode(StrEnum):
    SEND = "send"
    ANSWER = "answer"
    BOTH = "both"


class AuthorityAreaMode(Frozen):
    """Whether ``authority_id`` may send, answer or both in ``area`` (a synced row)."""

    authority_id: AuthorityIdStr
    area: Code
    mode: AuthorityMode

    @property
    def id(self) -> str:
        return f"{self.authority_id}:{self.area}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Place:
    member_state: str
    region: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Organisation:
    """The part of the configuration a workflow step needs: a pure value.

    ``places``: where the authorities involved are (member state, region); an authority not
    listed matches no rule. The server builds it for the authorities of one case, the client
    from its replica.
    """

    rules: tuple[ApprovalRule, ...] = ()
    modes: Mapping[tuple[str, str], AuthorityMode] = dataclasses.field(default_factory=dict)
    places: Mapping[str, Place] = dataclasses.field(default_factory=dict)
    # authority id -> its responsible coordinator (the directory's ``coordinator_id``), for
    # the authorities involved: who an escalated case goes to.
    coordinators: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, *, rules: Iterable[ApprovalRule] = (),
           modes: Iterable[AuthorityAreaMode] = (),
           places: Mapping[str, Place] | None = None,
           coordinators: Mapping[str, str] | None = None) -> "Organisation":
        return cls(rules=tuple(rules), modes={(m.authority_id, m.area): m.mode for m in modes},
                   places=dict(places or {}), coordinators=dict(coordinators or {}))

    def responsible(self, authority_id: str) -> str | None:
        """The coordinator responsible for ``authority_id`` (escalations go there), if any."""
        return self.coordinators.get(authority_id)

    def approver(self, authority_id: str, area: str, direction: Direction) -> str | None:
        """The coordinator whose approval ``authority_id``'s outgoing ``direction`` in ``area``
        needs, or ``None``: a rule for its region before one for its whole state."""
        place = self.places.get(authority_id)
        if place is None:
            return None
        best: ApprovalRule | None = None
        for rule in self.rules:
            if (rule.member_state, rule.area, rule.direction) != (place.member_state, area,
                                                                  direction):
                continue
            if rule.region is not None and rule.region != place.region:
                continue
            if best is None or (best.region is None and rule.region is not None):
                best = rule
        return best.coordinator_authority_id if best else None

    def mode(self, authority_id: str, area: str) -> AuthorityMode:
        return self.modes.get((authority_id, area), AuthorityMode.BOTH)

    def may_send(self, authority_id: str, area: str) -> bool:
        return self.mode(authority_id, area) is not AuthorityMode.ANSWER

    def may_answer(self, authority_id: str, area: str) -> bool:
        return self.mode(authority_id, area) is not AuthorityMode.SEND


NO_ORGANISATION = Organisation()
"""No rules and no modes: every authority sends and answers without approval."""
