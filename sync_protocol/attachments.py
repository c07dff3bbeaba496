"""Attachments: documents added to a request, an answer, further information or a comment.

A case record never carries a document's bytes, only ``AttachmentRef`` values: the document is
a blob addressed by the SHA-256 of its content, uploaded in chunks before the mutation that
references it is pushed (ARCHITECTURE.md, "Attachments"). The server refuses a mutation whose
attachment it does not hold complete, or whose size or type is outside the limits below.
"""

from typing import TYPE_CHECKING, Annotated, Final

from pydantic import Field, StringConstraints

from sync_protocol import text
from sync_protocol.frozen import Frozen

if TYPE_CHECKING:
    from sync_protocol.cases import CaseRecord

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
MediaType = Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]{1,100}$")]

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
MAX_ATTACHMENTS_PER_STEP: Final = 10
# What an officer files in a dossier: documents and scans, nothing executable.
ALLOWED_MEDIA_TYPES: Final = frozenset({
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "text/plain",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
})


class AttachmentRef(Frozen):
    """One document as a case step refers to it: its content's hash, name, size and type."""

    sha256: Sha256Hex
    name: text.Name
    size: Annotated[int, Field(ge=1, le=MAX_ATTACHMENT_BYTES)]
    media_type: MediaType


Attachments = Annotated[tuple[AttachmentRef, ...], Field(max_length=MAX_ATTACHMENTS_PER_STEP)]

# ``HEAD /v1/blobs/{sha256}`` answers in headers: the bytes held for the caller, the
# document's size, and whether it is complete (``?1``) or not (``?0``).
UPLOAD_OFFSET: Final = "Upload-Offset"
UPLOAD_LENGTH: Final = "Upload-Length"
UPLOAD_COMPLETE: Final = "Upload-Complete"
# A chunk of an upload (one ``PUT``) holds at most this much: below the server's body limit.
MAX_CHUNK_BYTES: Final = 4 * 1024 * 1024


class BlobStatus(Frozen):
    """The answer to a chunk's ``PUT``: how much of the document the server holds now."""

    sha256: Sha256Hex
    size: int
    received: int
    complete: bool


def refs_of(args: object) -> tuple[AttachmentRef, ...]:
    """The documents a mutation's arguments carry (none for a step that carries none)."""
    refs: tuple[AttachmentRef, ...] = getattr(args, "attachments", ())
    return refs


def refs_in(case: "CaseRecord") -> set[str]:
    """The SHA-256 of every document ``case`` refers to: its request, its reply and the
    messages of its further information and comments."""
    return set(refs_by_hash(case))


def refs_by_hash(case: "CaseRecord") -> dict[str, AttachmentRef]:
    """Every document ``case`` refers to, by its SHA-256 (the first reference of each)."""
    refs = [*case.request_attachments, *case.reply_attachments]
    for message in getattr(case, "messages", ()):
        refs.extend(getattr(message, "attachments", ()))
    found: dict[str, AttachmentRef] = {}
    for ref in refs:
        found.setdefault(ref.sha256, ref)
    return found
