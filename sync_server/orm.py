"""The ORM base every domain's tables derive from, and the server-wide state row.

Personal data (case records, and the sync rows and stored results that copy them) is kept as
sealed bytes (see ``crypto``); directory and catalogue rows are public and stored as JSON.
Each domain keeps its tables in its own ``models`` module; ``tables`` imports them all.
"""


import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


class ServerState(Base):
    """One row: the epoch (new after a restore), the last sequence number handed out, and
    whether this is a training system (set once by ``imi-server init --training``; the
    database, not the environment, says so, so every instance on it agrees).

    Every write transaction updates this row first; the row lock serialises writers so that
    sequence numbers are assigned in commit order (see ``sequence``).
    """

    __tablename__ = "server_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(BigInteger)
    training: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped by every transaction that changes a token, a user or an authority
    # (``auth.token_cache``): a token verified under an older value is checked again.
    auth_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
