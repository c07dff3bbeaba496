"""Applications of authorities to be registered, and the coordinators' decisions on them."""

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


class Application(Base):
    """An authority's self-registration: pending until a coordinator approves or rejects it.

    ``reference_hash`` is the SHA-256 of the secret reference the applicant was given; the
    applicant asks for the decision with it. ``authority`` and ``administrator`` hold the
    application's ``AuthorityDetails`` and ``AdministratorDetails`` as sent.
    """

    __tablename__ = "registrations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    member_state: Mapped[str] = mapped_column(ForeignKey("member_states.code"), index=True)
    # The most specific coordinator whose scope covers the application, when it came in.
    coordinator_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), index=True)
    authority: Mapped[dict[str, Any]]
    administrator: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(String(2000), default="")
    submitted_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    authority_id: Mapped[str | None] = mapped_column(ForeignKey("authorities.id"))
