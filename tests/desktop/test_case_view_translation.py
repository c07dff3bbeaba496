"""The case view shows a machine translation beside the free text, never in its place."""

import datetime as dt
import uuid

from desktop.i18n import set_language
from desktop.qt import QLabel
from desktop.views.case_view import TRANSLATE_LINK, CaseView
from sync_protocol.cases import CaseRecord
from sync_protocol.translation import MachineTranslation, source_digest

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _case(text: str = "Bitte bestätigen Sie das Diplom.") -> CaseRecord:
    return CaseRecord.model_validate({
        "id": uuid.uuid4().hex, "version": 2, "state": "sent", "area": "PQ",
        "question_set": "PQ-GEN", "question_set_version": 1,
        "requester_authority_id": "DE-LZK", "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": "Nagy", "given_names": "László", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01"], "answer_by": "2027-01-01",
        "request_text": {"text": text, "lang": "de"},
        "created_at": NOW.isoformat(), "updated_at": NOW.isoformat()})


def _body(view: CaseView) -> str:
    return str(view.findChild(QLabel, "caseBody").text())


def test_offline_the_text_shows_as_written_with_translation_when_online(qtbot):
    set_language("en")
    view = CaseView()
    qtbot.addWidget(view)
    case = _case()
    view.show_case(case, online=False)
    assert case.request_text.text in _body(view)
    assert "Translation when online" in _body(view) and TRANSLATE_LINK not in _body(view)
    view.show_case(case, online=True)
    with qtbot.waitSignal(view.sig_translation_requested) as asked:
        view.findChild(QLabel, "caseBody").linkActivated.emit(f"{TRANSLATE_LINK}request_text")
    assert asked.args == [case.id, "request_text"]


def test_a_translation_of_an_older_text_or_another_language_is_not_shown(qtbot):
    set_language("en")
    view = CaseView()
    qtbot.addWidget(view)
    case = _case()
    made = {"case_id": case.id, "field": "request_text", "source_lang": "de",
            "text": "Please confirm the diploma.", "engine": "LibreTranslate",
            "translated_at": NOW}
    current = MachineTranslation(**made, target_lang="en",
                                 source_sha256=source_digest(case.request_text))
    view.show_case(case, translations=[current])
    assert "Please confirm the diploma." in _body(view)
    assert "Machine translation (LibreTranslate)" in _body(view)
    assert case.request_text.text in _body(view)  # beside the original, not in its place
    edited = _case("Bitte bestätigen Sie die Approbation.").model_copy(update={"id": case.id})
    view.show_case(edited, translations=[current])  # made before the text changed
    assert "Please confirm the diploma." not in _body(view)
    other = MachineTranslation(**made, target_lang="fr",
                               source_sha256=source_digest(case.request_text))
    view.show_case(case, translations=[other])
    assert "Please confirm the diploma." not in _body(view)
