"""The languages of the catalogue and of the user interface.

The 24 official EU languages plus the EEA languages Icelandic and Norwegian. ``UI_LOCALES``
maps a language to the babel locale used for dates and numbers: ``en`` formats US-style in
babel and ``pt`` is Brazilian, so Ireland's English and Portugal's Portuguese stand in.
"""

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv", "is", "no",
)  # fmt: skip

FALLBACK_LANGUAGE = "en"

# The babel locale where it is not the language code itself.
BABEL_LOCALES: Mapping[str, str] = {"en": "en_IE", "pt": "pt_PT", "no": "nb_NO"}


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
