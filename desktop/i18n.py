"""The one import point for translated UI strings: ``from desktop.i18n import _``.

Catalogues are gettext ``.po`` files in ``resources/translations/<lang>/LC_MESSAGES/``,
maintained with ``pybabel extract/update`` (see README). The package build compiles them to
``.mo`` files inside this package (``setup.py``; an editable install compiles them into the
checkout), and they are read from there through ``importlib.resources``, so an installed
wheel needs no checkout. The language can change at run time: ``set_language`` notifies
listeners, which re-label their widgets.
"""

import gettext
from collections.abc import Callable
from importlib import resources

from sync_protocol.languages import FALLBACK_LANGUAGE, LANGUAGES

DOMAIN = "messages"
LOCALE_DIR = resources.files(__package__) / "locale"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = FALLBACK_LANGUAGE
_listeners: list[Callable[[str], None]] = []


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message


def current_language() -> str:
    return _language


def shipped_languages() -> list[str]:
    """English (the source language: its texts are the message ids) and every language of
    ``LANGUAGES`` with a compiled catalogue, in the order of ``LANGUAGES``."""
    return [language for language in LANGUAGES
            if language == FALLBACK_LANGUAGE
            or LOCALE_DIR.joinpath(language, "LC_MESSAGES", f"{DOMAIN}.mo").is_file()]


def load_catalogue(language: str) -> gettext.NullTranslations:
    compiled = LOCALE_DIR.joinpath(language, "LC_MESSAGES", f"{DOMAIN}.mo")
    if language == FALLBACK_LANGUAGE or not compiled.is_file():
        return gettext.NullTranslations()
    with compiled.open("rb") as mo:
        return gettext.GNUTranslations(mo)


def set_language(language: str) -> None:
    global _translations, _language
    _translations = load_catalogue(language)
    _language = language
    for listener in list(_listeners):
        listener(_language)


def on_language_changed(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)
