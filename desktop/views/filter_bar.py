"""The filter bar above the case list: search, status, area, other authority, answer date,
deadline, "assigned to me".

It shows a ``ListQuery`` and emits what the officer changes (``sig_filters_changed`` with the
``ListQuery`` fields that changed; ``sig_search_changed`` with the searched text, once the
officer pauses typing). Its owner applies them to the list model and hands the bar the
choices the folder offers (``set_choices``, read off the GUI thread), and the query to show
when another folder brings back its own filters (``show_query``).
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import STATES, label
from desktop.models.case_list import ListQuery
from desktop.qt import (
    QCheckBox,
    QComboBox,
    QDate,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimer,
    QWidget,
    Signal,
    named,
)
from desktop.qt_locale import date_format
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.languages import localized

DEADLINES = (("overdue", N_("Overdue")), ("due_soon", N_("Due soon")))
# A date edit at its minimum shows a dash, "any date": QDateEdit cannot be empty.
_NO_DATE = QDate(2000, 1, 1)
# Authority: (id, official name, member state).
Counterpart = tuple[str, str, str]


class FilterBar(QWidget):
    sig_filters_changed = Signal(object)  # dict: ListQuery field -> value ("" lifts it)
    sig_search_changed = Signal(str)
    sig_clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._me = ""
        self._query = ListQuery()
        self._areas: list[LegislativeArea] = []
        self._area_codes: list[str] = []
        self._counterparts: list[Counterpart] = []
        self._showing = False  # set while the widgets are being set from a query

        self.search = named(QLineEdit(), "filter")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)  # one query when the officer pauses typing
        self._search_timer.timeout.connect(
            lambda: self.sig_search_changed.emit(self.search.text()))
        self.search.textChanged.connect(self._search_timer.start)
        self.deadline = named(QComboBox(), "deadlineFilter")
        self.mine = named(QCheckBox(), "assignedToMe")
        self.clear = named(QPushButton(), "clearFilters")
        self.clear.clicked.connect(self.sig_clear_requested)
        self.state = named(QComboBox(), "stateFilter")
        self.area = named(QComboBox(), "areaFilter")
        self.counterpart = named(QComboBox(), "counterpartFilter")
        self.answer_from, self.answer_to = (named(QDateEdit(), "answerFrom"),
                                            named(QDateEdit(), "answerTo"))
        for edit in (self.answer_from, self.answer_to):
            edit.setCalendarPopup(True)
            edit.setMinimumDate(_NO_DATE)
            edit.setDate(_NO_DATE)
        self.answer_label = QLabel()
        self.until_label = QLabel("–")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.deadline)
        top.addWidget(self.mine)
        top.addWidget(self.clear)
        grid.addLayout(top, 0, 0)
        bottom = QHBoxLayout()
        # Each choice says what it chooses ("Any status"): no caption needed, so the bar fits
        # beside the folders at 1280 pixels in every language. Long names show in the list.
        for combo in (self.state, self.area, self.counterpart, self.deadline):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(7)
        for combo in (self.state, self.area, self.counterpart):
            bottom.addWidget(combo, 1)  # wider when the window is
        # Beside the search there is room for the deadline choice's few short texts.
        self.deadline.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.answer_label.setBuddy(self.answer_from)
        for part in (self.answer_label, self.answer_from, self.until_label, self.answer_to):
            bottom.addWidget(part)
        grid.addLayout(bottom, 1, 0)

        for combo, field in ((self.state, "state"), (self.area, "area"),
                             (self.counterpart, "counterpart"), (self.deadline, "deadline")):
            combo.currentIndexChanged.connect(self._picker(combo, field))
        self.answer_from.dateChanged.connect(lambda: self._changed(answer_from=self._day(
            self.answer_from)))
        self.answer_to.dateChanged.connect(lambda: self._changed(answer_to=self._day(
            self.answer_to)))
        self.mine.toggled.connect(
            lambda on: self._changed(assignee=self._me if on else ""))
        self.retranslate()

    # -- what the owner gives ------------------------------------------------------------

    def set_me(self, user_id: str) -> None:
        """The signed-in user, whom "assigned to me" means."""
        self._me = user_id

    def set_choices(self, areas: Sequence[LegislativeArea], area_codes: Sequence[str],
                    counterparts: Sequence[Counterpart]) -> None:
        """The areas (as the catalogue names them; ``area_codes``: those of the folder's
        cases) and the other authorities the folder's cases offer."""
        self._areas = list(areas)
        self._area_codes = list(area_codes)
        self._counterparts = list(counterparts)
        self._fill()

    def show_query(self, query: ListQuery) -> None:
        """Show ``query``'s filters (another folder brought back its own)."""
        self._query = query
        if self.search.text() != query.text:
            self._search_timer.stop()
            self.search.blockSignals(True)
            self.search.setText(query.text)
            self.search.blockSignals(False)
        self._fill()

    def _fill(self) -> None:
        self._showing = True
        try:
            query = self._query
            self._fill_combo(self.state, _("Any status"),
                             [(code, label(STATES, code)) for code in STATES], query.state)
            names = {a.code: localized(a.names, current_language()) for a in self._areas}
            codes = list(dict.fromkeys([*self._area_codes, *([query.area] if query.area
                                                             else [])]))
            self._fill_combo(self.area, _("Any area"),
                             [(code, names.get(code, code)) for code in codes], query.area)
            others = [(i, f"{name} ({formatting.country_name(country)})" if country else name)
                      for i, name, country in self._counterparts]
            if query.counterpart and query.counterpart not in {i for i, _n in others}:
                others.append((query.counterpart, query.counterpart))
            self._fill_combo(self.counterpart, _("Any authority"), others, query.counterpart)
            self._fill_combo(self.deadline, _("Any deadline"),
                             [(code, _(text)) for code, text in DEADLINES], query.deadline)
            for edit, day in ((self.answer_from, query.answer_from),
                              (self.answer_to, query.answer_to)):
                edit.setDate(QDate.fromString(day, "yyyy-MM-dd") if day else _NO_DATE)
            self.mine.setChecked(bool(query.assignee))
            self.mine.setEnabled(bool(self._me))
        finally:
            self._showing = False

    @staticmethod
    def _fill_combo(combo: QComboBox, anything: str, choices: Sequence[tuple[str, str]],
                    current: str) -> None:
        combo.clear()
        combo.addItem(anything, "")
        for code, text in choices:
            combo.addItem(text, code)
        combo.setCurrentIndex(max(combo.findData(current), 0))

    # -- what the officer changes --------------------------------------------------------

    def _picker(self, combo: QComboBox, field: str) -> Any:
        return lambda _index: self._changed(**{field: combo.currentData() or ""})

    @staticmethod
    def _day(edit: QDateEdit) -> str:
        if edit.date() == _NO_DATE:
            return ""
        return dt.date(edit.date().year(), edit.date().month(), edit.date().day()).isoformat()

    def _changed(self, **changes: str) -> None:
        if self._showing:
            return
        self.sig_filters_changed.emit(changes)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(
            _("Search reference, person, date of birth, texts, authority or status"))
        self.mine.setText(_("Assigned to me"))
        self.clear.setText(_("Clear filters"))
        for combo, caption in ((self.state, _("Status")), (self.area, _("Legislative area")),
                               (self.counterpart, _("Other authority")),
                               (self.deadline, _("Answer by"))):
            combo.setToolTip(caption)
            combo.setAccessibleName(caption)
        self.answer_label.setText(_("Answer by"))
        for edit in (self.answer_from, self.answer_to):
            # A dash, not words: the field stays as narrow as a date in every language.
            edit.setSpecialValueText("—")
            edit.setDisplayFormat(date_format())
            edit.setToolTip(_("Answer by"))
        self._fill()
