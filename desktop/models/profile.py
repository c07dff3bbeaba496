"""A user profile on this machine: where its replica lives and how it is unlocked.

The replica is encrypted with a random 256-bit data key. The key is stored in
``profile.json`` wrapped (AES-256-GCM) by a key derived from the user's passphrase with
scrypt, so the passphrase can change without re-encrypting the database, and a wrong
passphrase is detected before the database is touched.
"""

import base64
import dataclasses
import json
import os
import uuid
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

PROFILE_FILE = "profile.json"
REPLICA_FILE = "replica.db"
# scrypt cost: ~60 ms and 16 MiB here; paid once per unlock, not per connection.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ProfileError(Exception):
    """The profile cannot be opened; the message is for the user."""


class WrongPassphrase(ProfileError):
    pass


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


def _kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"])
    return kdf.derive(passphrase.encode("utf-8"))


def _wrap(data_key: bytes, passphrase: str) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(passphrase, salt, _SCRYPT)).encrypt(nonce, data_key, b"imi-data-key")
    return {"kdf": "scrypt", **_SCRYPT, "salt": _b64(salt), "nonce": _b64(nonce),
            "wrapped_key": _b64(wrapped)}


def exists(path: Path) -> bool:
    return (path / PROFILE_FILE).exists()


def check_new(path: Path, passphrase: str) -> None:
    """Raise ``ProfileError`` if ``create`` would refuse (checked before signing in)."""
    if len(passphrase) < 8:
        raise ProfileError("the passphrase must have at least 8 characters")
    if exists(path):
        raise ProfileError(f"there is already a profile in {path}")


def create(path: Path, *, server_url: str, username: str, passphrase: str,
           device_id: str | None = None, training: bool = False) -> tuple[Profile, bytes]:
    """Write a new profile; return it and its fresh data key. The replica is made by the caller."""
    check_new(path, passphrase)
    path.mkdir(parents=True, exist_ok=True)
    data_key = os.urandom(32)
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
    """The profile and its data key; ``WrongPassphrase`` without touching anything."""
    document = _read(path)
    key = document["key"]
    try:
        kek = _kek(passphrase, base64.b64decode(key["salt"]), key)
        data_key = AESGCM(kek).decrypt(base64.b64decode(key["nonce"]),
                                       base64.b64decode(key["wrapped_key"]), b"imi-data-key")
    except InvalidTag:
        raise WrongPassphrase("the passphrase is wrong") from None
    return _profile(path, document), data_key


def change_passphrase(path: Path, old: str, new: str) -> None:
    _profile_unused, data_key = unlock(path, old)
    if len(new) < 8:
        raise ProfileError("the passphrase must have at least 8 characters")
    document = _read(path)
    document["key"] = _wrap(data_key, new)
    _write(path, document)


def set_server_url(path: Path, server_url: str) -> None:
    """Point the profile at another server address (the server moved; a roll-out changed)."""
    document = _read(path)
    document["server_url"] = server_url.rstrip("/")
    _write(path, document)


def _profile(path: Path, document: dict[str, Any]) -> Profile:
    return Profile(path=path, server_url=document["server_url"], username=document["username"],
                   device_id=document["device_id"],
                   training=document.get("training") is True)


def _read(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads((path / PROFILE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"there is no profile in {path}") from None
    except (OSError, ValueError) as exc:
        raise ProfileError(f"the profile in {path} cannot be read: {exc}") from None
    if document.get("format") != 1:
        raise ProfileError(f"the profile in {path} was written by another version")
    return document


def _write(path: Path, document: dict[str, Any]) -> None:
    # Write-then-rename: a crash never leaves a half-written profile (and a lost key).
    tmp = path / (PROFILE_FILE + ".tmp")
    tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(tmp, path / PROFILE_FILE)
