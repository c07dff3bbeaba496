"""Organisation tables (M3): coordinators, approval rules, authority modes per area.

All three are public configuration, published to every replica (``organisation.service``).
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


class Coordinator(Base):
    """A coordinator authority and its scope (``sync_protocol.organisation.CoordinatorScope``)."""

    __tablename__ = "coordinators"
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    member_state: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(64))
    parent_authority_id: Mapped[str | None] = mapped_column(ForeignKey("authorities.id"))


class ApprovalRuleRow(Base):
    """One rule; ``id`` is ``ApprovalRule.id`` (one rule per state, region, area, direction)."""

    __tablename__ = "approval_rules"
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    member_state: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(10))
    coordinator_authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"))
    version: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class AuthorityModeRow(Base):
    """Whether an authority may send, answer or both in an area (absent: both)."""

    __tablename__ = "authority_modes"
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))
    version: Mapped[int]
