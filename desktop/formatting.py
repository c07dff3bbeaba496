"""Dates, counts, countries and languages in the reader's language, from babel's CLDR data.

One format per language everywhere (lists, timeline, status bar, dialogs): a date is CLDR's
*medium* date ("01.12.2026", "2026. dec. 1."), a time of day is the *short* time, and a date
with a time is that same date and time joined by the language's own pattern.
"""

import datetime as dt
import decimal
import functools

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal

from desktop.i18n import current_language
from sync_protocol.languages import babel_locale


def _locale() -> str:
    return babel_locale(current_language())


def date_text(value: dt.date | None) -> str:
    return _date_text(value, _locale()) if value else ""


def date_text_in(value: dt.date, language: str) -> str:
    """A date as a reader of ``language`` sees it (the counterpart's column of a case)."""
    return _date_text(value, babel_locale(language))


def number_text_in(value: decimal.Decimal, language: str) -> str:
    """A number as a reader of ``language`` writes it ("4,5" in German, "4.5" in English)."""
    return str(format_decimal(value, locale=babel_locale(language)))


# Lists repaint the same rows again and again: each value is formatted once per language.
@functools.lru_cache(maxsize=4096)
def _date_text(value: dt.date, locale: str) -> str:
    return str(format_date(value, format="medium", locale=locale))


def datetime_text(value: dt.datetime | None) -> str:
    """``value`` in this computer's time zone, its date written as ``date_text`` writes it."""
    return "" if value is None else _datetime_text(value, _locale())


@functools.lru_cache(maxsize=4096)
def _datetime_text(value: dt.datetime, locale: str) -> str:
    local = value.astimezone()
    pattern = str(get_datetime_format("medium", locale=locale))
    return pattern.replace("{1}", _date_text(local.date(), locale)).replace(
        "{0}", format_time(local, format="short", locale=locale))


def number_text(value: int) -> str:
    """A count as the language writes it ("1 234", "1.234", "1,234")."""
    return _number_text(value, _locale())


@functools.lru_cache(maxsize=1024)
def _number_text(value: int, locale: str) -> str:
    return str(format_decimal(value, locale=locale))


def country_name(code: str) -> str:
    return _country_name(code, _locale())


@functools.lru_cache(maxsize=1024)
def _country_name(code: str, locale: str) -> str:
    # CLDR knows Greece as GR; EU usage writes EL.
    territory = {"EL": "GR"}.get(code, code)
    return str(Locale.parse(locale).territories.get(territory, code))


# Each language's name in itself, as CLDR (babel) writes it: the window's language choices
# list all of them, and asking babel loads every language's whole locale data first (a
# quarter of a second and 30 MB before the first screen). tests/desktop/test_formatting.py
# compares the table with babel's own answer.
OWN_NAMES = {
    "bg": "български", "cs": "čeština", "da": "dansk", "de": "Deutsch", "el": "Ελληνικά",
    "en": "English", "es": "español", "et": "eesti", "fi": "suomi", "fr": "français",
    "ga": "Gaeilge", "hr": "hrvatski", "hu": "magyar", "it": "italiano", "lt": "lietuvių",
    "lv": "latviešu", "mt": "Malti", "nl": "Nederlands", "pl": "polski", "pt": "português",
    "ro": "română", "sk": "slovenčina", "sl": "slovenščina", "sv": "svenska", "is": "íslenska",
    "no": "norsk bokmål",
}


def own_language_name(code: str) -> str:
    """A language's name in itself ("Deutsch", "magyar", "français"), for language pickers."""
    return OWN_NAMES.get(code) or babel_own_language_name(code)


def babel_own_language_name(code: str) -> str:
    locale = Locale.parse(babel_locale(code))
    return str(locale.get_language_name(locale) or code)


def language_name(code: str) -> str:
    locale = Locale.parse(babel_locale(code))
    name = locale.get_display_name(Locale.parse(_locale())) or code
    return name.split(" (")[0]


def size_text(size: int) -> str:
    """A document's size as the reader's language writes it ("1,5 MB", "820 kB", "12 B")."""
    return _size_text(size, _locale())


@functools.lru_cache(maxsize=1024)
def _size_text(size: int, locale: str) -> str:
    from babel.units import format_unit

    for unit, factor in (("digital-megabyte", 1024 * 1024), ("digital-kilobyte", 1024)):
        if size >= factor:
            return str(format_unit(size / factor, unit, length="short", locale=locale,
                                   format="#,##0.#"))
    return str(format_unit(size, "digital-byte", length="short", locale=locale))
