"""Directory tables: member states and competent authorities."""


from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.orm import Base


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
