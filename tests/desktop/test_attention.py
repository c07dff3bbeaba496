"""Issue 7, item 2: *Needs attention* tells each refused step in full and lets the officer
open the case, copy what they typed, or take the step again from it."""

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.controller import AppController
from desktop.i18n import set_language
from desktop.models import account, case_list, cases
from desktop.models.case_list import ListQuery
from desktop.qt import QApplication, QPushButton
from desktop.qt_locale import apply_language
from desktop.views.attention_dialog import AttentionDialog
from desktop.views.new_request_dialog import NewRequestDialog
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import PASSPHRASE, make_client


def request(case_id: str, responder: str = "HU-ENKK") -> dict[str, object]:
    return {
        "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": responder,
        "subject": {"family_name": "Kiss", "given_names": "Ádám", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01", "PQ-GEN-Q04"],
        "answer_by": (dt.datetime.now().astimezone().date() + dt.timedelta(days=10)).isoformat(),
        "request_text": {"text": "Bitte um Bestätigung.", "lang": "de"},
    }


@pytest.fixture
def window_for(qtbot, live_server, tmp_path: Path) -> Iterator[object]:
    made: list[AppController] = []

    def open_window(username: str, language: str) -> AppController:
        profile, key, replica = account.set_up(tmp_path / username, server_url=live_server.url,
                                               username=username, password=DEMO_PASSWORD,
                                               passphrase=PASSPHRASE)
        replica.close()
        controller = AppController(profile, key, language=language)
        qtbot.addWidget(controller.window)
        with qtbot.waitSignal(controller.sync.sig_status_changed, timeout=15_000):
            controller.start()
        made.append(controller)
        return controller

    yield open_window
    for controller in made:
        controller.shutdown()
    set_language("en")
    apply_language("en")


def test_a_refused_answer_is_shown_in_full_and_can_be_copied(qtbot, window_for, live_server,
                                                             tmp_path, monkeypatch):
    de = make_client(live_server.url, "de.weber", tmp_path / "de-headless")
    de.sync()
    case_id = uuid.uuid4().hex
    cases.perform(de.replica, name="case.create", args=request(case_id))
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    de.sync()
    hungary = window_for("hu.kovacs", "hu")
    qtbot.waitUntil(lambda: hungary.reader.case_row(case_id) is not None, timeout=10_000)
    hungary.sync.stop()  # the line drops: nothing is sent until the test says so
    real_url = hungary.transport.base_url
    hungary.transport.base_url = "http://127.0.0.1:9"
    answers = {"case_id": case_id, "answers": [
        {"question": "PQ-GEN-Q01", "answer": "PQ-GEN-Q01-A1"},
        {"question": "PQ-GEN-Q04", "answer": "PQ-GEN-Q04-A2"}],
        "reply_text": {"text": "A diploma hiteles.", "lang": "hu"}}
    hungary.perform([("case.accept", {"case_id": case_id}), ("case.answer", answers)])
    qtbot.waitUntil(lambda: hungary.reader.pending_count() == 2, timeout=5_000)
    cases.perform(de.replica, name="case.withdraw", args={
        "case_id": case_id, "reason": {"text": "Zurückgezogen.", "lang": "de"}})
    de.sync()
    hungary.transport.base_url = real_url
    hungary.engine.sync()
    assert len(hungary.reader.attention()) == 2

    seen: dict[str, object] = {}

    def look(dialog: AttentionDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        answer_row = next(i for i in range(dialog.list.count())
                          if dialog.list.item(i).text().startswith("Megválaszolás"))
        dialog.list.setCurrentRow(answer_row)
        seen["details"] = dialog.details.toPlainText()
        seen["redo"] = dialog.redo_button.isEnabled()
        dialog.copy_button.click()
        seen["clipboard"] = QApplication.clipboard().text()
        with qtbot.waitSignal(dialog.sig_open_case_requested) as opened:
            dialog.open_button.click()
        seen["opened"] = opened.args
        return 0

    monkeypatch.setattr(AttentionDialog, "exec", look)
    hungary.window.attention_action.trigger()

    details = str(seen["details"])
    # The case, the reason in Hungarian, and every answer as the officer chose it, in full.
    assert "KISS, Ádám" in details and case_id[:8].upper() in details
    assert "„Megválaszolás” lépés nem lehetséges, amíg az ügy állapota „Visszavonva”" in details
    assert "Jogszerűen letelepedett-e az érintett szakember" in details
    assert "A diploma hiteles." in details
    assert seen["clipboard"] == next(
        r for r in hungary.refusals()[0] if r.action == "answer").as_text()
    assert "A diploma hiteles." in str(seen["clipboard"])
    assert seen["redo"] is False  # a withdrawn case cannot be answered again
    assert seen["opened"] == [case_id]
    assert hungary.window.case_view.case.id == case_id


def test_a_refused_request_is_sent_again_from_what_was_entered(qtbot, window_for,
                                                               monkeypatch):
    germany = window_for("de.weber", "de")
    # The Munich district office handles services, not qualifications: the server refuses.
    case_id = uuid.uuid4().hex
    germany.perform([("case.create", request(case_id, responder="DE-KVR-M")),
                     ("case.send", {"case_id": case_id})])
    qtbot.waitUntil(lambda: germany.reader.attention_count() == 2, timeout=15_000)
    create, send = germany.reader.attention()
    assert (create["code"], send["code"]) == ("not_competent", "not_found")
    qtbot.waitUntil(lambda: germany.window.status.attention.text() == "Handlungsbedarf (2)",
                    timeout=5_000)

    def take_again(dialog: AttentionDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.list.setCurrentRow(0)
        assert dialog.current().action == "create"
        assert dialog.redo_button.isEnabled()
        dialog.redo_button.click()
        return 1

    def complete(dialog: NewRequestDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        # What the officer typed before is all there.
        assert dialog.family_name.text() == "Kiss" and dialog.given_names.text() == "Ádám"
        assert dialog.checked_questions() == ["PQ-GEN-Q01", "PQ-GEN-Q04"]
        assert dialog.message.toPlainText() == "Bitte um Bestätigung."
        dialog.search.setText("Egészségügyi")
        qtbot.waitUntil(lambda: dialog.directory.shown_query == "Egészségügyi")
        dialog.authority_list.setCurrentRow(0)
        dialog.send_button.click()
        return dialog.result()

    def kiss_in_outbox() -> set[str]:
        # The session's server is shared: other tests may have sent requests about Kiss too.
        return {r[0] for r in case_list.page(germany.reader, ListQuery(folder="outbox"),
                                             after=None, limit=1000)
                if r[1] == "KISS, Ádám"}

    before = kiss_in_outbox()
    monkeypatch.setattr(AttentionDialog, "exec", take_again)
    monkeypatch.setattr(NewRequestDialog, "exec", complete)
    germany.show_attention()

    qtbot.waitUntil(lambda: germany.reader.attention_count() == 0
                    and germany.reader.pending_count() == 0, timeout=15_000)
    sent = kiss_in_outbox() - before
    assert len(sent) == 1 and case_id not in sent
    assert cases.get_case(germany.reader, sent.pop()).responder_authority_id == "HU-ENKK"


def test_the_dialog_speaks_german(qtbot):
    set_language("de")
    try:
        dialog = AttentionDialog([], set())
        qtbot.addWidget(dialog)
        texts = {button.text() for button in dialog.findChildren(QPushButton)}
        assert {"Fall öffnen", "Meine Eingaben kopieren", "Schritt erneut ausführen…",
                "Verwerfen"} <= texts
    finally:
        set_language("en")
