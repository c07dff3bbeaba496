"""The languages of the catalogue and of the user interface.

The 24 official EU languages plus the EEA languages Icelandic and Norwegian. ``UI_LOCALES``
maps a language to the babel locale used for dates and numbers: ``en`` formats US-style in
babel and ``pt`` is Brazilian, so Ireland's English and Portugal's Portuguese stand in.
"""

from collections.abc import Mapping
from typing import Any

LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv", "is", "no",
)  # fmt: skip

FALLBACK_LANGUAGE = "en"

# The babel locale where it is not the language code itself.
BABEL_LOCALES: Mapping[str, str] = {"en": "en_IE", "pt": "pt_PT", "no": "nb_NO"}


# The official languages of each EEA state, the one most of its authorities work in first.
STATE_LANGUAGES: Mapping[str, tuple[str, ...]] = {
    "AT": ("de",), "BE": ("nl", "fr", "de"), "BG": ("bg",), "CY": ("el",), "CZ": ("cs",),
    "DE": ("de",), "DK": ("da",), "EE": ("et",), "ES": ("es",), "FI": ("fi", "sv"),
    "FR": ("fr",), "GR": ("el",), "HR": ("hr",), "HU": ("hu",), "IE": ("en", "ga"),
    "IT": ("it",), "LT": ("lt",), "LU": ("fr", "de"), "LV": ("lv",), "MT": ("mt", "en"),
    "NL": ("nl",), "PL": ("pl",), "PT": ("pt",), "RO": ("ro",), "SE": ("sv",), "SI": ("sl",),
    "SK": ("sk",), "IS": ("is",), "LI": ("de",), "NO": ("no",),
}


def authority_language(authority: Mapping[str, Any]) -> str:
    """The language an authority's officers read the catalogue in: the first of its
    ``languages`` in the directory, else its state's first official language."""
    given = authority.get("languages") or STATE_LANGUAGES.get(authority.get("member_state", ""), ())
    return next((lang for lang in given if lang in LANGUAGES), FALLBACK_LANGUAGE)


def babel_locale(language: str) -> str:
    """The babel locale identifier to format dates and numbers for ``language``."""
    return BABEL_LOCALES.get(language, language)


def localized(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else in English, else in any language there is.

    A catalogue text is never shown as an empty string: a gap in a translation falls back to
    a language the reader may know rather than hiding the question.
    """
    for lang in (language, FALLBACK_LANGUAGE):
        text = texts.get(lang)
        if text:
            return text
    return next((text for text in texts.values() if text), "")
