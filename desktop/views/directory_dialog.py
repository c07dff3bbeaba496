"""The directory: search on the left, the chosen authority in full on the right.

The detail pane shows the official name as written (never translated), the designation and
description in the reader's language when the authority provides them, what it is competent
for in each legislative area, its level, region, address and contacts.
"""

import html
from typing import Any

from desktop import formatting
from desktop.i18n import _
from desktop.models.directory import Results
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QSplitter,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.views.directory_panel import DirectoryPanel, competence_names, level_name
from desktop.views.widgets import fit_to_screen
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.directory import Competence
from sync_protocol.languages import localized


def detail_html(authority: dict[str, Any], *, language: str, areas: dict[str, LegislativeArea],
                competences: dict[str, Competence]) -> str:
    """The authority in full, as HTML (every value escaped)."""
    e = html.escape
    parts = [f"<h2>{e(authority['official_name'])}</h2>"]
    designation = (authority.get("designation") or {}).get(language, "")
    if designation and designation != authority["official_name"]:
        parts.append(f"<p><i>{e(designation)}</i></p>")
    description = localized(authority.get("description") or {}, language)
    if description:
        parts.append(f"<p>{e(description)}</p>")
    rows = [(_("Member state"), formatting.country_name(authority["member_state"])),
            (_("Level"), level_name(authority.get("level", "")))]
    if authority.get("region"):
        rows.append((_("Region"), authority["region"]))
    by_area: dict[str, list[str]] = {a: [] for a in authority.get("areas", [])}
    for code in authority.get("competences", []):
        area = competences[code].area if code in competences else ""
        by_area.setdefault(area, []).append(code)
    for area, codes in by_area.items():
        name = localized(areas[area].names, language) if area in areas else area
        listed = ", ".join(competence_names(codes, competences, language)) or _(
            "No professions or activities listed")
        rows.append((_("Competent in {area}").format(area=name), listed))
    address = " ".join(p for p in (authority.get("address", ""),
                                   authority.get("postal_code", ""),
                                   authority.get("city", "")) if p)
    for label, value in ((_("Address"), address), (_("Telephone"), authority.get("phone", "")),
                         (_("E-mail"), authority.get("email", "")),
                         (_("Website"), authority.get("website", ""))):
        if value:
            rows.append((label, value))
    parts.append("<table cellspacing='6' width='100%'>" + "".join(
        f"<tr><td valign='top' width='40%'><b>{e(k)}</b></td><td valign='top'>{e(v)}</td></tr>"
        for k, v in rows) + "</table>")
    return "".join(parts)


class DirectoryDialog(QDialog):
    def __init__(self, *, language: str, areas: list[LegislativeArea],
                 competences: list[Competence], regions: dict[str, list[str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("directoryDialog")
        self.setWindowTitle(_("Directory of authorities"))
        fit_to_screen(self, 1240, 760)
        self._language = language
        self._areas = {a.code: a for a in areas}
        self._competences = {c.code: c for c in competences}
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.panel = DirectoryPanel(language=language, areas=areas, competences=competences,
                                    regions=regions)
        self.detail = named(QTextBrowser(), "authorityDetail")
        self.detail.setOpenLinks(False)
        split.addWidget(self.panel)
        split.addWidget(self.detail)
        split.setSizes([620, 560])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.panel.sig_authority_selected.connect(self._show_selected)
        self._show_selected("")

    def show_results(self, results: Results) -> None:
        self.panel.show_results(results)
        if self.panel.results.count() and not self.panel.selected_id():
            self.panel.results.setCurrentRow(0)

    def _show_selected(self, _authority_id: str) -> None:
        authority = self.panel.selected_authority()
        if authority is None:
            hint = _("Choose an authority to see its details.")
            self.detail.setHtml(f"<p>{html.escape(hint)}</p>")
            return
        self.detail.setHtml(detail_html(authority, language=self._language, areas=self._areas,
                                        competences=self._competences))
