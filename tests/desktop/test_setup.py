"""First start on a new computer: the set-up dialog signs in once and creates the profile."""

import pytest

from desktop.app import ProfileOpener
from desktop.i18n import set_language
from desktop.models import account, server_address
from desktop.models import profile as profiles
from desktop.qt import QLineEdit
from desktop.views.unlock_dialog import SetupDialog
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import free_port


def fill(qtbot, dialog: SetupDialog, **values: str) -> None:
    for name, value in values.items():
        field = dialog.findChild(QLineEdit, name)
        field.clear()
        qtbot.keyClicks(field, value)


def test_set_up_signs_in_once_and_creates_an_encrypted_profile(qtbot, live_server, tmp_path):
    opener = ProfileOpener(tmp_path / "profile")
    dialog = SetupDialog(opener.start_set_up)
    qtbot.addWidget(dialog)
    dialog.show()

    def attempt() -> None:
        """Sign in as the OK button does; the work runs off the GUI thread, which stays
        responsive (the wait below spins the event loop) until the answer arrives."""
        dialog._try()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)

    # Wrong password: said plainly, nothing written.
    fill(qtbot, dialog, serverUrl=live_server.url, username="fr.martin", password="wrong",
         passphrase="long enough phrase", repeat="long enough phrase")
    attempt()
    assert "wrong password" in dialog.error.text()
    assert not (tmp_path / "profile").exists()

    # A server nobody runs: said plainly too.
    fill(qtbot, dialog, serverUrl=f"http://127.0.0.1:{free_port()}", password=DEMO_PASSWORD)
    attempt()
    assert "cannot be reached" in dialog.error.text()
    assert not profiles.exists(tmp_path / "profile")

    # Passphrases that differ never reach the server.
    fill(qtbot, dialog, serverUrl=live_server.url, repeat="another phrase")
    attempt()
    assert dialog.error.text() == "The passphrases differ."

    fill(qtbot, dialog, repeat="long enough phrase")
    attempt()
    assert dialog.result() == 1
    assert opener.profile is not None and opener.profile.username == "fr.martin"

    # From now on the passphrase alone opens it, with no server involved.
    again = ProfileOpener(tmp_path / "profile")
    assert again.unlock("not the phrase") is not None
    assert again.unlock("long enough phrase") is None
    assert again.key == opener.key
    opener.background.shutdown()


def test_set_up_shows_progress_and_cancel_abandons_it_writing_nothing(qtbot, live_server,
                                                                      tmp_path, monkeypatch):
    """Issue 5 item 5: first sign-in runs in the background, with progress and a cancel.
    The real server is held back at its first request (a gate in our transport), so the
    cancel lands while the sign-in is under way."""
    import threading

    from desktop.models.transport import Transport

    gate, reached = threading.Event(), threading.Event()
    real_meta = Transport.meta

    def held_meta(transport: Transport):
        reached.set()
        gate.wait(10)
        return real_meta(transport)

    monkeypatch.setattr(Transport, "meta", held_meta)
    opener = ProfileOpener(tmp_path / "profile")
    dialog = SetupDialog(opener.start_set_up)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, serverUrl=live_server.url, username="fr.martin", password=DEMO_PASSWORD,
         passphrase="long enough phrase", repeat="long enough phrase")
    dialog._try()
    assert reached.wait(5)
    qtbot.waitUntil(lambda: dialog.stage.text() == "Connecting to the server…", timeout=5000)
    assert dialog.progress.isVisible() and not dialog.ok_button.isEnabled()
    dialog.reject()  # Cancel, while the server has not answered yet
    assert dialog.result() == 0 and not dialog.busy
    gate.set()
    opener.background.shutdown()  # waits for the abandoned sign-in to finish
    assert not profiles.exists(tmp_path / "profile")
    assert opener.profile is None


def test_plain_http_to_another_computer_is_refused_in_the_users_language(
        qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("IMI_ALLOW_INSECURE_HTTP", raising=False)
    opener = ProfileOpener(tmp_path / "profile")
    set_language("de")
    try:
        dialog = SetupDialog(opener.start_set_up)
        qtbot.addWidget(dialog)
        fill(qtbot, dialog, serverUrl="http://imi.example.org", username="fr.martin",
             password="secret", passphrase="long enough phrase", repeat="long enough phrase")
        dialog._try()
        assert dialog.error.text().startswith("Diese Adresse beginnt mit http://")
        assert dialog.result() == 0
        assert not (tmp_path / "profile").exists()
    finally:
        set_language("en")


def test_server_addresses_https_loopback_http_and_the_administrators_switch(monkeypatch):
    monkeypatch.delenv("IMI_ALLOW_INSECURE_HTTP", raising=False)
    for allowed in ("https://imi.example.org", "https://10.1.2.3:8443/imi", "http://127.0.0.1:8470",
                    "http://localhost:8470", "http://[::1]:8470", "http://127.8.0.1"):
        server_address.check(allowed)
    for insecure in ("http://imi.example.org", "http://10.1.2.3:8470", "http://[2001:db8::1]"):
        with pytest.raises(server_address.InsecureServerAddress):
            server_address.check(insecure)
    for nonsense in ("imi.example.org", "ftp://imi.example.org", "http://", "http://[::1"):
        with pytest.raises(server_address.NotAServerAddress):
            server_address.check(nonsense)
    # Explicitly allowed by the administrator (a TLS tunnel ends on a trusted network).
    monkeypatch.setenv("IMI_ALLOW_INSECURE_HTTP", "1")
    server_address.check("http://imi.example.org")


def test_account_set_up_itself_refuses_plain_http_before_contacting_anyone(tmp_path, monkeypatch):
    monkeypatch.delenv("IMI_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(server_address.InsecureServerAddress):
        account.set_up(tmp_path / "p", server_url=f"http://192.0.2.1:{free_port()}",
                       username="x", password="y", passphrase="long enough phrase")
    assert not (tmp_path / "p").exists()
