"""The organisation as this replica holds it (public sync rows): for the workflow's guards
and the coordinator's settings view. No Qt."""

from collections.abc import Iterable

from desktop.models.replica import Replica
from sync_protocol.messages import EntityKind
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    CoordinatorScope,
    Organisation,
    Place,
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
    for authority_id in set(authority_ids):
        data = replica.authority(authority_id)
        if data is not None:
            places[authority_id] = Place(member_state=data["member_state"],
                                         region=data.get("region") or None)
    return Organisation.of(rules=rules(replica), modes=modes(replica), places=places)
