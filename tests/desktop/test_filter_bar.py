"""Issue 9 item 2 (M6) in the real window: the filter bar narrows the list (read off the GUI
thread), each folder brings back its own filters, a search is ordered by relevance, "Clear
filters" lifts them all, and the folder names count overdue and due-soon cases. The officer
is de.weber of the demo, signed in against the shared live server, in German."""

from desktop.controller import AppController
from desktop.models import case_list
from desktop.models.case_list import RELEVANCE
from desktop.qt import Qt


def _settled(qtbot, controller: AppController) -> None:
    qtbot.waitUntil(lambda: not controller.model.loading, timeout=10_000)


def _states(controller: AppController) -> set[str]:
    model = controller.model
    return {model.data(model.index(r, 3)) for r in range(model.rowCount())}


def test_the_filter_bar_narrows_the_list_and_each_folder_keeps_its_own(qtbot, controller):
    window, bar, model = controller.window, controller.window.filter_bar, controller.model
    window.folders.setCurrentRow(4)  # all cases
    qtbot.waitUntil(lambda: bar.counterpart.count() > 1, timeout=10_000)  # the lane's choices
    unfiltered = model.rowCount()

    bar.state.setCurrentIndex(bar.state.findData("closed"))
    _settled(qtbot, controller)
    assert model.query.state == "closed" and model.query.folder == "all"
    assert _states(controller) <= {"Abgeschlossen"} and model.rowCount() < unfiltered
    other = bar.counterpart.itemData(1)
    bar.counterpart.setCurrentIndex(1)
    _settled(qtbot, controller)
    expected = case_list.page(controller.reader, model.query, after=None, limit=1000)
    assert [model.case_id(r) for r in range(model.rowCount())] == [r[0] for r in expected]
    assert {r[2] for r in expected} <= {other}

    bar.mine.setChecked(True)
    _settled(qtbot, controller)
    assert model.query.assignee == controller.user.user_id

    window.folders.setCurrentRow(1)  # the outbox: never filtered
    _settled(qtbot, controller)
    assert bar.state.currentIndex() == 0 and not bar.mine.isChecked()
    assert not model.query.filtered
    window.folders.setCurrentRow(4)  # back: its filters come back, shown in the bar
    _settled(qtbot, controller)
    assert bar.state.currentData() == "closed" and bar.mine.isChecked()
    assert bar.counterpart.currentData() == other

    bar.clear.click()
    _settled(qtbot, controller)
    assert not model.query.filtered and bar.state.currentIndex() == 0
    assert not bar.mine.isChecked() and model.rowCount() == min(unfiltered, 200)


def test_a_search_is_ordered_by_relevance_until_a_column_is_picked(qtbot, controller):
    window, model = controller.window, controller.model
    header = window.table.horizontalHeader()
    window.folders.setCurrentRow(4)
    with qtbot.waitSignal(window.sig_filter_changed, timeout=5000):
        window.filter.setText("schmidt")
    _settled(qtbot, controller)
    assert model.query.sort == RELEVANCE and header.sortIndicatorSection() == -1
    assert model.rowCount() >= 1
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # the officer clicks "Person"
    _settled(qtbot, controller)
    assert model.query.sort == 1 and model.rowCount() >= 1
    window.filter.clear()
    qtbot.waitUntil(lambda: model.query.text == "", timeout=5000)
    assert model.query.sort == 1  # a column picked stays picked


def test_the_folders_count_overdue_and_due_soon_cases(controller):
    window = controller.window
    window.set_folder_counts({"inbox": (12, 0)}, {"inbox": (3, 1), "all": (3, 1)})
    inbox = window.folders.item(0).text()
    assert inbox.splitlines() == ["Posteingang (12)", "Überfällig: 3 · Bald fällig: 1"]
    window.set_folder_counts({"inbox": (12, 0)}, {"inbox": (0, 0)})
    assert window.folders.item(0).text() == "Posteingang (12)"
