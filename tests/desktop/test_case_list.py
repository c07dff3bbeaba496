"""Issue 5 item 5 and issue 7 item 5: case lists over the narrow list table.

Keyed pages (no OFFSET, no case JSON), sort by any column and filter in SQL, a refresh that
touches only the changed rows and keeps the officer's selection and scroll position, unread
marks and counts per folder. A real encrypted replica and a real QTableView (offscreen).
"""

import datetime as dt
import json
import random
import uuid

import pytest

from desktop.controller import page_loader
from desktop.i18n import set_language
from desktop.labels import FOLDERS
from desktop.models import case_list, cases
from desktop.models import profile as profiles
from desktop.models.case_list import ListQuery
from desktop.models.case_table import PAGE, CaseTableModel
from desktop.models.replica import Replica
from desktop.models.schema import SORT_COLUMNS
from desktop.operations import Workers
from desktop.qt import Qt, QTableView
from desktop.views.main_window import MainWindow
from sync_protocol.messages import Change, EntityKind

ME = "DE-LZK-BW"
USER = {"user_id": "u1", "username": "de.weber", "display_name": "Anna Weber",
        "authority_id": ME, "authority_name": "Landeszahnärztekammer Baden-Württemberg",
        "member_state": "DE", "roles": ["request_handler"], "language": "de"}
AUTHORITIES = {"HU-ENKK": ("HU", "Egészségügyi Nyilvántartási és Képzési Központ"),
               "FR-ONCD": ("FR", "Ordre national des chirurgiens-dentistes"),
               "AT-ZAK": ("AT", "Österreichische Zahnärztekammer")}
NAMES = ["Kovács", "Nagy", "Martin", "Weber", "Öztürk", "Ángel", "Zoltán", "Dubois"]
STATES = ["sent", "accepted", "answered", "closed", "draft"]


def wire_case(case_id: str, *, rng: random.Random, incoming: bool, state: str,
              updated: dt.datetime) -> dict[str, object]:
    other = rng.choice(sorted(AUTHORITIES))
    return {
        "id": case_id, "version": rng.randint(1, 5), "state": state,
        "requester_authority_id": other if incoming else ME,
        "responder_authority_id": ME if incoming else other,
        "subject": {"family_name": rng.choice(NAMES), "given_names": rng.choice(NAMES),
                    "profession": "dentist"},
        "answer_by": (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 400))).isoformat(),
        "updated_at": updated.isoformat(),
    }


def put(replica: Replica, *wire: dict[str, object]) -> None:
    with replica.transaction():
        replica.put_cases([cases.row_values(w, json.dumps(w), ME, None) for w in wire])


@pytest.fixture
def opened(tmp_path):
    """The replica, and what opens more connections to it (path and key)."""
    profile, key = profiles.create(tmp_path, server_url="http://127.0.0.1:1",
                                   username="de.weber", passphrase="correct horse battery")
    made = Replica.open(profile.replica_path, key)
    with made.transaction():
        made.set_meta("user", USER)
        for authority, (state, name) in AUTHORITIES.items():
            made.put_directory("authority", authority, {"id": authority, "member_state": state,
                                                        "official_name": name})
    rng = random.Random(5)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    put(made, *(wire_case(f"{i:04d}" + uuid.UUID(int=rng.getrandbits(128)).hex[4:], rng=rng,
                          incoming=i % 3 != 0, state=rng.choice(STATES),
                          # many equal times: the id must break ties, or pages would skip rows
                          updated=start + dt.timedelta(minutes=rng.randint(0, 60)))
                for i in range(1500)))
    yield made, profile.replica_path, key
    made.close()


@pytest.fixture
def replica(opened):
    return opened[0]


def all_pages(model: CaseTableModel) -> list[str]:
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    return [model.case_id(r) for r in range(model.rowCount())]


@pytest.mark.parametrize("column", range(len(SORT_COLUMNS)))
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_keyed_pages_sorted_by_any_column_list_every_case_once_in_order(replica, column,
                                                                        descending):
    model = CaseTableModel(replica)
    model.set_folder("all")
    model.sort(column, Qt.SortOrder.DescendingOrder if descending else
               Qt.SortOrder.AscendingOrder)
    assert model.rowCount() == PAGE
    listed = all_pages(model)
    name = SORT_COLUMNS[column]
    expected = [r[0] for r in sorted(
        replica.read(f"SELECT id, {name} FROM case_list"), key=lambda r: (r[1], r[0]),
        reverse=descending)]
    assert listed == expected


@pytest.mark.parametrize("column", SORT_COLUMNS)
@pytest.mark.parametrize("folder", ["inbox", "drafts", "all"])
def test_a_page_is_an_index_range_not_a_sort_or_an_offset(replica, column, folder):
    query = ListQuery(folder=folder, sort=SORT_COLUMNS.index(column))
    sql, params = case_list.page_sql(query, after=("~", "~"), limit=200)
    plan = " ".join(str(r) for r in replica.read(f"EXPLAIN QUERY PLAN {sql}", params))
    assert f"ix_case_list_{column}" in plan and "TEMP B-TREE" not in plan


def test_folders_hold_what_their_names_say(replica):
    for folder, rule in (("inbox", lambda r: r[1] == "in" and r[2] in ("sent", "accepted",
                                                                          "answered")),
                         ("outbox", lambda r: r[1] == "out" and r[2] in ("sent", "accepted",
                                                                            "answered")),
                         ("drafts", lambda r: r[1] == "out" and r[2] == "draft"),
                         ("closed", lambda r: r[2] in ("closed", "withdrawn"))):
        model = CaseTableModel(replica)
        model.set_folder(folder)
        expected = {r[0] for r in replica.read("SELECT id, direction, state FROM cases")
                    if rule(r)}
        assert set(all_pages(model)) == expected, folder


def test_filter_by_reference_person_authority_and_state_in_the_readers_language(replica):
    model = CaseTableModel(replica)
    model.set_folder("all")

    def shown(text: str) -> set[str]:
        model.set_filter(text)
        return set(all_pages(model))

    rows = replica.read("SELECT id, subject, counterpart, state FROM cases")
    assert shown("0042" + rows[42][0][4:8].upper()) == {rows[42][0]}  # the reference as quoted
    assert shown("kovacs") == {r[0] for r in rows if "KOVÁCS" in r[1] or "Kovács" in r[1]}
    assert shown("  OSTERREICHISCHE") == {r[0] for r in rows if r[2] == "AT-ZAK"}
    assert shown("ordre national") == {r[0] for r in rows if r[2] == "FR-ONCD"}
    assert shown("Deutschland") == set()
    set_language("de")
    try:
        assert shown("beantwortet") == {r[0] for r in rows if r[3] == "answered"}
    finally:
        set_language("en")
    assert shown("answered") == {r[0] for r in rows if r[3] == "answered"}
    # LIKE's wildcards are plain text here (a word in them is searched: "1499" references)
    assert shown("%_\\") == set()
    assert shown("1499%_\\") == {r[0] for r in rows if r[0].startswith("1499")}
    assert len(shown("")) == len(rows)


def test_a_refresh_touches_only_changed_rows_and_keeps_selection_and_scroll(qtbot, replica):
    model = CaseTableModel(replica)
    window = MainWindow(model, ["en"])
    qtbot.addWidget(window)
    window.show()
    window.folders.setCurrentRow(list(FOLDERS).index("all"))
    view = window.table
    model.fetchMore(model.index(-1, -1))  # 400 rows loaded
    view.scrollTo(model.index(120, 0), QTableView.ScrollHint.PositionAtTop)
    view.selectRow(130)
    top_before, selected = model.case_id(view.rowAt(0)), model.case_id(130)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    rng = random.Random(9)
    newest = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    moved = model.case_id(200)
    put(replica,
        wire_case(uuid.uuid4().hex, rng=rng, incoming=True, state="sent", updated=newest),
        wire_case(moved, rng=rng, incoming=True, state="sent", updated=newest))
    with replica.transaction():
        replica.delete_cases([model.case_id(3)])
    changed = window.refresh_list(model.refresh_changed)  # what the window does on a sync

    assert len(changed) == 3 and not resets
    assert model.case_id(view.rowAt(0)) == top_before
    assert model.case_id(view.currentIndex().row()) == selected
    assert model.row_of(moved) is not None and model.row_of(moved) < 2
    # The loaded rows are still exactly the first rows of the list, in order.
    assert [model.case_id(r) for r in range(model.rowCount())] == all_pages(
        CaseTableModel_for(replica, model.query))[:model.rowCount()]


def CaseTableModel_for(replica: Replica, query: ListQuery) -> CaseTableModel:
    fresh = CaseTableModel(replica)
    fresh.set_folder(query.folder)
    fresh.sort(query.sort, Qt.SortOrder.DescendingOrder if query.descending
               else Qt.SortOrder.AscendingOrder)
    return fresh


def test_random_changes_keep_the_loaded_rows_a_prefix_of_the_list(replica):
    model = CaseTableModel(replica)
    model.set_folder("inbox")
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.fetchMore(model.index(-1, -1))
    rng = random.Random(11)
    for _round in range(15):
        ids = [r[0] for r in replica.read("SELECT id FROM cases")]
        changed = [wire_case(rng.choice(ids), rng=rng, incoming=rng.random() < 0.8,
                             state=rng.choice(STATES), updated=dt.datetime.now(dt.UTC))
                   for _ in range(rng.randint(1, 30))]
        changed += [wire_case(uuid.uuid4().hex, rng=rng, incoming=True, state="sent",
                              updated=dt.datetime.now(dt.UTC)) for _ in range(3)]
        put(replica, *changed)
        with replica.transaction():
            replica.delete_cases(rng.sample(ids, 5))
        model.refresh_changed()
        shown = [model.case_id(r) for r in range(model.rowCount())]
        full = all_pages(CaseTableModel_for(replica, model.query))
        assert shown == full[:len(shown)]
    assert all_pages(model) == all_pages(CaseTableModel_for(replica, model.query))


def test_a_pulled_change_by_the_other_side_is_unread_until_opened(replica):
    case_id = replica.read("SELECT id FROM cases WHERE direction = 'in' AND state = 'sent'")[0][0]
    with replica.transaction():
        replica.mark_read(case_id)
        replica.set_meta("caught_up", True)
    before = case_list.folder_counts(replica)["inbox"]
    data = json.loads(replica.case_row(case_id)["data"])
    other = data["requester_authority_id"]

    def pulled(version: int, by: str, state: str = "sent") -> Change:
        event = {"at": "2026-12-01T10:00:00+00:00", "action": "send", "state": state,
                 "authority_id": by, "user_name": "x"}
        return Change(kind=EntityKind.CASE, id=case_id, version=version,
                      data=dict(data, version=version, state=state, timeline=[event]))

    cases.apply_pull_page(replica, [pulled(data["version"] + 1, ME, "accepted")], "c1")
    assert replica.read("SELECT unread FROM case_list WHERE id = ?", (case_id,)) == [(0,)]
    cases.apply_pull_page(replica, [pulled(data["version"] + 2, other, "answered")], "c2")
    assert replica.read("SELECT unread FROM case_list WHERE id = ?", (case_id,)) == [(1,)]
    total, unread = case_list.folder_counts(replica)["inbox"]
    assert (total, unread) == (before[0], before[1] + 1)
    model = CaseTableModel(replica)
    model.set_folder("all")
    model.reload()
    while model.row_of(case_id) is None:
        model.fetchMore(model.index(-1, -1))
    row = model.row_of(case_id)
    assert model.data(model.index(row, 1), Qt.ItemDataRole.FontRole).bold()
    replica.mark_read(case_id)
    model.refresh_changed()
    assert model.data(model.index(model.row_of(case_id), 1), Qt.ItemDataRole.FontRole) is None
    assert case_list.folder_counts(replica)["inbox"] == before


def test_a_filtered_list_is_read_off_the_gui_thread_and_a_stale_page_is_dropped(qtbot, opened):
    replica, path, key = opened
    workers = Workers(path, key)
    failures: list[BaseException] = []
    model = CaseTableModel(replica, loader=page_loader(workers, failure=failures.append))
    model.set_folder("all")
    reference = CaseTableModel(replica)  # the same lists, read on this thread
    reference.set_folder("all")
    try:
        gui_reads: list[str] = []
        real_read = Replica.read

        def watched(self, sql, params=()):
            if self is replica and "LIKE" in sql:
                gui_reads.append(sql)
            return real_read(self, sql, params)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Replica, "read", watched)
            model.set_filter("nag")
            model.set_filter("kovacs")  # typed on before the first answer came
            assert model.loading and model.rowCount() == 0
            qtbot.waitUntil(lambda: not model.loading, timeout=5000)
            while model.canFetchMore(model.index(-1, -1)) or model.loading:
                if not model.loading:
                    model.fetchMore(model.index(-1, -1))
                qtbot.waitUntil(lambda: not model.loading, timeout=5000)
        assert gui_reads == [] and failures == []
        reference.set_filter("kovacs")
        assert [model.case_id(r) for r in range(model.rowCount())] == all_pages(reference)
        assert model.rowCount() > PAGE  # more than one page came from the lane
    finally:
        workers.shutdown()


def test_counting_a_folder_agrees_with_the_folder_counts(replica):
    counts = case_list.folder_counts(replica)
    for folder in case_list.FOLDERS:
        assert replica.count_cases(folder) == counts[folder][0]
    assert replica.count_cases() == 1500
