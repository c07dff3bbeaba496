"""The profile's attachment folder: documents encrypted with the replica's key material.

Each document is one file in ``<profile>/attachments/``, encrypted chunk by chunk (64 KiB)
with AES-256-GCM under a key HKDF derives from the replica's data key, so reading or writing
never holds more than a chunk in memory and a document can be read from any offset (an upload
resumed half-way). A chunk's nonce is the file's random prefix and the chunk's number; its
associated data binds it to the document (its SHA-256), its number and whether it is the last,
so chunks cannot be reordered, swapped between documents or cut off. The file's name is an
HMAC of the document's hash, not the hash itself: the folder does not tell whether it holds a
document someone already has.

``MAGIC | prefix (8) | chunk 0 | chunk 1 | ...``, each chunk ``ciphertext + tag (16)``.
"""

import contextlib
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FOLDER: Final = "attachments"
# Decrypted copies of documents opened in the system's viewer (``desktop.controller``).
OPENED_FOLDER: Final = "opened"
MAGIC: Final = b"IMIA\x01"
CHUNK: Final = 64 * 1024
_PREFIX = 8
_TAG = 16
_HEADER = len(MAGIC) + _PREFIX


class DocumentChanged(Exception):
    """The file's content is not the document that was picked (it changed since)."""


class DocumentDamaged(Exception):
    """The encrypted copy does not open: damaged, or not this profile's."""


def _derive(data_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"imi attachments: " + purpose).derive(data_key)


def _aad(sha256: str, index: int, last: bool) -> bytes:
    return bytes.fromhex(sha256) + struct.pack(">I?", index, last)


class AttachmentStore:
    def __init__(self, folder: Path, data_key: bytes) -> None:
        self.folder = folder
        self._aead = AESGCM(_derive(data_key, b"content"))
        self._names = _derive(data_key, b"names")

    def path(self, sha256: str) -> Path:
        name = hmac.new(self._names, sha256.encode(), hashlib.sha256).hexdigest()[:40]
        return self.folder / f"{name}.imia"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def import_file(self, source: Path, *, sha256: str, size: int) -> None:
        """Copy ``source`` in, encrypted; ``DocumentChanged`` if it is no longer the document
        of that hash and size."""
        with source.open("rb") as stream:
            self._write(sha256, _pieces(stream), size)

    def put_bytes(self, sha256: str, data: bytes) -> None:
        view = memoryview(data)
        self._write(sha256, (bytes(view[i:i + CHUNK]) for i in range(0, len(data), CHUNK)),
                    len(data))

    def _write(self, sha256: str, pieces: Iterator[bytes], size: int) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path(sha256)
        partial = target.with_suffix(".part")
        prefix = os.urandom(_PREFIX)
        digest, written, index = hashlib.sha256(), 0, 0
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + prefix)
                buffer = b""
                for piece in pieces:
                    buffer += piece
                    while len(buffer) > CHUNK:
                        chunk, buffer = buffer[:CHUNK], buffer[CHUNK:]
                        digest.update(chunk)
                        out.write(self._seal(prefix, sha256, index, chunk, last=False))
                        written, index = written + len(chunk), index + 1
                digest.update(buffer)
                out.write(self._seal(prefix, sha256, index, buffer, last=True))
                written += len(buffer)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256 or written != size:
                raise DocumentChanged(f"the content is not the document {sha256[:12]}")
            os.replace(partial, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()

    def _seal(self, prefix: bytes, sha256: str, index: int, chunk: bytes, *, last: bool) -> bytes:
        return self._aead.encrypt(prefix + struct.pack(">I", index), chunk,
                                  _aad(sha256, index, last))

    def chunks(self, sha256: str, start: int = 0) -> Iterator[bytes]:
        """The document's plaintext from byte ``start`` on, a chunk at a time."""
        path = self.path(sha256)
        total = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(_HEADER)
            if head[:len(MAGIC)] != MAGIC:
                raise DocumentDamaged("not an attachment of this profile")
            prefix = head[len(MAGIC):]
            index = start // CHUNK
            stream.seek(_HEADER + index * (CHUNK + _TAG))
            skip = start - index * CHUNK
            while True:
                sealed = stream.read(CHUNK + _TAG)
                last = stream.tell() >= total
                try:
                    plain = self._aead.decrypt(prefix + struct.pack(">I", index), sealed,
                                               _aad(sha256, index, last))
                except InvalidTag:
                    raise DocumentDamaged(f"chunk {index} does not open") from None
                if skip:
                    plain, skip = plain[skip:], 0
                if plain:
                    yield plain
                if last:
                    return
                index += 1

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        out = bytearray()
        for plain in self.chunks(sha256, start):
            out += plain
            if len(out) >= length:
                break
        return bytes(out[:length])

    def read(self, sha256: str) -> bytes:
        return b"".join(self.chunks(sha256))

    def decrypted_copy(self, sha256: str, target: Path) -> Path:
        """Write the plaintext to ``target`` (readable by this user only) for a viewer."""
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            for plain in self.chunks(sha256):
                out.write(plain)
        return target

    def stored(self) -> set[Path]:
        """Every document file and every partial download in the folder."""
        if not self.folder.is_dir():
            return set()
        return set(self.folder.glob("*.imia")) | set(self.folder.glob("*.partial"))

    # A download in progress: whole chunks appended as they arrive (all sealed as "not the
    # last"), so a download cut off continues from ``partial_size``; ``finish_partial``
    # checks the document and writes it as a document file.

    def _partial(self, sha256: str) -> Path:
        return self.path(sha256).with_suffix(".partial")

    def partial_size(self, sha256: str) -> int:
        """The plaintext bytes of ``sha256`` downloaded so far."""
        path = self._partial(sha256)
        if not path.is_file():
            return 0
        chunks = (path.stat().st_size - _HEADER) // (CHUNK + _TAG)
        return max(0, chunks) * CHUNK

    def append_partial(self, sha256: str, data: bytes) -> None:
        """Append ``data`` (whole chunks, except the document's end) to the download."""
        path = self._partial(sha256)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.is_file():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + os.urandom(_PREFIX))
        start = self.partial_size(sha256)
        with path.open("r+b") as out:
            prefix = out.read(_HEADER)[len(MAGIC):]
            out.seek(_HEADER + (start // CHUNK) * (CHUNK + _TAG))
            out.truncate()  # a chunk half-written when the process died
            index = start // CHUNK
            for at in range(0, len(data), CHUNK):
                out.write(self._seal(prefix, sha256, index, data[at:at + CHUNK], last=False))
                index += 1

    def _partial_chunks(self, sha256: str) -> Iterator[bytes]:
        path = self._partial(sha256)
        with path.open("rb") as stream:
            prefix = stream.read(_HEADER)[len(MAGIC):]
            index = 0
            while sealed := stream.read(CHUNK + _TAG):
                try:
                    yield self._aead.decrypt(prefix + struct.pack(">I", index), sealed,
                                             _aad(sha256, index, False))
                except InvalidTag:
                    raise DocumentDamaged(f"downloaded chunk {index} does not open") from None
                index += 1

    def finish_partial(self, sha256: str, size: int) -> None:
        """The download is complete: keep it as the document; ``DocumentChanged`` (and the
        download is dropped) if it is not the document of that hash and size."""
        try:
            self._write(sha256, self._partial_chunks(sha256), size)
        finally:
            self._partial(sha256).unlink(missing_ok=True)


def _pieces(stream: BinaryIO) -> Iterator[bytes]:
    while piece := stream.read(CHUNK):
        yield piece
