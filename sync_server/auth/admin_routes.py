"""Administration routes, for the administration screens: thin, every one authorised.

The caller's token decides: a local data administrator acts on the users of their own
authority, a server administrator on every user and authority (see ``admin``).
"""

from fastapi import APIRouter

from sync_protocol.accounts import AccountState
from sync_server.auth import admin
from sync_server.deps import ERROR_RESPONSES, CurrentPrincipal, SessionDep, utcnow

router = APIRouter(prefix="/v1/admin", tags=["administration"])
_errors: dict[int | str, dict[str, object]] = {**ERROR_RESPONSES, 404: ERROR_RESPONSES[400]}


@router.post("/users/{user_id}/deactivate", responses=_errors)
def deactivate_user(user_id: str, principal: CurrentPrincipal,
                    session: SessionDep) -> AccountState:
    return admin.set_user_active(session, admin=admin.Administrator.of(principal),
                                 user_id=user_id, active=False, now=utcnow())


@router.post("/users/{user_id}/reactivate", responses=_errors)
def reactivate_user(user_id: str, principal: CurrentPrincipal,
                    session: SessionDep) -> AccountState:
    return admin.set_user_active(session, admin=admin.Administrator.of(principal),
                                 user_id=user_id, active=True, now=utcnow())


@router.post("/users/{user_id}/revoke-tokens", responses=_errors)
def revoke_user_tokens(user_id: str, principal: CurrentPrincipal,
                       session: SessionDep) -> AccountState:
    return admin.revoke_user_tokens(session, admin=admin.Administrator.of(principal),
                                    user_id=user_id, now=utcnow())


@router.post("/devices/{device_id}/revoke-tokens", responses=_errors)
def revoke_device_tokens(device_id: str, principal: CurrentPrincipal,
                         session: SessionDep) -> AccountState:
    return admin.revoke_device_tokens(session, admin=admin.Administrator.of(principal),
                                      device_id=device_id, now=utcnow())


@router.post("/authorities/{authority_id}/deactivate", responses=_errors)
def deactivate_authority(authority_id: str, principal: CurrentPrincipal,
                         session: SessionDep) -> AccountState:
    return admin.set_authority_active(session, admin=admin.Administrator.of(principal),
                                      authority_id=authority_id, active=False, now=utcnow())


@router.post("/authorities/{authority_id}/reactivate", responses=_errors)
def reactivate_authority(authority_id: str, principal: CurrentPrincipal,
                         session: SessionDep) -> AccountState:
    return admin.set_authority_active(session, admin=admin.Administrator.of(principal),
                                      authority_id=authority_id, active=True, now=utcnow())
