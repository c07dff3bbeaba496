"""Documents by content hash: uploaded in chunks, resumable, read only by those who may.

Who may do what (need to know, as for cases):

- Any signed-in authority may upload. An upload belongs to its authority until a case refers
  to it; another authority's upload of the same document is another upload.
- An authority may read a document that a case it sees now refers to (the case as
  ``sync_protocol.visibility.case_views`` shows it to the authority, so a reply still waiting
  for approval hides its documents from the requester), or its own complete upload that no
  case refers to yet. When the authority loses sight of the case, reading is refused.
- A step may refer to a document its authority uploaded completely, or to one it may read
  (answering with a document the other side sent). Anything else: ``attachment_missing``.

Each chunk is sealed on its own (``crypto.blob_binding``). The last chunk's arrival checks the
SHA-256 of the whole document; a mismatch drops what was received.
"""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sync_protocol.attachments import (
    ALLOWED_MEDIA_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_CHUNK_BYTES,
    AttachmentRef,
    refs_in,
)
from sync_protocol.audiences import authority_audience
from sync_protocol.cases import CaseRecord
from sync_protocol.errors import LocalProtocolError, WorkflowRefused
from sync_protocol.visibility import case_views
from sync_server.blobs.models import BlobChunk, BlobRef, BlobUpload
from sync_server.cases.records import read_case
from sync_server.crypto import Sealer, Unreadable, blob_binding

# Uploads of one authority that no case refers to yet (finished or not): a client uploads
# what its queued steps attach, a handful; more is a fault or abuse.
MAX_OPEN_UPLOADS: Final = 200
# An upload no case refers to after this long was for a step that never came (refused, or
# abandoned): it goes when its authority starts another upload.
STALE_AFTER: Final = dt.timedelta(days=14)


@dataclasses.dataclass(frozen=True)
class Held:
    sha256: str
    size: int
    received: int
    complete: bool
    media_type: str


def _status(upload: BlobUpload) -> Held:
    return Held(sha256=upload.sha256, size=upload.size, received=upload.received,
                      complete=upload.complete, media_type=upload.media_type)


def _unavailable() -> LocalProtocolError:
    return LocalProtocolError("attachment_unavailable",
                              "no such document, or your authority may not read it",
                              status_hint=404)


def status(session: Session, sealer: Sealer, authority_id: str, sha256: str) -> Held | None:
    """What the server holds of ``sha256`` for ``authority_id``: its own upload so far, or the
    whole document if it may read it; ``None`` when nothing (an upload starts at 0)."""
    own = session.get(BlobUpload, (sha256, authority_id))
    if own is not None and own.complete:
        return _status(own)
    readable = readable_upload(session, sealer, authority_id, sha256)
    if readable is not None:
        return _status(readable)
    return _status(own) if own is not None else None


def put_chunk(session: Session, sealer: Sealer, *, authority_id: str, sha256: str, start: int,
              end: int, total: int, media_type: str, body: bytes, now: dt.datetime) -> Held:
    """Append ``body`` (bytes ``start``..``end`` inclusive of a ``total``-byte document).

    Raises ``LocalProtocolError`` with nothing written, except for a hash mismatch: then the
    upload is dropped (in this transaction) and ``HashMismatch`` is raised for the caller to
    commit and answer.
    """
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise LocalProtocolError("attachment_type", f"documents of type {media_type!r} are not "
                                 "accepted", params={"media_type": media_type[:120]},
                                 status_hint=415)
    if total > MAX_ATTACHMENT_BYTES:
        raise LocalProtocolError("attachment_too_large", "the document is too large",
                                 params={"limit": MAX_ATTACHMENT_BYTES}, status_hint=413)
    if (total < 1 or start < 0 or end < start or end >= total or len(body) != end - start + 1
            or len(body) > MAX_CHUNK_BYTES):
        raise LocalProtocolError("invalid_range", "the Content-Range does not fit the body",
                                 status_hint=416)
    # The first statement writes: SQLite takes its write lock before any read (no lock
    # upgrade that could fail), PostgreSQL locks the upload's row against a parallel PUT.
    session.execute(update(BlobUpload)
                    .where(BlobUpload.sha256 == sha256, BlobUpload.authority_id == authority_id)
                    .values(updated_at=now))
    upload = session.get(BlobUpload, (sha256, authority_id), with_for_update=True)
    if upload is None:
        _drop_stale(session, authority_id, now)
        _check_open_uploads(session, authority_id)
        upload = BlobUpload(sha256=sha256, authority_id=authority_id, size=total,
                            media_type=media_type, received=0, complete=False, created_at=now,
                            updated_at=now)
        session.add(upload)
        session.flush()
    if upload.size != total:
        raise LocalProtocolError("invalid_range", "the document's size differs from the "
                                 "size of its upload so far", status_hint=416)
    if upload.complete:
        return _status(upload)  # sent again after a lost answer: already held
    if start != upload.received:
        raise LocalProtocolError("upload_offset", f"the server holds {upload.received} bytes",
                                 params={"offset": upload.received}, status_hint=409)
    session.add(BlobChunk(sha256=sha256, authority_id=authority_id, offset=start,
                          length=len(body),
                          sealed=sealer.seal(body, where=blob_binding(sha256, authority_id,
                                                                      start))))
    upload.received = end + 1
    upload.media_type = media_type
    if upload.received == total:
        digest = hashlib.sha256()
        for piece in _pieces(session, sealer, upload, 0, total - 1, before=start):
            digest.update(piece)
        digest.update(body)
        if digest.hexdigest() != sha256:
            drop(session, sha256, authority_id)
            raise HashMismatch
        upload.complete = True
    session.flush()
    return _status(upload)


class HashMismatch(LocalProtocolError):
    def __init__(self) -> None:
        super().__init__("attachment_hash_mismatch", "the document's content does not match "
                         "its SHA-256; what was received is dropped", status_hint=422)


def drop(session: Session, sha256: str, authority_id: str) -> None:
    session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256,
                                            BlobChunk.authority_id == authority_id))
    session.execute(delete(BlobUpload).where(BlobUpload.sha256 == sha256,
                                             BlobUpload.authority_id == authority_id))


def _drop_stale(session: Session, authority_id: str, now: dt.datetime) -> None:
    stale = session.scalars(select(BlobUpload.sha256).where(
        BlobUpload.authority_id == authority_id, BlobUpload.updated_at < now - STALE_AFTER,
        BlobUpload.sha256.not_in(select(BlobRef.sha256)))).all()
    for sha256 in stale:
        drop(session, sha256, authority_id)


def _check_open_uploads(session: Session, authority_id: str) -> None:
    referenced = select(BlobRef.sha256)
    count = session.scalar(select(func.count()).select_from(BlobUpload).where(
        BlobUpload.authority_id == authority_id, BlobUpload.sha256.not_in(referenced)))
    if (count or 0) >= MAX_OPEN_UPLOADS:
        raise LocalProtocolError("too_many_uploads", "too many documents uploaded that no "
                                 "case refers to", status_hint=429)


def readable_upload(session: Session, sealer: Sealer, authority_id: str,
                    sha256: str) -> BlobUpload | None:
    """A complete upload of ``sha256`` that ``authority_id`` may read, or ``None``."""
    case_ids = session.scalars(select(BlobRef.case_id).where(BlobRef.sha256 == sha256)).all()
    if not case_ids:
        own = session.get(BlobUpload, (sha256, authority_id))
        return own if own is not None and own.complete else None
    audience = authority_audience(authority_id)
    for case_id in case_ids:
        case = _case(session, sealer, case_id)
        view = case_views(case).get(audience) if case is not None else None
        if view is not None and sha256 in refs_in(view):
            return _complete_upload(session, sha256, prefer=authority_id)
    return None


def _complete_upload(session: Session, sha256: str, *, prefer: str) -> BlobUpload | None:
    uploads = session.scalars(select(BlobUpload).where(BlobUpload.sha256 == sha256,
                                                       BlobUpload.complete.is_(True))).all()
    return next((u for u in uploads if u.authority_id == prefer), uploads[0] if uploads else None)


def _case(session: Session, sealer: Sealer, case_id: str) -> CaseRecord | None:
    """The case, or ``None`` if it is gone or does not open (``read_case`` logged why)."""
    try:
        return read_case(session, sealer, case_id)
    except Unreadable:
        return None


def open_for_reading(session: Session, sealer: Sealer, authority_id: str,
                     sha256: str) -> Held:
    upload = readable_upload(session, sealer, authority_id, sha256)
    if upload is None:
        raise _unavailable()
    return _status(upload)


def read(session: Session, sealer: Sealer, authority_id: str, sha256: str, first: int,
         last: int) -> Iterator[bytes]:
    """Bytes ``first``..``last`` of the document, chunk by chunk (the caller checked that
    ``authority_id`` may read it with ``open_for_reading``)."""
    upload = readable_upload(session, sealer, authority_id, sha256)
    if upload is None:
        raise _unavailable()
    yield from _pieces(session, sealer, upload, first, last)


def _pieces(session: Session, sealer: Sealer, upload: BlobUpload, first: int, last: int, *,
            before: int | None = None) -> Iterator[bytes]:
    """The plaintext of ``upload`` from byte ``first`` to ``last``, one chunk at a time."""
    query = (select(BlobChunk.offset, BlobChunk.length)
             .where(BlobChunk.sha256 == upload.sha256,
                    BlobChunk.authority_id == upload.authority_id,
                    BlobChunk.offset <= last)
             .order_by(BlobChunk.offset))
    if before is not None:
        query = query.where(BlobChunk.offset < before)
    for offset, length in session.execute(query).all():
        if offset + length <= first:
            continue
        sealed = session.scalar(select(BlobChunk.sealed).where(
            BlobChunk.sha256 == upload.sha256, BlobChunk.authority_id == upload.authority_id,
            BlobChunk.offset == offset))
        assert sealed is not None
        piece = sealer.open(sealed, where=blob_binding(upload.sha256, upload.authority_id,
                                                       offset))
        yield piece[max(0, first - offset):last - offset + 1]


def check_refs(session: Session, sealer: Sealer, authority_id: str,
               refs: Iterable[AttachmentRef]) -> None:
    """Refuse a step whose documents are outside the limits or not held complete for the
    acting authority (``WorkflowRefused``: stored with the refused mutation)."""
    for ref in refs:
        if ref.media_type not in ALLOWED_MEDIA_TYPES:
            raise WorkflowRefused("attachment_type", f"documents of type {ref.media_type} are "
                                  "not accepted", params={"media_type": ref.media_type})
        if ref.size > MAX_ATTACHMENT_BYTES:
            raise WorkflowRefused("attachment_too_large", "the document is too large",
                                  params={"limit": MAX_ATTACHMENT_BYTES})
        own = session.get(BlobUpload, (ref.sha256, authority_id))
        held = own if own is not None and own.complete else readable_upload(
            session, sealer, authority_id, ref.sha256)
        if held is None or held.size != ref.size:
            raise WorkflowRefused("attachment_missing", "the server does not hold this "
                                  "document complete", params={"name": ref.name})


def record_refs(session: Session, case: CaseRecord, *, new: bool = False) -> None:
    """Remember which documents ``case`` refers to now (in the caller's transaction); a
    ``new`` case (stored in this transaction) has no references yet to read."""
    wanted = refs_in(case)
    if new and not wanted:
        return
    held = set() if new else set(session.scalars(
        select(BlobRef.sha256).where(BlobRef.case_id == case.id)))
    if held - wanted:
        session.execute(delete(BlobRef).where(BlobRef.case_id == case.id,
                                              BlobRef.sha256.in_(held - wanted)))
    session.add_all(BlobRef(sha256=sha256, case_id=case.id) for sha256 in sorted(wanted - held))
