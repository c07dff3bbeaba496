"""Dates, countries and languages in the reader's language, from babel's CLDR data."""

import datetime as dt

from babel import Locale
from babel.dates import format_date, format_datetime

from desktop.i18n import current_language
from sync_protocol.languages import babel_locale


def _locale() -> str:
    return babel_locale(current_language())


def date_text(value: dt.date | None) -> str:
    return format_date(value, format="medium", locale=_locale()) if value else ""


def datetime_text(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value.astimezone(), format="short", locale=_locale())


def country_name(code: str) -> str:
    # CLDR knows Greece as GR; EU usage writes EL.
    territory = {"EL": "GR"}.get(code, code)
    return str(Locale.parse(_locale()).territories.get(territory, code))


def own_language_name(code: str) -> str:
    """A language's name in itself ("Deutsch", "magyar", "français"), for language pickers."""
    locale = Locale.parse(babel_locale(code))
    return str(locale.get_language_name(locale) or code)


def language_name(code: str) -> str:
    locale = Locale.parse(babel_locale(code))
    name = locale.get_display_name(Locale.parse(_locale())) or code
    return name.split(" (")[0]
