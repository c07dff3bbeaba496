"""The new workflow steps through the real window against the live server: the German
responder asks for further information and reads the Hungarian requester's reply in its case
view, then forwards the request to the Bavarian chamber, picked in the offline directory, and
loses sight of the case; the chamber receives it."""

import datetime as dt
import uuid

from desktop.controller import AppController
from desktop.models import cases
from desktop.qt import QLabel
from desktop.views.step_dialogs import ForwardDialog, TextStepDialog
from sync_protocol.cases import CaseRole, CaseStatus
from tests.conftest import make_client


def _body(controller: AppController) -> str:
    return controller.window.case_view.findChild(QLabel, "caseBody").text()


def test_further_information_and_forward_through_the_window(qtbot, controller: AppController,
                                                             monkeypatch, live_server, tmp_path):
    failures: list[BaseException] = []
    monkeypatch.setattr(controller, "_failed", failures.append)  # not a modal message box
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hungary.sync()
    case_id = uuid.uuid4().hex
    cases.perform(hungary.replica, name="case.create", args={
        "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN", "question_set_version": 1,
        "responder_authority_id": "DE-LZK-BW",
        "subject": {"family_name": "Szabó", "given_names": "Réka", "profession": "dentist"},
        "questions": ["PQ-GEN-Q01", "PQ-GEN-Q04"],
        "answer_by": (dt.datetime.now().astimezone().date() + dt.timedelta(days=20)).isoformat()})
    cases.perform(hungary.replica, name="case.send", args={"case_id": case_id})
    hungary.sync()
    controller.sync.request_sync()
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None, timeout=15_000)
    controller.open_case("inbox", case_id)
    view = controller.window.case_view
    assert view.primary_step == "accept"

    # The responder asks through More actions; the dialog takes the question.
    def ask(dialog: TextStepDialog) -> int:
        qtbot.addWidget(dialog)
        assert dialog.step == "ask_info"
        dialog.text.setPlainText("Bitte senden Sie eine Kopie des Diploms.")
        dialog.main_button.click()
        return dialog.result()

    monkeypatch.setattr(TextStepDialog, "exec", ask)
    view.menu_steps["ask_info"].trigger()
    # Taken at once in the replica (the optimistic step), then delivered.
    qtbot.waitUntil(lambda: bool(cases.get_case(controller.reader, case_id).messages)
                    and controller.reader.pending_count() == 0, timeout=15_000)
    assert controller.reader.attention_count() == 0 and not failures
    asked = cases.get_case(controller.reader, case_id)
    assert asked.open_info_request is CaseRole.RESPONDER
    # The view is redrawn from the replica after the step settles (database lane, then signal).
    qtbot.waitUntil(lambda: "Bitte senden Sie eine Kopie des Diploms." in _body(controller),
                    timeout=15_000)
    assert not view.step_enabled("ask_info")  # one open request at a time

    # The requester's side sees that the case waits for its information, and gives it.
    hungary.sync()
    waiting = cases.get_case(hungary.replica, case_id)
    assert waiting.open_info_request is CaseRole.RESPONDER
    cases.perform(hungary.replica, name="case.give_info", args={
        "case_id": case_id, "text": {"text": "A diploma másolatát csatoltuk.", "lang": "hu"}})
    hungary.sync()
    controller.sync.request_sync()
    qtbot.waitUntil(lambda: len(cases.get_case(controller.reader, case_id).messages) == 2,
                    timeout=15_000)
    controller.show_case(case_id)
    body = _body(controller)
    assert "A diploma másolatát csatoltuk." in body
    assert body.index("Kopie des Diploms") < body.index("diploma másolatát")  # a conversation
    assert cases.get_case(controller.reader, case_id).open_info_request is None

    # Forward: the authority is found in the offline directory, competent in the area.
    def forward(dialog: ForwardDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.panel.search.setText("Bayerische Landeszahnärztekammer")
        qtbot.waitUntil(lambda: dialog.panel.shown_query == "Bayerische Landeszahnärztekammer",
                        timeout=5_000)
        dialog.panel.select("DE-BLZK")
        assert dialog.panel.selected_id() == "DE-BLZK"
        dialog.main_button.click()
        return dialog.result()

    monkeypatch.setattr(ForwardDialog, "exec", forward)
    assert view.step_enabled("forward")
    view.request_step("forward")
    # Once the server has it, the forwarding authority no longer sees the case.
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is None, timeout=15_000)
    assert controller.reader.pending_count() == 0 and controller.reader.attention_count() == 0
    assert not failures

    bavaria = make_client(live_server.url, "de.huber", tmp_path / "by")
    bavaria.sync()
    received = cases.get_case(bavaria.replica, case_id)
    assert received is not None and received.state is CaseStatus.SENT
    assert received.responder_authority_id == "DE-BLZK"
    hungary.sync()
    assert cases.get_case(hungary.replica, case_id).responder_authority_id == "DE-BLZK"
