"""Dependencies the routes declare: the server context, a session, the calling principal."""

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync_protocol.errors import LocalProtocolError, ProtocolError
from sync_protocol.messages import ErrorBody
from sync_server.auth.passwords import token_digest
from sync_server.auth.service import Principal, authenticate, cached_principal
from sync_server.context import ServerContext
from sync_server.orm import ServerState
from sync_server.sync.epoch import Committed
from sync_server.sync.state import Snapshot


async def get_context(request: Request) -> ServerContext:
    # ``async``: FastAPI runs a plain ``def`` dependency on the thread pool, a hand-off per
    # request for an attribute read.
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    request: Request,
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from the token: no hand-off to the thread pool for a token verified
    recently, one with a short session otherwise."""
    if credentials is None:
        raise LocalProtocolError("unauthorised", "sign in first", status_hint=401)
    # The state row, read after this request arrived, shared with the requests arriving
    # beside it (``sync.state``); a token verified under its ``auth_version`` needs no more.
    snapshot = await context.state.read()
    request.state.committed = snapshot.committed
    request.state.snapshot = snapshot
    settings = context.settings
    principal = cached_principal(cache=context.tokens, digest=token_digest(
        credentials.credentials), now=utcnow(), idle=settings.token_idle,
        max_age=settings.token_max_age, auth_version=snapshot.auth_version)
    if principal is None:
        principal = await run_in_threadpool(_look_up, context, credentials.credentials,
                                            snapshot.auth_version)
    return principal


def _look_up(context: ServerContext, token: str, auth_version: int) -> Principal:
    with context.sessions() as session:
        return authenticate(session=session, token=token, now=utcnow(),
                            idle=context.settings.token_idle,
                            max_age=context.settings.token_max_age,
                            cache=context.tokens, auth_version=auth_version)


def principal_and_state(context: ServerContext, token: str) -> tuple[Principal, Committed]:
    """The token's principal, and the committed state read with it (one query for both).

    A session of its own, closed at once: a long-poll must not hold a connection. The state
    row carries ``auth_version``, so a token verified recently is not looked up again
    (``auth.token_cache``); the epoch and sequence are what a pull then starts from
    (``committed_state``).
    """
    with context.sessions() as session:
        epoch, seq, auth_version = session.execute(
            select(ServerState.epoch, ServerState.last_seq, ServerState.auth_version)
            .where(ServerState.id == 1)).one()
        principal = authenticate(session=session, token=token, now=utcnow(),
                                 idle=context.settings.token_idle,
                                 max_age=context.settings.token_max_age,
                                 cache=context.tokens, auth_version=auth_version)
    return principal, Committed(epoch=epoch, seq=seq)


def committed_state(request: Request) -> Committed:
    """The committed state read when the caller was authenticated (``get_principal``)."""
    state: Committed = request.state.committed
    return state


def snapshot_of(request: Request) -> Snapshot:
    """The state and audience marks read when the caller was authenticated."""
    snapshot: Snapshot = request.state.snapshot
    return snapshot


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
        if credentials is None:
            raise LocalProtocolError("unauthorised", "sign in first", status_hint=401)
        principal_and_state(request.app.state.context, credentials.credentials)
    except ProtocolError as refused:
        return refused
    return None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 409, 413, 422, 500)
}
"""The error answers every route may give, for the OpenAPI description."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
