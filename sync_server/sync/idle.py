"""The idle sync check of an up-to-date client, answered ahead of FastAPI; and the long-poll.

Thousands of clients re-poll (``GET /v1/sync/pull``) and hold long-polls (``GET
/v1/sync/wait``), and almost every answer is "nothing new": an answer ``sync.state`` gives
from memory. Through FastAPI, routing, solving the dependencies and the request and response
objects were half of that answer's CPU (a py-spy profile under load; 0.4-1 ms per check in
all). ``IdleLane``, an ASGI layer just in front of the routes, answers it directly, by the
same rules as the routes:

- only ``GET`` on exactly those two paths, with a bearer token the token cache vouches for
  under the ``auth_version`` of a state read started after the request arrived (the check
  ``deps.get_principal`` makes first; a token it would look up in the database, a revoked or
  an expired one, goes to the route);
- a query the route's own model (``PullQuery``, ``WaitQuery``) accepts, each parameter once,
  and a protocol version the server speaks;
- a cursor valid now (signature, epoch, sequence, scope: ``pull.quiet_cursor``); for a pull,
  one with nothing new (``pull.nothing_new``, which also counts the page).

Anything else goes on to FastAPI as if this layer were not there, so every refusal, every
validation error and the OpenAPI description stay the routes' own. The answers are the routes'
bytes; the layers outside this one (``errors.RequestScope``, ``app.SystemHeader``) add the
same headers, metrics and access log to both, and ``scope["route"]`` names the route.
"""

import asyncio
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from sync_protocol import version
from sync_protocol.cursor import Cursor
from sync_protocol.messages import PullQuery, WaitQuery
from sync_server import metrics
from sync_server.auth.passwords import token_digest
from sync_server.auth.service import Principal, cached_principal
from sync_server.context import ServerContext
from sync_server.deps import utcnow
from sync_server.sync import pull as pull_service

PULL_PATH = "/v1/sync/pull"
WAIT_PATH = "/v1/sync/wait"
_JSON = (b"content-type", b"application/json")
_CHANGED = {True: b'{"changed":true}', False: b'{"changed":false}'}


async def hold(context: ServerContext, principal: Principal, start: Cursor,
               timeout: float) -> bool:
    """The long-poll of ``GET /v1/sync/wait`` from a valid cursor: True once the caller's
    audiences have a row above ``start`` (now, or when a change wakes it within ``timeout``),
    or when the server stops; False after ``timeout`` without one."""

    def check() -> bool:
        with context.sessions() as session:
            return pull_service.has_changes(session=session, principal=principal, cursor=start)

    with metrics.LONG_POLLS.track_inprogress():
        async with context.notifier.listen(principal.audiences) as event:
            # Registered first, then checked on a state read after that: a change committed
            # in between wakes it or is seen now. The marks answer without a query, except
            # for a first pull (which leaves tombstones out) or a cursor of another epoch.
            fresh = await context.state.read()
            if start.seq > 0 and start.epoch == fresh.committed.epoch:
                changed = not fresh.marks.quiet(principal.audiences, after=start.seq,
                                                state=fresh.committed)
            else:
                changed = await run_in_threadpool(check)
            if changed:
                return True
            try:
                await asyncio.wait_for(event.wait(), timeout=timeout)
            except TimeoutError:
                return False
    # Woken by a change, or released because the server stops: either way, go and look.
    return True


def _query(scope: Scope, model: type[PullQuery] | type[WaitQuery]
           ) -> PullQuery | WaitQuery | None:
    """The query as the route's model reads it; None when the route should judge it (a
    repeated or unknown parameter, a value the model refuses, a version not spoken)."""
    pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    values = dict(pairs)
    if len(values) != len(pairs) or not values.keys() <= model.model_fields.keys():
        return None
    try:
        query = model.model_validate(values)
    except ValidationError:
        return None
    spoken = query.protocol_version
    if spoken is not None and spoken not in version.accepted_versions():
        return None
    return query


def _bearer(scope: Scope) -> str | None:
    """The token as ``fastapi.security.HTTPBearer`` reads it (the first Authorization header)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if token and scheme.lower() == "bearer" else None
    return None


class IdleLane:
    """Answers the idle pull and the long-poll of a valid cursor; passes on everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: dict[str, APIRoute] | None = None

    def _route(self, scope: Scope, path: str) -> APIRoute | None:
        """The route FastAPI would have chosen, for the metrics and the access log."""
        if self._routes is None:
            found: dict[str, APIRoute] = {}
            routes: list[Any] = list(scope["app"].router.routes)
            while routes:
                route = routes.pop()
                included = getattr(route, "original_router", None)  # an included router
                if included is not None:
                    routes.extend(included.routes)
                elif isinstance(route, APIRoute) and "GET" in (route.methods or ()) \
                        and route.path in (PULL_PATH, WAIT_PATH):
                    found[route.path] = route
            self._routes = found
        return self._routes.get(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        if scope["type"] == "http" and scope["method"] == "GET" and path in (PULL_PATH,
                                                                              WAIT_PATH):
            body = await self._answer(scope, path)
            if body is not None:
                scope["route"] = self._route(scope, path)
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-length", b"%d" % len(body)), _JSON]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, path: str) -> bytes | None:
        context: ServerContext | None = getattr(scope["app"].state, "context", None)
        token = _bearer(scope)
        if context is None or token is None:
            return None
        query = _query(scope, PullQuery if path == PULL_PATH else WaitQuery)
        if query is None:
            return None
        snapshot = await context.state.read()
        settings = context.settings
        principal = cached_principal(cache=context.tokens, digest=token_digest(token),
                                     now=utcnow(), idle=settings.token_idle,
                                     max_age=settings.token_max_age,
                                     auth_version=snapshot.auth_version)
        if principal is None:
            return None
        if isinstance(query, PullQuery):
            return pull_service.nothing_new(snapshot=snapshot, token=query.cursor,
                                            principal=principal, keys=settings.cursor_keys,
                                            key=settings.cursor_key)
        start = pull_service.quiet_cursor(snapshot=snapshot, token=query.cursor,
                                          principal=principal, keys=settings.cursor_keys)
        if start is None:
            return None
        return _CHANGED[await hold(context, principal, start, query.timeout)]
