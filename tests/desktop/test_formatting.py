"""Issue 7 item 5: dates and times in one locale format per language, lists and timeline."""

import datetime as dt

import pytest

from desktop import formatting
from desktop.i18n import set_language, shipped_languages
from sync_protocol.languages import LANGUAGES


@pytest.fixture(params=["en", *shipped_languages()])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def test_a_date_with_a_time_writes_the_date_as_a_date_alone_is_written(language):
    moment = dt.datetime(2026, 3, 7, 16, 5, tzinfo=dt.UTC)
    local = moment.astimezone()
    with_time = formatting.datetime_text(moment)
    assert formatting.date_text(local.date()) in with_time
    assert f"{local.minute:02d}" in with_time.removeprefix(formatting.date_text(local.date()))



def test_hungarian_reads_one_date_style_in_lists_and_timeline():
    set_language("hu")
    try:
        moment = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
        assert formatting.date_text(moment.astimezone().date()) == "2026. dec. 1."
        assert formatting.datetime_text(moment).startswith("2026. dec. 1. ")
    finally:
        set_language("en")


def test_each_language_is_named_in_itself_as_cldr_names_it():
    # The table spares loading 26 locales at start; it must say what babel says.
    assert set(formatting.OWN_NAMES) == set(LANGUAGES)
    for code in LANGUAGES:
        assert formatting.own_language_name(code) == formatting.babel_own_language_name(code)
