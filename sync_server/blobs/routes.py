"""``HEAD/PUT/GET /v1/blobs/{sha256}``: documents by content hash, resumable by byte offset.

- ``HEAD``: ``Upload-Offset`` says how many bytes the server holds for the caller (the whole
  size once complete, ``Upload-Complete: ?1``); 404 when it holds nothing (start at 0).
- ``PUT`` with ``Content-Range: bytes first-last/total`` and ``Content-Type`` (the document's
  media type) appends one chunk at the offset the server holds; another offset is answered
  409 ``upload_offset`` with the offset to continue from. The last chunk checks the SHA-256.
- ``GET`` streams the document, all of it or one ``Range: bytes=first-last``.

The answers of ``HEAD`` and ``PUT`` carry ``BlobStatus``; refusals are ``ErrorBody`` codes.
"""

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync_protocol.attachments import UPLOAD_COMPLETE, UPLOAD_LENGTH, UPLOAD_OFFSET, BlobStatus
from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import ErrorBody
from sync_server.blobs import service
from sync_server.blobs.service import HashMismatch, Held
from sync_server.context import ServerContext
from sync_server.deps import ERROR_RESPONSES as _errors
from sync_server.deps import ContextDep, CurrentPrincipal, utcnow

router = APIRouter(prefix="/v1/blobs")

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
_CONTENT_RANGE = re.compile(r"^bytes (\d{1,12})-(\d{1,12})/(\d{1,12})$")
_RANGE = re.compile(r"^bytes=(\d{0,12})-(\d{0,12})$")


def _out(held: Held) -> BlobStatus:
    return BlobStatus(sha256=held.sha256, size=held.size, received=held.received,
                      complete=held.complete)


def _headers(held: Held) -> dict[str, str]:
    return {UPLOAD_OFFSET: str(held.received), UPLOAD_LENGTH: str(held.size),
            UPLOAD_COMPLETE: "?1" if held.complete else "?0"}


_REFUSED = {"model": ErrorBody}
_HEAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Upload-Offset, Upload-Length and Upload-Complete say what is held"},
    404: {"description": "nothing held for the caller: an upload starts at 0"},
    **_errors,
}
_PUT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_errors, 415: _REFUSED, 416: _REFUSED, 429: _REFUSED}
_GET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}},
    206: {"content": {"application/octet-stream": {}}},
    404: _REFUSED, 416: _REFUSED, **_errors}


def _invalid_range(message: str) -> LocalProtocolError:
    return LocalProtocolError("invalid_range", message, status_hint=416)


@router.head("/{sha256}", responses=_HEAD_RESPONSES)
async def head(sha256: Sha256, context: ContextDep, principal: CurrentPrincipal) -> Response:
    def look() -> Held | None:
        with context.sessions() as session:
            return service.status(session, context.sealer, principal.authority_id, sha256)

    status = await run_in_threadpool(look)
    if status is None:
        raise LocalProtocolError("attachment_unavailable", "nothing uploaded yet",
                                 status_hint=404)
    return Response(status_code=200, headers=_headers(status))


@router.put("/{sha256}", responses=_PUT_RESPONSES)
async def put(sha256: Sha256, request: Request, context: ContextDep,
              principal: CurrentPrincipal) -> BlobStatus:
    match = _CONTENT_RANGE.match(request.headers.get("content-range", ""))
    if match is None:
        raise _invalid_range("a chunk needs Content-Range: bytes first-last/total")
    start, end, total = (int(group) for group in match.groups())
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    status = await run_in_threadpool(_store, context, principal.authority_id, sha256, start,
                                     end, total, media_type, body)
    return _out(status)


def _store(context: ServerContext, authority_id: str, sha256: str, start: int, end: int,
           total: int, media_type: str, body: bytes) -> Held:
    try:
        with context.sessions.begin() as session:
            return service.put_chunk(session, context.sealer, authority_id=authority_id,
                                     sha256=sha256, start=start, end=end, total=total,
                                     media_type=media_type, body=body, now=utcnow())
    except HashMismatch:
        # The upload was dropped in a transaction that rolled back with the refusal: drop it
        # again, for good.
        with context.sessions.begin() as session:
            service.drop(session, sha256, authority_id)
        raise
    except IntegrityError:
        # Two first chunks of one document at once (two devices of the authority): the other
        # one started the upload; continue from what it holds.
        with context.sessions() as session:
            held = service.status(session, context.sealer, authority_id, sha256)
        offset = held.received if held is not None else 0
        raise LocalProtocolError("upload_offset", f"the server holds {offset} bytes",
                                 params={"offset": offset}, status_hint=409) from None


@router.get("/{sha256}", responses=_GET_RESPONSES)
async def get(sha256: Sha256, request: Request, context: ContextDep,
              principal: CurrentPrincipal) -> Response:
    authority_id = principal.authority_id

    def open_it() -> Held:
        with context.sessions() as session:
            return service.open_for_reading(session, context.sealer, authority_id, sha256)

    status = await run_in_threadpool(open_it)
    size = status.size
    first, last, partial = 0, size - 1, False
    wanted = request.headers.get("range")
    if wanted is not None:
        first, last = _range(wanted, size)
        partial = True

    def stream() -> Iterator[bytes]:
        # A session per document read, closed when the last chunk is sent; Starlette iterates
        # a plain generator on its thread pool.
        with context.sessions() as session:
            yield from service.read(session, context.sealer, authority_id, sha256, first, last)

    headers = {"Content-Length": str(last - first + 1), "Accept-Ranges": "bytes"}
    if partial:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(stream(), status_code=206 if partial else 200,
                             media_type=status.media_type, headers=headers)


def _range(header: str, size: int) -> tuple[int, int]:
    """The first and last byte of one ``Range: bytes=...``; refuse what is not one range
    inside the document."""
    match = _RANGE.match(header.strip())
    if match is None:
        raise _invalid_range("only one range of bytes=first-last is served")
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        raise _invalid_range("an empty range")
    if not first_text:  # the last n bytes
        count = int(last_text)
        if count == 0:
            raise _invalid_range("an empty range")
        return max(0, size - count), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        raise _invalid_range("the range lies outside the document")
    return first, last
