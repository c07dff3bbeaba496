"""Every error answer is an ``ErrorBody``: a machine-readable code and a sentence.

Malformed, oversized or unknown-version messages get a 4xx, never a 500; an unexpected
failure gets a 500 with no traceback and no request data in the answer or the log.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol.errors import ProtocolError
from sync_protocol.messages import ErrorBody

log = logging.getLogger("imi.server")

MAX_BODY_BYTES = 4 * 1024 * 1024


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body = ErrorBody(code=code, message=message, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


async def _protocol_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProtocolError)
    extra = {"expected_mutation_id": getattr(exc, "expected", None),
             "mutation_id": getattr(exc, "mutation_id", None)}
    return error_response(exc.status_hint, exc.code, exc.message, **extra)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for error in errors:
        if "protocol_version" in error.get("loc", ()) and error.get("type") == "value_error":
            message = str(error.get("msg")).removeprefix("Value error, ")
            return error_response(400, "unsupported_protocol_version", message)
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return error_response(422, "invalid_message", "the request body is not valid JSON")
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return error_response(422, "invalid_message", f"{where}: {first.get('msg', 'invalid')}")


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"),
                          str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The exception type and route only: a message could quote personal data.
    log.error("internal error %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(500, "internal_error", "the server failed; the change was not applied")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProtocolError, _protocol_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


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
