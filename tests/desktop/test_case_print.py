"""Issue 9, item 6: a case saved as PDF from the window, in the reader's language, read back.

The PDF is made by the window's own "Save case as PDF…" action (the file dialog answered by
the test), and its text is read back with pypdf.
"""

import datetime as dt
import unicodedata
import uuid
from pathlib import Path

from pypdf import PdfReader

from desktop.controller import AppController
from desktop.labels import ACTIONS, label
from desktop.models import cases
from desktop.views import case_print
from sync_protocol.languages import localized
from tests.conftest import make_client

MARKUP = "Bitte <b>nicht fett</b> & <i>nicht kursiv</i> lesen."
QUESTIONS = ("PQ-GEN-Q01", "PQ-GEN-Q04")
ANSWERS = {"PQ-GEN-Q01": "PQ-GEN-Q01-A1", "PQ-GEN-Q04": "PQ-GEN-Q04-A2"}


def _flat(text: str) -> str:
    """Words joined by single spaces; ligatures (ﬁ, ﬀ) as their letters."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _answered_case(controller: AppController, qtbot, live_server, tmp_path: Path) -> str:
    """Anna asks Hungary (free text with markup); Péter accepts and answers; Anna syncs."""
    case_id = uuid.uuid4().hex
    controller.perform([
        ("case.create", {
            "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN",
            "question_set_version": 1, "responder_authority_id": "HU-ENKK",
            "subject": {"family_name": "Nagy", "given_names": "László",
                        "profession": "dentist"},
            "questions": list(QUESTIONS),
            "answer_by": (dt.datetime.now().astimezone().date()
                          + dt.timedelta(days=10)).isoformat(),
            "request_text": {"text": MARKUP, "lang": "de"}}),
        ("case.send", {"case_id": case_id})])
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None
                    and controller.reader.pending_count() == 0, timeout=15_000)
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu.kovacs")
    try:
        hungary.sync()
        cases.perform(hungary.replica, name="case.accept", args={"case_id": case_id})
        cases.perform(hungary.replica, name="case.answer", args={
            "case_id": case_id,
            "answers": [{"question": q, "answer": a} for q, a in ANSWERS.items()],
            "reply_text": {"text": "A diploma hiteles.", "lang": "hu"}})
        hungary.sync()
    finally:
        hungary.close()
    controller.sync_now()
    qtbot.waitUntil(lambda: cases.get_case(controller.reader, case_id).answers != (),
                    timeout=15_000)
    controller.open_case("all", case_id)
    return case_id


def _save_pdf(controller: AppController, qtbot, monkeypatch, path: Path) -> str:
    monkeypatch.setattr(case_print, "ask_pdf_path", lambda _parent, _suggested: path)
    assert controller.window.pdf_action.isEnabled()
    controller.window.pdf_action.trigger()
    qtbot.waitUntil(lambda: path.is_file() and path.stat().st_size > 0, timeout=15_000)
    reader = PdfReader(path)
    assert 1 <= len(reader.pages) <= 3
    texts = [page.extract_text() for page in reader.pages]
    assert all(text.strip() for text in texts)
    return _flat(" ".join(texts))


def test_a_case_saves_as_pdf_in_the_readers_language_with_the_other_beside(
        controller, qtbot, live_server, tmp_path, monkeypatch):
    case_id = _answered_case(controller, qtbot, live_server, tmp_path)
    case = cases.get_case(controller.reader, case_id)
    qs = controller.reader.question_set("PQ-GEN", 1)
    reference = case_id[:8].upper()

    controller.window.case_view.show_beside("hu")  # as the officer ticks it
    german = _save_pdf(controller, qtbot, monkeypatch, tmp_path / "de.pdf")
    assert reference in german
    for authority_id in (case.requester_authority_id, case.responder_authority_id):
        assert _flat(controller.reader.authority_name(authority_id)[0]) in german
    for code, answer in ANSWERS.items():
        question = qs.question(code)
        option = next(o for o in question.answers if o.code == answer)
        for lang in ("de", "hu"):  # German, and Hungarian beside it
            assert _flat(localized(question.texts, lang)) in german
            assert _flat(localized(option.texts, lang)) in german
    assert _flat(MARKUP) in german  # the markup is printed as written, not applied
    assert "A diploma hiteles." in german
    for event in case.timeline:
        assert _flat(label(ACTIONS, event.action.value)) in german
        assert event.user_name in german
    assert "Anhänge" in german and "Keine Anhänge." in german

    controller.window.case_view.show_beside(None)
    controller.change_language("hu")
    hungarian = _save_pdf(controller, qtbot, monkeypatch, tmp_path / "hu.pdf")
    assert reference in hungarian
    for code in QUESTIONS:
        question = qs.question(code)
        assert _flat(localized(question.texts, "hu")) in hungarian
        assert _flat(localized(question.texts, "de")) not in hungarian
    for event in case.timeline:
        assert _flat(label(ACTIONS, event.action.value)) in hungarian
