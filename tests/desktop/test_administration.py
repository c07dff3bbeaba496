"""Item 7 of issue 8 (registration and administration views), with a real server process.

An authority applies from the set-up screen's dialog, a coordinator approves it, its first
administrator activates the account from the activation dialog and signs in; an authority's
local data administrator changes a user's roles in the window. Each test works on a server of
its own (``own_server``), so nothing it registers or changes reaches other tests.
"""

from pathlib import Path

from desktop import registration
from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import account, administration
from desktop.models.transport import Connection, Transport
from desktop.qt import QMessageBox, Qt
from desktop.qt_locale import apply_language
from desktop.views.users_dialog import UsersDialog
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import PASSPHRASE

NEW_PASSWORD = "my own long password"
DEMO_COORDINATOR = "de.keller"  # the NIMIC of Germany (roles seeds it)


def _fill(dialog: registration.SelfRegistrationDialog) -> None:
    fields = dialog.fields
    qt_check = Qt.CheckState.Checked
    fields.official_name.setText("Zahnärztekammer Mecklenburg-Vorpommern")
    fields.member_state.setCurrentIndex(fields.member_state.findData("DE"))
    fields.region.setText("Mecklenburg-Vorpommern")
    fields.email.setText("info@zaekmv.example.de")
    fields.username.setText("mv.admin")
    fields.display_name.setText("Jana Peters")
    fields.areas.item(0).setCheckState(qt_check)


def test_item7_an_authority_applies_is_approved_and_its_administrator_signs_in(
        qtbot, own_server, tmp_path: Path, monkeypatch):
    set_language("de")
    apply_language("de")
    apply = registration.self_registration(None, server_url=own_server.url,
                                           connection=Connection())
    qtbot.addWidget(apply)
    apply.show()
    qtbot.waitUntil(lambda: apply.fields.areas.count() > 0, timeout=10_000)
    _fill(apply)
    apply.submit_button.click()
    qtbot.waitUntil(lambda: apply.reference_given.text() != "", timeout=10_000)
    assert not apply.submit_button.isEnabled()
    apply.check_button.click()
    qtbot.waitUntil(lambda: "wartet" in apply.status.text(), timeout=10_000)

    coordinator = Transport(own_server.url)
    coordinator.login(username=DEMO_COORDINATOR, password=DEMO_PASSWORD, device_id="c" * 32)
    (pending,) = [r for r in administration.queue(coordinator).registrations
                  if r.administrator.username == "mv.admin"]
    decision = administration.approve(coordinator, pending.id)
    assert decision.activation is not None
    apply.check_button.click()
    qtbot.waitUntil(lambda: "genehmigt" in apply.status.text(), timeout=10_000)
    apply.close()

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[1]))
    activate = registration.activation(None, server_url=own_server.url,
                                       connection=Connection())
    qtbot.addWidget(activate)
    activate.show()
    activate.username.setText("mv.admin")
    activate.code.setText("0000-0000-0000-0000")
    activate.password.setText(NEW_PASSWORD)
    activate.repeat.setText(NEW_PASSWORD)
    activate.ok_button.click()
    qtbot.waitUntil(lambda: "Aktivierungscode" in activate.error.text(), timeout=10_000)
    activate.code.setText(decision.activation.code)
    with qtbot.waitSignal(activate.finished, timeout=10_000):
        activate.ok_button.click()
    assert told == ["Konto aktiviert"]

    _profile, _key, replica = account.set_up(
        tmp_path / "mv.admin", server_url=own_server.url, username="mv.admin",
        password=NEW_PASSWORD, passphrase=PASSPHRASE)
    user = replica.user()
    replica.close()
    assert user is not None and user.roles == ("local_data_administrator",)
    assert user.authority_id == decision.authority_id
    coordinator.close()
    set_language("en")
    apply_language("en")


def test_item7_a_local_administrator_sees_the_menu_and_changes_a_users_roles(
        qtbot, own_server, tmp_path: Path, monkeypatch):
    profile, key, replica = account.set_up(
        tmp_path / "de.schneider", server_url=own_server.url, username="de.schneider",
        password=DEMO_PASSWORD, passphrase=PASSPHRASE)
    replica.close()
    controller = AppController(profile, key, language="de")
    qtbot.addWidget(controller.window)
    with qtbot.waitSignal(controller.sync.sig_status_changed, timeout=15_000):
        controller.start()
    try:
        window = controller.window
        assert window.admin_menu.menuAction().isVisible()
        assert window.users_action.isVisible()
        assert not window.registrations_action.isVisible()  # not a coordinator
        assert not window.organisation_action.isVisible()

        shown: list[UsersDialog] = []
        monkeypatch.setattr(UsersDialog, "exec", lambda self: shown.append(self) or self.show())
        window.users_action.trigger()
        qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
        dialog = shown[0]
        listed = {dialog.list.topLevelItem(row).text(1)
                  for row in range(dialog.list.topLevelItemCount())}
        assert {"de.weber", "de.schneider"} <= listed
        assert "hu.kovacs" not in listed  # another authority's users stay unseen
        row = next(r for r in range(dialog.list.topLevelItemCount())
                   if dialog.list.topLevelItem(r).text(1) == "de.weber")
        dialog.list.setCurrentItem(dialog.list.topLevelItem(row))
        dialog.rights.roles["allocator"].setChecked(False)
        dialog.rights.roles["referral_handler"].setChecked(True)
        dialog.rights.areas["PQ"].setChecked(True)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: "Weiterleitung" in dialog.list.currentItem().text(3),
                        timeout=10_000)

        check = Transport(own_server.url)
        check.login(username="de.schneider", password=DEMO_PASSWORD, device_id="d" * 32)
        weber = next(u for u in administration.users(check).users if u.username == "de.weber")
        assert set(weber.roles) == {"request_handler", "referral_handler"}
        assert weber.areas == ("PQ",)
        check.close()
        dialog.close()
    finally:
        controller.shutdown()
        set_language("en")
        apply_language("en")
