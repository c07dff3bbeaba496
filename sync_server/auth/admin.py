"""Account administration: deactivate and reactivate users and authorities, revoke tokens.

Who may do what, from the roles of ``directory.service.ROLES``:

* a **local data administrator** administers the users of *their own* authority: deactivate,
  reactivate, sign out (revoke the tokens of) a user or one of their devices;
* a **server administrator** (role ``server_administrator``, granted only from the server's
  console with ``imi-server add-user --roles``; in IMI the Commission's helpdesk) administers
  every user and every authority;
* the server's console (``imi-server`` commands) acts as a server administrator.

A local data administrator also creates users, gives them roles and legislative areas, and
resets their passwords (``users``); an account gets its password through a one-time
activation code (``activation``), never from the administrator.

Nobody deactivates their own account or authority (it would lock the last administrator out).
Every action is written to the administration audit trail (``audit``) in its transaction.
Deactivation does not revoke tokens: every request checks that the user and the authority are
active, so a reactivated officer goes on syncing without signing in again.
"""

import dataclasses
import datetime as dt
import getpass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from sync_protocol.accounts import AccountState
from sync_protocol.errors import LocalProtocolError
from sync_server.auth import audit
from sync_server.auth.models import Device, Token, User
from sync_server.auth.service import Principal
from sync_server.directory.models import Authority
from sync_server.directory.service import set_password as store_password

SERVER_ADMINISTRATOR = "server_administrator"
LOCAL_DATA_ADMINISTRATOR = "local_data_administrator"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Administrator:
    actor: str
    authority_id: str | None
    roles: frozenset[str]
    user_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> "Administrator":
        if not principal.roles & {SERVER_ADMINISTRATOR, LOCAL_DATA_ADMINISTRATOR}:
            raise LocalProtocolError("forbidden", "only administrators may do this",
                                     status_hint=403)
        return cls(actor=principal.user_id, authority_id=principal.authority_id,
                   roles=principal.roles, user_id=principal.user_id)

    @classmethod
    def console(cls) -> "Administrator":
        return cls(actor=f"cli:{getpass.getuser()}"[:140], authority_id=None,
                   roles=frozenset({SERVER_ADMINISTRATOR}))

    @property
    def server_wide(self) -> bool:
        return SERVER_ADMINISTRATOR in self.roles


def _forbidden(message: str) -> LocalProtocolError:
    return LocalProtocolError("forbidden", message, status_hint=403)


def _not_found(message: str) -> LocalProtocolError:
    return LocalProtocolError("not_found", message, status_hint=404)


def _user_in_reach(session: Session, admin: Administrator, user_id: str) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise _not_found(f"no user {user_id}")
    if admin.server_wide or (LOCAL_DATA_ADMINISTRATOR in admin.roles
                             and user.authority_id == admin.authority_id):
        return user
    raise _forbidden("you may administer only the users of your own authority")


def _record(session: Session, admin: Administrator, now: dt.datetime, action: str,
            kind: str, target: str, detail: str = "") -> None:
    audit.record(session, at=now, actor=admin.actor, actor_authority_id=admin.authority_id,
                 action=action, target_kind=kind, target_id=target, detail=detail)


def _revoke(session: Session, *conditions: ColumnElement[bool]) -> int:
    result = session.execute(update(Token).where(Token.revoked.is_(False), *conditions)
                             .values(revoked=True))
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_user_active(session: Session, *, admin: Administrator, user_id: str, active: bool,
                    now: dt.datetime) -> AccountState:
    with session.begin():
        user = _user_in_reach(session, admin, user_id)
        if not active and user.id == admin.user_id:
            raise LocalProtocolError("cannot_deactivate_self",
                                     "you cannot deactivate your own account", status_hint=409)
        user.active = active
        _record(session, admin, now, "user.reactivate" if active else "user.deactivate",
                "user", user.id)
    return AccountState(kind="user", id=user.id, active=active)


def set_authority_active(session: Session, *, admin: Administrator, authority_id: str,
                         active: bool, now: dt.datetime) -> AccountState:
    with session.begin():
        if not admin.server_wide:
            raise _forbidden("only a server administrator may (de)activate an authority")
        authority = session.get(Authority, authority_id, with_for_update=True)
        if authority is None:
            raise _not_found(f"no authority {authority_id}")
        if not active and authority.id == admin.authority_id:
            raise LocalProtocolError("cannot_deactivate_self",
                                     "you cannot deactivate your own authority", status_hint=409)
        authority.active = active
        _record(session, admin, now,
                "authority.reactivate" if active else "authority.deactivate",
                "authority", authority.id)
    return AccountState(kind="authority", id=authority.id, active=active)


def revoke_user_tokens(session: Session, *, admin: Administrator, user_id: str,
                       now: dt.datetime) -> AccountState:
    with session.begin():
        user = _user_in_reach(session, admin, user_id)
        count = _revoke(session, Token.user_id == user.id)
        _record(session, admin, now, "user.revoke_tokens", "user", user.id,
                f"{count} tokens revoked")
    return AccountState(kind="user", id=user.id, active=user.active, tokens_revoked=count)


def revoke_device_tokens(session: Session, *, admin: Administrator, device_id: str,
                         now: dt.datetime) -> AccountState:
    with session.begin():
        device = session.get(Device, device_id)
        if device is None:
            raise _not_found(f"no device {device_id}")
        _user_in_reach(session, admin, device.user_id)
        count = _revoke(session, Token.device_id == device.id)
        _record(session, admin, now, "device.revoke_tokens", "device", device.id,
                f"{count} tokens revoked")
    return AccountState(kind="device", id=device.id, tokens_revoked=count)


def set_password(session: Session, *, admin: Administrator, user_id: str, password: str,
                 now: dt.datetime, keep_token: str | None = None) -> AccountState:
    """Set a user's password and revoke their tokens (all but ``keep_token``'s digest)."""
    with session.begin():
        user = _user_in_reach(session, admin, user_id)
        count = store_password(session, user=user, password=password, keep_token=keep_token)
        _record(session, admin, now, "user.set_password", "user", user.id,
                f"{count} tokens revoked")
    return AccountState(kind="user", id=user.id, active=user.active, tokens_revoked=count)


def user_id_of(session: Session, username: str) -> str:
    user_id = session.scalars(select(User.id).where(User.username == username)).first()
    session.rollback()
    if user_id is None:
        raise _not_found(f"no user {username}")
    return user_id
