"""The administration audit trail: who activated, deactivated or signed out whom, and when.

Append-only, like the case audit trail (``cases.models.CaseEvent``): the code only ever adds
rows, and on both databases a trigger (migration 0004) refuses to change or delete one.
"""

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync_server.orm import AutoId, Base


class AdminEvent(Base):
    __tablename__ = "admin_events"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    # A user id (through the API), or ``cli:<operating-system user>`` (the server's console).
    actor: Mapped[str] = mapped_column(String(140))
    actor_authority_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


def record(session: Session, *, at: dt.datetime, actor: str, actor_authority_id: str | None,
           action: str, target_kind: str, target_id: str, detail: str = "") -> None:
    session.add(AdminEvent(at=at, actor=actor, actor_authority_id=actor_authority_id,
                           action=action, target_kind=target_kind, target_id=target_id,
                           detail=detail[:200]))
