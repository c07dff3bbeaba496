"""The case list as a Qt table model, loaded lazily in pages.

Columns:
0. Reference: the first eight characters of the case id, as both sides quote it.
1. Professional: "FAMILY NAME, Given names" of the person the request is about.
2. Other authority: the authority on the other side of the case, with its country.
3. Status: the case's workflow state, in the reader's language.
4. Answer by: the agreed answer date, in the reader's date format.
5. Updated: when the case last changed.

Rows come from the replica a page at a time (``canFetchMore``/``fetchMore``), so a folder of
100,000 cases opens as fast as one of 100.
"""

import datetime as dt
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _
from desktop.labels import STATES, label
from desktop.models.replica import Replica
from desktop.qt import QAbstractTableModel, QFont, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (N_("Reference"), N_("Professional"), N_("Other authority"), N_("Status"),
           N_("Answer by"), N_("Updated"))
PAGE = 200


class CaseTableModel(QAbstractTableModel):
    def __init__(self, replica: Replica) -> None:
        super().__init__()
        self._replica = replica
        self._folder = "inbox"
        self._rows: list[tuple[Any, ...]] = []
        self._total = 0
        # Names of the authorities on shown rows, looked up as rows are shown.
        self._names: dict[str, tuple[str, str]] = {}

    @property
    def folder(self) -> str:
        return self._folder

    def set_folder(self, folder: str) -> None:
        self._folder = folder
        self.reload()

    def reload(self) -> None:
        """Re-read the folder (after a sync or a local step), keeping nothing stale."""
        self.beginResetModel()
        self._names.clear()  # the directory may have changed with the sync that got us here
        self._total = self._replica.count_cases(self._folder)
        self._rows = self._replica.list_cases(self._folder, offset=0, limit=PAGE)
        self.endResetModel()

    def case_id(self, row: int) -> str | None:
        return str(self._rows[row][0]) if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r[0] == case_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index) -> None:  # noqa: ARG002 - Qt's signature
        more = self._replica.list_cases(self._folder, offset=len(self._rows), limit=PAGE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        case_id, subject, counterpart, state, answer_by, updated_at, direction = (
            self._rows[index.row()]
        )
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return case_id[:8].upper()
            if column == 1:
                return subject
            if column == 2:
                name, country = self._name_of(counterpart)
                return f"{name} ({formatting.country_name(country)})" if country else name
            if column == 3:
                return label(STATES, state)
            if column == 4:
                return formatting.date_text(dt.date.fromisoformat(answer_by))
            if column == 5:
                return formatting.datetime_text(dt.datetime.fromisoformat(updated_at))
        if role == Qt.ItemDataRole.FontRole and direction == "in" and state == "sent":
            font = QFont()
            font.setBold(True)  # a new request waiting for us stands out
            return font
        return None

    def _name_of(self, authority_id: str) -> tuple[str, str]:
        name = self._names.get(authority_id)
        if name is None:
            name = self._names[authority_id] = (
                self._replica.authority_name(authority_id) or (authority_id, ""))
        return name

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))
