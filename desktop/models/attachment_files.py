"""A document the officer picks to attach: is it within the limits, what is it, its hash.

The checks are the server's (``sync_protocol.attachments``): a file the server would refuse is
refused when it is picked, with the reason, so a step is never queued with an attachment
that cannot be uploaded. Pure file work, no Qt: the picker shows what this finds.
"""

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sync_protocol.attachments import (
    ALLOWED_MEDIA_TYPES,
    MAX_ATTACHMENT_BYTES,
    AttachmentRef,
)

# The types of ``ALLOWED_MEDIA_TYPES`` by file name extension. The operating system's own
# table (``mimetypes``) differs between computers; these are the same everywhere.
MEDIA_TYPES: Final = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".txt": "text/plain",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
}
# How a dossier names each type: the format's own short name, the same in every language.
FORMAT_NAMES: Final = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    "text/plain": "TXT",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/msword": "DOC",
}
CHUNK: Final = 1024 * 1024


class PickProblem(Exception):
    """Why a file cannot be attached: ``code`` is one of ``too_large``, ``wrong_type``,
    ``empty``, ``unreadable``, ``name`` (a file name the protocol does not accept)."""

    def __init__(self, code: str, name: str) -> None:
        super().__init__(f"{name}: {code}")
        self.code = code
        self.name = name


@dataclass(frozen=True)
class PickedFile:
    """A file on this computer and the reference a case step will carry for it."""

    path: Path
    ref: AttachmentRef


def media_type_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    known = MEDIA_TYPES.get(suffix)
    if known is not None:
        return known
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_file(path: str | os.PathLike[str]) -> PickedFile:
    """The ``PickedFile`` for ``path``; raise ``PickProblem`` if it cannot be attached.

    The size and type are checked before the content is read, so a file far too large is
    refused at once.
    """
    path = Path(path)
    name = path.name
    media_type = media_type_of(name)
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise PickProblem("wrong_type", name)
    try:
        size = path.stat().st_size
    except OSError:
        raise PickProblem("unreadable", name) from None
    if not path.is_file():
        raise PickProblem("unreadable", name)
    if size > MAX_ATTACHMENT_BYTES:
        raise PickProblem("too_large", name)
    if size == 0:
        raise PickProblem("empty", name)
    try:
        sha256 = file_sha256(path)
    except OSError:
        raise PickProblem("unreadable", name) from None
    try:
        ref = AttachmentRef(sha256=sha256, name=name, size=size, media_type=media_type)
    except ValueError:
        raise PickProblem("name", name) from None
    return PickedFile(path=path, ref=ref)
