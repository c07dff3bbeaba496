"""Issue 9 item 2 end to end: an allocator gives an incoming request to a request handler of
the authority, and the handler's own client lists it as theirs ("Assigned to me", the
assignee column), with real clients, encrypted replicas and the shared live server. Then
the same in the window: an allocator's dialog (the colleagues the server published) takes
the step."""

import datetime as dt
import uuid

from desktop.models import case_list, cases, colleagues
from desktop.models.case_list import ListQuery
from desktop.models.case_table import ASSIGNEE
from desktop.views import allocation_dialog
from sync_protocol.cases import Action
from tests.conftest import make_client, signed_in_window


def _sent_request(url: str, folder, *, by: str, to: str) -> str:
    sender = make_client(url, by, folder / f"{by}-{uuid.uuid4().hex[:6]}")
    try:
        sender.sync()  # the catalogue and directory first
        case_id = uuid.uuid4().hex
        cases.perform(sender.replica, name="case.create", args={
            "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN",
            "question_set_version": 1, "responder_authority_id": to,
            "subject": {"family_name": "Lindqvist", "given_names": "Åsa",
                        "profession": "dentist"},
            "questions": ["PQ-GEN-Q01"],
            "answer_by": (dt.datetime.now().astimezone().date()
                          + dt.timedelta(days=20)).isoformat()})
        cases.perform(sender.replica, name="case.send", args={"case_id": case_id})
        sender.sync()
    finally:
        sender.close()
    return case_id


def _mine(replica, user_id: str) -> dict[str, str]:
    """Case id -> assignee name of the cases "Assigned to me" lists."""
    rows = case_list.page(replica, ListQuery(folder="inbox", assignee=user_id), after=None,
                          limit=1000)
    return {str(r[0]): str(r[11]) for r in rows}


def test_an_allocator_assigns_and_the_handler_sees_it_as_theirs(live_server, tmp_path):
    case_id = _sent_request(live_server.url, tmp_path, by="de.weber", to="HU-ENKK")
    allocator = make_client(live_server.url, "hu.szabo", tmp_path / "hu.szabo")
    handler = make_client(live_server.url, "hu.kovacs", tmp_path / "hu.kovacs")
    try:
        allocator.sync()
        handler.sync()
        # The allocator's replica knows its authority's request handlers, no one else's.
        offered = colleagues.handlers(allocator.replica, "PQ")
        assert [c.display_name for c in offered] == ["Kovács Péter"]
        assert {c.display_name for c in colleagues.colleagues(allocator.replica)} == {
            "Kovács Péter", "Szabó Katalin"}
        kovacs = offered[0]
        handler_id = handler.replica.user().user_id
        assert kovacs.id == handler_id
        assert case_id not in _mine(handler.replica, handler_id)

        cases.perform(allocator.replica, name="case.allocate", args={
            "case_id": case_id, "user_id": kovacs.id, "user_name": kovacs.display_name})
        report = allocator.sync()
        assert report.refused == [] and allocator.replica.attention() == []

        handler.sync()
        assert _mine(handler.replica, handler_id)[case_id] == "Kovács Péter"
        # The requesting authority's list has no assignee of its own for it.
        requester = make_client(live_server.url, "de.weber", tmp_path / "de.weber")
        try:
            requester.sync()
            row = case_list.rows_of(requester.replica, ListQuery(folder="outbox"), [case_id])
            assert row[case_id][11] == ""
        finally:
            requester.close()
    finally:
        allocator.close()
        handler.close()


def test_the_allocation_dialog_takes_the_step_in_the_window(qtbot, live_server, tmp_path,
                                                           monkeypatch):
    case_id = _sent_request(live_server.url, tmp_path, by="fr.martin", to="DE-LZK-BW")
    offered: list[list[str]] = []

    def pick_first(dialog: allocation_dialog.AllocationDialog) -> int:
        offered.append([dialog.handlers.item(r).text() for r in range(dialog.handlers.count())])
        dialog.handlers.setCurrentRow(0)
        dialog.assign_button.click()
        return int(dialog.result())

    monkeypatch.setattr(allocation_dialog.AllocationDialog, "exec", pick_first)
    with signed_in_window(qtbot, live_server.url, tmp_path / "de.weber", "de.weber",
                          "en") as controller:
        controller.show_case(case_id)
        assert Action.ALLOCATE in controller.window.case_view.allowed
        controller.take_step(Action.ALLOCATE.value, case_id)
        assert offered == [["Anna Weber"]]  # the only request handler of her authority
        me = controller.user.user_id
        # At once (the step applied locally), and still once the server confirmed it.
        qtbot.waitUntil(lambda: case_id in _mine(controller.reader, me), timeout=15_000)
        qtbot.waitUntil(lambda: controller.reader.pending_count() == 0, timeout=15_000)
        assert controller.reader.attention() == []
        assert _mine(controller.reader, me)[case_id] == "Anna Weber"
        window = controller.window
        window.folders.setCurrentRow(0)
        window.filter_bar.mine.setChecked(True)
        qtbot.waitUntil(lambda: not controller.model.loading, timeout=10_000)
        model = controller.model
        row = model.row_of(case_id)
        assert row is not None and model.data(model.index(row, ASSIGNEE)) == "Anna Weber"
