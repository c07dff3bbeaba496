"""Text folded for filtering: case and accents ignored, so "kovacs" finds "KOVÁCS"."""

import unicodedata


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    if text.isascii():  # most of a case's text: nothing to decompose, casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))
