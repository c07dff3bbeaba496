"""Text folded for filtering: case and accents ignored, so "kovacs" finds "KOVÁCS"."""

import unicodedata


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
