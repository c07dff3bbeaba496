"""A cold start shows the inbox without counting the cases on the GUI thread: at 50,000 cases
(``bench.case_list``) the folder counts, deadline counts and the filter bar's choices cost the
first screen a second. They are read on the database lane and shown when they arrive."""

import json
import re
import threading

from desktop.controller import AppController
from desktop.models import account, case_list
from desktop.models import profile as profiles
from desktop.models.db_lane import InlineLane
from desktop.models.replica import Replica
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport
from sync_server.seed import DEMO_PASSWORD
from tests.conftest import PASSPHRASE, free_port
from tests.desktop.test_sync_in_window import hold_reports

# Tables whose size is the number of cases.
_CASE_TABLES = re.compile(r"\b(case_list|cases|case_text)\b")


def _synced_offline_profile(live_server, folder):
    """de.weber's profile after a first sync, pointing at a port nobody listens on (the
    window's own sync pass then fails at once, as it would offline)."""
    profile, _key, replica = account.set_up(folder, server_url=live_server.url,
                                            username="de.weber", password=DEMO_PASSWORD,
                                            passphrase=PASSPHRASE)
    SyncEngine(transport=Transport(live_server.url, token=replica.get_meta("token")),
               device_id=profile.device_id, db=InlineLane(replica)).sync()
    expected = (case_list.folder_counts(replica), case_list.deadline_counts(replica),
                case_list.areas(replica, "inbox"), case_list.counterparts(replica, "inbox"))
    replica.close()
    document = json.loads((folder / "profile.json").read_text())
    document["server_url"] = f"http://127.0.0.1:{free_port()}"
    (folder / "profile.json").write_text(json.dumps(document))
    return expected


def _scans(replica: Replica, statements: list[str]) -> list[str]:
    """The statements that read every row of a case table: a scan with no LIMIT (a page of
    the list walks an index and stops at its limit)."""
    found = []
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or " LIMIT " in sql.upper():
            continue
        plan = " ".join(str(step[-1]) for step in replica.read(f"EXPLAIN QUERY PLAN {sql}"))
        if re.search(r"\bSCAN\b", plan) and _CASE_TABLES.search(plan):
            found.append(f"{sql} -> {plan}")
    return found


def test_the_first_screen_counts_nothing_and_the_counts_follow(qtbot, live_server, tmp_path,
                                                              monkeypatch):
    folders, deadlines, areas, counterparts = _synced_offline_profile(live_server,
                                                                      tmp_path / "de")
    assert folders["inbox"][0] > 0 and counterparts  # something to count and to choose
    profile, key = profiles.unlock(tmp_path / "de", PASSPHRASE)
    read_here: list[str] = []
    opened = Replica.open

    def traced(path, key):
        """Replicas opened on this thread (the window's reader; the lane opens its own on
        its thread) trace what they read from the start: the controller's constructor on."""
        replica = opened(path, key)
        if threading.current_thread() is threading.main_thread():
            replica._db.set_trace_callback(read_here.append)
        return replica

    with monkeypatch.context() as patch:
        patch.setattr(Replica, "open", traced)
        made = AppController(profile, key, language="de")
    qtbot.addWidget(made.window)
    window, bar = made.window, made.window.filter_bar
    released = hold_reports(made, monkeypatch)
    try:
        assert read_here, "the reader traced from its open"
        made.start()
        made.reader._db.set_trace_callback(None)
        # The first screen: the inbox's first page, its folder named but not yet counted, the
        # filter bar's choices not yet filled; and nothing on this thread read every case.
        assert made.model.rowCount() == min(folders["inbox"][0], 200)
        assert window.folders.item(0).text() == "Posteingang"
        assert bar.counterpart.count() == 1
        assert _scans(made.reader, read_here) == []

        released.set()
        total, unread = folders["inbox"]
        qtbot.waitUntil(lambda: window.folders.item(0).text().startswith(
            f"Posteingang ({total}"), timeout=10_000)
        assert (f"{unread} ungelesen" in window.folders.item(0).text()) == bool(unread)
        overdue, soon = deadlines["inbox"]
        assert (f"Überfällig: {overdue}" in window.folders.item(0).text()) == bool(overdue)
        assert (f"Bald fällig: {soon}" in window.folders.item(0).text()) == bool(soon)
        qtbot.waitUntil(lambda: bar.counterpart.count() == 1 + len(counterparts),
                        timeout=10_000)
        assert [bar.counterpart.itemData(i) for i in range(1, bar.counterpart.count())] == [
            c[0] for c in counterparts]
        assert [bar.area.itemData(i) for i in range(1, bar.area.count())] == areas
    finally:
        released.set()
        made.shutdown()
