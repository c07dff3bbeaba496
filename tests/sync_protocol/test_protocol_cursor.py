"""Signed pull cursors: they round-trip, and any change to one is refused."""

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_protocol.errors import RemoteProtocolError

KEY = bytes(range(32))
TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_."

epochs = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
counts = st.integers(min_value=0, max_value=2**63 - 1)
cursors = st.builds(Cursor, epoch=epochs, scope=counts, seq=counts)
keys = st.binary(min_size=16, max_size=64)


def _refused(token, key=KEY):
    with pytest.raises(RemoteProtocolError) as info:
        decode_cursor(token, key=key)
    assert info.value.code == "invalid_cursor"
    assert info.value.status_hint == 400


@given(cursor=cursors, key=keys)
def test_round_trip(cursor, key):
    token = encode_cursor(cursor, key=key)

    assert decode_cursor(token, key=key) == cursor
    assert set(token) <= set(TOKEN_ALPHABET)  # safe in a URL query without escaping


@given(cursor=cursors, data=st.data())
def test_any_single_edit_is_refused(cursor, data):
    token = encode_cursor(cursor, key=KEY)
    position = data.draw(st.integers(min_value=0, max_value=len(token)), label="position")
    edit = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="edit")
    char = data.draw(st.sampled_from(TOKEN_ALPHABET + "=+/ "), label="char")
    if edit == "replace" and position < len(token):
        tampered = token[:position] + char + token[position + 1:]
    elif edit == "delete" and position < len(token):
        tampered = token[:position] + token[position + 1:]
    else:
        tampered = token[:position] + char + token[position:]
    assume(tampered != token)

    _refused(tampered)


@given(cursor=cursors, other=cursors)
def test_signature_of_one_cursor_does_not_fit_another(cursor, other):
    assume(cursor != other)
    body = encode_cursor(other, key=KEY).split(".")[0]
    mac = encode_cursor(cursor, key=KEY).split(".")[1]

    _refused(f"{body}.{mac}")


@given(cursor=cursors, key=keys, other_key=keys)
def test_a_cursor_signed_with_another_key_is_refused(cursor, key, other_key):
    assume(key != other_key)

    _refused(encode_cursor(cursor, key=other_key), key=key)


@given(token=st.text(max_size=200))
def test_arbitrary_text_is_refused_with_invalid_cursor_only(token):
    # Nothing but invalid_cursor may come out: no ValueError, no UnicodeError, no IndexError.
    _refused(token)


def test_negative_numbers_are_refused_even_when_signed():
    _refused(encode_cursor(Cursor(epoch="ab", scope=1, seq=-1), key=KEY))
    _refused(encode_cursor(Cursor(epoch="ab", scope=-1, seq=1), key=KEY))


def test_padding_and_garbage_around_a_valid_token_are_refused():
    token = encode_cursor(Cursor(epoch="abcd", scope=1, seq=5), key=KEY)

    for variant in (token + "=", token + "==", " " + token, token + "\n", token + ".",
                    token.replace(".", ".."), token.upper(), ""):
        _refused(variant)
