"""Pull cursors: opaque to clients, signed by the server.

A cursor names the server epoch (a restore from backup starts a new one), the caller's scope
version (what they may see) and the last sequence number they hold. The server signs it so a
client cannot forge a cursor into someone else's range; when the epoch or the scope no longer
match, the client must re-bootstrap (``reset_required``).
"""

import base64
import dataclasses
import hashlib
import hmac

from sync_protocol.errors import RemoteProtocolError

_MAC_BYTES = 16


@dataclasses.dataclass(frozen=True, kw_only=True)
class Cursor:
    epoch: str
    scope: int
    seq: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(cursor: Cursor, *, key: bytes) -> str:
    body = f"{cursor.epoch}:{cursor.scope}:{cursor.seq}".encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{_b64(body)}.{_b64(mac)}"


def decode_cursor(token: str, *, key: bytes) -> Cursor:
    """Check the signature and parse; raise ``RemoteProtocolError('invalid_cursor')``."""
    try:
        body_text, mac_text = token.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
        if _b64(body) != body_text or _b64(mac) != mac_text:
            # base64 decoding forgives stray padding and unused low bits: only the one
            # spelling the server issued is valid, so a cursor cannot be altered at all.
            raise ValueError("not in canonical form")
        expected = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(mac, expected):
            raise ValueError("bad signature")
        epoch, scope, seq = body.decode().split(":")
        cursor = Cursor(epoch=epoch, scope=int(scope), seq=int(seq))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RemoteProtocolError("invalid_cursor", "the sync cursor is not valid") from exc
    if cursor.seq < 0 or cursor.scope < 0:
        raise RemoteProtocolError("invalid_cursor", "the sync cursor is not valid")
    return cursor
