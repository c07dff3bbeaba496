"""The server's master keys, and the purpose keys derived from them.

A keyring holds numbered master keys; the highest number is the *current* one. Nothing is ever
encrypted or signed with a master key itself: HKDF derives one key per purpose (signing sync
cursors, sealing personal data), so the two uses never share key material. ``rotate-key`` adds
a new master key: new writes use it, values sealed under older ones stay readable until
``reseal`` rewrites them, and cursors signed with an older key keep working.

The key file (and ``IMI_SERVER_KEY``) holds one ``<id>:<64 hex digits>`` entry per line (or
separated by spaces or commas). A file holding only 64 hex digits, as servers wrote before
key ids existed, is read as key 1.
"""

import contextlib
import dataclasses
import functools
import os
import re
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
LEGACY_KEY_ID = 1
MAX_KEY_ID = 2**31 - 1

_CURSOR_INFO = b"imi/sync-server/cursor-signing/v1"
_SEAL_INFO = b"imi/sync-server/personal-data-sealing/v1"
_ENTRY = re.compile(r"^(\d{1,10}):([0-9a-fA-F]{64})$")
_BARE = re.compile(r"^[0-9a-fA-F]{64}$")


class KeyringError(ValueError):
    """The key text is damaged; the message says what is wrong, never a key digit."""


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


@dataclasses.dataclass(frozen=True)
class Keyring:
    """Master keys by id. Its ``repr`` names the ids only: key material never reaches a log."""

    masters: dict[int, bytes] = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        if not self.masters:
            raise KeyringError("the keyring holds no key")
        for key_id, master in self.masters.items():
            if not 0 < key_id <= MAX_KEY_ID or len(master) != KEY_BYTES:
                raise KeyringError(f"key {key_id} is not a {KEY_BYTES}-byte key with a valid id")

    def __repr__(self) -> str:
        return f"Keyring(ids={sorted(self.masters)}, current={self.current_id})"

    @classmethod
    def single(cls, master: bytes) -> "Keyring":
        return cls({LEGACY_KEY_ID: master})

    @classmethod
    def generate(cls) -> "Keyring":
        return cls.single(secrets.token_bytes(KEY_BYTES))

    @property
    def current_id(self) -> int:
        return max(self.masters)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(sorted(self.masters))

    @functools.cached_property
    def _cursor_keys(self) -> tuple[bytes, ...]:
        return tuple(_derive(self.masters[i], _CURSOR_INFO)
                     for i in sorted(self.masters, reverse=True))

    @property
    def cursor_key(self) -> bytes:
        """The key that signs new cursors (derived from the current master key)."""
        return self._cursor_keys[0]

    @property
    def cursor_keys(self) -> tuple[bytes, ...]:
        """Every key a cursor may have been signed with, the current one first."""
        return self._cursor_keys

    def seal_key(self, key_id: int) -> bytes:
        """The sealing key of master key ``key_id``; ``KeyError`` if the ring lacks it."""
        return _derive(self.masters[key_id], _SEAL_INFO)

    def legacy_key(self, key_id: int) -> bytes:
        """The raw master key, as values sealed before key derivation used it."""
        return self.masters[key_id]

    def rotated(self) -> "Keyring":
        """This ring plus a new random master key, which becomes the current one."""
        new_id = self.current_id + 1
        if new_id > MAX_KEY_ID:  # pragma: no cover - two billion rotations
            raise KeyringError("no key id left")
        return Keyring({**self.masters, new_id: secrets.token_bytes(KEY_BYTES)})

    def to_text(self) -> str:
        return "".join(f"{i}:{self.masters[i].hex()}\n" for i in self.ids)

    @classmethod
    def from_text(cls, text: str, *, source: str) -> "Keyring":
        entries = [e for e in re.split(r"[\s,]+", text.strip()) if e]
        if len(entries) == 1 and _BARE.match(entries[0]):
            return cls.single(bytes.fromhex(entries[0]))
        masters: dict[int, bytes] = {}
        for number, entry in enumerate(entries, start=1):
            match = _ENTRY.match(entry)
            if match is None:
                raise KeyringError(f"{source}: entry {number} is not '<id>:<64 hex digits>'")
            key_id = int(match.group(1))
            if key_id in masters:
                raise KeyringError(f"{source}: key id {key_id} appears twice")
            masters[key_id] = bytes.fromhex(match.group(2))
        if not masters:
            raise KeyringError(f"{source} holds no key")
        return cls(masters)


def read_key_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError as exc:
        raise KeyringError(f"{path} is damaged: it must hold '<id>:<64 hex digits>' lines"
                           ) from exc
    return Keyring.from_text(text, source=str(path))


def write_key_file(path: Path, keyring: Keyring, *, replace: bool) -> None:
    """Write the ring owner-only (0600 whatever the umask), complete or not at all.

    ``replace``: swap it in for the existing file (``rotate-key``). Otherwise create it, and
    if another process created it meanwhile keep theirs: two ``init`` runs at once still end
    with one key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(keyring.to_text())
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
