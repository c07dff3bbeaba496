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
    return decomposed.translate(_MARKS)


class _Marks(dict[int, int | None]):
    """``str.translate`` table that drops combining marks: each character is looked up once
    (``__missing__``), then the table answers at C speed (the case texts fold per bootstrap)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _Marks()
