"""Text as the protocol accepts it: one definition for every name and free text on the wire.

Text is NFC-normalised (so "é" typed two ways is one name, and search finds it either way).
Refused, with a clear message: control characters (free text keeps tab and line breaks),
bidirectional embeddings, overrides and isolates (they make a name read differently from
what it is: "‮gepj.exe" shows as "exe.jpeg"), and names made only of invisible characters
(zero-width spaces, Hangul fillers, a blank braille cell), which would show as an empty name.

``Name`` is for names (one line, not empty), ``Label`` and ``Line`` for one-line texts that may
be empty, ``FreeText`` and ``CatalogueText`` for what people write (lines), ``UserName`` for
sign-in names (matched exactly, so not stripped).
"""

import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

# Embeddings, overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters that draw nothing: Hangul fillers, the blank braille cell, the Khmer inherent vowels.
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
_FREE_TEXT_CONTROLS: Final = frozenset("\t\n\r")

# The same rules as far as a JSON Schema pattern can say them, for the OpenAPI description
# (the validators below are what decides; they also refuse invisible-only text and
# unassigned or private-use code points).
_NO_BIDI = "\\u202a-\\u202e\\u2066-\\u2069"
LINE_PATTERN: Final = f"^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_NO_BIDI}]*$"
LINES_PATTERN: Final = f"^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u2028\\u2029{_NO_BIDI}]*$"
_LINE: Final = Field(json_schema_extra={"pattern": LINE_PATTERN})
_LINES: Final = Field(json_schema_extra={"pattern": LINES_PATTERN})


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _check(value: str, *, lines: bool) -> str:
    for char in value:
        if char in BIDI_CONTROLS:
            raise ValueError(
                f"contains the bidirectional control U+{ord(char):04X}, which can disguise text"
            )
        if lines and char in _FREE_TEXT_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn") or category in ("Zl", "Zp"):
            raise ValueError(f"contains the control character U+{ord(char):04X}")
    return value


def _visible(char: str) -> bool:
    return (
        not char.isspace()
        and char not in _BLANK_LETTERS
        and unicodedata.category(char)[0] in "LNPS"
    )


def _name(value: str) -> str:
    _check(value, lines=False)
    if value and not any(_visible(char) for char in value):
        raise ValueError("is made only of invisible characters")
    return value


def _free_text(value: str) -> str:
    _check(value, lines=True)
    if value and not any(_visible(char) for char in value):
        raise ValueError("is made only of invisible characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_name),
    _LINE,
]
"""A person's or an authority's name, or a label: one line, 1 to 200 characters."""

Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_name),
    _LINE,
]
"""A one-line text that may be empty (a device's name): at most 200 characters."""

Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=400),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_name),
    _LINE,
]
"""A one-line text that may be empty (a qualification): at most 400 characters."""

FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=8000),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_free_text),
    _LINES,
]
"""What a person writes: lines of text, 1 to 8,000 characters."""

CatalogueText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_free_text),
    _LINES,
]
"""A question, an answer or an area name of the catalogue, in one language."""

UserName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    BeforeValidator(_nfc),  # runs first: lengths count NFC characters
    AfterValidator(_name),
    _LINE,
]
"""A sign-in name as typed: not stripped (a user name is matched exactly), 1 to 100."""
