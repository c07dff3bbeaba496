"""The workflow steps in the case view: which steps it offers (the workflow decides, one main
button for the step the case waits on), the small dialogs that ask what a step needs, and how
the case shows dates, messages, links, the rating and the escalation."""

import datetime as dt
import uuid
from typing import Any

import pytest

from desktop.i18n import set_language
from desktop.models.directory import DirectoryChoices, Filters, Hit, Results
from desktop.qt import QLabel
from desktop.qt_locale import apply_language
from desktop.views.case_view import ACCEPT_PROPOSING, CaseView, escalation_possible_from
from desktop.views.step_dialogs import (
    ForwardDialog,
    ProposeDateDialog,
    RateDialog,
    SplitDialog,
    TextStepDialog,
)
from sync_protocol.cases import CaseRecord
from sync_protocol.workflow import allowed_actions

REQUESTER, RESPONDER, OTHER = "HU-ENKK", "DE-LZK-BW", "DE-BLZK"
HANDLER = frozenset({"request_handler"})
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def _case(state: str = "sent", *, last_step: dt.datetime = NOW - dt.timedelta(days=3),
          **fields: Any) -> CaseRecord:
    """A case between the Hungarian requester and the German responder, its last step at
    ``last_step``."""
    data: dict[str, Any] = {
        "id": uuid.uuid4().hex, "version": 3, "state": state, "area": "PQ",
        "question_set": "PQ-GEN", "question_set_version": 1,
        "requester_authority_id": REQUESTER, "responder_authority_id": RESPONDER,
        "subject": {"family_name": "Kiss", "given_names": "Ádám", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01", "PQ-GEN-Q02", "PQ-GEN-Q04"],
        "answer_by": "2027-03-20", "created_at": last_step.isoformat(),
        "updated_at": last_step.isoformat(),
        "timeline": [{"at": last_step.isoformat(), "action": "send", "state": "sent",
                      "authority_id": REQUESTER, "user_name": "Kovács Péter"}],
        **fields,
    }
    return CaseRecord.model_validate(data)


def _view(qtbot, case: CaseRecord, authority: str, *, now: dt.datetime = NOW,
          roles: frozenset[str] = HANDLER) -> CaseView:
    view = CaseView()
    qtbot.addWidget(view)
    allowed = allowed_actions(case, authority, roles, now=now)
    view.show_case(case, allowed=allowed, reader=authority,
                   escalate_from=escalation_possible_from(case, authority, roles, now=now,
                                                          allowed=allowed))
    return view


def _offered(view: CaseView) -> set[str]:
    """Every step the view offers: its buttons and the enabled entries of More actions."""
    return set(view._shown.values()) | {step for step, entry in view.menu_steps.items()
                                        if entry.isVisible() and entry.isEnabled()}


# Which steps, and which one is the main one -------------------------------------------------


def test_a_sent_request_waits_on_the_responder_to_accept(qtbot):
    case = _case("sent")
    responder = _view(qtbot, case, RESPONDER)
    assert responder.primary_step == "accept" and not responder.primary.isHidden()
    assert responder._shown[responder.secondary] == ACCEPT_PROPOSING
    assert {"forward", "split", "ask_info", "comment"} <= _offered(responder)
    assert "withdraw" not in _offered(responder) and "answer" not in _offered(responder)

    requester = _view(qtbot, case, REQUESTER)
    assert requester.primary_step is None and requester.primary.isHidden()
    assert {"withdraw", "ask_info", "comment"} <= _offered(requester)
    assert not {"accept", "forward", "split"} & _offered(requester)


def test_a_proposed_date_waits_on_the_requester_to_agree_or_decline(qtbot):
    case = _case("accepted", proposed_answer_by="2027-04-30")
    requester = _view(qtbot, case, REQUESTER)
    assert requester.primary_step == "agree_date"
    assert requester._shown[requester.secondary] == "decline_date"
    body = requester.findChild(QLabel, "caseBody").text()
    assert "Proposed answer date" in body and "not agreed yet" in body

    without = _view(qtbot, _case("accepted"), REQUESTER)
    assert not {"agree_date", "decline_date"} & _offered(without)


def test_an_answered_case_waits_on_the_requester_to_accept_or_ask_for_more(qtbot):
    view = _view(qtbot, _case("answered"), REQUESTER)
    assert view.primary_step == "accept_reply"
    assert view._shown[view.secondary] == "request_more"
    assert view._shown[view.comment] == "comment"


def test_an_open_request_for_information_waits_on_the_side_asked(qtbot):
    asked = {"kind": "info_request", "authority_id": RESPONDER, "user_name": "Weber Anna",
             "at": NOW.isoformat(), "text": {"text": "Bitte das Diplom beifügen.", "lang": "de"}}
    case = _case("accepted", messages=[asked], open_info_request="responder")
    requester = _view(qtbot, case, REQUESTER)
    assert requester.primary_step == "give_info"
    body = requester.findChild(QLabel, "caseBody").text()
    assert "Waiting for your information" in body
    assert "Bitte das Diplom beifügen." in body and "Weber Anna" in body

    responder = _view(qtbot, case, RESPONDER)
    assert "give_info" not in _offered(responder)
    assert "ask_info" not in _offered(responder)  # one open request at a time
    assert "Waiting for the further information you asked" in responder.findChild(
        QLabel, "caseBody").text()


def test_a_closed_case_is_rated_once(qtbot):
    view = _view(qtbot, _case("closed"), REQUESTER)
    assert view.primary_step == "rate"
    rated = _case("closed", rating={"timeliness": 4, "effort": 5, "at": NOW.isoformat()})
    view = _view(qtbot, rated, REQUESTER)
    assert "rate" not in _offered(view)
    assert "Timeliness 4 of 5, effort 5 of 5" in view.findChild(QLabel, "caseBody").text()


def test_escalation_is_disabled_until_two_months_without_a_step_and_says_why(qtbot):
    recent = _view(qtbot, _case("accepted", last_step=NOW - dt.timedelta(days=20)), REQUESTER)
    entry = recent.menu_steps["escalate"]
    assert entry.isVisible() and not entry.isEnabled()
    assert "two months" in entry.toolTip()
    assert "two months" in recent.findChild(QLabel, "caseBody").text()
    recent.request_step("escalate")  # a disabled step asks for nothing

    quiet = _view(qtbot, _case("accepted", last_step=NOW - dt.timedelta(days=70)), REQUESTER)
    entry = quiet.menu_steps["escalate"]
    assert entry.isVisible() and entry.isEnabled() and "two months" not in entry.toolTip()
    with qtbot.waitSignal(quiet.sig_step_requested) as asked:
        entry.trigger()
    assert asked.args[0] == "escalate"

    # A draft cannot be escalated at all: nothing is shown.
    draft = _view(qtbot, _case("draft", last_step=NOW - dt.timedelta(days=20)), REQUESTER)
    assert not draft.menu_steps["escalate"].isVisible()


def test_the_coordinator_of_an_open_escalation_resolves_it(qtbot):
    escalation = {"reason": {"text": "Keine Antwort seit März.", "lang": "de"},
                  "authority_id": REQUESTER, "coordinator_id": "DE-COORD", "at": NOW.isoformat()}
    participants = [{"authority_id": REQUESTER, "role": "requester"},
                    {"authority_id": RESPONDER, "role": "responder"},
                    {"authority_id": "DE-COORD", "role": "escalation_coordinator"}]
    case = _case("accepted", escalation=escalation, participants=participants)
    view = _view(qtbot, case, "DE-COORD", roles=frozenset({"coordinator"}))
    assert view.primary_step == "resolve_escalation"
    body = view.findChild(QLabel, "caseBody").text()
    assert "Keine Antwort seit März." in body and "the coordinator follows the case" in body


def test_linked_cases_open_from_the_case(qtbot):
    other = uuid.uuid4().hex
    view = _view(qtbot, _case("sent", links=[{"case_id": other, "kind": "split_from"}]),
                 RESPONDER)
    assert f"Split from request {other[:8].upper()}" in view.findChild(QLabel,
                                                                        "caseBody").text() \
        .replace(f"<a href='case:{other}'>", "").replace("</a>", "")
    with qtbot.waitSignal(view.sig_case_open_requested) as opened:
        view._link(f"case:{other}")
    assert opened.args == [other]


def test_the_steps_are_named_in_the_readers_language(qtbot):
    set_language("de")
    apply_language("de")
    try:
        view = _view(qtbot, _case("answered"), REQUESTER)
        assert view.more.text() == "Weitere Aktionen"
        assert view.secondary.text() != "Ask for more…"
    finally:
        set_language("en")
        apply_language("en")


# The dialogs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "field"), [("decline_date", "reason"), ("ask_info", "text"),
                                        ("give_info", "text"), ("comment", "text"),
                                        ("withdraw", "reason"), ("request_more", "reason"),
                                        ("escalate", "reason")])
def test_a_text_step_needs_its_text(qtbot, step, field):
    case = _case("accepted")
    dialog = TextStepDialog(case, step, authority="Landeszahnärztekammer",
                            asked="Bitte das Diplom beifügen." if step == "give_info" else None)
    qtbot.addWidget(dialog)
    dialog.main_button.click()
    assert dialog.result_args is None and dialog.error.text()
    dialog.text.setPlainText("  Das Diplom liegt bei.  ")
    dialog.main_button.click()
    assert dialog.result_args == {"case_id": case.id,
                                  field: {"text": "Das Diplom liegt bei.", "lang": "en"}}


def test_resolving_an_escalation_takes_an_optional_note(qtbot):
    case = _case("accepted")
    dialog = TextStepDialog(case, "resolve_escalation", authority="x")
    qtbot.addWidget(dialog)
    dialog.main_button.click()
    assert dialog.result_args == {"case_id": case.id}


def test_a_refused_step_taken_again_keeps_what_was_written(qtbot):
    case = _case("accepted")
    dialog = TextStepDialog(case, "comment", authority="x",
                            initial={"case_id": case.id, "text": {"text": "Erneut", "lang": "de"}})
    qtbot.addWidget(dialog)
    assert dialog.text.toPlainText() == "Erneut"


def test_proposing_a_date_needs_another_date_than_the_one_asked(qtbot):
    case = _case("sent")
    dialog = ProposeDateDialog(case, authority="x")
    qtbot.addWidget(dialog)
    dialog.date.setDate(dialog.date.minimumDate().addDays(0))
    dialog.date.setDate(_qdate(case.answer_by))
    dialog.main_button.click()
    assert dialog.result_args is None and dialog.error.text()
    later = case.answer_by + dt.timedelta(days=30)
    dialog.date.setDate(_qdate(later))
    dialog.note.setPlainText("Das Archiv ist erst im April zugänglich.")
    dialog.main_button.click()
    assert dialog.result_args == {
        "case_id": case.id, "proposed_answer_by": later.isoformat(),
        "note": {"text": "Das Archiv ist erst im April zugänglich.", "lang": "en"}}


def _qdate(value: dt.date) -> Any:
    from desktop.qt import QDate
    return QDate(value.year, value.month, value.day)


def _directory(*ids: str) -> Any:
    """A search that finds ``ids`` whatever is typed (the real one runs on the database lane;
    ``test_window_workflow`` drives it)."""
    def search(query: str, _filters: Filters, deliver: Any) -> None:
        deliver(Results(query=query, total=len(ids), hits=tuple(
            Hit(authority={"id": i, "official_name": f"Authority {i}", "member_state": i[:2],
                           "level": "national"},
                by_competence=0, by_country=0, matched_competences=())
            for i in ids)))
    return search


def _choose(panel: Any, authority_id: str) -> None:
    panel.select(authority_id)
    assert panel.selected_id() == authority_id


def test_forwarding_needs_an_authority_other_than_the_requester(qtbot):
    case = _case("accepted")
    dialog = ForwardDialog(case, area_name="Professional qualifications", areas=[],
                           directory=DirectoryChoices(competences=[], regions={}),
                           search=_directory(REQUESTER, OTHER), my_authority=RESPONDER)
    qtbot.addWidget(dialog)
    assert dialog.panel.filters().area == "PQ"  # only authorities competent in the area
    dialog.main_button.click()
    assert dialog.result_args is None and dialog.error.text()
    _choose(dialog.panel, REQUESTER)
    dialog.main_button.click()
    assert dialog.result_args is None and "requesting authority" in dialog.error.text()
    _choose(dialog.panel, OTHER)
    dialog.main_button.click()
    assert dialog.result_args == {"case_id": case.id, "responder_authority_id": OTHER}


def test_splitting_needs_some_but_not_all_questions_and_an_authority(qtbot):
    case = _case("sent")
    dialog = SplitDialog(case, None, areas=[],
                         directory=DirectoryChoices(competences=[], regions={}),
                         search=_directory(OTHER), my_authority=RESPONDER)
    qtbot.addWidget(dialog)
    _choose(dialog.panel, OTHER)
    dialog.main_button.click()
    assert dialog.result_args is None  # no question ticked
    for code in case.questions:
        dialog.set_question_checked(code)
    dialog.main_button.click()
    assert dialog.result_args is None and "forward" in dialog.error.text()
    dialog.set_question_checked("PQ-GEN-Q01", False)
    dialog.main_button.click()
    args = dialog.result_args
    assert args is not None and args["questions"] == ["PQ-GEN-Q02", "PQ-GEN-Q04"]
    assert args["responder_authority_id"] == OTHER and len(args["new_case_id"]) == 32
    assert args["new_case_id"] != case.id


def test_a_rating_needs_both_marks(qtbot):
    case = _case("closed")
    dialog = RateDialog(case, authority="x")
    qtbot.addWidget(dialog)
    dialog.set_mark("timeliness", 2)
    dialog.main_button.click()
    assert dialog.result_args is None and dialog.error.text()
    dialog.set_mark("effort", 5)
    dialog.main_button.click()
    assert dialog.result_args == {"case_id": case.id, "timeliness": 2, "effort": 5}


def test_information_and_comments_carry_documents_reasons_do_not(qtbot, tmp_path):
    case = _case("accepted")
    dialog = TextStepDialog(case, "give_info", authority="x", asked="Diplom?")
    qtbot.addWidget(dialog)
    diploma = tmp_path / "Diplom.pdf"
    diploma.write_bytes(b"%PDF-1.4 diploma")
    assert dialog.attachments is not None and dialog.attachments.add_files([diploma]) == []
    dialog.text.setPlainText("Das Diplom liegt bei.")
    dialog.main_button.click()
    args = dialog.result_args
    assert args is not None and [a["name"] for a in args["attachments"]] == ["Diplom.pdf"]
    assert [p.path for p in dialog.picked()] == [diploma]  # copied and uploaded by the owner

    reason = TextStepDialog(case, "withdraw", authority="x")
    qtbot.addWidget(reason)
    assert reason.attachments is None and reason.picked() == []
