"""Every error answer is an ``ErrorBody``: a machine-readable code and a sentence.

Malformed, oversized or unknown-version messages get a 4xx, never a 500. An unexpected
failure is caught in one place, ``RequestScope``: it is logged as its exception type and the
request id (never its message, which could quote request data), and answered 500
``internal_error`` with that id in the ``X-Request-ID`` header, so an administrator can match
a user's report to the log line.
"""

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol.errors import ProtocolError
from sync_protocol.messages import ErrorBody
from sync_server import metrics
from sync_server.deps import token_problem
from sync_server.logs import REQUEST_ID

log = logging.getLogger("imi.server")
access_log = logging.getLogger("imi.access")

MAX_BODY_BYTES = 4 * 1024 * 1024
REQUEST_ID_HEADER = "X-Request-ID"
# Sync and account answers are one user's data: no cache keeps them, no browser sniffs them.
API_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")


def error_response(status: int, code: str, message: str, *,
                   headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = ErrorBody(code=code, message=message, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _protocol_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProtocolError)
    extra = {"expected_mutation_id": getattr(exc, "expected", None),
             "mutation_id": getattr(exc, "mutation_id", None), "params": exc.params}
    headers = getattr(exc, "headers", None)
    return error_response(exc.status_hint, exc.code, exc.message, headers=headers, **extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A body that is not even JSON is found before the route's dependencies run: check the
    # token first all the same, so that a caller without one learns nothing about the route.
    refused = await run_in_threadpool(token_problem, request)
    if refused is not None:
        return await _protocol_error(request, refused)
    errors = exc.errors()
    for error in errors:
        if "protocol_version" in error.get("loc", ()) and error.get("type") == "value_error":
            message = str(error.get("msg")).removeprefix("Value error, ")
            return error_response(400, "unsupported_protocol_version", message)
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return error_response(422, "invalid_message", "the request body is not valid JSON")
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return error_response(422, "invalid_message", f"{where}: {message}")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path: Starlette names only the first route's,
    and one path may have several (``GET`` and ``POST /v1/admin/users``)."""
    path = request.url.path
    methods: set[str] = set()
    routes: list[Any] = list(request.app.router.routes)
    while routes:
        route = routes.pop()
        included = getattr(route, "original_router", None)  # an included router (FastAPI)
        if included is not None:
            routes.extend(included.routes)
        elif isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    # The headers travel on: a 405 names the methods the path allows (``Allow``).
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"),
                          str(exc.detail), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProtocolError, _protocol_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _route_of(scope: Scope) -> str:
    """The route's template (``/v1/sync/pull``), never the path as sent: it may hold anything."""
    route = scope.get("route")
    return str(getattr(route, "path", "-"))


class RequestScope:
    """The outermost layer of the app: request ids, API headers, and the one catch-all.

    Every answer carries ``X-Request-ID``; answers under ``/v1/`` carry ``Cache-Control:
    no-store`` and ``X-Content-Type-Options: nosniff``. An exception nothing else handled is
    logged (type, request id, method, route template) and answered 500 ``internal_error``; it
    is not re-raised, so the ASGI server never prints its traceback with the values in it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        REQUEST_ID.set(request_id)  # every record logged in this request carries it
        api = str(scope.get("path", "")).startswith("/v1/")
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                added = [(_REQUEST_ID, request_id.encode()), *API_HEADERS] if api else [
                    (_REQUEST_ID, request_id.encode())]
                # In place of any the answer named itself (as ``MutableHeaders`` would set them).
                names = {name for name, _value in added}
                message["headers"] = [*(header for header in message.get("headers", ())
                                        if header[0].lower() not in names), *added]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # noqa: BLE001 - the one place unexpected errors end
            log.error("internal error %s in request %s (%s %s)", type(exc).__name__,
                      request_id, scope.get("method"), _route_of(scope))
            if status == 0:
                status = 500
                response = error_response(
                    500, "internal_error",
                    f"the server failed (request {request_id}); the change was not applied")
                await response(scope, receive, send_with_headers)
        finally:
            elapsed, method, route = time.perf_counter() - started, scope.get("method"), \
                _route_of(scope)
            metrics.count_request(method, route, status, elapsed)
            access_log.info("%s %s %d %.1f ms request %s", method, route, status,
                            elapsed * 1000, request_id,
                            extra={"method": method, "route": route, "status": status,
                                   "duration": round(elapsed, 6)})


class BodyLimit:
    """Refuse request bodies over ``MAX_BODY_BYTES`` before they are read into memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise StarletteHTTPException(413, "the request is too large")
            return message

        await self.app(scope, limited, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(413, "payload_too_large",
                              f"the request is larger than {MAX_BODY_BYTES} bytes")
    await response(scope, receive, send)
