"""End to end: machine translation of free text, from the case view to both sides' replicas.

A real server process configured with ``--translation-url`` speaks HTTP to a real local server
implementing the LibreTranslate API (``LibreTranslateDouble``); the Hungarian officer's window
asks for a translation of the German request text through the link beside it.
"""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import local_server
from desktop.controller import AppController
from desktop.models import cases
from desktop.qt import QLabel
from desktop.views.case_view import TRANSLATE_LINK
from tests import factories
from tests.conftest import LiveServer, copy_database, make_client, signed_in_window
from tests.libretranslate_double import LibreTranslateDouble

REQUEST = "Bitte bestätigen Sie die Echtheit des Diploms."


@pytest.fixture
def engine() -> Iterator[LibreTranslateDouble]:
    double = LibreTranslateDouble()
    yield double
    double.close()


@pytest.fixture
def server_url(live_server: LiveServer, engine: LibreTranslateDouble, tmp_path: Path
               ) -> Iterator[str]:
    """A server of the test's own (a copy of the live one) with machine translation on."""
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    shutil.copy(live_server.data_dir / "server.key", data_dir)
    copy_database(live_server.data_dir / "imi.db", data_dir / "imi.db")
    process, url = local_server.start(
        data_dir, args=["--translation-url", engine.url, "--translation-engine",
                        "LibreTranslate (test)", "--translation-timeout", "5"])
    yield url
    local_server.stop(process)


@pytest.fixture
def hungary(qtbot, server_url: str, tmp_path: Path) -> Iterator[AppController]:
    with signed_in_window(qtbot, server_url, tmp_path / "hu.kovacs", "hu.kovacs", "hu") as made:
        yield made


def test_a_translation_asked_in_the_window_shows_beside_the_text_and_reaches_both_sides(
        qtbot, hungary, server_url, engine, tmp_path, monkeypatch):
    germany = make_client(server_url, "de.weber", tmp_path / "de.weber")
    germany.sync()
    case_id = uuid.uuid4().hex
    cases.perform(germany.replica, name="case.create", args=factories.create_args(
        responder="HU-ENKK", case_id=case_id, request_text={"text": REQUEST, "lang": "de"}))
    cases.perform(germany.replica, name="case.send", args={"case_id": case_id})
    germany.sync()
    qtbot.waitUntil(lambda: cases.get_case(hungary.reader, case_id) is not None, timeout=15_000)
    assert not hungary.window.catalogue_action.isVisible()  # the Commission's editors only
    hungary.show_case(case_id)
    body = hungary.window.case_view.findChild(QLabel, "caseBody")
    assert f"href='{TRANSLATE_LINK}request_text'" in body.text()
    version = cases.get_case(hungary.reader, case_id).version

    # The engine is down: a clear message, and the case as it was.
    messages: list[str] = []
    monkeypatch.setattr("desktop.controller.QMessageBox.warning",
                        lambda _parent, _title, text: messages.append(text))
    engine.mode = "error"
    body.linkActivated.emit(f"{TRANSLATE_LINK}request_text")
    qtbot.waitUntil(lambda: bool(messages), timeout=15_000)
    assert "LibreTranslate (test)" in messages[0] and "nem érhető el" in messages[0]
    assert hungary.reader.translations(case_id) == []

    # The engine is back: the translation stands beside the original, marked.
    engine.mode = "ok"
    body.linkActivated.emit(f"{TRANSLATE_LINK}request_text")
    qtbot.waitUntil(lambda: f"[hu] {REQUEST}" in body.text(), timeout=15_000)
    assert REQUEST in body.text().replace(f"[hu] {REQUEST}", "")  # the original stays
    assert "LibreTranslate (test)" in body.text() and "Gépi fordítás" in body.text()
    assert cases.get_case(hungary.reader, case_id).version == version
    assert engine.received[-1]["source"] == "de" and engine.received[-1]["target"] == "hu"

    # The requesting side's replica receives it by sync, too.
    germany.sync()
    (kept,) = germany.replica.translations(case_id)
    assert (kept.text, kept.engine, kept.target_lang) == (f"[hu] {REQUEST}",
                                                          "LibreTranslate (test)", "hu")
    germany.close()
