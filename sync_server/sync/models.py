"""Sync tables: what each audience sees of each entity, and every applied mutation."""


import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import AutoId, Base


class AppliedMutation(Base):
    """The stored result of every mutation, so a retried push replays it instead of re-applying.

    ``digest`` (``sync_protocol.messages.mutation_digest``) tells a retry from another step
    sent under the same id; rows applied before it was kept have none.
    """

    __tablename__ = "applied_mutations"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    sealed_result: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime]


class SyncRow(Base):
    """What one audience sees of one entity: its current state, or a tombstone.

    A change rewrites the row with a fresh sequence number, so a pull from any cursor returns
    each entity once, in its latest state.
    """

    __tablename__ = "sync_rows"
    __table_args__ = (
        UniqueConstraint("kind", "entity_id", "audience", name="uq_sync_rows_entity_audience"),
        Index("ix_sync_rows_audience_seq", "audience", "seq"),
        # The rows committed since a sequence number, whatever their audience (``sync.state``).
        Index("ix_sync_rows_seq", "seq"),
    )
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int]
    # JSON text; sealed when the entity holds personal data (``sealed`` tells).
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(10))
