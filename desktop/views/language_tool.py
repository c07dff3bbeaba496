"""The language management tool: coverage per language and question set, and one language
of one draft text by text, with what is missing or outdated, edited in place.

Columns of the coverage table: one per draft; a cell reads "translated of all (outdated)".
Columns of the text table: the text's id, its English, its translation (editable), its state
(``sync_protocol.authoring.status``). Export and import go through the owner (files of XLIFF
or PO, for a translation agency): the view asks for the file and emits the request.
"""

from collections.abc import Sequence

from desktop import formatting
from desktop.i18n import _, current_language
from desktop.labels import TEXT_STATES, label
from desktop.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from sync_protocol.authoring import SOURCE_LANGUAGE, Draft, coverage, set_text, status, texts
from sync_protocol.languages import LANGUAGES

STATE_COLORS = {"missing": "#fde2e1", "outdated": "#fff3cd"}
FILE_FILTERS = {"xliff": "XLIFF (*.xlf *.xliff)", "po": "PO (*.po)"}


class LanguageTool(QWidget):
    sig_changed = Signal(object)  # the Draft after an edit in place
    sig_export_requested = Signal(str, str, str, str)  # code, language, format, path
    sig_import_requested = Signal(str, str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts: list[Draft] = []
        self.current: Draft | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        self.coverage = named(QTableWidget(), "coverageTable")
        self.coverage.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.coverage.cellClicked.connect(self._cell_picked)
        split.addWidget(self.coverage)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.title = named(QLabel(), "languageTitle")
        self.language = named(QComboBox(), "toolLanguage")
        for code in LANGUAGES:
            if code != SOURCE_LANGUAGE:
                self.language.addItem("", code)
        # The reader's own language first, when it is not the source.
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        self.language.currentIndexChanged.connect(lambda _i: self._fill_texts())
        self.only_open = named(QCheckBox(), "onlyOpen")
        self.only_open.toggled.connect(lambda _on: self._fill_texts())
        row.addWidget(self.title, 1)
        row.addWidget(self.language)
        row.addWidget(self.only_open)
        lower_layout.addLayout(row)
        self.texts = named(QTableWidget(), "textTable")
        self.texts.setColumnCount(4)
        self.texts.setWordWrap(True)
        self.texts.verticalHeader().setVisible(False)
        self.texts.itemChanged.connect(self._edited)
        lower_layout.addWidget(self.texts, 1)
        files = QHBoxLayout()
        self.export_xliff = named(QPushButton(), "exportXliff")
        self.export_po = named(QPushButton(), "exportPo")
        self.import_file = named(QPushButton(), "importFile")
        self.export_xliff.clicked.connect(lambda: self._export("xliff"))
        self.export_po.clicked.connect(lambda: self._export("po"))
        self.import_file.clicked.connect(self._import)
        files.addStretch(1)
        for button in (self.export_xliff, self.export_po, self.import_file):
            files.addWidget(button)
        lower_layout.addLayout(files)
        split.addWidget(lower)
        split.setSizes([260, 420])
        layout.addWidget(split)
        self.retranslate()

    @property
    def target(self) -> str:
        return str(self.language.currentData())

    def retranslate(self) -> None:
        for index in range(self.language.count()):
            self.language.setItemText(index, formatting.language_name(
                str(self.language.itemData(index))))
        self.only_open.setText(_("Only missing or outdated"))
        self.export_xliff.setText(_("Export XLIFF…"))
        self.export_po.setText(_("Export PO…"))
        self.import_file.setText(_("Import translation…"))
        self.texts.setHorizontalHeaderLabels([_("Text"), formatting.language_name(
            SOURCE_LANGUAGE), _("Translation"), _("State")])
        self.show_drafts(self.drafts, self.current)

    def show_drafts(self, drafts: Sequence[Draft], current: Draft | None = None) -> None:
        self.drafts = list(drafts)
        self.current = current or (self.drafts[0] if self.drafts else None)
        languages = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
        self.coverage.setRowCount(len(languages))
        self.coverage.setColumnCount(len(self.drafts) + 1)
        self.coverage.verticalHeader().setVisible(False)
        self.coverage.setHorizontalHeaderLabels([_("Language"), *(d.code for d in self.drafts)])
        for row, code in enumerate(languages):
            self.coverage.setItem(row, 0, QTableWidgetItem(formatting.language_name(code)))
        for column, draft in enumerate(self.drafts, start=1):
            for row, counts in enumerate(coverage(draft, tuple(languages))):
                text = _("{done} of {total}").format(done=counts.current, total=counts.total)
                if counts.outdated:
                    text += " · " + _("{n} outdated").format(n=counts.outdated)
                cell = QTableWidgetItem(text)
                if counts.current < counts.total:
                    cell.setBackground(_color("outdated" if counts.outdated else "missing"))
                self.coverage.setItem(row, column, cell)
        self.coverage.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self._fill_texts()

    def _cell_picked(self, row: int, column: int) -> None:
        if column == 0:
            return
        self.current = self.drafts[column - 1]
        self.language.setCurrentIndex(row)  # the rows are the combo's languages, in order
        self._fill_texts()

    def _fill_texts(self) -> None:
        self.texts.blockSignals(True)
        draft = self.current
        enabled = draft is not None
        for button in (self.export_xliff, self.export_po, self.import_file):
            button.setEnabled(enabled)
        if draft is None:
            self.title.setText("")
            self.texts.setRowCount(0)
            self.texts.blockSignals(False)
            return
        self.title.setText(_("Texts of {question_set}").format(question_set=draft.code))
        all_texts = texts(draft)
        rows = [(text_id, mapping, status(draft, text_id, self.target, all_texts))
                for text_id, mapping in all_texts.items()]
        if self.only_open.isChecked():
            rows = [r for r in rows if r[2] != "current"]
        self.texts.setRowCount(len(rows))
        for index, (text_id, mapping, state) in enumerate(rows):
            fixed = [QTableWidgetItem(text_id), QTableWidgetItem(mapping.get(SOURCE_LANGUAGE, "")),
                     QTableWidgetItem(mapping.get(self.target, "")),
                     QTableWidgetItem(label(TEXT_STATES, state))]
            for column, cell in enumerate(fixed):
                if column != 2:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if state != "current":
                    cell.setBackground(_color(state))
                self.texts.setItem(index, column, cell)
        header = self.texts.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.texts.resizeRowsToContents()
        self.texts.blockSignals(False)

    def _edited(self, cell: QTableWidgetItem) -> None:
        if self.current is None or cell.column() != 2:
            return
        id_cell = self.texts.item(cell.row(), 0)
        if id_cell is None:
            return
        text_id = id_cell.text()
        try:
            draft = set_text(self.current, text_id, self.target, cell.text().strip())
        except ValueError:
            self._fill_texts()
            return
        self.drafts = [draft if d.code == draft.code else d for d in self.drafts]
        self.current = draft
        self.sig_changed.emit(draft)
        self.show_drafts(self.drafts, draft)

    def _export(self, file_format: str) -> None:
        if self.current is None:
            return
        extension = "xlf" if file_format == "xliff" else "po"
        path, _chosen = QFileDialog.getSaveFileName(
            self, _("Export translation"), f"{self.current.code}-{self.target}.{extension}",
            FILE_FILTERS[file_format])
        if path:
            self.sig_export_requested.emit(self.current.code, self.target, file_format, path)

    def _import(self) -> None:
        if self.current is None:
            return
        path, chosen = QFileDialog.getOpenFileName(
            self, _("Import translation"), "", ";;".join(FILE_FILTERS.values()))
        if path:
            file_format = "po" if path.endswith(".po") or chosen == FILE_FILTERS["po"] \
                else "xliff"
            self.sig_import_requested.emit(self.current.code, self.target, file_format, path)


def _color(state: str) -> QColor:
    return QColor(STATE_COLORS.get(state, "#ffffff"))
