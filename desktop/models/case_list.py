"""Queries over the narrow ``case_list`` table: one folder, sorted, filtered, paged by key.

A page is "the next ``limit`` rows after this key" in the chosen order, so page 250 of a
50,000-case folder costs what page 1 costs (an index range, no OFFSET, no case JSON). The
order is always (sort column, id), both in the same direction, so a key is unique and Python
compares keys as SQLite orders them (text by code point, as UTF-8 bytes sort).

Searched text is looked up in the full-text index ``case_text`` (FTS5: reference, person,
date of birth, every free text and message; each word a prefix, case and accents folded) and
in the list's own ``search`` column (the other authority's name; the state's name in the
reader's language comes as state codes). While searching, the list may be ordered by
relevance (FTS5's bm25, best first; matches of the list's column alone come after): the key
is then (score, id), ascending.
"""

import dataclasses
import datetime as dt
import re
import weakref
from collections.abc import Sequence
from typing import Any

from desktop.models.deadlines import WAITING, due_soon_until
from desktop.models.folding import fold
from desktop.models.replica import Replica
from desktop.models.schema import SORT_COLUMNS

FOLDERS = ("inbox", "outbox", "drafts", "closed", "all", "approvals", "escalations")
# The fields of one list row, in order; the last one is the sort value of the query.
FIELDS = ("id", "subject", "counterpart", "counterpart_name", "counterpart_country", "state",
          "answer_by", "updated_at", "unread", "area", "assignee", "assignee_name",
          "sort_value")
RELEVANCE = -1  # the sort "column" of a search ordered by relevance
DEADLINES = ("overdue", "due_soon")
Row = tuple[Any, ...]
Key = tuple[Any, str]
# Weights of the full-text columns (id, reference, person, texts): a reference or a name
# that matches says more than a word somewhere in a free text.
_WEIGHTS = "0.0, 10.0, 5.0, 1.0"
_WAITING = tuple(sorted(WAITING))


@dataclasses.dataclass(frozen=True, kw_only=True)
class ListQuery:
    """Which rows a list shows, in which order.

    ``text`` searches reference, person, free texts and the other authority (case and accents
    ignored); ``states`` are the state codes whose name, in the reader's language, contains
    the text (the caller knows the language; the database does not). The other fields filter:
    one ``state``, a legislative ``area``, the ``counterpart`` authority, the answer date
    between ``answer_from`` and ``answer_to`` (ISO dates, both included), a ``deadline``
    ("overdue" or "due_soon", as the list's badges say on ``today``), the ``assignee`` (a
    user id: "assigned to me").
    """

    folder: str = "inbox"
    sort: int = 5
    descending: bool = True
    text: str = ""
    states: tuple[str, ...] = ()
    state: str = ""
    area: str = ""
    counterpart: str = ""
    answer_from: str = ""
    answer_to: str = ""
    deadline: str = ""
    assignee: str = ""
    today: dt.date | None = None

    def __post_init__(self) -> None:
        if self.folder not in FOLDERS:
            raise ValueError(f"unknown folder {self.folder!r}")
        if not RELEVANCE <= self.sort < len(SORT_COLUMNS):
            raise ValueError(f"unknown sort column {self.sort}")
        if self.deadline not in ("", *DEADLINES):
            raise ValueError(f"unknown deadline filter {self.deadline!r}")
        for day in (self.answer_from, self.answer_to):
            if day:
                dt.date.fromisoformat(day)

    @property
    def by_relevance(self) -> bool:
        return self.sort == RELEVANCE and bool(self.words)

    @property
    def column(self) -> str:
        """The sort column ("score": relevance; asked for without a search, the newest
        first)."""
        if self.sort == RELEVANCE:
            return "score" if self.words else "updated_at"
        return SORT_COLUMNS[self.sort]

    @property
    def words(self) -> tuple[str, ...]:
        """The searched words, folded (letters and digits only)."""
        return tuple(re.findall(r"[^\W_]+", fold(self.text) or ""))

    @property
    def filtered(self) -> bool:
        """Whether anything but the folder narrows the list (its pages are then read off the
        GUI thread: a filter matching few cases reads the whole list table for a page)."""
        return bool(self.text.strip() or self.state or self.area or self.counterpart
                    or self.answer_from or self.answer_to or self.deadline or self.assignee)

    @property
    def descends(self) -> bool:
        if self.sort == RELEVANCE:
            return not self.words
        return self.descending

    def match(self) -> str:
        """The FTS5 query of ``text``: every word, as a prefix (quoted: no operators)."""
        return " ".join(f'"{word}"*' for word in self.words)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.folder != "all":
            clauses.append("folder = ?")
            params.append(self.folder)
        if self.text.strip():
            matches = ["search LIKE ? ESCAPE '\\'"]
            params.append(f"%{_escape(fold(self.text.strip()) or '')}%")
            if self.words:
                matches.append("hits.id IS NOT NULL")
            if self.states:
                matches.append(f"state IN ({', '.join('?' * len(self.states))})")
                params += list(self.states)
            clauses.append(f"({' OR '.join(matches)})")
        for column, value in (("state", self.state), ("area", self.area),
                              ("counterpart", self.counterpart), ("assignee", self.assignee)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.answer_from:
            clauses.append("answer_by >= ?")
            params.append(self.answer_from)
        if self.answer_to:
            clauses.append("answer_by <= ?")
            params.append(self.answer_to)
        if self.deadline:
            today = self.today or _today()
            clauses.append(f"state IN ({', '.join('?' * len(_WAITING))})")
            params += list(_WAITING)
            if self.deadline == "overdue":
                clauses.append("answer_by < ?")
                params.append(today.isoformat())
            else:
                clauses.append("answer_by >= ? AND answer_by <= ?")
                params += [today.isoformat(), due_soon_until(today).isoformat()]
        return (" AND ".join(clauses) or "1 = 1"), params

    def key_of(self, row: Row) -> Key:
        return (row[-1], row[0])

    def before(self, a: Key, b: Key) -> bool:
        """Whether a row with key ``a`` is listed before one with key ``b``."""
        return a > b if self.descends else a < b

    def without_filters(self) -> "ListQuery":
        """This folder and order, nothing filtered."""
        return ListQuery(folder=self.folder, sort=self.sort, descending=self.descending)


def _today() -> dt.date:
    return dt.datetime.now().astimezone().date()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _source(query: ListQuery) -> tuple[str, list[Any]]:
    """``WITH ... SELECT <fields> FROM case_list ...`` of ``query``, and its parameters: with
    searched words, the full-text hits (id, bm25 score) joined to the list."""
    fields = ", ".join(f"case_list.{f}" for f in FIELDS[:-1])
    if not query.words:
        return f"SELECT {fields}, {query.column} FROM case_list", []
    return (f"WITH hits AS MATERIALIZED (SELECT id, bm25(case_text, {_WEIGHTS}) AS score "
            f"FROM case_text WHERE case_text MATCH ?) "
            f"SELECT {fields}, {_sort_expression(query)} FROM case_list "
            f"LEFT JOIN hits ON hits.id = case_list.id", [query.match()])


def _sort_expression(query: ListQuery) -> str:
    return "coalesce(hits.score, 0.0)" if query.by_relevance else f"case_list.{query.column}"


def page_sql(query: ListQuery, *, after: Key | None, limit: int,
             walk: bool = False) -> tuple[str, list[Any]]:
    """The query of one page. Unfiltered (or ``walk``), it names its index: walking the sort
    order's index and keeping the folder's rows is never slower than a sort, whatever the
    folder (and needs no statistics)."""
    source, params = _source(query)
    where, where_params = query.where()
    params += where_params
    direction = "DESC" if query.descends else "ASC"
    # Sorted by reference, the id is the whole key.
    key_columns = (("case_list.id",) if query.column == "id"
                   else (_sort_expression(query), "case_list.id"))
    if after is not None:
        where += (f" AND ({', '.join(key_columns)}) {'<' if query.descends else '>'} "
                  f"({', '.join('?' * len(key_columns))})")
        params += list(after[-len(key_columns):])
    order = ", ".join(f"{column} {direction}" for column in key_columns)
    # Filtered, the table is read in one sequential pass and the matches sorted: cheaper than
    # walking an index and looking up every row to test the filter.
    # A filter that keeps most of the folder is the exception (``walks``).
    if not query.filtered or walk:
        source += f" INDEXED BY ix_case_list_{query.column}"
    return f"{source} WHERE {where} ORDER BY {order} LIMIT ?", [*params, limit]


def page(replica: Replica, query: ListQuery, *, after: Key | None, limit: int) -> list[Row]:
    """The ``limit`` rows that follow ``after`` (from the start when None)."""
    walk = query.filtered and walks(replica, query, limit)
    return replica.read(*page_sql(query, after=after, limit=limit, walk=walk))


# Each filter's answer, as long as the process runs: a filter's pages are read one after the
# other, and the choice only decides the plan, never the rows.
_WALKS: "weakref.WeakKeyDictionary[Replica, dict[tuple[ListQuery, int], bool]]" = \
    weakref.WeakKeyDictionary()


def walks(replica: Replica, query: ListQuery, limit: int) -> bool:
    """Whether the pages of filtered ``query`` are read faster by walking the sort order's
    index and keeping the matching rows than by reading every match and sorting them: when
    the filter keeps most of its folder ("overdue" in the inbox keeps two thirds of it, and
    sorting 11,000 matches for every page of 200 took a quarter of a second at 50,000 cases).
    A walk reads about ``limit * folder / matches`` rows a page; a sort reads every match.
    Only a filter an index counts is weighed: a search, or "assigned to me" alone, would
    read every row just to count (and is sorted, as before)."""
    indexed = (query.state or query.area or query.counterpart or query.answer_from
               or query.answer_to or query.deadline)
    if query.text.strip() or query.sort == RELEVANCE or not indexed:
        return False
    known = _WALKS.setdefault(replica, {})
    if (query, limit) not in known:
        if len(known) > 256:
            known.clear()
        where, params = query.where()
        matches = int(replica.read(f"SELECT count(*) FROM case_list WHERE {where}",
                                   params)[0][0])
        folder = replica.count_cases(query.folder)
        known[query, limit] = matches > 0 and limit * folder < matches * matches
    return known[query, limit]


def rows_of(replica: Replica, query: ListQuery, case_ids: Sequence[str]) -> dict[str, Row]:
    """The rows of ``case_ids`` that ``query`` shows (missing: deleted or filtered out)."""
    found: dict[str, Row] = {}
    source, params = _source(query)
    where, where_params = query.where()
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        for row in replica.read(f"{source} WHERE {where} AND case_list.id IN ({marks})",
                                (*params, *where_params, *chunk)):
            found[str(row[0])] = row
    return found


def changes_since(replica: Replica, seq: int) -> tuple[list[str], int]:
    """Ids of list rows written after log position ``seq`` (rows gone included), and the
    position to ask from next time."""
    rows = replica.read("SELECT id, seq FROM case_list_log WHERE seq > ? ORDER BY seq", (seq,))
    return [str(r[0]) for r in rows], (int(rows[-1][1]) if rows else seq)


def log_position(replica: Replica) -> int:
    return int(replica.read("SELECT coalesce(max(seq), 0) FROM case_list_log")[0][0])


def folder_counts(replica: Replica) -> dict[str, tuple[int, int]]:
    """(cases, unread) per folder; "all" counts every case."""
    counts = dict.fromkeys(FOLDERS, (0, 0))
    total = unread = 0
    for folder, count, new in replica.read(
            "SELECT folder, count(*), coalesce(sum(unread), 0) FROM case_list "
            "INDEXED BY ix_case_list_choices GROUP BY folder"):
        if folder in counts:
            counts[folder] = (int(count), int(new))
        total, unread = total + int(count), unread + int(new)
    counts["all"] = (total, unread)
    return counts


def deadline_counts(replica: Replica, today: dt.date | None = None
                    ) -> dict[str, tuple[int, int]]:
    """(overdue, due soon) per folder on ``today``, as the badges say; "all" counts every
    case. Read from the deadline index (state, answer date): only waiting cases are read."""
    today = today or _today()
    counts = dict.fromkeys(FOLDERS, (0, 0))
    overdue_all = soon_all = 0
    marks = ", ".join("?" * len(_WAITING))
    for folder, overdue, soon in replica.read(
            f"SELECT folder, sum(answer_by < ?), sum(answer_by >= ?) FROM case_list "
            f"INDEXED BY ix_case_list_deadline WHERE state IN ({marks}) AND answer_by <= ? "
            f"GROUP BY folder",
            (today.isoformat(), today.isoformat(), *_WAITING,
             due_soon_until(today).isoformat())):
        if folder in counts:
            counts[folder] = (int(overdue), int(soon))
        overdue_all, soon_all = overdue_all + int(overdue), soon_all + int(soon)
    counts["all"] = (overdue_all, soon_all)
    return counts


def counterparts(replica: Replica, folder: str) -> list[tuple[str, str, str]]:
    """(id, name, member state) of the authorities on the other side of ``folder``'s cases,
    for the filter's choice, by name.

    The distinct authorities come from the folder's part of a covering index, then one row of
    each gives its name (the triggers give every row of an authority the same name)."""
    where, params = ListQuery(folder=folder).where()
    one = "(SELECT {} FROM case_list c WHERE c.counterpart = d.counterpart LIMIT 1)"
    return [(str(i), str(n), str(c)) for i, n, c in replica.read(
        f"SELECT counterpart, {one.format('counterpart_name')}, "
        f"{one.format('counterpart_country')} FROM (SELECT DISTINCT counterpart "
        f"FROM case_list INDEXED BY ix_case_list_choices WHERE {where}) d ORDER BY 2, 1",
        params)]


def areas(replica: Replica, folder: str) -> list[str]:
    """The legislative areas of ``folder``'s cases, for the filter's choice (from a covering
    index)."""
    where, params = ListQuery(folder=folder).where()
    return [str(r[0]) for r in replica.read(
        f"SELECT DISTINCT area FROM case_list INDEXED BY ix_case_list_choices "
        f"WHERE {where} AND area != '' ORDER BY 1", params)]
