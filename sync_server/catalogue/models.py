"""Catalogue tables: legislative areas and their versioned question sets."""


from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


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
