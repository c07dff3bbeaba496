"""Sync routes: meta, push, pull and the long-poll wait. Thin: parse, call a service, answer."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sync_protocol import version
from sync_protocol.errors import RemoteProtocolError
from sync_protocol.messages import (
    Meta,
    PullQuery,
    PullResponse,
    PushRequest,
    PushResponse,
    WaitQuery,
    WaitResponse,
)
from sync_server import metrics
from sync_server.deps import ERROR_RESPONSES as _errors
from sync_server.deps import (
    ContextDep,
    CurrentPrincipal,
    SessionDep,
    committed_state,
    snapshot_of,
    utcnow,
)
from sync_server.sync import pull as pull_service
from sync_server.sync import push as push_service
from sync_server.sync.epoch import committed
from sync_server.sync.idle import hold

router = APIRouter(prefix="/v1")


def _spoken(protocol_version: int | None = None) -> None:
    """Pull and wait name the client's version in the query (clients before it did not: 1)."""
    if protocol_version is not None and protocol_version not in version.accepted_versions():
        raise RemoteProtocolError(
            "unsupported_protocol_version",
            f"unsupported protocol version {protocol_version}; this server speaks "
            f"{version.PROTOCOL_VERSION}")


@router.get("/meta")
def meta(context: ContextDep, session: SessionDep) -> Meta:
    return Meta(protocol_version=version.PROTOCOL_VERSION,
                oldest_protocol_version=version.accepted_versions().start, server_time=utcnow(),
                server_epoch=committed(session).epoch, training=context.training)


@router.post("/sync/push", responses=_errors)
def push(body: PushRequest, context: ContextDep, principal: CurrentPrincipal) -> PushResponse:
    response = push_service.push(sessions=context.sessions, sealer=context.sealer,
                                 notifier=context.notifier, principal=principal, request=body,
                                 now=utcnow())
    metrics.count_push(response)
    return response


@router.get("/sync/pull", responses={200: {"model": PullResponse}, **_errors})
async def pull(
    request: Request,
    context: ContextDep,
    principal: CurrentPrincipal,
    query: Annotated[PullQuery, Query()],
) -> Response:
    _spoken(query.protocol_version)
    state = committed_state(request)
    quiet = pull_service.nothing_new(snapshot=snapshot_of(request), token=query.cursor,
                                     principal=principal, keys=context.settings.cursor_keys,
                                     key=context.settings.cursor_key)
    if quiet is not None:
        # The idle check of an up-to-date client: answered from the marks, no query.
        return Response(quiet, media_type="application/json")

    def page() -> bytes:
        # One hand-off to the thread pool for the cursor check and the page.
        start, state_now = pull_service.check_history(
            sessions=context.sessions, token=query.cursor, principal=principal,
            keys=context.settings.cursor_keys, state=state)
        with context.sessions() as session:
            return pull_service.pull(session=session, sealer=context.sealer,
                                     principal=principal, cursor=start, upto=state_now.seq,
                                     limit=query.limit, key=context.settings.cursor_key,
                                     protocol_version=query.protocol_version)

    return Response(await run_in_threadpool(page), media_type="application/json")


@router.get("/sync/wait", responses=_errors)
async def wait(
    request: Request,
    context: ContextDep,
    principal: CurrentPrincipal,
    query: Annotated[WaitQuery, Query()],
) -> WaitResponse:
    _spoken(query.protocol_version)
    snapshot = snapshot_of(request)
    quiet = pull_service.quiet_cursor(snapshot=snapshot, token=query.cursor,
                                      principal=principal, keys=context.settings.cursor_keys)
    if quiet is not None:
        start = quiet
    else:
        start, _state = await run_in_threadpool(
            pull_service.check_history, sessions=context.sessions, token=query.cursor,
            principal=principal, keys=context.settings.cursor_keys,
            state=snapshot.committed)
    return WaitResponse(changed=await hold(context, principal, start, query.timeout))
