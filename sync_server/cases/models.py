"""Case tables: the sealed case records and their append-only audit trail."""


import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import AutoId, Base


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int]
    state: Mapped[str] = mapped_column(String(32), index=True)
    area: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime]


class CaseParticipant(Base):
    """Who takes part in a case, in which role (``sync_protocol.cases.Participant``): the
    case record's participants, kept in the clear so cases can be found by authority."""

    __tablename__ = "case_participants"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), primary_key=True,
                                              index=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class CaseEvent(Base):
    """Append-only audit trail: who did what to which case, when, from which device."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[str] = mapped_column(String(32))
    authority_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(32))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(80))
