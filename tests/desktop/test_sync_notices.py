"""The window tells the user when a copied or restored profile took a new device identity."""

import os
import shutil
import uuid

import pytest

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import cases
from desktop.models import profile as profiles
from desktop.qt_locale import apply_language
from tests import factories
from tests.conftest import PASSPHRASE, make_client, open_client


def _request(client) -> str:
    case_id = uuid.uuid4().hex
    cases.perform(client.replica, name="case.create",
                  args=factories.create_args(responder="HU-ENKK", case_id=case_id))
    return case_id


@pytest.mark.parametrize(("language", "words"), [("de", "kopiert"), ("hu", "másolták")])
def test_a_copied_profile_is_told_it_became_a_device_of_its_own(qtbot, live_server, tmp_path,
                                                                 language, words):
    first = make_client(live_server.url, "de.weber", tmp_path / "first")
    first.sync()
    first.close()
    shutil.copytree(tmp_path / "first", tmp_path / "copy")
    first = open_client(tmp_path / "first")
    _request(first)
    first.sync()
    first.close()
    copy = open_client(tmp_path / "copy")
    waiting = _request(copy)  # the same id as the first copy's step, other content
    copy.close()

    profile, key = profiles.unlock(tmp_path / "copy", PASSPHRASE)
    window_side = AppController(profile, key, language=language)
    qtbot.addWidget(window_side.window)
    try:
        window_side.start()
        qtbot.waitUntil(lambda: window_side.notice_box is not None
                        and window_side.notice_box.isVisible(), timeout=15_000)
        text = window_side.notice_box.text()
        assert words in text and "1" in text
        qtbot.waitUntil(lambda: window_side.reader.pending_count() == 0, timeout=10_000)
        assert window_side.reader.case_row(waiting) is not None
        if shots := os.environ.get("IMI_SCREENSHOTS"):
            window_side.window.resize(1280, 800)
            window_side.notice_box.grab().save(f"{shots}/sync_notice_{language}.png")
            window_side.window.grab().save(f"{shots}/sync_notice_window_{language}.png")
    finally:
        window_side.window.close()  # the window's own way out: shuts the controller down
        set_language("en")
        apply_language("en")
