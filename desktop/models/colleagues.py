"""The users of our own authority, as the server publishes them (``colleague`` entities, kept
in the replica's ``organisation`` table): whom an allocator may give a case to. No Qt."""

from desktop.models.replica import Replica
from sync_protocol.colleagues import Colleague
from sync_protocol.messages import EntityKind


def colleagues(replica: Replica) -> list[Colleague]:
    """Every active colleague, by name."""
    found = [Colleague.model_validate(d)
             for d in replica.organisation_rows(EntityKind.COLLEAGUE.value)]
    return sorted(found, key=lambda c: (c.display_name.casefold(), c.id))


def handlers(replica: Replica, area: str) -> list[Colleague]:
    """The request handlers who may be given a case of ``area``, by name."""
    return [c for c in colleagues(replica) if c.handles(area)]
