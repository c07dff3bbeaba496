"""Queries over the narrow ``case_list`` table: one folder, sorted, filtered, paged by key.

A page is "the next ``limit`` rows after this key" in the chosen order, so page 250 of a
50,000-case folder costs what page 1 costs (an index range, no OFFSET, no case JSON). The
order is always (sort column, id), both in the same direction, so a key is unique and Python
compares keys as SQLite orders them (text by code point, as UTF-8 bytes sort).
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

from desktop.models.folding import fold
from desktop.models.replica import Replica
from desktop.models.schema import SORT_COLUMNS

FOLDERS = ("inbox", "outbox", "drafts", "closed", "all", "approvals", "escalations")
# The fields of one list row, in order; the last one is the sort value of the query.
FIELDS = ("id", "subject", "counterpart", "counterpart_name", "counterpart_country", "state",
          "answer_by", "updated_at", "unread", "sort_value")
Row = tuple[Any, ...]
Key = tuple[Any, str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ListQuery:
    """Which rows a list shows, in which order.

    ``text`` filters by reference, person and other authority (case and accents ignored);
    ``states`` are the state codes whose name, in the reader's language, contains the text
    (the caller knows the language; the database does not).
    """

    folder: str = "inbox"
    sort: int = 5
    descending: bool = True
    text: str = ""
    states: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.folder not in FOLDERS:
            raise ValueError(f"unknown folder {self.folder!r}")
        if not 0 <= self.sort < len(SORT_COLUMNS):
            raise ValueError(f"unknown sort column {self.sort}")

    @property
    def column(self) -> str:
        return SORT_COLUMNS[self.sort]

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.folder != "all":
            clauses.append("folder = ?")
            params.append(self.folder)
        if self.text.strip():
            pattern = f"%{_escape(fold(self.text.strip()) or '')}%"
            matches = ["search LIKE ? ESCAPE '\\'"]
            params.append(pattern)
            if self.states:
                matches.append(f"state IN ({', '.join('?' * len(self.states))})")
                params += list(self.states)
            clauses.append(f"({' OR '.join(matches)})")
        return (" AND ".join(clauses) or "1 = 1"), params

    def key_of(self, row: Row) -> Key:
        return (row[-1], row[0])

    def before(self, a: Key, b: Key) -> bool:
        """Whether a row with key ``a`` is listed before one with key ``b``."""
        return a > b if self.descending else a < b


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _select(query: ListQuery) -> str:
    return f"SELECT {', '.join(FIELDS[:-1])}, {query.column} FROM case_list"


def page_sql(query: ListQuery, *, after: Key | None, limit: int) -> tuple[str, list[Any]]:
    """The query of one page. Unfiltered, it names its index: walking the sort order's index
    and keeping the folder's rows is never slower than a sort, whatever the folder (and needs
    no statistics)."""
    where, params = query.where()
    direction = "DESC" if query.descending else "ASC"
    # Sorted by reference, the id is the whole key.
    key_columns = ("id",) if query.column == "id" else (query.column, "id")
    if after is not None:
        where += (f" AND ({', '.join(key_columns)}) {'<' if query.descending else '>'} "
                  f"({', '.join('?' * len(key_columns))})")
        params += list(after[-len(key_columns):])
    order = ", ".join(f"{column} {direction}" for column in key_columns)
    # Filtered, the table is read in one sequential pass and the matches sorted: cheaper than
    # walking an index and looking up every row to test the filter.
    index = "" if query.text.strip() else f" INDEXED BY ix_case_list_{query.column}"
    return (f"{_select(query)}{index} WHERE {where} ORDER BY {order} LIMIT ?",
            [*params, limit])


def page(replica: Replica, query: ListQuery, *, after: Key | None, limit: int) -> list[Row]:
    """The ``limit`` rows that follow ``after`` (from the start when None)."""
    return replica.read(*page_sql(query, after=after, limit=limit))


def rows_of(replica: Replica, query: ListQuery, case_ids: Sequence[str]) -> dict[str, Row]:
    """The rows of ``case_ids`` that ``query`` shows (missing: deleted or filtered out)."""
    found: dict[str, Row] = {}
    where, params = query.where()
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        for row in replica.read(f"{_select(query)} WHERE {where} AND id IN ({marks})",
                                (*params, *chunk)):
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
            "SELECT folder, count(*), coalesce(sum(unread), 0) FROM case_list GROUP BY folder"):
        if folder in counts:
            counts[folder] = (int(count), int(new))
        total, unread = total + int(count), unread + int(new)
    counts["all"] = (total, unread)
    return counts
