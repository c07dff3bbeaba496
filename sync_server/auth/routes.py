"""Account routes: sign-in. Thin: parse, call the service, answer."""

from fastapi import APIRouter

from sync_protocol.messages import LoginRequest, LoginResponse
from sync_server.auth import service
from sync_server.deps import ERROR_RESPONSES, SessionDep, utcnow

router = APIRouter(prefix="/v1")


@router.post("/auth/login", responses=ERROR_RESPONSES)
def login(body: LoginRequest, session: SessionDep) -> LoginResponse:
    return service.login(session=session, request=body, now=utcnow())
