"""The timed side of ``bench.case_list``: a real client process opening a large profile.

    python -m bench.list_window PROFILE_DIR      (IMI_PASSPHRASE in the environment)

It does what ``imi-desk`` does (unlock, open the replica, build the controller and the main
window, show the inbox), prints one JSON line the moment the first screen is painted, then
scrolls each list to its end page by page on the GUI thread, timing every page (the model's
``fetchMore`` plus the repaint it causes), and prints a second JSON line. The server address
in the profile is a port nobody listens on: the sync pass fails in the background, as it
would offline, without touching the figures of the GUI thread.
"""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child of a
    # big parent would report the parent's size at fork time.
    return _status_mb("VmHWM")


def _spread(name: str, seconds: list[float]) -> dict[str, float]:
    """Median, p95 and max in ms; "page" is fetch and repaint, "fetch" the model's part."""
    if not seconds:
        return {}
    ordered = sorted(seconds)
    return {f"median_{name}_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            f"p95_{name}_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 2),
            f"max_{name}_ms": round(ordered[-1] * 1000, 2)}


def _say(**figures: Any) -> None:
    print(json.dumps(figures), flush=True)


def _wait_for(model: Any, waiting: Any) -> None:
    """Until the page the model asked the database lane for is shown (``waiting``: an event
    loop that quits when a page is shown).

    One event loop run per page: PySide6 6.12 loses a reference to None on every
    processEvents() call, so a polling loop crashes the interpreter; and one connection for
    every page, as a connect and disconnect per page lose references to True and False."""
    if model.loading:
        waiting.exec()


def main(profile_dir: Path) -> None:
    from desktop.app import ProfileOpener
    from desktop.controller import AppController
    from desktop.qt import QApplication, QEventLoop, Qt

    app = QApplication.instance() or QApplication(sys.argv)
    opener = ProfileOpener(profile_dir)
    problem = opener.unlock(os.environ["IMI_PASSPHRASE"])
    assert problem is None and opener.profile is not None and opener.key is not None, problem
    controller = AppController(opener.profile, opener.key, language="de")
    controller.window.resize(1280, 800)
    controller.start()
    controller.window.repaint()  # paint now, not at the next turn of the event loop
    app.processEvents()
    _say(event="first_screen", at=time.time(), rss_mb=_rss_mb(),
         rows=controller.model.rowCount())

    table, model = controller.window.table, controller.model
    waiting = QEventLoop()
    model.sig_page_loaded.connect(waiting.quit)
    scrolls: dict[str, Any] = {}
    for folder, column, order in (("inbox", 5, Qt.SortOrder.DescendingOrder),
                                  ("all", 5, Qt.SortOrder.DescendingOrder),
                                  ("all", 1, Qt.SortOrder.AscendingOrder)):
        controller.window.folders.setCurrentRow(
            ["inbox", "outbox", "drafts", "closed", "all"].index(folder))
        started = time.perf_counter()
        table.sortByColumn(column, order)
        app.processEvents()
        first_page = time.perf_counter() - started
        pages: list[float] = []
        fetches: list[float] = []
        while model.canFetchMore(model.index(-1, -1)):
            started = time.perf_counter()
            model.fetchMore(model.index(-1, -1))
            fetched = time.perf_counter()
            table.scrollToBottom()
            table.viewport().repaint()
            pages.append(time.perf_counter() - started)
            fetches.append(fetched - started)
        app.processEvents()
        scrolls[f"{folder} by column {column}"] = {
            "rows": model.rowCount(), "pages": len(pages),
            "first_page_ms": round(first_page * 1000, 2),
            **_spread("page", pages), **_spread("fetch", fetches),
        }
    # A filter's pages are read on the database lane: the GUI thread's part, and the time
    # until the first page is shown.
    filters: list[tuple[float, float]] = []
    for text in ("k", "ko", "kov", "kova", "kovacs", "kovacs zzz"):  # the last matches none
        started = time.perf_counter()
        model.set_filter(text)
        gui = time.perf_counter() - started
        _wait_for(model, waiting)
        table.viewport().repaint()
        filters.append((gui, time.perf_counter() - started))
    model.set_filter("")
    # The filter bar's filters (issue 9), alone and combined with a search, in the inbox and
    # over every case: the GUI thread's part, the first page shown, and the filtered list
    # scrolled to its end page by page (each page read on the database lane).
    bar: list[dict[str, Any]] = []
    for folder, search, changes in (
            ("inbox", "", {"deadline": "overdue"}),
            ("inbox", "", {"deadline": "due_soon"}),
            ("all", "", {"state": "answered"}),
            ("all", "", {"answer_from": "2026-06-01", "answer_to": "2026-09-30"}),
            ("all", "", {"counterpart": "HU-ENKK"}),
            ("all", "kovacs", {}),
            ("all", "kovacs", {"state": "closed", "answer_from": "2026-01-01"}),
            ("inbox", "", {"assignee": "bench"})):
        controller.window.folders.setCurrentRow(
            ["inbox", "outbox", "drafts", "closed", "all"].index(folder))
        model.clear_filters()
        started = time.perf_counter()
        model.set_filter(search)
        model.set_filters(**changes)
        gui = time.perf_counter() - started
        _wait_for(model, waiting)
        table.viewport().repaint()
        shown = time.perf_counter() - started
        pages: list[float] = []
        # The view itself asks for the next page when scrolled to the bottom: a page is
        # either asked for here or already on its way.
        while model.loading or model.canFetchMore(model.index(-1, -1)):
            begun = time.perf_counter()
            if not model.loading:
                model.fetchMore(model.index(-1, -1))
            _wait_for(model, waiting)
            table.scrollToBottom()
            table.viewport().repaint()
            pages.append(time.perf_counter() - begun)
        bar.append({"folder": folder, "search": search, **changes, "rows": model.rowCount(),
                    "gui_ms": round(gui * 1000, 2), "shown_ms": round(shown * 1000, 2),
                    "pages": len(pages), **_spread("page", pages)})
    _say(event="scrolled", scrolls=scrolls, rss_mb=_rss_mb(), peak_rss_mb=_peak_rss_mb(),
         filter_gui_ms=[round(gui * 1000, 2) for gui, _shown in filters],
         filter_shown_ms=[round(shown * 1000, 2) for _gui, shown in filters],
         filter_bar=bar)
    controller.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
