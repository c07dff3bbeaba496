"""Rewriting sealed values under the current key, in batches, resumably.

After ``imi-server rotate-key`` new writes use the new key; ``reseal`` brings the stored values
along: every value not yet sealed under the current key (an older key, or the scheme without
key derivation and row binding) is opened and sealed again, bound to its row. Each batch is
its own transaction and writes a row only if it still holds what was read (compare-and-set),
so the server may keep running, and an interrupted run simply starts again: rows already under
the current key are not selected a second time. A value that does not open is left as it is,
counted and logged (its place, never its content).
"""

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, func, select, tuple_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from sync_server.blobs.models import BlobChunk
from sync_server.cases.models import Case
from sync_server.crypto import (
    HEADER_BYTES,
    Sealer,
    Unreadable,
    blob_binding,
    case_binding,
    result_binding,
    sync_row_binding,
    translation_binding,
)
from sync_server.sync.models import AppliedMutation, SyncRow
from sync_server.translation.models import CaseTranslation

log = logging.getLogger("imi.server")

DEFAULT_BATCH = 500


@dataclasses.dataclass(frozen=True)
class _Column:
    """One column of sealed values: its table, key columns, and how a row's binding is made."""

    name: str
    model: Any
    keys: Sequence[InstrumentedAttribute[Any]]
    sealed: InstrumentedAttribute[Any]
    extra: Sequence[InstrumentedAttribute[Any]]
    bind: Callable[..., bytes]
    only: Sequence[Any] = ()
    # At most this many rows per transaction (0: the caller's batch): chunks of documents
    # are megabytes each.
    batch: int = 0


COLUMNS = (
    _Column("cases", Case, (Case.id,), Case.sealed, (), case_binding),
    _Column("sync_rows", SyncRow, (SyncRow.id,), SyncRow.payload,
            (SyncRow.kind, SyncRow.entity_id, SyncRow.audience),
            lambda _id, kind, entity_id, audience: sync_row_binding(kind, entity_id, audience),
            only=(SyncRow.sealed.is_(True), SyncRow.payload.is_not(None))),
    _Column("applied_mutations", AppliedMutation,
            (AppliedMutation.device_id, AppliedMutation.mutation_id),
            AppliedMutation.sealed_result, (), result_binding),
    _Column("case_translations", CaseTranslation, (CaseTranslation.id,), CaseTranslation.sealed,
            (), translation_binding),
    _Column("blob_chunks", BlobChunk,
            (BlobChunk.sha256, BlobChunk.authority_id, BlobChunk.offset), BlobChunk.sealed, (),
            blob_binding, batch=8),
)


@dataclasses.dataclass(kw_only=True)
class Progress:
    column: str
    total: int
    resealed: int = 0
    unreadable: int = 0


def stale_count(session: Session, sealer: Sealer, column: _Column) -> int:
    stale = func.substr(column.sealed, 1, HEADER_BYTES) != sealer.current_header
    return int(session.scalar(select(func.count()).select_from(column.model)
                              .where(stale, *column.only)) or 0)


def reseal(engine: Engine, sealer: Sealer, *, batch: int = DEFAULT_BATCH,
           report: Callable[[Progress], None] | None = None) -> list[Progress]:
    """Reseal every stale value of every sealed column; return the counts per column."""
    done = []
    for column in COLUMNS:
        with Session(engine) as session:
            progress = Progress(column=column.name, total=stale_count(session, sealer, column))
        last: tuple[Any, ...] | None = None
        while True:
            with Session(engine) as session, session.begin():
                last = _batch(session, sealer, column, after=last,
                              size=min(batch, column.batch or batch), progress=progress)
            if report is not None and progress.total:
                report(progress)
            if last is None:
                break
        done.append(progress)
    return done


def _batch(session: Session, sealer: Sealer, column: _Column, *, after: tuple[Any, ...] | None,
           size: int, progress: Progress) -> tuple[Any, ...] | None:
    """Reseal up to ``size`` stale values after key ``after``; the last key seen, or None."""
    stale = func.substr(column.sealed, 1, HEADER_BYTES) != sealer.current_header
    query = (select(*column.keys, *column.extra, column.sealed)
             .where(stale, *column.only).order_by(*column.keys).limit(size))
    if after is not None:
        query = query.where(tuple_(*column.keys) > tuple_(*after))
    rows = session.execute(query).all()
    for row in rows:
        key = tuple(row[:len(column.keys)])
        old = bytes(row[-1])
        where = column.bind(*row[:-1])
        try:
            plaintext = sealer.open(old, where=where)
        except Unreadable as exc:
            progress.unreadable += 1
            log.error("reseal: %s %s does not open, left as it is: %s", column.name, key, exc)
            continue
        changed = session.execute(
            update(column.model)
            .where(*(k == v for k, v in zip(column.keys, key, strict=True)),
                   column.sealed == old)
            .values({column.sealed.key: sealer.seal(plaintext, where=where)})
        )
        # Zero rows: the server rewrote the value meanwhile, under the current key.
        progress.resealed += changed.rowcount  # type: ignore[attr-defined]
    return tuple(rows[-1][:len(column.keys)]) if rows else None
