"""New work brought by a sync shows one desktop notification per pass, not one per case."""

import uuid

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import cases
from desktop.models import profile as profiles
from desktop.qt_locale import apply_language
from desktop.tray import TRAY_SETTING, tray_enabled
from sync_protocol.links import case_id_from_link, case_link
from tests import factories
from tests.conftest import PASSPHRASE, make_client


def _send_two_requests(live_server, tmp_path, responder: str) -> list[str]:
    de = make_client(live_server.url, "de.weber", tmp_path / "de")
    sent = []
    try:
        de.sync()  # the catalogue the requests use
        for _ in range(2):
            case_id = uuid.uuid4().hex
            cases.perform(de.replica, name="case.create",
                          args=factories.create_args(responder=responder, case_id=case_id))
            cases.perform(de.replica, name="case.send", args={"case_id": case_id})
            sent.append(case_id)
        de.sync()
    finally:
        de.close()
    return sent


def test_two_new_requests_make_one_notification_in_the_users_language(qtbot, live_server,
                                                                      tmp_path):
    hu = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hu.sync()  # caught up: what comes now is news
    hu.close()
    sent = _send_two_requests(live_server, tmp_path, responder="HU-ENKK")

    profile, key = profiles.unlock(tmp_path / "hu", PASSPHRASE)
    window_side = AppController(profile, key, language="de")
    qtbot.addWidget(window_side.window)
    try:
        window_side.start()
        qtbot.waitUntil(lambda: window_side.tray.shown != [], timeout=15_000)
        qtbot.waitUntil(lambda: window_side.sync.last_sync is not None, timeout=10_000)
        window_side.sync_now()
        qtbot.waitUntil(lambda: not window_side.sync._running, timeout=10_000)
        ((title, message),) = window_side.tray.shown  # one for the batch, none for the resync
        assert title == "IMI: neue Arbeit in Ihrem Posteingang"
        assert message == "2 neue Ersuchen oder Antworten warten auf Sie."
        # The link of the mail about it opens the case.
        window_side.open_link(case_id_from_link(case_link(sent[1])))
        assert window_side.window.case_view.case.id == sent[1]
    finally:
        window_side.window.close()
        set_language("en")
        apply_language("en")


def test_no_notification_when_the_user_turned_it_off(qtbot, live_server, tmp_path):
    hu = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hu.sync()
    hu.replica.save_meta(TRAY_SETTING, False)
    hu.close()
    _send_two_requests(live_server, tmp_path, responder="HU-ENKK")

    profile, key = profiles.unlock(tmp_path / "hu", PASSPHRASE)
    window_side = AppController(profile, key)
    qtbot.addWidget(window_side.window)
    try:
        with qtbot.waitSignal(window_side.sync.sig_new_work, timeout=15_000) as brought:
            window_side.start()
        assert brought.args == [2]  # the sync brought the work...
        assert window_side.tray.shown == []  # ...and nothing was shown
    finally:
        window_side.window.close()


def test_the_notifications_dialog_saves_the_mail_choice_on_the_server(qtbot, live_server,
                                                                      tmp_path):
    fr = make_client(live_server.url, "fr.martin", tmp_path / "fr")
    fr.sync()
    fr.close()
    profile, key = profiles.unlock(tmp_path / "fr", PASSPHRASE)
    window_side = AppController(profile, key, language="hu")
    qtbot.addWidget(window_side.window)
    try:
        window_side.start()
        window_side.show_notifications()
        qtbot.waitUntil(lambda: window_side.notifications_dialog is not None
                        and window_side.notifications_dialog.isVisible(), timeout=10_000)
        dialog = window_side.notifications_dialog
        assert dialog.address.isEnabled() and dialog.address.text() == ""
        dialog.address.setText("pas une adresse")
        dialog.choice.setCurrentIndex(dialog.choice.findData("digest"))
        dialog.tray.setChecked(False)
        dialog._save()
        assert dialog.isVisible()  # refused on the spot, in the reader's language
        assert dialog.problem.text() == "Ez nem érvényes e-mail-cím."

        dialog.address.setText("agent@oncd.example.fr")
        dialog._save()
        assert not dialog.isVisible()
        qtbot.waitUntil(lambda: window_side.transport.mail_settings().choice == "digest",
                        timeout=10_000)
        assert window_side.transport.mail_settings().address == "agent@oncd.example.fr"
        qtbot.waitUntil(lambda: not tray_enabled(window_side.reader), timeout=10_000)
    finally:
        window_side.window.close()
        set_language("en")
        apply_language("en")
