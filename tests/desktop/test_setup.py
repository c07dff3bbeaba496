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
    dialog = SetupDialog(opener.set_up)
    qtbot.addWidget(dialog)
    dialog.show()

    # Wrong password: said plainly, nothing written.
    fill(qtbot, dialog, serverUrl=live_server.url, username="fr.martin", password="wrong",
         passphrase="long enough phrase", repeat="long enough phrase")
    dialog._try()
    assert "wrong password" in dialog.error.text()
    assert not (tmp_path / "profile").exists()

    # A server nobody runs: said plainly too.
    fill(qtbot, dialog, serverUrl=f"http://127.0.0.1:{free_port()}", password=DEMO_PASSWORD)
    dialog._try()
    assert "cannot be reached" in dialog.error.text()
    assert not profiles.exists(tmp_path / "profile")

    # Passphrases that differ never reach the server.
    fill(qtbot, dialog, serverUrl=live_server.url, repeat="another phrase")
    dialog._try()
    assert dialog.error.text() == "The passphrases differ."

    fill(qtbot, dialog, repeat="long enough phrase")
    dialog._try()
    assert dialog.result() == 1
    assert opener.profile is not None and opener.profile.username == "fr.martin"

    # From now on the passphrase alone opens it, with no server involved.
    again = ProfileOpener(tmp_path / "profile")
    assert again.unlock("not the phrase") is not None
    assert again.unlock("long enough phrase") is None
    assert again.key == opener.key
