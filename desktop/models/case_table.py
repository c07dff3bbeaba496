"""The case list as a Qt table model, over the narrow ``case_list`` table, paged by key.

Columns:
0. Reference: the first eight characters of the case id, as both sides quote it.
1. Professional: "FAMILY NAME, Given names" of the person the request is about.
2. Other authority: the authority on the other side of the case, with its country.
3. Status: the case's workflow state, in the reader's language (sorted in workflow order).
4. Answer by: the agreed answer date, in the reader's date format.
5. Updated: when the case last changed.
6. Assigned to: the colleague of our authority an allocator gave the case to (empty: nobody).

A row in bold is unread: new, or changed by the other side since it was last opened.

Rows come a page at a time (``canFetchMore``/``fetchMore``), each page the rows after the last
key shown, so a folder of 100,000 cases scrolls as fast as one of 100. Sorting and filtering
are SQL over the list table (``desktop.models.case_list``); each folder keeps its own filters
and order while the window is open, and a search is ordered by relevance until a column is
picked. After a sync, ``refresh_changed`` re-reads only the rows the replica's change log
names, and inserts, moves, updates or removes just those, so the view keeps its selection and
scroll position.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _
from desktop.labels import STATES, label
from desktop.models import case_list
from desktop.models.case_list import RELEVANCE, Key, ListQuery, Row
from desktop.models.deadlines import Badge, badge
from desktop.models.folding import fold
from desktop.models.replica import Replica
from desktop.qt import (
    QAbstractTableModel,
    QColor,
    QFont,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (N_("Reference"), N_("Professional"), N_("Other authority"), N_("Status"),
           N_("Answer by"), N_("Updated"), N_("Assigned to"))
PAGE = 200
_DISPLAY, _FONT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole
_COLOUR = Qt.ItemDataRole.ForegroundRole
ANSWER_BY = 4
ASSIGNEE = 6
# The answer date with its badge, and the badge's colour (dark enough on white and on the
# alternate row colour).
BADGES = {Badge.DUE_SOON: (N_("{date} — due soon"), QColor("#8a4b00")),
          Badge.OVERDUE: (N_("{date} — overdue"), QColor("#b00020"))}
# Above this many changed rows (a bootstrap), one reload is cheaper than row-by-row updates.
RELOAD_OVER = 2000

# loader(query, after, deliver): read a page elsewhere, then call deliver(log position, rows)
# on the GUI thread. Pages of a filtered list go there: a filter that matches few cases
# scans the whole list table to find a page, which is not work for the GUI thread.
Deliver = Callable[[int, list[Row]], None]
Loader = Callable[[ListQuery, Key | None, Deliver], None]


class CaseTableModel(QAbstractTableModel):
    sig_page_loaded = Signal()  # a page read by the loader has been shown
    sig_query_changed = Signal()  # another folder, filter or order: the bar and header follow

    def __init__(self, replica: Replica, loader: Loader | None = None) -> None:
        super().__init__()
        self._replica = replica
        self._loader = loader
        self._query = ListQuery()
        self._kept: dict[str, ListQuery] = {}  # each folder's filters and order, this session
        self._rows: list[Row] = []
        self._exhausted = False
        self._generation = 0  # bumped by every reset: a page loaded for an older one is stale
        self._loading = False
        self._positions: dict[str, int] | None = None
        self._log_seq = case_list.log_position(replica)
        self._bold = QFont()
        self._bold.setBold(True)
        self.reload()

    @property
    def folder(self) -> str:
        return self._query.folder

    @property
    def query(self) -> ListQuery:
        return self._query

    def set_folder(self, folder: str) -> None:
        """Show ``folder`` with the filters and order it had when last shown."""
        if folder == self._query.folder:
            return
        self._kept[self._query.folder] = self._query
        kept = self._kept.get(folder)
        if kept is None:  # shown first: unfiltered, in the order the last folder had
            kept = dataclasses.replace(self._query.without_filters(), folder=folder)
            if kept.sort == RELEVANCE:
                kept = dataclasses.replace(kept, sort=5, descending=True)
        self._replace(kept)

    def set_filter(self, text: str) -> None:
        """Search ``text``; a new search is ordered by relevance, a search cleared by what
        relevance replaced (the newest first)."""
        needle = fold(text.strip()) or ""
        states = tuple(code for code in STATES if needle and needle in (fold(_(STATES[code]))
                                                                         or ""))
        changes: dict[str, Any] = {"text": text, "states": states}
        if needle and not self._query.text.strip():
            changes["sort"] = RELEVANCE
        elif not needle and self._query.sort == RELEVANCE:
            changes.update(sort=5, descending=True)
        self._set_query(**changes)

    def set_filters(self, **changes: Any) -> None:
        """Narrow the list (``ListQuery``'s state, area, counterpart, answer_from, answer_to,
        deadline, assignee; an empty string lifts one)."""
        self._set_query(**changes)

    def clear_filters(self) -> None:
        query = self._query.without_filters()
        if query.sort == RELEVANCE:
            query = dataclasses.replace(query, sort=5, descending=True)
        self._replace(query)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column == RELEVANCE and not self._query.words:
            return  # the header lost its indicator for a search that is gone
        self._set_query(sort=column, descending=order == Qt.SortOrder.DescendingOrder)

    def _set_query(self, **changes: Any) -> None:
        self._replace(dataclasses.replace(self._query, **changes))

    def _replace(self, query: ListQuery) -> None:
        if query != self._query:
            self._query = query
            self.reload()
            self.sig_query_changed.emit()

    @property
    def loading(self) -> bool:
        return self._loading

    def _in_background(self) -> bool:
        return self._loader is not None and self._query.filtered

    def reload(self) -> None:
        """Read the first page again (another folder, order or filter; after a bootstrap).

        An unfiltered page is an index range (a millisecond or two): read here. A filtered
        one is read by the loader; the list is empty until it arrives.
        """
        background = self._in_background()
        self.beginResetModel()
        self._generation += 1
        self._loading = False
        if background:
            # Not exhausted: a refresh meanwhile must not place rows the page will bring.
            self._rows, self._exhausted = [], False
        else:
            self._log_seq = case_list.log_position(self._replica)
            self._rows = case_list.page(self._replica, self._query, after=None, limit=PAGE)
            self._exhausted = len(self._rows) < PAGE
        self._positions = None
        self.endResetModel()
        if background:
            self._load(None)

    def _load(self, after: Key | None) -> None:
        assert self._loader is not None
        self._loading = True
        generation = self._generation
        self._loader(self._query, after, lambda seq, rows: self._loaded(generation, seq, rows))

    def _loaded(self, generation: int, seq: int, rows: list[Row]) -> None:
        if generation != self._generation:
            return  # the officer has typed on, or picked another folder, meanwhile
        self._loading = False
        self._exhausted = len(rows) < PAGE
        fresh = [row for row in rows if self._position(row[0]) is None]
        if fresh:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(fresh) - 1)
            self._rows.extend(fresh)
            self._positions = None
            self.endInsertRows()
        if seq < self._log_seq:
            # The page was read before changes this model already applied: apply them again
            # over it (re-reading a row by id is idempotent).
            self._log_seq = seq
            self.refresh_changed()
        self.sig_page_loaded.emit()

    def refresh_changed(self) -> set[str]:
        """Bring the shown rows in step with the replica; return the ids that changed."""
        changed, self._log_seq = case_list.changes_since(self._replica, self._log_seq)
        if not changed:
            return set()
        if len(changed) > RELOAD_OVER:
            self.reload()
            return set(changed)
        fresh = case_list.rows_of(self._replica, self._query, changed)
        self._positions = None
        for case_id in changed:
            self._update_row(case_id, fresh.get(case_id))
        return set(changed)

    def _position(self, case_id: str) -> int | None:
        if self._positions is None:
            self._positions = {row[0]: i for i, row in enumerate(self._rows)}
        return self._positions.get(case_id)

    def _update_row(self, case_id: str, row: Row | None) -> None:
        at = self._position(case_id)
        if at is not None and row is not None and self._query.key_of(
                self._rows[at]) == self._query.key_of(row):
            self._rows[at] = row
            self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))
            return
        if at is not None:
            self.beginRemoveRows(QModelIndex(), at, at)
            del self._rows[at]
            self.endRemoveRows()
            self._positions = None  # the rows after ``at`` moved
        if row is None:
            return
        place = self._place_of(self._query.key_of(row))
        if place == len(self._rows) and not self._exhausted:
            return  # beyond the loaded rows: it comes with a later page
        self.beginInsertRows(QModelIndex(), place, place)
        self._rows.insert(place, row)
        self.endInsertRows()
        self._positions = None

    def _place_of(self, key: Key) -> int:
        low, high = 0, len(self._rows)
        while low < high:
            middle = (low + high) // 2
            if self._query.before(self._query.key_of(self._rows[middle]), key):
                low = middle + 1
            else:
                high = middle
        return low

    def case_id(self, row: int) -> str | None:
        return str(self._rows[row][0]) if 0 <= row < len(self._rows) else None

    def is_unread(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and bool(self._rows[row][8])

    def row_of(self, case_id: str) -> int | None:
        return self._position(case_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:  # noqa: ARG002 - Qt's signature
        after = self._query.key_of(self._rows[-1]) if self._rows else None
        if self._in_background():
            self._load(after)
            return
        more = case_list.page(self._replica, self._query, after=after, limit=PAGE)
        self._exhausted = len(more) < PAGE
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self._positions = None
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # A repaint asks every cell for ten roles; two of them are answered here.
        if role == _FONT:
            return self._bold if index.isValid() and self._rows[index.row()][8] else None
        if role == _COLOUR and index.isValid() and index.column() == ANSWER_BY:
            found = self.badge(index.row())
            return BADGES[found][1] if found else None
        if role != _DISPLAY or not index.isValid():
            return None
        (case_id, subject, _counterpart, name, country, state, answer_by, updated_at, _unread,
         _area, _assignee, assignee_name, _sort) = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return case_id[:8].upper()
        if column == 1:
            return subject
        if column == 2:
            return f"{name} ({formatting.country_name(country)})" if country else name
        if column == 3:
            return label(STATES, state)
        if column == ANSWER_BY:
            date = formatting.date_text(dt.date.fromisoformat(answer_by))
            found = badge(state, dt.date.fromisoformat(answer_by), _today())
            return _(BADGES[found][0]).format(date=date) if found else date
        if column == 5:
            return formatting.datetime_text(dt.datetime.fromisoformat(updated_at))
        if column == ASSIGNEE:
            return assignee_name
        return None

    def badge(self, row: int) -> Badge | None:
        """The deadline badge of ``row``: due soon, overdue, or none."""
        state, answer_by = self._rows[row][5], self._rows[row][6]
        return badge(state, dt.date.fromisoformat(answer_by), _today())

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._query.text:
            self.set_filter(self._query.text)  # state names are matched in the new language
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))


def _today() -> dt.date:
    return dt.datetime.now().astimezone().date()
