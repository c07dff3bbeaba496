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


class UserArea(Base):
    """A legislative area a user works in: their roles apply to cases of these areas only."""

    __tablename__ = "user_areas"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)


class PendingActivation(Base):
    """A one-time activation code (its Argon2 hash) with which a user sets their password.

    While one is pending the user has no usable password; it is deleted when used.
    """

    __tablename__ = "activations"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(140))


# Changes to these tables end the tokens verified in memory (``auth.token_cache``).
watch_accounts()

# A change of a user reaches the replicas of their authority, whoever writes it
# (``auth.colleagues``; imported here, after the models it reads, so no session misses it).
from sync_server.auth.colleagues import watch_users  # noqa: E402

watch_users()
