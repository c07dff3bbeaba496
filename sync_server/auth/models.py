"""Accounts: users, their devices and the tokens those devices sign in with."""


import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.auth.token_cache import watch_accounts
from sync_server.orm import Base


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
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[dt.datetime]
    # Renewed by use, at most once an hour (see ``service.authenticate``): the idle expiry.
    last_used_at: Mapped[dt.datetime]
    revoked: Mapped[bool] = mapped_column(default=False)


# Changes to these tables end the tokens verified in memory (``auth.token_cache``).
watch_accounts()
