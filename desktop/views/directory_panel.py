"""Searching the directory as one types: a search field, filters and the ranked results.

The panel only collects what is typed and picked and shows what it is given: it emits
``sig_search_requested(query, filters)`` and its owner runs the search on the database lane
and hands the ``Results`` back to ``show_results`` (results of a query that is no longer the
one typed are dropped). Each result says what the authority is competent for, its level and
region, so the officer need not guess from names.
"""

from collections.abc import Sequence
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _, ngettext
from desktop.models.directory import Filters, Hit, Results
from desktop.qt import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.directory import EEA_STATES, Competence
from sync_protocol.languages import localized

LEVELS = {
    "national": N_("National"),
    "regional": N_("Regional"),
    "local": N_("Local"),
    "european": N_("European"),
}


def level_name(code: str) -> str:
    return _(LEVELS[code]) if code in LEVELS else code


def competence_names(hit_or_codes: Hit | Sequence[str], competences: dict[str, Competence],
                     language: str) -> list[str]:
    codes = (hit_or_codes.authority.get("competences", []) if isinstance(hit_or_codes, Hit)
             else hit_or_codes)
    return [localized(competences[c].labels, language) if c in competences else c
            for c in codes]


def result_text(hit: Hit, competences: dict[str, Competence], language: str) -> str:
    """Three lines: official name and country; designation in the reader's language (when
    the authority gives one); competences, level and region."""
    authority = hit.authority
    lines = [f"{authority['official_name']} — {formatting.country_name(authority['member_state'])}"]
    designation = (authority.get("designation") or {}).get(language, "")
    if designation and designation != authority["official_name"]:
        lines.append(designation)
    # What matched first, then the rest.
    codes = list(hit.matched_competences) + [
        c for c in authority.get("competences", []) if c not in hit.matched_competences]
    facts = [level_name(authority.get("level", ""))]
    if authority.get("region"):
        facts.append(authority["region"])
    competent = ", ".join(competence_names(codes, competences, language))
    summary = _("Competent for: {competences}").format(competences=competent) if competent \
        else _("No professions or activities listed")
    lines.append(f"{summary} · {' · '.join(facts)}")
    return "\n".join(lines)


class DirectoryPanel(QWidget):
    """Search field, filters (member state, region, area, profession or activity, level) and
    results. ``compact``: only the search field, member state and profession or activity (the
    new-request dialog fixes the area itself)."""

    sig_search_requested = Signal(str, object)  # query, Filters
    sig_authority_selected = Signal(str)  # authority id, "" when none
    sig_results_shown = Signal(str)  # the query whose results are now shown

    def __init__(self, *, language: str, areas: list[LegislativeArea],
                 competences: list[Competence], regions: dict[str, list[str]],
                 compact: bool = False, exclude: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("directoryPanel")
        self._language = language
        self._competences = {c.code: c for c in competences}
        self._regions = regions
        self._exclude = exclude
        self._area = ""
        self.shown_query: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = named(QLineEdit(), "authoritySearch")
        self.search.setPlaceholderText(
            _("Search in any language: name, country, place, profession or activity…"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)

        filters = QGridLayout()
        self.state = named(QComboBox(), "stateFilter")
        self.state.addItem(_("All member states"), "")
        for name, code in sorted((formatting.country_name(c), c) for c in EEA_STATES):
            self.state.addItem(name, code)
        self.region = named(QComboBox(), "regionFilter")
        self.area = named(QComboBox(), "areaFilter")
        self.area.addItem(_("All legislative areas"), "")
        for area in areas:
            self.area.addItem(localized(area.names, language), area.code)
        self.competence = named(QComboBox(), "competenceFilter")
        self.level = named(QComboBox(), "levelFilter")
        self.level.addItem(_("All levels"), "")
        for code in LEVELS:
            self.level.addItem(level_name(code), code)
        # Two rows, so that "All professions and activities" fits in every language.
        for box in (self.state, self.region, self.area, self.competence, self.level):
            box.setMinimumContentsLength(12)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        if compact:
            filters.addWidget(self.state, 0, 0)
            filters.addWidget(self.competence, 0, 1)
            for box in (self.region, self.area, self.level):
                box.hide()
        else:
            filters.addWidget(self.state, 0, 0)
            filters.addWidget(self.region, 0, 1)
            filters.addWidget(self.level, 0, 2)
            filters.addWidget(self.competence, 1, 0, 1, 2)
            filters.addWidget(self.area, 1, 2)
        layout.addLayout(filters)
        self._fill_regions()
        self._fill_competences()

        self.results = named(QListWidget(), "authorityList")
        self.results.setWordWrap(True)
        self.results.setSpacing(2)
        self.results.setMinimumHeight(120)
        layout.addWidget(self.results, 1)
        self.count = named(QLabel(), "resultCount")
        self.count.setWordWrap(True)
        layout.addWidget(self.count)

        self.search.textChanged.connect(self.request_search)
        self.state.currentIndexChanged.connect(self._state_changed)
        self.area.currentIndexChanged.connect(self._area_changed)
        for box in (self.region, self.competence, self.level):
            box.currentIndexChanged.connect(self.request_search)
        self.results.currentItemChanged.connect(self._selected)

    # -- filters -------------------------------------------------------------------------------

    def set_area(self, area: str) -> None:
        """Fix the legislative area (the new-request dialog's): only competent authorities."""
        self._area = area
        self._fill_competences()
        self.request_search()

    def filters(self) -> Filters:
        return Filters(member_state=str(self.state.currentData() or ""),
                       region=str(self.region.currentData() or ""),
                       area=self._area or str(self.area.currentData() or ""),
                       competence=str(self.competence.currentData() or ""),
                       level=str(self.level.currentData() or ""), exclude=self._exclude)

    def _fill_regions(self) -> None:
        state = str(self.state.currentData() or "")
        self.region.blockSignals(True)
        self.region.clear()
        self.region.addItem(_("All regions"), "")
        names = self._regions.get(state, []) if state else sorted(
            {r for regions in self._regions.values() for r in regions})
        for name in names:
            self.region.addItem(name, name)
        self.region.blockSignals(False)

    def _fill_competences(self) -> None:
        area = self._area or str(self.area.currentData() or "")
        current = self.competence.currentData()
        self.competence.blockSignals(True)
        self.competence.clear()
        self.competence.addItem(_("All professions and activities"), "")
        for label, code in sorted(
                (localized(c.labels, self._language), c.code)
                for c in self._competences.values() if not area or c.area == area):
            self.competence.addItem(label, code)
        self.competence.setCurrentIndex(max(0, self.competence.findData(current)))
        self.competence.blockSignals(False)

    def _state_changed(self) -> None:
        self._fill_regions()
        self.request_search()

    def _area_changed(self) -> None:
        self._fill_competences()
        self.request_search()

    # -- searching -----------------------------------------------------------------------------

    def request_search(self) -> None:
        self.sig_search_requested.emit(self.search.text(), self.filters())

    def show_results(self, results: Results) -> None:
        if results.query != self.search.text():
            return  # typed on since: a newer search is on its way
        selected = self.selected_id()
        self.results.clear()
        for hit in results.hits:
            item = QListWidgetItem(result_text(hit, self._competences, self._language))
            item.setData(Qt.ItemDataRole.UserRole, hit.authority["id"])
            item.setData(Qt.ItemDataRole.UserRole + 1, hit.authority)
            self.results.addItem(item)
        if not results.hits:
            self.count.setText(_("No results. Try fewer words or other filters."))
        elif results.total > len(results.hits):
            self.count.setText(ngettext(
                "{shown} of {total} authority shown; type more to narrow the list.",
                "{shown} of {total} authorities shown; type more to narrow the list.",
                results.total).format(shown=len(results.hits), total=results.total))
        else:
            self.count.setText(ngettext("{total} authority found.", "{total} authorities found.",
                                        results.total).format(total=results.total))
        if results.corrected:
            self.count.setText(self.count.text() + " " + _("Also searched for: {words}").format(
                words=", ".join(taken for _typed, taken in results.corrected)))
        if selected:
            self.select(selected)
        elif self.results.count() == 1:
            self.results.setCurrentRow(0)
        self.shown_query = results.query
        self.sig_results_shown.emit(results.query)

    def select(self, authority_id: str) -> None:
        for row in range(self.results.count()):
            if self.results.item(row).data(Qt.ItemDataRole.UserRole) == authority_id:
                self.results.setCurrentRow(row)
                return

    def selected_id(self) -> str:
        item = self.results.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def selected_authority(self) -> dict[str, Any] | None:
        item = self.results.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        return dict(data) if data is not None else None

    def _selected(self) -> None:
        self.sig_authority_selected.emit(self.selected_id())
