"""A user profile on this machine: where its replica lives and how it is unlocked.

The replica is encrypted with a random 256-bit data key. The key is stored in
``profile.json`` wrapped (AES-256-GCM) by a key derived from the user's passphrase with
scrypt, so the passphrase can change without re-encrypting the database, and a wrong
passphrase is detected before the database is touched. The scrypt parameters are stored with
the wrapped key: a profile made with weaker ones still opens, and is re-wrapped with
``KDF_PARAMS`` on its next unlock.

Crash safety. ``profile.json`` is the mark of a finished profile and is written last: the
replica is created and filled first, then the document goes to a temporary file that is
flushed to disk and renamed over the final name, and the folder is flushed so the rename
lasts. A crash at any point leaves either no ``profile.json`` (the leftovers are cleared by
the next set-up; their key died with the crashed process) or a working profile. Profiles made
by earlier versions wrote ``profile.json`` first; one whose replica never got its sign-in is
recognised on unlock (``IncompleteProfile``) and can be discarded and set up again.

Every file of a profile is readable by its owner only (files 0600, the folder 0700), whatever
the umask; SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file.
"""

import base64
import contextlib
import dataclasses
import json
import os
import shutil
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop.models.attachment_store import FOLDER as ATTACHMENTS
from desktop.models.attachment_store import OPENED_FOLDER
from desktop.models.replica import Replica

PROFILE_FILE = "profile.json"
REPLICA_FILE = "replica.db"
# What SQLite may leave beside the replica, and a temporary profile document.
_SIDE_FILES = (REPLICA_FILE + "-wal", REPLICA_FILE + "-shm", REPLICA_FILE + "-journal",
               PROFILE_FILE + ".tmp")
# scrypt at the cost OWASP recommends (N=2^17, r=8, p=1): 128 MiB and ~0.6 s here, paid once
# per unlock, never per connection (the replica opens with the raw data key).
KDF_PARAMS: dict[str, Any] = {"kdf": "scrypt", "n": 2**17, "r": 8, "p": 1}
# Stored parameters beyond these are a damaged or hostile profile, not a slow one.
_KDF_LIMITS = {"n": 2**20, "r": 32, "p": 16}
_PRIVATE_FILE, _PRIVATE_DIR = 0o600, 0o700


MIN_PASSPHRASE = 8


class ProfileError(Exception):
    """The profile cannot be opened or made. ``code`` and ``params`` are rendered for the user
    by ``desktop.refusals``; the message is English, for logs."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class WrongPassphrase(ProfileError):
    def __init__(self) -> None:
        super().__init__("wrong_passphrase", "the passphrase is wrong")


class IncompleteProfile(ProfileError):
    """Set-up stopped before the replica held its sign-in (a profile of an earlier version)."""

    def __init__(self) -> None:
        super().__init__("profile_incomplete", "the set-up of this profile was interrupted")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Profile:
    path: Path
    server_url: str
    username: str
    device_id: str
    # Made against a training server: it talks to training servers only (M11).
    training: bool = False

    @property
    def replica_path(self) -> Path:
        return self.path / REPLICA_FILE


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _kek(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"])
    return kdf.derive(passphrase.encode("utf-8"))


def _wrap(data_key: bytes, passphrase: str) -> dict[str, Any]:
    params = dict(KDF_PARAMS)
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(passphrase, salt, params)).encrypt(nonce, data_key, b"imi-data-key")
    return {**params, "salt": _b64(salt), "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)}


def _weaker_than_default(key: dict[str, Any]) -> bool:
    return key.get("kdf") != KDF_PARAMS["kdf"] or any(
        key[name] < KDF_PARAMS[name] for name in ("n", "r", "p"))


def exists(path: Path) -> bool:
    return (path / PROFILE_FILE).exists()


def check_new(path: Path, passphrase: str) -> None:
    """Raise ``ProfileError`` if ``create`` would refuse (checked before signing in)."""
    _check_passphrase(passphrase)
    if exists(path):
        raise ProfileError("profile_exists", f"there is already a profile in {path}",
                           path=str(path))


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ProfileError("passphrase_too_short",
                           f"the passphrase must have at least {MIN_PASSPHRASE} characters",
                           minimum=MIN_PASSPHRASE)


def create(path: Path, *, server_url: str, username: str, passphrase: str,
           device_id: str | None = None, training: bool = False,
           fill: Callable[[Replica], None] | None = None) -> tuple[Profile, bytes]:
    """Write a new profile and its replica; return the profile and its fresh data key.

    ``fill`` writes the replica's first contents (the sign-in) in the same transaction that
    creates it; the profile document is written only once that is on disk.
    """
    check_new(path, passphrase)
    _private_dir(path)
    for name in (REPLICA_FILE, *_SIDE_FILES):  # an interrupted set-up's, unreadable now
        (path / name).unlink(missing_ok=True)
    _remove_documents(path)
    data_key = os.urandom(32)
    _private_file(path / REPLICA_FILE)
    replica = Replica.open(path / REPLICA_FILE, data_key)
    try:
        if fill is not None:
            with replica.transaction():
                fill(replica)
    finally:
        replica.close()  # the last connection: SQLite checkpoints into replica.db
    _fsync(path / REPLICA_FILE)
    _fsync(path)
    document = {
        "format": 1,
        "server_url": server_url.rstrip("/"),
        "username": username,
        "device_id": device_id or uuid.uuid4().hex,
        "training": training,
        "key": _wrap(data_key, passphrase),
    }
    _write(path, document)
    return _profile(path, document), data_key


def read(path: Path) -> Profile:
    """The profile's public part (no key): enough to tell a training profile before unlock."""
    return _profile(path, _read(path))


def unlock(path: Path, passphrase: str) -> tuple[Profile, bytes]:
    """The profile and its data key; ``WrongPassphrase`` without touching anything.

    A profile wrapped with weaker scrypt parameters than ``KDF_PARAMS`` is re-wrapped with
    them, and files left readable by others are made private.
    """
    document = _read(path)
    key = document["key"]
    try:
        kek = _kek(passphrase, base64.b64decode(key["salt"]), key)
        data_key = AESGCM(kek).decrypt(base64.b64decode(key["nonce"]),
                                       base64.b64decode(key["wrapped_key"]), b"imi-data-key")
    except InvalidTag:
        raise WrongPassphrase() from None
    _make_private(path)
    if _weaker_than_default(key):
        document["key"] = _wrap(data_key, passphrase)
        _write(path, document)
    return _profile(path, document), data_key


def change_passphrase(path: Path, old: str, new: str) -> None:
    _profile_unused, data_key = unlock(path, old)
    _check_passphrase(new)
    document = _read(path)
    document["key"] = _wrap(data_key, new)
    _write(path, document)


def set_server_url(path: Path, server_url: str) -> None:
    """Point the profile at another server address (the server moved; a roll-out changed)."""
    document = _read(path)
    document["server_url"] = server_url.rstrip("/")
    _write(path, document)


def discard(path: Path) -> None:
    """Remove a profile's files, the document first: a crash midway leaves no profile."""
    (path / PROFILE_FILE).unlink(missing_ok=True)
    _fsync(path)
    for name in (REPLICA_FILE, *_SIDE_FILES):
        (path / name).unlink(missing_ok=True)
    _remove_documents(path)


def _remove_documents(path: Path) -> None:
    """The attachment folder (encrypted with the key that goes with the replica) and any
    decrypted copy left open."""
    for folder in (ATTACHMENTS, OPENED_FOLDER):
        shutil.rmtree(path / folder, ignore_errors=True)


def _profile(path: Path, document: dict[str, Any]) -> Profile:
    return Profile(path=path, server_url=document["server_url"], username=document["username"],
                   device_id=document["device_id"],
                   training=document.get("training") is True)


def _read(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads((path / PROFILE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError("no_profile", f"there is no profile in {path}",
                           path=str(path)) from None
    except (OSError, ValueError) as exc:
        raise ProfileError("profile_unreadable", f"the profile in {path} cannot be read: {exc}",
                           path=str(path)) from None
    if not isinstance(document, dict) or document.get("format") != 1:
        raise ProfileError("profile_other_version",
                           f"the profile in {path} was written by another version",
                           path=str(path))
    if not _well_formed(document):
        raise ProfileError("profile_unreadable", f"the profile in {path} is damaged",
                           path=str(path))
    return document


def _well_formed(document: dict[str, Any]) -> bool:
    key = document.get("key")
    if not isinstance(key, dict) or key.get("kdf") != "scrypt":
        return False
    if not all(isinstance(document.get(name), str)
               for name in ("server_url", "username", "device_id")):
        return False
    if not isinstance(document.get("training", False), bool):
        return False
    for name, limit in _KDF_LIMITS.items():
        value = key.get(name)
        if not isinstance(value, int) or not 1 <= value <= limit:
            return False
    if key["n"] < 2 or key["n"] & (key["n"] - 1):
        return False  # scrypt takes a power of two
    try:
        return all(base64.b64decode(key[blob], validate=True)
                   for blob in ("salt", "nonce", "wrapped_key"))
    except (KeyError, TypeError, ValueError):
        return False


def _write(path: Path, document: dict[str, Any]) -> None:
    """Replace ``profile.json`` atomically and durably: temporary file, fsync, rename, fsync
    of the folder."""
    tmp = path / (PROFILE_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE_FILE)
    try:
        os.fchmod(fd, _PRIVATE_FILE)  # a leftover temporary file keeps its old mode otherwise
        os.write(fd, json.dumps(document, indent=2).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path / PROFILE_FILE)
    _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(_PRIVATE_DIR)  # mkdir's mode is masked by the umask; an old folder had 0755


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite takes an empty file as a
    new database, and gives its side files the same mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE))


def _make_private(path: Path) -> None:
    """Profiles of earlier versions were created with the umask's modes."""
    if stat.S_IMODE(path.stat().st_mode) != _PRIVATE_DIR:
        path.chmod(_PRIVATE_DIR)
    for name in (PROFILE_FILE, REPLICA_FILE, *_SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE((path / name).stat().st_mode) != _PRIVATE_FILE:
                (path / name).chmod(_PRIVATE_FILE)
