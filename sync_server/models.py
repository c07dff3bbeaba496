"""Persistence: the server's tables in typed SQLAlchemy 2.0.

Personal data (case records, and the sync rows and stored results that copy them) is kept as
sealed bytes (see ``crypto``); directory and catalogue rows are public and stored as JSON.
"""

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_AutoId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


class ServerState(Base):
    """One row: the epoch (new after a restore) and the last sequence number handed out.

    Every write transaction updates this row first; the row lock serialises writers so that
    sequence numbers are assigned in commit order (see ``sequence``).
    """

    __tablename__ = "server_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(BigInteger)


class MemberState(Base):
    __tablename__ = "member_states"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)


class Authority(Base):
    __tablename__ = "authorities"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_state: Mapped[str] = mapped_column(ForeignKey("member_states.code"), index=True)
    official_name: Mapped[str] = mapped_column(String(400))
    designation: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any]]
    region: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(20), default="national")
    city: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    areas: Mapped[list[str]]
    competences: Mapped[list[str]]
    active: Mapped[bool] = mapped_column(default=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), index=True)
    roles: Mapped[list[str]]
    language: Mapped[str] = mapped_column(String(2))
    # Bumped whenever what the user may see changes; stale cursors then ask for a reset.
    scope_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime]


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    created_at: Mapped[dt.datetime]
    revoked: Mapped[bool] = mapped_column(default=False)


class LegislativeArea(Base):
    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[dict[str, Any]]


class QuestionSetRow(Base):
    __tablename__ = "question_sets"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    data: Mapped[dict[str, Any]]


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), index=True)
    area: Mapped[str] = mapped_column(String(64))
    requester_authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), index=True)
    responder_authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime]


class CaseEvent(Base):
    """Append-only audit trail: who did what to which case, when, from which device."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[str] = mapped_column(String(32))
    authority_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(32))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(80))


class AppliedMutation(Base):
    """The stored result of every mutation, so a retried push replays it instead of re-applying."""

    __tablename__ = "applied_mutations"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    sealed_result: Mapped[bytes] = mapped_column(LargeBinary)
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
    )
    id: Mapped[int] = mapped_column(_AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int]
    # JSON text; sealed when the entity holds personal data (``sealed`` tells).
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(10))
