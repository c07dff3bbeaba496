"""``imi-desk self-test`` (issue 11, item 1): what the package test runs in the installed
bundle, here from the source tree: exit 0 only when set-up, unlock, translations and a sync
through the window all worked."""

import io
from collections.abc import Iterator

import pytest

from desktop.app import main
from desktop.i18n import set_language
from desktop.qt_locale import apply_language
from sync_server.seed import DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """The self-test switches the UI language, as the installed client does; later tests
    expect English."""
    yield
    set_language("en")
    apply_language("en")


def test_self_test_passes_against_a_real_server(qapp, live_server, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))

    code = main(["self-test", "--server-url", live_server.url, "--username", "hu.kovacs",
                 "--password-stdin", "--language", "hu"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "UI and Qt translations for 'hu' loaded" in out
    assert "synced with the server through the window" in out


def test_self_test_fails_plainly_when_something_is_wrong(qapp, live_server, monkeypatch,
                                                         capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong password\n"))
    assert main(["self-test", "--server-url", live_server.url, "--username", "hu.kovacs",
                 "--password-stdin"]) == 1
    assert "self-test failed" in capsys.readouterr().err

    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))
    assert main(["self-test", "--training", "--server-url", live_server.url, "--username",
                 "hu.kovacs", "--password-stdin"]) == 1
    assert "does not talk to a production server" in capsys.readouterr().err
