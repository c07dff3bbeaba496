"""Account routes: sign-in, and a new device for a copied profile. Thin."""

from fastapi import APIRouter

from sync_protocol.messages import LoginRequest, LoginResponse, NewDeviceRequest, NewDeviceResponse
from sync_server.auth import service
from sync_server.deps import ERROR_RESPONSES, CurrentPrincipal, SessionDep, utcnow

router = APIRouter(prefix="/v1")


@router.post("/auth/login", responses=ERROR_RESPONSES)
def login(body: LoginRequest, session: SessionDep) -> LoginResponse:
    return service.login(session=session, request=body, now=utcnow())


@router.post("/auth/device", responses=ERROR_RESPONSES)
def new_device(body: NewDeviceRequest, principal: CurrentPrincipal,
               session: SessionDep) -> NewDeviceResponse:
    return service.register_device(session=session, principal=principal, request=body,
                                   now=utcnow())
