"""An authority's users, administered by its local data administrator.

The administrator lists the users of their own authority (users are never synced to other
authorities, nor to replicas), creates users, sets their roles and legislative areas, and
resets passwords. Roles come from ``sync_protocol.registration.assignable_roles`` (the
``coordinator`` role only in a coordinator authority); the areas of a user must be areas the
authority works in, and they are relational (``user_areas``). A change of roles or areas bumps
the user's ``scope_version``, so the user's replicas re-bootstrap with what they may now see.
Nobody takes their own administration away (it could lock the authority out).
"""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sync_protocol.errors import LocalProtocolError
from sync_protocol.registration import (
    LOCAL_DATA_ADMINISTRATOR,
    ActivationCodeGiven,
    AdministratorDetails,
    NewUser,
    UserList,
    UserRights,
    UserSummary,
    assignable_roles,
    rights_problem,
)
from sync_server.auth import activation, audit
from sync_server.auth.admin import Administrator, _forbidden, _user_in_reach
from sync_server.auth.models import User, UserArea
from sync_server.auth.passwords import DUMMY_HASH
from sync_server.directory.models import Authority
from sync_server.organisation.service import coordinator_scope


def authority_areas(session: Session, authority_id: str) -> tuple[str, ...]:
    authority = session.get(Authority, authority_id)
    return tuple(authority.areas) if authority is not None else ()


def _is_coordinator(session: Session, authority_id: str) -> bool:
    return coordinator_scope(session, authority_id) is not None


def _own_authority(admin: Administrator) -> str:
    if LOCAL_DATA_ADMINISTRATOR not in admin.roles and not admin.server_wide:
        raise _forbidden("only an authority's local data administrator may do this")
    if admin.authority_id is None:
        raise _forbidden("the console administers users with imi-server commands")
    return admin.authority_id


def _check_rights(session: Session, authority_id: str, roles: Sequence[str],
                  areas: Sequence[str]) -> None:
    problem = rights_problem(tuple(roles), tuple(areas),
                             coordinator_authority=_is_coordinator(session, authority_id))
    if problem is not None:
        raise LocalProtocolError(problem, f"{problem}: {', '.join(roles)}")
    allowed = authority_areas(session, authority_id)
    for area in areas:
        if area not in allowed:
            raise LocalProtocolError("not_an_area_of_the_authority",
                                     f"the authority does not work in {area}",
                                     params={"area": area})


def _set_areas(session: Session, user_id: str, areas: Sequence[str]) -> None:
    session.execute(delete(UserArea).where(UserArea.user_id == user_id))
    session.add_all(UserArea(user_id=user_id, area=area) for area in dict.fromkeys(areas))


def _areas_of(session: Session, user_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for user_id, area in session.execute(select(UserArea.user_id, UserArea.area)
                                         .where(UserArea.user_id.in_(user_ids))
                                         .order_by(UserArea.area)):
        found.setdefault(user_id, []).append(area)
    return found


def _summary(user: User, areas: list[str], pending: bool) -> UserSummary:
    return UserSummary(id=user.id, username=user.username, display_name=user.display_name,
                       language=user.language, roles=tuple(user.roles), areas=tuple(areas),
                       active=user.active, activation_pending=pending)


def list_users(session: Session, *, admin: Administrator) -> UserList:
    authority_id = _own_authority(admin)
    with session.begin():
        users = list(session.scalars(select(User).where(User.authority_id == authority_id)
                                     .order_by(User.display_name, User.username)))
        ids = [u.id for u in users]
        areas, pending = _areas_of(session, ids), activation.pending_user_ids(session, ids)
        return UserList(
            authority_id=authority_id,
            users=tuple(_summary(u, areas.get(u.id, []), u.id in pending) for u in users),
            roles=assignable_roles(coordinator_authority=_is_coordinator(session,
                                                                         authority_id)),
            areas=authority_areas(session, authority_id))


def _username_free(session: Session, username: str) -> None:
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise LocalProtocolError("username_taken", f"user name {username} is taken",
                                 params={"username": username}, status_hint=409)


def new_account(session: Session, *, authority_id: str, details: AdministratorDetails | NewUser,
                roles: Sequence[str], areas: Sequence[str], created_by: str,
                now: dt.datetime) -> ActivationCodeGiven:
    """A user at ``authority_id`` with a pending activation (in the caller's transaction)."""
    _username_free(session, details.username)
    user = User(id=uuid.uuid4().hex, username=details.username,
                display_name=details.display_name, password_hash=DUMMY_HASH,
                authority_id=authority_id, roles=list(roles), language=details.language,
                scope_version=1, active=True)
    session.add(user)
    session.flush()
    _set_areas(session, user.id, areas)
    return activation.issue(session, user=user, created_by=created_by, now=now)


def create_user(session: Session, *, admin: Administrator, request: NewUser,
                now: dt.datetime) -> ActivationCodeGiven:
    authority_id = _own_authority(admin)
    with session.begin():
        _check_rights(session, authority_id, request.roles, request.areas)
        given = new_account(session, authority_id=authority_id, details=request,
                            roles=request.roles, areas=request.areas, created_by=admin.actor,
                            now=now)
        audit.record(session, at=now, actor=admin.actor, actor_authority_id=authority_id,
                     action="user.create", target_kind="user", target_id=given.user_id,
                     detail=",".join(request.roles))
    return given


def set_rights(session: Session, *, admin: Administrator, user_id: str, rights: UserRights,
               now: dt.datetime) -> UserSummary:
    with session.begin():
        user = _user_in_reach(session, admin, user_id)
        if user.id == admin.user_id and LOCAL_DATA_ADMINISTRATOR not in rights.roles:
            raise LocalProtocolError("cannot_change_own_administration",
                                     "you cannot take your own administrator role away",
                                     status_hint=409)
        _check_rights(session, user.authority_id, rights.roles, rights.areas)
        user.roles = list(rights.roles)
        _set_areas(session, user.id, rights.areas)
        # What the user may see changed: their replicas reset at the next pull.
        user.scope_version += 1
        audit.record(session, at=now, actor=admin.actor, actor_authority_id=admin.authority_id,
                     action="user.set_rights", target_kind="user", target_id=user.id,
                     detail=f"{','.join(rights.roles)} in {','.join(rights.areas)}")
        pending = bool(activation.pending_user_ids(session, [user.id]))
        return _summary(user, list(rights.areas), pending)


def reset_password(session: Session, *, admin: Administrator, user_id: str,
                   now: dt.datetime) -> ActivationCodeGiven:
    with session.begin():
        user = _user_in_reach(session, admin, user_id)
        given = activation.issue(session, user=user, created_by=admin.actor, now=now)
        audit.record(session, at=now, actor=admin.actor, actor_authority_id=admin.authority_id,
                     action="user.reset_password", target_kind="user", target_id=user.id)
    return given
