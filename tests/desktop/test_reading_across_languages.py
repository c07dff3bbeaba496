"""Reading a case across languages: each reader sees the catalogue in their own language and can
show the counterpart's wording beside it; free text stays as written. Answering asks for the
kind of answer each question wants."""

import datetime as dt

from desktop.i18n import set_language
from desktop.models import case_list
from desktop.models.case_list import ListQuery
from desktop.views.answer_dialog import AnswerDialog
from sync_protocol.cases import CaseRecord
from sync_protocol.mutations import parse_args
from sync_server.seed import latest_question_set


def _case_of(controller, family_name):
    rows = case_list.page(controller.reader, ListQuery(folder="all", text=family_name),
                          after=None, limit=100)
    return next(str(row[0]) for row in rows if row[1].startswith(family_name.upper()))


def test_the_counterparts_wording_is_shown_beside_question_by_question(controller):
    # The demo's Tóth case: Baden-Württemberg asked Hungary; Hungary answered in Hungarian.
    case_id = _case_of(controller, "Tóth")
    controller.show_case(case_id)
    view = controller.window.case_view

    body = view._body.text()
    assert "Ist die betreffende Person in Ihrem Mitgliedstaat" in body
    assert "Jogszerűen letelepedett-e" not in body
    assert view.beside_language.currentData() == "hu"  # the other authority's language

    view.beside.setChecked(True)
    body = view._body.text()
    assert "Ist die betreffende Person in Ihrem Mitgliedstaat" in body
    assert "Jogszerűen letelepedett-e az érintett szakember" in body
    assert "Személyazonosság és jogszerű letelepedés" in body  # the section, too
    assert "01.09.2014" in body and "2014. szept. 1." in body  # a date as each side reads it
    # The text the Hungarian officer wrote is shown once, as written, in Hungarian.
    assert body.count("Lásd a csatolt nyilvántartási kivonatot.") == 1
    assert "Ungarisch" in body

    view.show_beside("fr")
    assert "Le professionnel concerné est-il légalement établi" in view._body.text()
    view.show_beside(None)
    assert "Le professionnel concerné" not in view._body.text()


def test_each_question_is_answered_with_its_kind_of_answer(qtbot):
    set_language("de")
    qs = latest_question_set("PQ")
    codes = ["PQ-GEN-Q01", "PQ-GEN-Q05", "PQ-GEN-Q11", "PQ-GEN-Q13", "PQ-GEN-Q15"]
    now = dt.datetime(2030, 5, 1, tzinfo=dt.UTC)
    case = CaseRecord.model_validate({
        "id": "0123456789abcdef0123456789abcdef", "version": 3, "state": "accepted",
        "area": "PQ", "question_set": qs.code, "question_set_version": qs.version,
        "requester_authority_id": "HU-ENKK", "responder_authority_id": "DE-LZK-BW",
        "subject": {"family_name": "Nagy", "given_names": "Éva", "profession": "dentist"},
        "questions": codes, "answer_by": "2030-06-01", "created_at": now, "updated_at": now})
    dialog = AnswerDialog(case, qs, requester="Egészségügyi Nyilvántartási Központ")
    qtbot.addWidget(dialog)
    assert "Artikel 5 Absatz 1 Buchstabe a" in dialog.findChild(
        type(dialog.error), "help_PQ-GEN-Q01").text()

    dialog.set_answer("PQ-GEN-Q01", "PQ-GEN-Q01-A1")
    dialog._finish()
    assert dialog.result_args is None and dialog.error.text()  # not every question answered

    dialog.set_answer("PQ-GEN-Q05", "2011-10-03")
    dialog.set_answer("PQ-GEN-Q11", "5,5")
    dialog.set_answer("PQ-GEN-Q13", ["PQ-GEN-Q13-A1", "PQ-GEN-Q13-A3"])
    dialog.set_answer("PQ-GEN-Q15", "Beglaubigte Kopie, per Post am 2. Mai versandt")
    dialog._finish()

    assert dialog.result_args["answers"] == [
        {"question": "PQ-GEN-Q01", "answer": "PQ-GEN-Q01-A1"},
        {"question": "PQ-GEN-Q05", "value": "2011-10-03"},
        {"question": "PQ-GEN-Q11", "value": "5,5"},
        {"question": "PQ-GEN-Q13", "choices": ["PQ-GEN-Q13-A1", "PQ-GEN-Q13-A3"]},
        {"question": "PQ-GEN-Q15", "value": "Beglaubigte Kopie, per Post am 2. Mai versandt",
         "lang": "de"},
    ]
    parse_args("case.answer", dialog.result_args)  # what the protocol takes
    set_language("en")


def test_a_number_that_is_not_one_is_refused_in_the_dialog(qtbot):
    set_language("en")
    qs = latest_question_set("SERV")
    now = dt.datetime(2030, 5, 1, tzinfo=dt.UTC)
    case = CaseRecord.model_validate({
        "id": "0123456789abcdef0123456789abcdee", "version": 3, "state": "accepted",
        "area": "SERV", "question_set": qs.code, "question_set_version": qs.version,
        "requester_authority_id": "DE-HWK-S", "responder_authority_id": "HU-BFKH",
        "subject": {"family_name": "Kiss", "given_names": "Péter", "profession": "hairdresser"},
        "questions": ["SERV-GEN-Q13"], "answer_by": "2030-06-01", "created_at": now,
        "updated_at": now})
    dialog = AnswerDialog(case, qs, requester="Handwerkskammer")
    qtbot.addWidget(dialog)

    dialog.set_answer("SERV-GEN-Q13", "one million")
    dialog._finish()

    assert dialog.result_args is None
    assert "number" in dialog.error.text()
