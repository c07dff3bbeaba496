"""Dependencies the routes declare: the server context, a session, the calling principal."""

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from sync_protocol.errors import LocalProtocolError, ProtocolError
from sync_protocol.messages import ErrorBody
from sync_server.auth.service import Principal, authenticate
from sync_server.context import ServerContext


def get_context(request: Request) -> ServerContext:
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


def get_principal(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise LocalProtocolError("unauthorised", "sign in first", status_hint=401)
    # A session of its own, closed at once: a long-poll must not hold a connection.
    with context.sessions() as session:
        return authenticate(session=session, token=credentials.credentials, now=utcnow(),
                            idle=context.settings.token_idle,
                            max_age=context.settings.token_max_age)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def _needs_principal(dependant: Dependant) -> bool:
    return any(dep.call is get_principal or _needs_principal(dep)
               for dep in dependant.dependencies)


def token_problem(request: Request) -> ProtocolError | None:
    """The refusal a request's token earns on a route that needs one; None if it may pass.

    For the one case FastAPI checks before the dependencies (a body that is not JSON), so
    that authentication still comes before validation.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _needs_principal(route.dependant):
        return None
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    credentials = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token)
                   if scheme.lower() == "bearer" and token else None)
    try:
        get_principal(get_context(request), credentials)
    except ProtocolError as refused:
        return refused
    return None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 409, 413, 422, 500)
}
"""The error answers every route may give, for the OpenAPI description."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
