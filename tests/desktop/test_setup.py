"""First start on a new computer: the set-up dialog signs in once and creates the profile."""

from desktop.app import ProfileOpener
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
