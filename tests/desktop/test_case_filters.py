"""Issue 9 item 2 (M6): the case list's filters and full-text search, on a real encrypted
replica (rung 8): status, area, other authority, answer date range, overdue and due soon,
"assigned to me", each folder keeping its own; FTS5 over reference, person, date of birth,
free texts and messages (case and accents folded, partial words, ranked), kept in step by
triggers; keyed pages stay keyed with filters."""

import dataclasses
import datetime as dt
import json

import pytest

from desktop.models import case_list, cases, colleagues
from desktop.models import profile as profiles
from desktop.models.case_list import RELEVANCE, ListQuery
from desktop.models.case_table import ASSIGNEE, PAGE, CaseTableModel
from desktop.models.deadlines import due_soon_until
from desktop.models.replica import Replica
from desktop.qt import Qt
from sync_protocol.messages import Change, EntityKind

ME, MY_USER = "DE-LZK-BW", "u-anna"
USER = {"user_id": MY_USER, "username": "de.weber", "display_name": "Anna Weber",
        "authority_id": ME, "authority_name": "Landeszahnärztekammer Baden-Württemberg",
        "member_state": "DE", "roles": ["request_handler", "allocator"], "language": "de"}
OTHERS = {"HU-ENKK": ("HU", "Egészségügyi Nyilvántartási és Képzési Központ"),
          "FR-ONCD": ("FR", "Ordre national des chirurgiens-dentistes")}
TODAY = dt.date(2026, 12, 2)  # a Wednesday


def wire(number: int, *, family: str = "Nagy", given: str = "Anna", state: str = "sent",
         other: str = "HU-ENKK", incoming: bool = True, area: str = "PQ",
         answer_by: dt.date = TODAY + dt.timedelta(days=30), birth: str | None = None,
         request_text: str | None = None, messages: tuple[str, ...] = (),
         assigned: tuple[str, str] | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "id": f"{number:04d}" + "ab" * 14, "version": 1, "state": state, "area": area,
        "requester_authority_id": other if incoming else ME,
        "responder_authority_id": ME if incoming else other,
        "subject": {"family_name": family, "given_names": given, "profession": "dentist",
                    **({"date_of_birth": birth} if birth else {})},
        "answer_by": answer_by.isoformat(),
        "updated_at": dt.datetime(2026, 11, 1, 8, number % 60, tzinfo=dt.UTC).isoformat(),
    }
    if request_text:
        data["request_text"] = {"text": request_text, "lang": "de"}
    if messages:
        data["messages"] = [{"kind": "comment", "authority_id": other, "user_name": "X",
                             "at": "2026-11-02T10:00:00+00:00",
                             "text": {"text": text, "lang": "hu"}} for text in messages]
    if assigned:
        data["assignments"] = [{"authority_id": ME, "user_id": assigned[0],
                                "user_name": assigned[1]},
                               {"authority_id": other, "user_id": "theirs",
                                "user_name": "Somebody Else"}]
    return data


def put(replica: Replica, *wired: dict[str, object]) -> None:
    with replica.transaction():
        replica.put_cases([cases.row_values(w, json.dumps(w), ME, None) for w in wired])


@pytest.fixture
def replica(tmp_path):
    profile, key = profiles.create(tmp_path, server_url="http://127.0.0.1:1",
                                   username="de.weber", passphrase="correct horse battery")
    made = Replica.open(profile.replica_path, key)
    with made.transaction():
        made.set_meta("user", USER)
        for authority, (state, name) in OTHERS.items():
            made.put_directory("authority", authority, {"id": authority, "member_state": state,
                                                        "official_name": name})
    put(made,
        wire(1, family="Kovács", given="Éva", birth="1980-03-12",
             request_text="Bitte bestätigen Sie die Approbation der Zahnärztin."),
        wire(2, family="Kovacsics", given="Béla", answer_by=TODAY - dt.timedelta(days=1)),
        wire(3, family="Dubois", given="Marie", other="FR-ONCD", area="ARCH",
             answer_by=TODAY + dt.timedelta(days=2), assigned=(MY_USER, "Anna Weber")),
        wire(4, family="Müller", given="Jürgen", state="accepted", incoming=False,
             messages=("A kérelmező diplomáját csatoltuk.",)),
        wire(5, family="Schmidt", given="Öykü", state="answered", answer_by=TODAY
             - dt.timedelta(days=10), assigned=("u-other", "Lukas Fischer")),
        wire(6, family="Kovács", given="Ádám", state="closed",
             request_text="Kovács Ádám fegyelmi eljárás"))
    yield made
    made.close()


def shown(replica: Replica, query: ListQuery) -> list[str]:
    listed, after = [], None
    while True:
        rows = case_list.page(replica, query, after=after, limit=2)  # many small pages
        listed += [str(r[0])[:4] for r in rows]
        if len(rows) < 2:
            return listed
        after = query.key_of(rows[-1])


def q(**fields: object) -> ListQuery:
    return ListQuery(folder="all", today=TODAY, **fields)  # type: ignore[arg-type]


def test_each_filter_narrows_the_list(replica):
    assert sorted(shown(replica, q(state="sent"))) == ["0001", "0002", "0003"]
    assert shown(replica, q(area="ARCH")) == ["0003"]
    assert shown(replica, q(counterpart="FR-ONCD")) == ["0003"]
    assert sorted(shown(replica, q(answer_from=TODAY.isoformat(),
                                   answer_to=(TODAY + dt.timedelta(days=2)).isoformat()))) \
        == ["0003"]
    assert sorted(shown(replica, q(answer_to=TODAY.isoformat()))) == ["0002", "0005"]
    assert shown(replica, q(assignee=MY_USER)) == ["0003"]
    # Filters combine; a folder is one more.
    assert shown(replica, q(state="sent", counterpart="HU-ENKK", answer_to="2026-12-01")) \
        == ["0002"]
    assert sorted(shown(replica, ListQuery(folder="inbox", today=TODAY))) == [
        "0001", "0002", "0003", "0005"]
    assert shown(replica, ListQuery(folder="outbox", today=TODAY, state="sent")) == []


def test_a_filter_that_keeps_most_of_its_folder_walks_the_sort_order(replica):
    """At 50,000 cases "overdue" keeps two thirds of the inbox, and reading and sorting all
    its matches for every page took a quarter of a second: such a filter walks the sort
    order's index instead (the rows are the same); a narrow filter, a search and "assigned to
    me" alone are read and sorted."""
    kept = ListQuery(folder="inbox", today=TODAY, counterpart="HU-ENKK")  # 3 of the inbox's 4
    assert case_list.walks(replica, kept, 1)
    assert not case_list.walks(replica, q(area="ARCH"), 1)  # 1 of 6
    assert not case_list.walks(replica, q(text="kov"), 1)
    assert not case_list.walks(replica, ListQuery(folder="inbox", assignee=MY_USER), 1)
    for sort, descending in ((5, True), (1, False), (4, True), (6, False)):
        query = dataclasses.replace(kept, sort=sort, descending=descending)
        sql, params = case_list.page_sql(query, after=None, limit=1, walk=True)
        plan = replica.read(f"EXPLAIN QUERY PLAN {sql}", params)
        assert not any("TEMP B-TREE" in str(step[-1]) for step in plan)
        walked, after = [], None
        while True:
            rows = case_list.page(replica, query, after=after, limit=1)
            assert rows == replica.read(*case_list.page_sql(query, after=after, limit=1))
            if not rows:
                break
            walked += rows
            after = query.key_of(rows[-1])
        read = replica.read(*case_list.page_sql(query, after=None, limit=10))
        assert walked == read and len(walked) == 3


def test_overdue_and_due_soon_say_what_the_badges_say(replica):
    # 0002 waits past its date; 0005 too, but it is answered: no badge, not overdue.
    assert shown(replica, q(deadline="overdue")) == ["0002"]
    assert shown(replica, q(deadline="due_soon")) == ["0003"]
    assert case_list.deadline_counts(replica, TODAY)["inbox"] == (1, 1)
    assert case_list.deadline_counts(replica, TODAY)["outbox"] == (0, 0)
    assert case_list.deadline_counts(replica, TODAY)["all"] == (1, 1)
    # Three working days from a Wednesday: the following Monday (the weekend does not count).
    assert due_soon_until(TODAY) == dt.date(2026, 12, 7)


def test_the_search_finds_names_dates_of_birth_and_free_texts_folded(replica):
    def found(text: str) -> set[str]:
        return set(shown(replica, q(text=text, sort=RELEVANCE)))

    # Accents ignored; every word is also the beginning of a longer one ("Kovacsics").
    assert found("kovacs") == {"0001", "0002", "0006"} == found("KOVÁ")
    assert found("kovácsi") == {"0002"}
    assert found("kovacs eva") == {"0001"}  # every word must match
    assert found("12.03.1980") == {"0001"} == found("1980-03-12")  # a date, either way
    assert found("zahnarztin") == {"0001"}  # the request's free text
    assert found("diplomajat") == {"0004"}  # a message of the other authority
    assert found("oyku") == {"0005"}  # Turkish letters folded
    assert found("0004ab") == {"0004"}  # the reference
    assert found("egeszsegugyi") >= {"0001", "0002", "0005", "0006"}  # the other authority
    assert found("fegyelmi") == {"0006"}
    assert found("nothing-like-this") == set()


def test_search_results_are_ranked(replica):
    # A name in the person's field weighs more than the same word in a free text.
    ranked = shown(replica, q(text="kovacs", sort=RELEVANCE))
    assert set(ranked) == {"0001", "0002", "0006"}
    put(replica, wire(7, family="Szabó", given="Péter",
                      request_text="Kovács Kovács Kovács: a név csak a szövegben szerepel."))
    ranked = shown(replica, q(text="kovacs", sort=RELEVANCE))
    assert ranked[-1] == "0007" and len(ranked) == 4
    # Sorted by a column instead, the same matches in that column's order.
    by_name = shown(replica, q(text="kovacs", sort=1, descending=False))
    assert sorted(by_name) == sorted(ranked) and by_name[-1] == "0007"


def test_the_index_follows_every_change_of_a_case(replica):
    def found(text: str) -> set[str]:
        return set(shown(replica, q(text=text)))

    assert found("fegyelmi") == {"0006"}
    changed = wire(6, family="Kovács", given="Ádám", state="closed",
                   request_text="Kérjük a működési nyilvántartás kivonatát.")
    put(replica, changed)
    assert found("fegyelmi") == set() and found("mukodesi") == {"0006"}
    with replica.transaction():
        replica.delete_cases(["0006" + "ab" * 14])
    assert found("mukodesi") == set()
    assert replica.read("SELECT count(*) FROM case_text")[0][0] == 5


def test_assignments_of_our_authority_fill_the_assignee_column(replica):
    model = CaseTableModel(replica)
    model.set_folder("all")
    names = {model.case_id(r)[:4]: model.data(model.index(r, ASSIGNEE))
             for r in range(model.rowCount())}
    # Ours only: the other authority's own assignment is not our assignee.
    assert names == {"0001": "", "0002": "", "0003": "Anna Weber", "0004": "",
                     "0005": "Lukas Fischer", "0006": ""}
    put(replica, wire(1, family="Kovács", given="Éva", assigned=(MY_USER, "Anna Weber")))
    assert sorted(shown(replica, q(assignee=MY_USER))) == ["0001", "0003"]


def test_each_folder_keeps_its_own_filters_in_the_model(replica):
    model = CaseTableModel(replica)
    changed: list[int] = []
    model.sig_query_changed.connect(lambda: changed.append(1))
    model.set_folder("inbox")
    model.set_filters(deadline="overdue")
    assert [model.case_id(r)[:4] for r in range(model.rowCount())] == ["0002"]
    model.set_folder("outbox")
    assert model.query.deadline == "" and model.rowCount() == 1
    model.set_filter("muller")
    assert model.query.sort == RELEVANCE  # a new search is ordered by relevance
    model.set_folder("inbox")
    assert model.query.deadline == "overdue" and model.query.text == ""
    model.set_folder("outbox")
    assert model.query.text == "muller" and model.rowCount() == 1
    model.set_filter("")
    assert model.query.sort == 5 and model.query.descending  # back to the newest first
    model.clear_filters()
    assert not model.query.filtered and changed


def test_pages_with_filters_stay_keyed_and_complete(tmp_path):
    profile, key = profiles.create(tmp_path, server_url="http://127.0.0.1:1",
                                   username="de.weber", passphrase="correct horse battery")
    replica = Replica.open(profile.replica_path, key)
    try:
        with replica.transaction():
            replica.set_meta("user", USER)
        put(replica, *(wire(n, family=("Kovács" if n % 3 else "Nagy"), given=f"Given{n}",
                            area="PQ" if n % 2 else "ARCH",
                            answer_by=TODAY + dt.timedelta(days=n % 40))
                       for n in range(1, 1001)))
        model = CaseTableModel(replica)
        model.set_folder("inbox")
        model.set_filters(area="PQ", answer_from=(TODAY + dt.timedelta(days=5)).isoformat())
        model.set_filter("kovacs")
        for column, order in ((RELEVANCE, Qt.SortOrder.AscendingOrder),
                              (4, Qt.SortOrder.DescendingOrder),
                              (1, Qt.SortOrder.AscendingOrder)):
            model.sort(column, order)
            assert model.rowCount() == PAGE
            while model.canFetchMore(model.index(-1, -1)):
                model.fetchMore(model.index(-1, -1))
            listed = [model.case_id(r) for r in range(model.rowCount())]
            expected = {r[0] for r in replica.read(
                "SELECT id FROM cases WHERE json_extract(data, '$.area') = 'PQ' "
                "AND answer_by >= ? AND subject LIKE 'KOV%'",
                ((TODAY + dt.timedelta(days=5)).isoformat(),))}
            assert len(listed) == len(set(listed)) and set(listed) == expected
            sql, _params = case_list.page_sql(model.query, after=("~", "~"), limit=PAGE)
            assert "OFFSET" not in sql and "case_list.id) " in sql  # a key, not a count
    finally:
        replica.close()


def test_colleagues_are_kept_and_handlers_offered_by_area(replica):
    changes = [Change(kind=EntityKind.COLLEAGUE, id=i, version=1, data=d) for i, d in (
        ("u-anna", {"id": "u-anna", "display_name": "Anna Weber",
                    "roles": ["request_handler", "allocator"], "areas": []}),
        ("u-lukas", {"id": "u-lukas", "display_name": "Lukas Fischer",
                     "roles": ["request_handler"], "areas": ["PQ"]}),
        ("u-admin", {"id": "u-admin", "display_name": "Markus Schneider",
                     "roles": ["local_data_administrator"], "areas": []}))]
    cases.apply_pull_page(replica, changes, "c1")
    assert [c.display_name for c in colleagues.colleagues(replica)] == [
        "Anna Weber", "Lukas Fischer", "Markus Schneider"]
    assert [c.id for c in colleagues.handlers(replica, "PQ")] == ["u-anna", "u-lukas"]
    assert [c.id for c in colleagues.handlers(replica, "ARCH")] == ["u-anna"]
    cases.apply_pull_page(replica, [Change(kind=EntityKind.COLLEAGUE, id="u-lukas", version=1,
                                           data=None, reason="revoked")], "c2")
    assert [c.id for c in colleagues.handlers(replica, "PQ")] == ["u-anna"]
