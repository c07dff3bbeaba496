"""Documents in the officer's window: attached in the new-request dialog, uploaded before the
request is sent, listed in the case view; opened through a decrypted copy in the profile's
folder (removed when the window closes), downloaded first when this computer does not hold
the document, kept for offline reading when asked."""

import datetime as dt
import uuid

from desktop.models import attachments, cases
from desktop.models.request_form import RequestForm, today
from desktop.qt import QDesktopServices
from desktop.views.new_request_dialog import NewRequestDialog


def test_a_request_with_documents_from_the_dialog_to_the_viewer(qtbot, controller, monkeypatch,
                                                                tmp_path):
    diploma = tmp_path / "Diplom.pdf"
    content = b"%PDF-1.4 Diplom Zahnmedizin " + bytes(70_000)
    diploma.write_bytes(content)
    case_id = uuid.uuid4().hex
    form = RequestForm(
        case_id=case_id, area="PQ", question_set="PQ-GEN", question_set_version=1,
        responder_authority_id="HU-ENKK", family_name="Nagy", given_names="Zsófia",
        profession="dentist", questions=["PQ-GEN-Q01"],
        answer_by=today() + dt.timedelta(days=10), language="de")

    def fill(dialog: NewRequestDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.attachments.add_files([diploma, tmp_path / "missing.pdf"]) == [
            "„missing.pdf“ kann nicht gelesen werden."]
        dialog.send_button.click()
        return dialog.result()

    monkeypatch.setattr(NewRequestDialog, "exec", fill)
    controller.new_request(form)
    qtbot.waitUntil(lambda: controller.reader.case_row(case_id) is not None
                    and controller.reader.pending_count() == 0, timeout=15_000)
    case = cases.get_case(controller.reader, case_id)
    assert case is not None and [r.name for r in case.request_attachments] == ["Diplom.pdf"]
    sha = case.request_attachments[0].sha256
    assert attachments.pending_uploads(controller.reader) == []  # uploaded, then sent

    controller.show_case(case_id)
    listed = controller.window.case_view.attachments
    assert listed.isVisibleTo(controller.window)
    assert listed.tree.topLevelItem(0).text(0) == "Anfrage"
    assert listed.tree.topLevelItem(1).text(1) == "Für das Lesen ohne Verbindung behalten"

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    listed.select(sha)
    listed.open_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    copy = opened[0]
    assert copy.startswith(str(controller.profile.path / "opened"))
    with open(copy, "rb") as shown:
        assert shown.read() == content

    # Not on this computer any more: opening downloads it first.
    controller.workers.run_db(lambda replica: replica.forget_document(sha),
                              success=lambda _r: None, failure=controller._failed)
    qtbot.waitUntil(lambda: not attachments.states(controller.reader, [sha]), timeout=5_000)
    controller.show_case(case_id)
    assert listed.tree.topLevelItem(1).text(1) == "Auf dem Server"
    opened.clear()
    listed.select(sha)
    listed.open_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    state = attachments.states(controller.reader, [sha])[sha]
    assert state.stored and not state.kept  # read once: removed at the next start
    listed.select(sha)
    listed.keep_box.click()
    qtbot.waitUntil(lambda: attachments.states(controller.reader, [sha])[sha].kept,
                    timeout=5_000)

    controller.shutdown()
    assert not (controller.profile.path / "opened").exists()
