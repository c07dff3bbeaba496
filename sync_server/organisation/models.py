"""Organisation tables (M3): the coordinators.

STAND-IN for branch ``roles`` (which owns this module; it had not committed it when
``coordinators`` needed it): the subset ``coordinators`` uses, copied from roles' work in
progress. At merge, take roles' version of this file entirely.
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
