"""Administration routes, for the administration screens: thin, every one authorised.

The caller's token decides: a local data administrator acts on the users of their own
authority, a server administrator on every user and authority (see ``admin``). Users are
never synced: an administrator reads their authority's list here (``users``).
"""

from typing import Annotated

from fastapi import APIRouter, Depends

from sync_protocol.accounts import AccountState
from sync_protocol.registration import (
    ActivationCodeGiven,
    NewUser,
    UserList,
    UserRights,
    UserSummary,
)
from sync_server.auth import admin, users
from sync_server.deps import ERROR_RESPONSES, CurrentPrincipal, SessionDep, utcnow

router = APIRouter(prefix="/v1/admin", tags=["administration"])
_errors: dict[int | str, dict[str, object]] = {**ERROR_RESPONSES, 404: ERROR_RESPONSES[400]}


def _administrator(principal: CurrentPrincipal) -> admin.Administrator:
    """The caller as an administrator; 403 ``forbidden`` for anyone else."""
    return admin.Administrator.of(principal)


AdministratorDep = Annotated[admin.Administrator, Depends(_administrator)]


@router.post("/users/{user_id}/deactivate", responses=_errors)
def deactivate_user(user_id: str, administrator: AdministratorDep,
                    session: SessionDep) -> AccountState:
    return admin.set_user_active(session, admin=administrator,
                                 user_id=user_id, active=False, now=utcnow())


@router.post("/users/{user_id}/reactivate", responses=_errors)
def reactivate_user(user_id: str, administrator: AdministratorDep,
                    session: SessionDep) -> AccountState:
    return admin.set_user_active(session, admin=administrator,
                                 user_id=user_id, active=True, now=utcnow())


@router.post("/users/{user_id}/revoke-tokens", responses=_errors)
def revoke_user_tokens(user_id: str, administrator: AdministratorDep,
                       session: SessionDep) -> AccountState:
    return admin.revoke_user_tokens(session, admin=administrator,
                                    user_id=user_id, now=utcnow())


@router.post("/devices/{device_id}/revoke-tokens", responses=_errors)
def revoke_device_tokens(device_id: str, administrator: AdministratorDep,
                         session: SessionDep) -> AccountState:
    return admin.revoke_device_tokens(session, admin=administrator,
                                      device_id=device_id, now=utcnow())


@router.post("/authorities/{authority_id}/deactivate", responses=_errors)
def deactivate_authority(authority_id: str, administrator: AdministratorDep,
                         session: SessionDep) -> AccountState:
    return admin.set_authority_active(session, admin=administrator,
                                      authority_id=authority_id, active=False, now=utcnow())


@router.post("/authorities/{authority_id}/reactivate", responses=_errors)
def reactivate_authority(authority_id: str, administrator: AdministratorDep,
                         session: SessionDep) -> AccountState:
    return admin.set_authority_active(session, admin=administrator,
                                      authority_id=authority_id, active=True, now=utcnow())


@router.get("/users", responses=_errors)
def list_users(administrator: AdministratorDep, session: SessionDep) -> UserList:
    return users.list_users(session, admin=administrator)


@router.post("/users", responses=_errors)
def create_user(body: NewUser, administrator: AdministratorDep,
                session: SessionDep) -> ActivationCodeGiven:
    return users.create_user(session, admin=administrator, request=body, now=utcnow())


@router.put("/users/{user_id}/rights", responses=_errors)
def set_rights(user_id: str, body: UserRights, administrator: AdministratorDep,
               session: SessionDep) -> UserSummary:
    return users.set_rights(session, admin=administrator, user_id=user_id, rights=body,
                            now=utcnow())


@router.post("/users/{user_id}/reset-password", responses=_errors)
def reset_password(user_id: str, administrator: AdministratorDep,
                   session: SessionDep) -> ActivationCodeGiven:
    return users.reset_password(session, admin=administrator, user_id=user_id, now=utcnow())
