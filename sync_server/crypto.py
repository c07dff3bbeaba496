"""Encryption at rest for personal data in the server database.

Case records, the sync rows that carry them and the stored push results are sealed with
AES-256-GCM, so a copied database file or a backup on its own reveals no professional's name.

A sealed value is ``scheme (1 byte) | key id (4 bytes, big-endian) | nonce (12) | ciphertext``:

* scheme 1: the key is the sealing key HKDF derives from master key ``key id`` (see ``keys``),
  and the associated data binds the value to where it belongs (``binding``): a case record to
  its case, a sync row to its entity *and audience*, a push result to its device and mutation.
  A value copied to another row, or to another authority's audience, does not open.
* scheme 0: values written before key ids existed (migration 0003 gave them their header):
  the master key itself, no associated data. ``imi-server reseal`` rewrites them as scheme 1.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync_server.keys import Keyring

LEGACY_SCHEME = 0
SCHEME = 1
HEADER_BYTES = 5
_NONCE = 12
_BODY = HEADER_BYTES + _NONCE


class Unreadable(Exception):
    """A sealed value does not open: damaged, moved to another row, or its key is missing.

    The message names the key id and the reason only, never the content.
    """


def header(scheme: int, key_id: int) -> bytes:
    return bytes((scheme,)) + key_id.to_bytes(4, "big")


def binding(place: str, *keys: str | int) -> bytes:
    """The associated data of a sealed value: the column it lives in and its row's identity.

    Each key is length-prefixed, so no two different rows can share a binding whatever their
    ids hold. Built by hand rather than with ``json``: a pull computes one per row.
    """
    texts = [str(key) for key in keys]
    return "|".join([place, *(f"{len(text)}:{text}" for text in texts)]).encode()


def case_binding(case_id: str) -> bytes:
    return f"cases.sealed|{len(case_id)}:{case_id}".encode()


def sync_row_binding(kind: str, entity_id: str, audience: str) -> bytes:
    return (f"sync_rows.payload|{len(kind)}:{kind}|{len(entity_id)}:{entity_id}"
            f"|{len(audience)}:{audience}").encode()


def translation_binding(entity_id: str) -> bytes:
    return binding("case_translations.sealed", entity_id)


def blob_binding(sha256: str, authority_id: str, offset: int) -> bytes:
    return binding("blob_chunks.sealed", sha256, authority_id, offset)


def result_binding(device_id: str, mutation_id: int) -> bytes:
    return binding("applied_mutations.sealed_result", device_id, mutation_id)


class Sealer:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.current_header = header(SCHEME, keyring.current_id)
        self._current = AESGCM(keyring.seal_key(keyring.current_id))
        self._aeads: dict[tuple[int, int], AESGCM] = {(SCHEME, keyring.current_id):
                                                      self._current}

    def seal(self, plaintext: bytes, *, where: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return self.current_header + nonce + self._current.encrypt(nonce, plaintext, where)

    def open(self, sealed: bytes, *, where: bytes) -> bytes:
        if len(sealed) < HEADER_BYTES + _NONCE + 16:
            raise Unreadable("too short to be a sealed value")
        scheme, key_id = sealed[0], int.from_bytes(sealed[1:HEADER_BYTES], "big")
        aead = self._aead(scheme, key_id)
        try:
            # One copy of the ciphertext, not two: a pull opens thousands of values.
            return aead.decrypt(sealed[HEADER_BYTES:_BODY], sealed[_BODY:],
                                where if scheme == SCHEME else None)
        except InvalidTag:
            raise Unreadable(
                f"scheme {scheme} key {key_id}: the value is damaged or belongs elsewhere"
            ) from None

    def is_current(self, sealed: bytes) -> bool:
        return sealed[:HEADER_BYTES] == self.current_header

    def _aead(self, scheme: int, key_id: int) -> AESGCM:
        aead = self._aeads.get((scheme, key_id))
        if aead is not None:
            return aead
        if scheme not in (SCHEME, LEGACY_SCHEME):
            raise Unreadable(f"unknown sealing scheme {scheme}")
        if key_id not in self.keyring.masters:
            raise Unreadable(f"key {key_id} is not in the server's keyring")
        key = (self.keyring.seal_key(key_id) if scheme == SCHEME
               else self.keyring.legacy_key(key_id))
        aead = self._aeads[(scheme, key_id)] = AESGCM(key)
        return aead
