"""Drive the real main window: create and send a request, and see it reach the other side."""

from desktop.controller import AppController
from desktop.models import case_list, cases
from desktop.models.case_list import ListQuery
from desktop.qt import QApplication, Qt, QWidget
from desktop.views.new_request_dialog import NewRequestDialog
from sync_protocol.cases import CaseStatus
from tests.conftest import make_client


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type any text, one key event per character (``keyClicks`` aborts on non-ASCII)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


def test_create_and_send_a_request_through_the_window(qtbot, controller: AppController,
                                                      monkeypatch, live_server, tmp_path):
    window = controller.window
    assert controller.sync.online is True
    assert window.status.connection.text().endswith("Online")

    def fill_in(dialog: NewRequestDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        # The officer searches in German without knowing how Hungary is organised.
        qtbot.keyClicks(dialog.search, "ungarn gesundheit")
        # The search runs on the database lane; its results come back to the window.
        qtbot.waitUntil(lambda: dialog.directory.shown_query == "ungarn gesundheit")
        assert dialog.authority_list.count() >= 1
        names = [dialog.authority_list.item(i).text() for i in
                 range(dialog.authority_list.count())]
        row = next(i for i, n in enumerate(names) if "Egészségügyi" in n)
        dialog.authority_list.setCurrentRow(row)
        qtbot.keyClicks(dialog.family_name, "Nagy")
        type_text(qtbot, dialog.given_names, "László")
        assert dialog.given_names.text() == "László"
        dialog.profession.setCurrentIndex(dialog.profession.findData("dentist"))
        dialog.set_question_checked("PQ-GEN-Q01")
        dialog.set_question_checked("PQ-GEN-Q04")
        type_text(qtbot, dialog.message, "Bitte um Bestätigung der Echtheit.")
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    def nagy_in_outbox() -> set[str]:
        # The session's server is shared: other tests may have sent requests about Nagy too.
        return {r[0] for r in case_list.page(controller.reader, ListQuery(folder="outbox"),
                                             after=None, limit=1000)
                if r[1] == "NAGY, László"}

    before = nagy_in_outbox()
    monkeypatch.setattr(NewRequestDialog, "exec", fill_in)
    window.new_action.trigger()

    def delivered() -> bool:
        return controller.reader.pending_count() == 0 and bool(nagy_in_outbox() - before)

    qtbot.waitUntil(delivered, timeout=15_000)
    (case_id,) = nagy_in_outbox() - before
    case = cases.get_case(controller.reader, case_id)
    assert case.state is CaseStatus.SENT
    assert case.questions == ("PQ-GEN-Q01", "PQ-GEN-Q04")
    assert case.request_text.lang == "de"
    # The window shows the new case, in German.
    assert window.case_view.case is not None and window.case_view.case.id == case_id
    body = window.case_view.findChild(QWidget, "caseBody").text()
    assert "NAGY" in body and "rechtmäßig niedergelassen" in body

    # The Hungarian officer's replica receives it, questions readable in Hungarian.
    hungary = make_client(live_server.url, "hu.kovacs", tmp_path / "hu")
    hungary.sync()
    received = cases.get_case(hungary.replica, case_id)
    assert received is not None and received.state is CaseStatus.SENT
    qs = hungary.replica.question_set(received.question_set, received.question_set_version)
    assert qs.question("PQ-GEN-Q01").texts["hu"].startswith("Jogszerűen letelepedett")


def test_incomplete_request_is_explained_not_sent(qtbot, controller: AppController,
                                                  monkeypatch):
    seen: dict[str, str] = {}

    def submit_empty(dialog: NewRequestDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        seen["error"] = dialog.error.text()
        dialog.reject()
        return dialog.result()

    before = controller.reader.pending_count()
    monkeypatch.setattr(NewRequestDialog, "exec", submit_empty)
    controller.window.new_action.trigger()  # the directory loads off the GUI thread first
    qtbot.waitUntil(lambda: "error" in seen, timeout=5000)
    assert seen["error"]  # says what is missing
    assert controller.reader.pending_count() == before
