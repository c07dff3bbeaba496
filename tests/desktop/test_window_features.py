"""Issue 7, items 6 to 9 in the real window: confirmations and feedback, when the officer
acted, the menu bar and help, editable drafts and an answer dialog that names the case."""

import datetime as dt
import uuid

import pytest

from desktop import controller as controller_module
from desktop.controller import AppController
from desktop.models import cases
from desktop.models.directory import DirectoryChoices
from desktop.qt import QKeySequence, QLabel, QTextBrowser
from desktop.views.answer_dialog import AnswerDialog
from desktop.views.case_view import CaseView
from desktop.views.help_dialog import AboutDialog, HelpDialog
from desktop.views.new_request_dialog import NewRequestDialog
from desktop.views.step_dialogs import TextStepDialog
from sync_protocol.cases import Action, CaseStatus
from sync_protocol.languages import LANGUAGES
from tests.conftest import free_port, make_client


@pytest.fixture
def free_url() -> str:
    """An address nobody listens on: real connection refusals, as when the line drops."""
    return f"http://127.0.0.1:{free_port()}"


def _sent_request(live_server, tmp_path, *, by: str = "hu.kovacs",
                  to: str = "DE-LZK-BW") -> str:
    other = make_client(live_server.url, by, tmp_path / f"{by}-{uuid.uuid4().hex[:6]}")
    other.sync()
    case_id = uuid.uuid4().hex
    cases.perform(other.replica, name="case.create", args={
        "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": to,
        "subject": {"family_name": "Kiss", "given_names": "Ádám", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01"],
        "answer_by": (dt.datetime.now().astimezone().date() + dt.timedelta(days=10)).isoformat()})
    cases.perform(other.replica, name="case.send", args={"case_id": case_id})
    other.sync()
    return case_id


def _own_draft(controller: AppController, qtbot, *, send: bool = False) -> str:
    case_id = uuid.uuid4().hex
    steps = [("case.create", {
        "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": "Nagy", "given_names": "László", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01"],
        "answer_by": (dt.datetime.now().astimezone().date() + dt.timedelta(days=10)).isoformat()})]
    if send:
        steps.append(("case.send", {"case_id": case_id}))
    controller.perform(steps)
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None
                    and controller.reader.pending_count() == 0, timeout=15_000)
    return case_id


# Item 6: confirmations and feedback --------------------------------------------------------


@pytest.mark.parametrize("answer", [False, True])
def test_withdraw_asks_for_the_reason_first(qtbot, controller: AppController, monkeypatch,
                                            answer):
    case_id = _own_draft(controller, qtbot, send=True)
    asked: list[TextStepDialog] = []

    def give_reason(dialog: TextStepDialog) -> int:
        qtbot.addWidget(dialog)
        asked.append(dialog)
        if not answer:
            dialog.reject()
            return dialog.result()
        dialog.main_button.click()  # without a reason: it says so and stays open
        assert dialog.result_args is None and dialog.error.text()
        dialog.text.setPlainText("Die Person hat den Antrag zurückgenommen.")
        dialog.main_button.click()
        return dialog.result()

    monkeypatch.setattr(TextStepDialog, "exec", give_reason)
    controller.show_case(case_id)
    controller.window.case_view.request_step(Action.WITHDRAW)

    assert asked[0].main_button.text() == "Zurückziehen"
    assert case_id[:8].upper() in asked[0].windowTitle()
    assert "NAGY, László" in asked[0].findChild(QLabel, "stepHeading").text()
    if answer:
        qtbot.waitUntil(lambda: cases.get_case(controller.reader, case_id).state
                        is CaseStatus.WITHDRAWN and controller.reader.pending_count() == 0,
                        timeout=15_000)
        withdrawn = cases.get_case(controller.reader, case_id)
        assert withdrawn.timeline[-1].note.text == "Die Person hat den Antrag zurückgenommen."
    else:
        assert cases.get_case(controller.reader, case_id).state is CaseStatus.SENT
        assert controller.reader.pending_count() == 0


def test_withdrawing_a_draft_only_asks_for_confirmation(qtbot, controller: AppController,
                                                        monkeypatch):
    case_id = _own_draft(controller, qtbot)
    asked: list[dict[str, str]] = []
    monkeypatch.setattr(controller_module, "confirm",
                        lambda _parent, **texts: asked.append(texts) or False)
    controller.take_step("withdraw", case_id)
    assert asked[0]["action"] == "Zurückziehen"


def test_accepting_the_reply_and_closing_asks_first(qtbot, controller: AppController,
                                                    monkeypatch):
    asked: list[dict[str, str]] = []
    monkeypatch.setattr(controller_module, "confirm",
                        lambda _parent, **texts: asked.append(texts) or False)
    case_id = _own_draft(controller, qtbot, send=True)

    controller.take_step("accept_reply", case_id)

    assert asked[0]["action"] == "Annehmen und abschließen"
    assert controller.reader.pending_count() == 0


def test_a_sync_asked_for_while_offline_says_so(qtbot, controller: AppController, free_url):
    controller.transport.base_url = free_url
    controller.window.sync_action.trigger()

    qtbot.waitUntil(lambda: "Offline: Der Server ist nicht erreichbar"
                    in controller.window.status.currentMessage(), timeout=10_000)


def test_closing_with_queued_changes_says_they_stay_queued(qtbot, controller: AppController,
                                                          monkeypatch, free_url):
    controller.sync.stop()
    controller.transport.base_url = free_url
    controller.perform([("case.create", {
        "case_id": uuid.uuid4().hex, "area": "PQ", "question_set": "PQ-GEN",
        "question_set_version": 1,
        "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": "Nagy", "given_names": "Éva", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01"],
        "answer_by": (dt.datetime.now().astimezone().date() + dt.timedelta(days=10)).isoformat()})])
    qtbot.waitUntil(lambda: controller.reader.pending_count() == 1, timeout=5_000)
    asked: list[dict[str, str]] = []
    monkeypatch.setattr(controller_module, "confirm",
                        lambda _parent, **texts: asked.append(texts) or False)

    controller.window.close()

    assert controller.window.isVisible()  # kept open: the officer said "not now"
    assert "1 Änderung ist noch nicht beim Server angekommen" in asked[0]["text"]
    assert "beim nächsten Start" in asked[0]["text"]


def test_the_main_action_of_each_dialog_is_its_default_button(qtbot, controller):
    areas = controller.reader.areas()
    compose = NewRequestDialog(
        areas=areas, question_sets={a.code: controller.reader.question_sets(a.code)
                                    for a in areas},
        directory=DirectoryChoices(competences=controller.reader.competences(), regions={}),
        search=controller.directory_search, my_authority="DE-LZK-BW")
    qtbot.addWidget(compose)
    compose.show()
    compose.draft_button.setFocus()
    assert compose.send_button.isDefault() and not compose.draft_button.isDefault()
    assert compose.send_button.text() == "Senden"


# Item 7: when the officer acted ---------------------------------------------------------


def test_a_step_taken_offline_shows_both_times_in_the_history(live_server, tmp_path, qtbot):
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    case_id = _sent_request(live_server, tmp_path, by="de.weber", to="HU-ENKK")
    hungary.sync()
    three_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    cases.perform(hungary.replica, name="case.accept", args={"case_id": case_id},
                  now=three_hours_ago)
    hungary.sync()

    case = cases.get_case(hungary.replica, case_id)
    event = case.timeline[-1]
    assert abs((event.acted_at - three_hours_ago).total_seconds()) < 1
    assert event.at - event.acted_at > dt.timedelta(hours=2)
    view = CaseView()
    qtbot.addWidget(view)
    view.show_case(case)
    body = view.findChild(QLabel, "caseBody").text()
    assert "taken offline; received by the server" in body


# Item 8: menu bar, help, About, language names ------------------------------------------


def test_the_menu_bar_has_file_case_view_help_with_shortcuts(qtbot, controller):
    window = controller.window
    titles = [action.text() for action in window.menuBar().actions() if action.isVisible()]
    # No Administration menu: the officer neither administers users nor coordinates.
    assert titles == ["&Datei", "&Fall", "&Ansicht", "&Hilfe"]
    shortcuts = {a.shortcut().toString() for menu in (window.file_menu, window.case_menu,
                                                      window.view_menu, window.help_menu)
                 for a in menu.actions() if not a.isSeparator()}
    assert {"Ctrl+N", "F5", "Ctrl+Q", "Ctrl+E", "Ctrl+R", "Ctrl+1",
            QKeySequence(QKeySequence.StandardKey.HelpContents).toString()} <= shortcuts


def test_case_menu_follows_the_selected_case(qtbot, controller, live_server, tmp_path):
    case_id = _sent_request(live_server, tmp_path)
    controller.sync.request_sync()
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None, timeout=10_000)
    controller.show_case(case_id)

    steps = controller.window.step_actions
    assert steps[Action.ACCEPT].isEnabled()
    assert not steps[Action.ANSWER].isEnabled() and not steps[Action.WITHDRAW].isEnabled()


def test_help_opens_the_guide_in_the_ui_language(qtbot, controller, monkeypatch):
    shown: dict[str, str] = {}

    def read(dialog: HelpDialog) -> int:
        qtbot.addWidget(dialog)
        shown["title"], shown["text"] = dialog.windowTitle(), dialog.text.toPlainText()
        return 0

    monkeypatch.setattr(HelpDialog, "exec", read)
    controller.window.guide_action.trigger()

    assert shown["title"] == "IMI – Benutzerhandbuch"
    for heading in ("Der Fall des Zahnarztes, Schritt für Schritt", "Offline arbeiten",
                    "Handlungsbedarf"):
        assert heading in shown["text"]
    assert "„Neue Anfrage“" in shown["text"]  # it quotes the window's own labels


def test_about_names_version_and_server(qtbot, controller, monkeypatch, live_server):
    shown: dict[str, str] = {}

    def read(dialog: AboutDialog) -> int:
        qtbot.addWidget(dialog)
        shown["text"] = dialog.findChild(QTextBrowser, "aboutText").toPlainText()
        return 0

    monkeypatch.setattr(AboutDialog, "exec", read)
    controller.window.about_action.trigger()

    assert live_server.url in shown["text"]
    assert controller_module.app_version() in shown["text"]
    assert "Version" in shown["text"] and "Serveradresse" in shown["text"]


def test_language_names_are_shown_in_their_own_language(controller):
    picker = controller.window.language
    names = {picker.itemData(i): picker.itemText(i) for i in range(picker.count())}
    assert [picker.itemData(i) for i in range(picker.count())] == list(LANGUAGES)
    assert {code: names[code] for code in ("de", "en", "fr", "hu", "ga", "el", "no")} == {
        "de": "Deutsch", "en": "English", "fr": "français", "hu": "magyar", "ga": "Gaeilge",
        "el": "Ελληνικά", "no": "norsk bokmål"}


# Item 9: drafts can be edited; the answer dialog names case and person ------------------


def test_a_draft_is_edited_before_it_is_sent(qtbot, controller, monkeypatch, live_server,
                                             tmp_path):
    case_id = _own_draft(controller, qtbot)

    def change(dialog: NewRequestDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.windowTitle() == "Entwurf bearbeiten"
        assert dialog.family_name.text() == "Nagy"
        dialog.given_names.setText("László Péter")
        dialog.set_question_checked("PQ-GEN-Q04")
        dialog.send_button.click()
        return dialog.result()

    monkeypatch.setattr(NewRequestDialog, "exec", change)
    controller.show_case(case_id)
    controller.window.step_actions[Action.EDIT].trigger()

    qtbot.waitUntil(lambda: controller.reader.pending_count() == 0 and cases.get_case(
        controller.reader, case_id).state is CaseStatus.SENT, timeout=15_000)
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hungary.sync()
    received = cases.get_case(hungary.replica, case_id)
    assert received.subject.given_names == "László Péter"
    assert received.questions == ("PQ-GEN-Q01", "PQ-GEN-Q04")
    assert [e.action for e in received.timeline] == [Action.CREATE, Action.EDIT, Action.SEND]


def test_the_answer_dialog_names_the_case_and_the_person(qtbot, controller, live_server,
                                                         tmp_path):
    case_id = _sent_request(live_server, tmp_path)
    controller.sync.request_sync()
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None, timeout=10_000)
    case = cases.get_case(controller.reader, case_id)
    qs = controller.reader.question_set(case.question_set, case.question_set_version)

    dialog = AnswerDialog(case, qs, requester="Egészségügyi Nyilvántartási és Képzési Központ")
    qtbot.addWidget(dialog)

    assert dialog.windowTitle() == f"Anfrage {case_id[:8].upper()} beantworten – KISS, Ádám"
    text = dialog.findChild(QLabel, "answerHeading").text()
    assert "KISS, Ádám" in text and "Egészségügyi Nyilvántartási" in text
    assert "Zahnärztin/Zahnarzt" in text
    assert dialog.send_button.isDefault()
