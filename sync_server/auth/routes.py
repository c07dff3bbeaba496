"""Account routes: sign-in, and a new device for a copied profile. Thin."""

import asyncio

from fastapi import APIRouter, Request

from sync_protocol.messages import (
    ErrorBody,
    LoginRequest,
    LoginResponse,
    NewDeviceRequest,
    NewDeviceResponse,
)
from sync_server.auth import service
from sync_server.auth.hash_pool import ServerBusy
from sync_server.auth.throttle import TooManyAttempts
from sync_server.deps import ERROR_RESPONSES, ContextDep, CurrentPrincipal, SessionDep, utcnow

router = APIRouter(prefix="/v1")

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                                "schema": {"type": "integer", "minimum": 1}}}
LOGIN_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    429: {"model": ErrorBody, "headers": _RETRY_AFTER,
          "description": "too many failed sign-ins for this user name or address"},
    503: {"model": ErrorBody, "headers": _RETRY_AFTER,
          "description": "every password-hashing slot is taken"},
}


@router.post("/auth/login", responses=LOGIN_RESPONSES)
async def login(body: LoginRequest, request: Request, context: ContextDep) -> LoginResponse:
    # Behind a reverse proxy, uvicorn takes the address from X-Forwarded-For when the proxy
    # is trusted (--forwarded-allow-ips): the limits then count real clients.
    address = request.client.host if request.client else "unknown"
    try:
        return await service.login(sessions=context.sessions, throttle=context.throttle,
                                   hashes=context.hashes, request=body, address=address,
                                   now=utcnow())
    except (TooManyAttempts, ServerBusy):
        # Refused without hashing, at almost no cost; answered after a pause (LoginLimits).
        await asyncio.sleep(context.throttle.refusal_pause_s)
        raise


@router.post("/auth/device", responses=ERROR_RESPONSES)
def new_device(body: NewDeviceRequest, principal: CurrentPrincipal,
               session: SessionDep) -> NewDeviceResponse:
    return service.register_device(session=session, principal=principal, request=body,
                                   now=utcnow())
