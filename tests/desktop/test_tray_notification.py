"""New work brought by a sync shows one desktop notification per pass, not one per case."""

import uuid

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import cases
from desktop.models import profile as profiles
from desktop.qt_locale import apply_language
from desktop.tray import TRAY_SETTING
from tests import factories
from tests.conftest import PASSPHRASE, make_client


def _send_two_requests(live_server, tmp_path, responder: str) -> None:
    de = make_client(live_server.url, "de.weber", tmp_path / "de")
    try:
        de.sync()  # the catalogue the requests use
        for _ in range(2):
            case_id = uuid.uuid4().hex
            cases.perform(de.replica, name="case.create",
                          args=factories.create_args(responder=responder, case_id=case_id))
            cases.perform(de.replica, name="case.send", args={"case_id": case_id})
        de.sync()
    finally:
        de.close()


def test_two_new_requests_make_one_notification_in_the_users_language(qtbot, live_server,
                                                                      tmp_path):
    hu = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hu.sync()  # caught up: what comes now is news
    hu.close()
    _send_two_requests(live_server, tmp_path, responder="HU-ENKK")

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
