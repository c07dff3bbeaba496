"""Directory tables: member states, competent authorities and their competences.

An authority's areas and competences are rows (``authority_areas``, ``authority_competences``),
not a JSON list, so they can be queried, constrained and joined; the controlled lists of
competences (``competences``) carry a label per language (``competence_labels``).
"""


from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sync_server.orm import Base


class MemberState(Base):
    __tablename__ = "member_states"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)


class Competence(Base):
    """A profession (Professional Qualifications) or service activity (Services)."""

    __tablename__ = "competences"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[list["CompetenceLabel"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CompetenceLabel.language")


class CompetenceLabel(Base):
    __tablename__ = "competence_labels"
    competence: Mapped[str] = mapped_column(ForeignKey("competences.code", ondelete="CASCADE"),
                                            primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class AuthorityArea(Base):
    __tablename__ = "authority_areas"
    authority_id: Mapped[str] = mapped_column(
        ForeignKey("authorities.id", ondelete="CASCADE"), primary_key=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True, index=True)


class AuthorityCompetence(Base):
    __tablename__ = "authority_competences"
    authority_id: Mapped[str] = mapped_column(
        ForeignKey("authorities.id", ondelete="CASCADE"), primary_key=True)
    competence: Mapped[str] = mapped_column(ForeignKey("competences.code"), primary_key=True,
                                            index=True)
    entry: Mapped[Competence] = relationship(lazy="selectin")


class Authority(Base):
    __tablename__ = "authorities"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_state: Mapped[str] = mapped_column(ForeignKey("member_states.code"), index=True)
    official_name: Mapped[str] = mapped_column(String(400))
    designation: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any]]
    region: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(20), default="national")
    address: Mapped[str] = mapped_column(String(400), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    # The coordinator that registered the authority and validates it; None for the Commission.
    coordinator_id: Mapped[str | None] = mapped_column(
        ForeignKey("authorities.id"), default=None, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    area_rows: Mapped[list[AuthorityArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=AuthorityArea.area)
    competence_rows: Mapped[list[AuthorityCompetence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=AuthorityCompetence.competence)

    @property
    def areas(self) -> list[str]:
        return [row.area for row in self.area_rows]

    @property
    def competences(self) -> list[str]:
        return [row.competence for row in self.competence_rows]
