"""The one import point for translated UI strings: ``from desktop.i18n import _``.

Catalogues are gettext ``.po`` files in ``resources/translations/<lang>/LC_MESSAGES/``,
maintained with ``pybabel extract/update`` (see README). They are compiled in memory when a
language is chosen, so a fresh checkout needs no build step. The language can change at run
time: ``set_language`` notifies listeners, which re-label their widgets.
"""

import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sync_protocol.languages import FALLBACK_LANGUAGE

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"
DOMAIN = "messages"

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
    """English (the source language) and every language with a catalogue."""
    found = {p.parent.parent.name for p in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found | {FALLBACK_LANGUAGE})


def load_catalogue(language: str) -> gettext.NullTranslations:
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == FALLBACK_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(language: str) -> None:
    global _translations, _language
    _translations = load_catalogue(language)
    _language = language
    for listener in list(_listeners):
        listener(_language)


def on_language_changed(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)
