"""Publishing entity states to the audiences that may see them (the sync rows).

``publish`` is the one way a change reaches replicas: it rewrites each audience's row with a
fresh sequence number, and turns the row of an audience that lost sight of the entity into a
*revoked* tombstone, so the next pull deletes the offline copy too.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol import audiences
from sync_protocol.messages import EntityKind
from sync_server.crypto import Sealer, sync_row_binding
from sync_server.sync.models import SyncRow
from sync_server.sync.sequence import PendingRow, SequenceLock

PUBLIC = (audiences.PUBLIC,)


def json_payload(data: dict[str, Any]) -> bytes:
    """The stored wire form of a public entity: compact JSON, non-ASCII kept as UTF-8."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def publish(
    session: Session,
    seq: SequenceLock,
    *,
    kind: EntityKind,
    entity_id: str,
    version: int,
    payload: bytes,
    audiences: Iterable[str],
    sealer: Sealer | None = None,
) -> set[str]:
    """Write the entity for ``audiences``; revoke it for anyone else who had it.

    ``payload`` is the entity's JSON. With a ``sealer`` it is stored encrypted (personal data).
    Returns every audience whose view changed, for waking long-polls.
    """
    return publish_views(session, seq, kind=kind, entity_id=entity_id, version=version,
                         views=dict.fromkeys(audiences, payload), sealer=sealer)


def publish_views(
    session: Session,
    seq: SequenceLock,
    *,
    kind: EntityKind,
    entity_id: str,
    version: int,
    views: Mapping[str, bytes],
    sealer: Sealer | None = None,
) -> set[str]:
    """``publish`` with each audience's own payload (the view of the entity it may see).

    The rows are numbered and written when the transaction's ``SequenceLock`` flushes.
    """
    # Who holds the entity now: its rows as committed, then as published in this transaction.
    holds = dict(session.execute(
        select(SyncRow.audience, SyncRow.payload.is_not(None))
        .where(SyncRow.kind == kind.value, SyncRow.entity_id == entity_id)
    ).all())
    holds.update((audience, row.payload is not None)
                 for audience, row in seq.pending(kind.value, entity_id).items())
    for audience in sorted(views):
        # Sealed once per audience: each row's associated data names its audience, so a row
        # copied to another audience in the database does not open there.
        payload = views[audience]
        seq.put(kind.value, entity_id, audience, PendingRow(
            version=version, sealed=sealer is not None, reason=None,
            payload=payload if sealer is None else sealer.seal(
                payload, where=sync_row_binding(kind.value, entity_id, audience))))
    revoked = {a for a, held in holds.items() if a not in views and held}
    for audience in sorted(revoked):
        seq.put(kind.value, entity_id, audience,
                PendingRow(version=version, payload=None, sealed=False, reason="revoked"))
    return set(views) | revoked


def publish_new(
    session: Session,  # noqa: ARG001 - the rows wait in ``seq`` (the transaction's lock)
    seq: SequenceLock,
    *,
    kind: EntityKind,
    entities: Iterable[tuple[str, int, bytes]],
    audiences: Iterable[str],
) -> None:
    """Publish public entities that were never published before (``(id, version, payload)``),
    in one batch: there is no earlier row to rewrite or revoke, so nothing is read first.

    Only for entities created in this transaction (seeding a list, a bulk registration).
    """
    wanted = sorted(set(audiences))
    for entity_id, version, payload in entities:
        for audience in wanted:
            seq.put(kind.value, entity_id, audience,
                    PendingRow(version=version, payload=payload, sealed=False, reason=None))
