"""The catalogue window of the Commission's editors: drafts of question sets, the question
set generator and the language management tool.

Shown only to catalogue editors. It holds the drafts as they are being edited; the owner
(``desktop.controller``) loads them from the server and saves, publishes, exports and
imports on its signals, and reports back with ``show_drafts`` and ``show_outcome``.
"""

import re
from collections.abc import Sequence

from desktop.i18n import _, current_language
from desktop.models import authoring
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.language_tool import LanguageTool
from desktop.views.question_set_editor import QuestionSetEditor
from desktop.views.widgets import error_label, fit_to_screen
from sync_protocol.authoring import SOURCE_LANGUAGE, Draft, with_sources
from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.languages import localized

CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,30}$"


class CatalogueDialog(QDialog):
    sig_save_requested = Signal(object)  # Draft
    sig_publish_requested = Signal(object)  # Draft: saved, then published
    sig_export_requested = Signal(str, str, str, str)
    sig_import_requested = Signal(str, str, str, str)

    def __init__(self, published: Sequence[tuple[LegislativeArea, QuestionSet]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogueDialog")
        self.published = list(published)
        self.drafts: dict[str, Draft] = {}
        self.unsaved: set[str] = set()
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.list_title = QLabel()
        self.list = named(QListWidget(), "draftList")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda _now, _before: self._picked())
        self.new_area = named(QPushButton(), "newArea")
        self.new_area.clicked.connect(self._ask_new_area)
        self.base = named(QComboBox(), "publishedSets")
        for area, qs in self.published:
            self.base.addItem("", (area, qs))
        self.new_version = named(QPushButton(), "newVersion")
        self.new_version.clicked.connect(self._start_version)
        for widget in (self.list_title, self.list, self.new_area, self.base, self.new_version):
            left_layout.addWidget(widget)
        split.addWidget(left)
        self.tabs = named(QTabWidget(), "catalogueTabs")
        self.editor = QuestionSetEditor()
        self.languages = LanguageTool()
        self.tabs.addTab(self.editor, "")
        self.tabs.addTab(self.languages, "")
        self.tabs.currentChanged.connect(lambda _i: self._show_current())
        split.addWidget(self.tabs)
        split.setSizes([320, 960])
        layout.addWidget(split, 1)
        self.outcome = error_label()
        self.outcome.setObjectName("outcome")
        layout.addWidget(self.outcome)
        buttons = QHBoxLayout()
        self.save = named(QPushButton(), "saveDraft")
        self.publish = named(QPushButton(), "publishDraft")
        self.publish.setDefault(True)
        self.close_button = named(QPushButton(), "closeCatalogue")
        self.save.clicked.connect(self._save)
        self.publish.clicked.connect(self._publish)
        self.close_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        for button in (self.save, self.publish, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.editor.sig_changed.connect(self._changed)
        self.languages.sig_changed.connect(self._changed)
        self.languages.sig_export_requested.connect(self.sig_export_requested)
        self.languages.sig_import_requested.connect(self.sig_import_requested)
        fit_to_screen(self, 1280, 780)
        self.retranslate()

    # -- what the owner calls ----------------------------------------------------------------

    def show_drafts(self, drafts: Sequence[Draft], *, keep_unsaved: bool = True) -> None:
        current = self.current_code()
        fresh = {d.code: d for d in drafts}
        if keep_unsaved:
            fresh.update({code: self.drafts[code] for code in self.unsaved
                          if code in self.drafts})
        else:
            self.unsaved.clear()
        self.drafts = fresh
        self._fill_list(current)

    def draft_saved(self, draft: Draft) -> None:
        self.unsaved.discard(draft.code)
        self.drafts[draft.code] = draft
        self._fill_list(draft.code)

    def show_outcome(self, text: str, *, problem: bool) -> None:
        self.outcome.setStyleSheet("color: #b00020" if problem else "color: #1b5e20")
        self.outcome.setText(text)

    def current_code(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def retranslate(self) -> None:
        self.setWindowTitle(_("Catalogue: question sets and languages"))
        self.list_title.setText(_("Drafts"))
        self.new_area.setText(_("New legislative area…"))
        self.new_version.setText(_("New version of this set"))
        for index in range(self.base.count()):
            _area, qs = self.base.itemData(index)
            self.base.setItemText(index, f"{qs.code} ({qs.version}): "
                                         f"{localized(qs.names, current_language())}")
        self.tabs.setTabText(0, _("Question set"))
        self.tabs.setTabText(1, _("Languages"))
        self.save.setText(_("Save draft"))
        self.publish.setText(_("Publish"))
        self.close_button.setText(_("Close"))
        self.editor.retranslate()
        self.languages.retranslate()
        self._fill_list(self.current_code())

    # -- inside ------------------------------------------------------------------------------

    def _fill_list(self, select: str | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for code, draft in sorted(self.drafts.items()):
            name = localized(draft.question_set.names, SOURCE_LANGUAGE)
            star = " *" if code in self.unsaved else ""
            item = QListWidgetItem(f"{code}{star}\n{name}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(item)
            if code == select:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show_current()

    def _picked(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        code = self.current_code()
        draft = self.drafts.get(code) if code else None
        self.save.setEnabled(draft is not None)
        self.publish.setEnabled(draft is not None)
        if self.tabs.currentIndex() == 0:
            self.editor.show_draft(draft)
        else:
            self.languages.show_drafts(self._every_set(), draft)

    def _every_set(self) -> list[Draft]:
        """The drafts, then every published set without one (as the start of its next
        version): the language tool shows the coverage of the whole catalogue."""
        extra = [with_sources(None, authoring.from_published(area, qs))
                 for area, qs in self.published if qs.code not in self.drafts]
        return [*self.drafts.values(), *extra]

    def _changed(self, draft: Draft) -> None:
        self.drafts[draft.code] = draft
        if draft.code not in self.unsaved:
            self.unsaved.add(draft.code)
            self._fill_list(draft.code)

    def _save(self) -> None:
        code = self.current_code()
        if code in self.drafts:
            self.sig_save_requested.emit(self.drafts[code])

    def _publish(self) -> None:
        code = self.current_code()
        if code in self.drafts:
            self.sig_publish_requested.emit(self.drafts[code])

    def _start_version(self) -> None:
        data = self.base.currentData()
        if data is None:
            return
        area, qs = data
        if qs.code in self.drafts:
            self._fill_list(qs.code)
            return
        self._changed(authoring.from_published(area, qs))
        self._fill_list(qs.code)

    def _ask_new_area(self) -> None:
        dialog = NewAreaDialog(set(self.drafts) | {qs.code for _a, qs in self.published}, self)
        if dialog.exec() and dialog.result_draft is not None:
            self._changed(dialog.result_draft)
            self._fill_list(dialog.result_draft.code)


class NewAreaDialog(QDialog):
    """A new legislative area and its first question set, in English."""

    def __init__(self, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newArea")
        self.setWindowTitle(_("New legislative area"))
        self.setMinimumWidth(560)
        self.taken = taken
        self.result_draft: Draft | None = None
        form = QFormLayout(self)
        self.area_code = named(QLineEdit(), "areaCode")
        self.area_name = named(QLineEdit(), "areaName")
        self.set_code = named(QLineEdit(), "setCode")
        self.set_name = named(QLineEdit(), "setName")
        self.question = named(QLineEdit(), "firstQuestion")
        self.error = error_label()
        form.addRow(_("Code of the area"), self.area_code)
        form.addRow(_("Name of the area (English)"), self.area_name)
        form.addRow(_("Code of the question set"), self.set_code)
        form.addRow(_("Name of the question set (English)"), self.set_name)
        form.addRow(_("First question (English)"), self.question)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._done)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _done(self) -> None:
        area, code = self.area_code.text().strip().upper(), self.set_code.text().strip().upper()
        names = [w.text().strip() for w in (self.area_name, self.set_name, self.question)]
        if not all(re.fullmatch(CODE_PATTERN, c) for c in (area, code)):
            self.error.setText(_("Codes are capital letters, digits and hyphens, such as "
                                 "DENT or DENT-REG."))
            return
        if code in self.taken:
            self.error.setText(_("There is already a question set {code}.").format(code=code))
            return
        if not all(names):
            self.error.setText(_("Fill in every field."))
            return
        self.result_draft = authoring.new_draft(area_code=area, area_name=names[0],
                                                set_code=code, set_name=names[1],
                                                first_question=names[2])
        self.accept()
