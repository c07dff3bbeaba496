"""The main window: folders, the case list, the open case, and the status bar.

It shows what its owner gives it and emits ``sig_*_requested`` signals; the owner
(``desktop.controller``) does the work. The menu bar (File, Case, View, Help) holds every
action with its keyboard shortcut; the toolbar repeats the frequent ones.
"""

from collections.abc import Callable

from desktop import formatting
from desktop.i18n import _, current_language
from desktop.labels import FOLDERS, label
from desktop.models.case_list import RELEVANCE
from desktop.models.case_table import CaseTableModel
from desktop.qt import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QComboBox,
    QFontMetrics,
    QHeaderView,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSplitter,
    QStyle,
    Qt,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.case_view import STEP_BUTTONS, CaseView, step_text
from desktop.views.filter_bar import FilterBar
from desktop.views.status_bar import SyncStatusBar
from desktop.views.widgets import fit_to_screen


class MainWindow(QMainWindow):
    sig_new_request_requested = Signal()
    sig_directory_requested = Signal()
    sig_sync_requested = Signal()
    sig_case_selected = Signal(str)
    sig_language_requested = Signal(str)
    sig_attention_requested = Signal()
    sig_notifications_requested = Signal()
    sig_help_requested = Signal()
    sig_about_requested = Signal()
    sig_catalogue_requested = Signal()
    sig_filter_changed = Signal(str)  # the searched text
    sig_filters_changed = Signal(object)  # dict: ListQuery field -> value
    sig_filters_cleared = Signal()
    sig_filter_choices_requested = Signal(str)  # a folder: its areas and other authorities
    sig_users_requested = Signal()
    sig_registrations_requested = Signal()
    sig_organisation_requested = Signal()
    sig_register_authority_requested = Signal()
    sig_closing = Signal()

    def __init__(self, model: CaseTableModel, languages: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        fit_to_screen(self, 1600, 1000)
        self.model = model
        self._identity: Callable[[], str] = lambda: ""
        # Asked before the window closes; False keeps it open (the owner sets it).
        self.close_guard: Callable[[], bool] = lambda: True
        self._counts: dict[str, tuple[int, int]] = {}
        self._deadlines: dict[str, tuple[int, int]] = {}

        toolbar = named(QToolBar(), "toolbar")
        toolbar.setMovable(False)
        self.new_action = QAction(self)
        self.new_action.setObjectName("newRequest")
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.sig_new_request_requested)
        self.directory_action = named(QAction(self), "directory")
        self.directory_action.setShortcut(QKeySequence("Ctrl+D"))
        self.directory_action.triggered.connect(self.sig_directory_requested)
        self.sync_action = QAction(self)
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(self.sig_sync_requested)
        self.quit_action = named(QAction(self), "quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        toolbar.addAction(self.new_action)
        toolbar.addAction(self.directory_action)
        toolbar.addAction(self.sync_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                             spacer.sizePolicy().verticalPolicy())
        toolbar.addWidget(spacer)
        self.language_label = QLabel()
        toolbar.addWidget(self.language_label)
        self.language = named(QComboBox(), "language")
        self._languages = languages
        self.language.currentIndexChanged.connect(self._language_picked)
        toolbar.addWidget(self.language)
        self.addToolBar(toolbar)

        self.folders = named(QListWidget(), "folders")
        self.folders.setMaximumWidth(360)
        for code in FOLDERS:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.folders.addItem(item)
        self.folders.currentItemChanged.connect(self._folder_picked)

        self.table = named(QTableView(), "cases")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        fit, stretch = QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch
        for column, mode in enumerate((fit, QHeaderView.ResizeMode.Interactive, stretch, fit,
                                       fit, fit, fit)):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(_PROFESSIONAL_COLUMN, 220)
        header.geometriesChanged.connect(self._room_for_counterpart)
        # Fit columns to the rows on screen, not to the first 1,000 (each a formatted date).
        header.setResizeContentsPrecision(0)
        # Newest first; a click on a header sorts by that column (in SQL, over the list table).
        header.setSortIndicator(5, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_picked)
        self.case_view = CaseView()

        self.filter_bar = FilterBar()
        self.filter = self.filter_bar.search
        self.filter_bar.sig_search_changed.connect(self.sig_filter_changed)
        self.filter_bar.sig_filters_changed.connect(self.sig_filters_changed)
        self.filter_bar.sig_clear_requested.connect(self.sig_filters_cleared)
        model.sig_query_changed.connect(self._query_changed)
        model.sig_page_loaded.connect(self._fit_columns)
        list_pane = QWidget()
        list_layout = QVBoxLayout(list_pane)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.filter_bar)
        list_layout.addWidget(self.table)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(list_pane)
        right.addWidget(self.case_view)
        right.setSizes([300, 500])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.folders)
        main.addWidget(right)
        main.setSizes([200, 1080])
        self.setCentralWidget(main)
        self.status = SyncStatusBar()
        self.setStatusBar(self.status)
        self._build_menus()
        self.case_view.sig_case_shown.connect(self._case_shown)
        self.retranslate()
        self.folders.setCurrentRow(0)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = named(QMenu(self), "fileMenu")
        self.file_menu.addAction(self.new_action)
        self.file_menu.addAction(self.directory_action)
        self.file_menu.addAction(self.sync_action)
        self.notifications_action = named(QAction(self), "notifications")
        self.notifications_action.triggered.connect(self.sig_notifications_requested)
        self.file_menu.addAction(self.notifications_action)
        # The Commission's catalogue editors only (``enable_catalogue``).
        self.catalogue_action = named(QAction(self), "catalogue")
        self.catalogue_action.triggered.connect(self.sig_catalogue_requested)
        self.catalogue_action.setVisible(False)
        self.file_menu.addAction(self.catalogue_action)
        self.file_menu.addSeparator()
        self.print_action = named(QAction(self), "printCase")
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(lambda: self.case_view.request_print(to_pdf=False))
        self.pdf_action = named(QAction(self), "saveCasePdf")
        self.pdf_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.pdf_action.triggered.connect(lambda: self.case_view.request_print(to_pdf=True))
        for item in (self.print_action, self.pdf_action):
            item.setEnabled(False)
            self.file_menu.addAction(item)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.case_menu = named(QMenu(self), "caseMenu")
        # Every step, by its name (an ``Action`` value; a StrEnum finds its entry too).
        self.step_actions: dict[str, QAction] = {}
        shortcuts = {"edit": "Ctrl+E", "send": "Ctrl+Shift+S", "accept": "Ctrl+Shift+A",
                     "answer": "Ctrl+R", "comment": "Ctrl+Shift+M"}
        for name, _text in STEP_BUTTONS:
            step = named(QAction(self), f"menu_{name}")
            if name in shortcuts:
                step.setShortcut(QKeySequence(shortcuts[name]))
            step.triggered.connect(self._stepper(name))
            step.setEnabled(False)
            self.case_menu.addAction(step)
            self.step_actions[name] = step
        self.view_menu = named(QMenu(self), "viewMenu")
        self.folder_actions: list[QAction] = []
        for row in range(self.folders.count()):
            folder = named(QAction(self), f"folder_{row}")
            folder.setShortcut(QKeySequence(f"Ctrl+{row + 1}"))
            folder.triggered.connect(self._folder_opener(row))
            self.view_menu.addAction(folder)
            self.folder_actions.append(folder)
        self.view_menu.addSeparator()
        self.attention_action = named(QAction(self), "showAttention")
        self.attention_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.attention_action.triggered.connect(self.sig_attention_requested)
        self.view_menu.addAction(self.attention_action)
        self.view_menu.addSeparator()
        # The same choice as the toolbar's list, for the keyboard: each language in itself.
        self.language_menu = named(QMenu(self), "languageMenu")
        self.language_actions = QActionGroup(self)
        for code in self._languages:
            choice = named(QAction(formatting.own_language_name(code), self), f"lang_{code}")
            choice.setCheckable(True)
            choice.setData(code)
            self.language_actions.addAction(choice)
            self.language_menu.addAction(choice)
        self.language_actions.triggered.connect(
            lambda choice: self.sig_language_requested.emit(choice.data()))
        self.view_menu.addMenu(self.language_menu)
        # Shown only to whom their roles allow (``set_administration``).
        self.admin_menu = named(QMenu(self), "adminMenu")
        self.users_action = named(QAction(self), "manageUsers")
        self.users_action.triggered.connect(self.sig_users_requested)
        self.registrations_action = named(QAction(self), "registrationQueue")
        self.registrations_action.triggered.connect(self.sig_registrations_requested)
        self.register_action = named(QAction(self), "registerAuthority")
        self.register_action.triggered.connect(self.sig_register_authority_requested)
        self.organisation_action = named(QAction(self), "organisationSettings")
        self.organisation_action.triggered.connect(self.sig_organisation_requested)
        for entry in (self.users_action, self.registrations_action, self.register_action,
                      self.organisation_action):
            self.admin_menu.addAction(entry)
        self.help_menu = named(QMenu(self), "helpMenu")
        self.guide_action = named(QAction(self), "userGuide")
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.guide_action.triggered.connect(self.sig_help_requested)
        self.about_action = named(QAction(self), "about")
        self.about_action.triggered.connect(self.sig_about_requested)
        self.help_menu.addAction(self.guide_action)
        self.help_menu.addAction(self.about_action)
        for menu in (self.file_menu, self.case_menu, self.view_menu, self.admin_menu,
                     self.help_menu):
            bar.addMenu(menu)
        self.set_administration(users=False, coordination=False)
        self.status.sig_attention_requested.connect(self.sig_attention_requested)

    def set_administration(self, *, users: bool, coordination: bool) -> None:
        """Show the administration a user's roles allow: their authority's users (a local
        data administrator), registration work and organisation settings (a coordinator); no
        menu for anybody else."""
        self.users_action.setVisible(users)
        self.registrations_action.setVisible(coordination)
        self.register_action.setVisible(coordination)
        self.organisation_action.setVisible(coordination)
        self.admin_menu.menuAction().setVisible(users or coordination)

    def _stepper(self, step: str) -> Callable[[], None]:
        return lambda: self.case_view.request_step(step)

    def _folder_opener(self, row: int) -> Callable[[], None]:
        return lambda: self.folders.setCurrentRow(row)

    def _case_shown(self) -> None:
        for item in (self.print_action, self.pdf_action):
            item.setEnabled(self.case_view.case is not None)
        for name, step in self.step_actions.items():
            step.setEnabled(self.case_view.step_enabled(name))

    def show_for_roles(self, roles: frozenset[str]) -> None:
        """Show only what the user's roles allow: a coordinator's approvals to coordinators;
        requests to request handlers (and to anyone who is not a coordinator, as before
        coordinators existed)."""
        coordinator = "coordinator" in roles
        handles = "request_handler" in roles or not coordinator
        visible = {"approvals": coordinator, "escalations": coordinator, "inbox": handles,
                   "outbox": handles, "drafts": handles}
        for row in range(self.folders.count()):
            item = self.folders.item(row)
            shown = visible.get(item.data(Qt.ItemDataRole.UserRole), True)
            item.setHidden(not shown)
            self.folder_actions[row].setVisible(shown)
        self.new_action.setVisible(handles)
        current = self.folders.currentItem()
        if current is None or current.isHidden() or (coordinator and not handles):
            first = "approvals" if coordinator else "inbox"
            for row in range(self.folders.count()):
                if self.folders.item(row).data(Qt.ItemDataRole.UserRole) == first:
                    self.folders.setCurrentRow(row)

    def set_identity(self, text: Callable[[], str]) -> None:
        """``text`` names the user in the UI language (their country, for one): it is asked
        again whenever the language changes."""
        self._identity = text
        self.setWindowTitle(f"IMI — {text()}")

    def set_language_choice_enabled(self, enabled: bool, why: str = "") -> None:
        for widget in (self.language, self.language_menu):
            widget.setEnabled(enabled)
            widget.setToolTip(why)

    def enable_catalogue(self) -> None:
        """Offer the catalogue window: the signed-in user edits the catalogue."""
        self.catalogue_action.setVisible(True)

    def retranslate(self) -> None:
        self.catalogue_action.setText(_("Catalogue and languages…"))
        self.new_action.setText(_("New request"))
        self.directory_action.setText(_("Directory"))
        self.sync_action.setText(_("Synchronise now"))
        self.quit_action.setText(_("Close IMI"))
        self.print_action.setText(_("Print case…"))
        self.pdf_action.setText(_("Save case as PDF…"))
        self.file_menu.setTitle(_("&File"))
        self.case_menu.setTitle(_("&Case"))
        self.view_menu.setTitle(_("&View"))
        self.help_menu.setTitle(_("&Help"))
        self.admin_menu.setTitle(_("&Administration"))
        self.users_action.setText(_("Users and roles…"))
        self.registrations_action.setText(_("Registration requests…"))
        self.register_action.setText(_("Register an authority…"))
        self.organisation_action.setText(_("Organisation settings…"))
        for (name, _text) in STEP_BUTTONS:
            self.step_actions[name].setText(step_text(name))
        for row, folder in enumerate(self.folder_actions):
            folder.setText(label(FOLDERS, self.folders.item(row).data(Qt.ItemDataRole.UserRole)))
        self.attention_action.setText(_("Needs attention…"))
        self.notifications_action.setText(_("Notifications…"))
        self.guide_action.setText(_("User guide"))
        self.about_action.setText(_("About IMI"))
        self.language_label.setText(_("Language") + " ")
        self.language_menu.setTitle(_("Language"))
        for choice in self.language_actions.actions():
            choice.setChecked(choice.data() == current_language())
        if self._identity():
            self.setWindowTitle(f"IMI — {self._identity()}")
        self.filter_bar.retranslate()
        self.language.blockSignals(True)
        self.language.clear()
        for code in self._languages:
            # In its own language: whoever is stuck in a language they cannot read finds theirs.
            self.language.addItem(formatting.own_language_name(code), code)
        self.language.setCurrentIndex(max(0, self._languages.index(current_language()))
                                      if current_language() in self._languages else 0)
        self.language.blockSignals(False)
        self.set_folder_counts(self._counts)
        self.model.retranslate()
        self.case_view.retranslate()
        self.status.show_state()

    @property
    def counted(self) -> bool:
        """Whether the folders show their counts (they arrive after the first screen)."""
        return bool(self._counts)

    def set_folder_counts(self, counts: dict[str, tuple[int, int]],
                          deadlines: dict[str, tuple[int, int]] | None = None) -> None:
        """Cases and unread cases per folder; a folder with unread cases is shown in bold.
        ``deadlines``: overdue and due-soon cases per folder, on a second line."""
        self._counts = counts
        if deadlines is not None:
            self._deadlines = deadlines
        for row in range(self.folders.count()):
            item = self.folders.item(row)
            code = item.data(Qt.ItemDataRole.UserRole)
            total, unread = counts.get(code, (0, 0))
            text = label(FOLDERS, code)
            if unread:
                text = _("{folder} ({count}, {unread} unread)").format(
                    folder=text, count=formatting.number_text(total),
                    unread=formatting.number_text(unread))
            elif total:
                text = f"{text} ({formatting.number_text(total)})"
            late = _deadline_line(*self._deadlines.get(code, (0, 0)))
            if late:
                text = f"{text}\n{late}"
            item.setText(text)
            font = item.font()
            font.setBold(bool(unread))
            item.setFont(font)
        self._fit_folders()

    def _fit_folders(self) -> None:
        """Wide enough for the longest folder name with its counts (bold), never clipped."""
        bold = self.folders.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        widest = max((metrics.horizontalAdvance(line)
                      for row in range(self.folders.count())
                      for line in self.folders.item(row).text().splitlines()), default=0)
        needed = widest + 2 * self.folders.frameWidth() + 16
        self.folders.setMinimumWidth(min(needed, self.folders.maximumWidth()))

    def refresh_list(self, refresh: Callable[[], set[str]]) -> set[str]:
        """Run the model's ``refresh`` keeping the first visible case at the top, so rows that
        come and go above it do not move what the officer is looking at."""
        top = self.model.case_id(self.table.rowAt(0))
        changed = refresh()
        row = self.model.row_of(top) if top else None
        if row is not None and row != self.table.rowAt(0):
            self.table.scrollTo(self.model.index(row, 0), QTableView.ScrollHint.PositionAtTop)
        return changed

    def select_case(self, case_id: str) -> None:
        row = self.model.row_of(case_id)
        if row is not None:
            self.table.selectRow(row)

    def _folder_picked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            folder = item.data(Qt.ItemDataRole.UserRole)
            self.model.set_folder(folder)
            self.case_view.show_case(None)
            self.sig_filter_choices_requested.emit(folder)

    def _fit_columns(self) -> None:
        """Fit the columns sized to their contents to a page read off the GUI thread (the
        header fitted them to the empty list it had meanwhile)."""
        header = self.table.horizontalHeader()
        for column in range(header.count()):
            if header.sectionResizeMode(column) == QHeaderView.ResizeMode.ResizeToContents:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._room_for_counterpart()

    def _room_for_counterpart(self) -> None:
        """Keep the stretching "Other authority" column at least as wide as its header (long
        headers of the fitted columns, in Greek say, would squeeze it to a few letters): take
        the room from the professional's column, never below that one's own header."""
        header = self.table.horizontalHeader()
        stretch, giver = _COUNTERPART_COLUMN, _PROFESSIONAL_COLUMN
        missing = _header_width(header, stretch) - header.sectionSize(stretch)
        if missing > 0:
            size = max(header.sectionSize(giver) - missing, _header_width(header, giver))
            if size < header.sectionSize(giver):
                header.resizeSection(giver, size)

    def _query_changed(self) -> None:
        """Show the model's filters and order: another folder brought back its own, or a
        search is ordered by relevance (no column's indicator)."""
        query = self.model.query
        self.filter_bar.show_query(query)
        header = self.table.horizontalHeader()
        section = -1 if query.sort == RELEVANCE else query.sort
        order = (Qt.SortOrder.DescendingOrder if query.descending
                 else Qt.SortOrder.AscendingOrder)
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (section, order):
            header.blockSignals(True)
            header.setSortIndicator(section, order)
            header.blockSignals(False)
            header.viewport().update()

    def _row_picked(self) -> None:
        case_id = self.model.case_id(self.table.currentIndex().row())
        if case_id:
            self.sig_case_selected.emit(case_id)

    def _language_picked(self, index: int) -> None:
        if index >= 0:
            self.sig_language_requested.emit(self.language.itemData(index))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_guard():
            event.ignore()
            return
        self.sig_closing.emit()
        super().closeEvent(event)


_PROFESSIONAL_COLUMN, _COUNTERPART_COLUMN = 1, 2



def _header_width(header: QHeaderView, section: int) -> int:
    """The width ``section``'s title needs, with the header's margins and sort arrow."""
    style = header.style()
    text = str(header.model().headerData(section, header.orientation()) or "")
    margin = 2 * style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    arrow = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    return header.fontMetrics().horizontalAdvance(text) + margin + arrow


def _deadline_line(overdue: int, due_soon: int) -> str:
    """"Overdue: 3 · Due soon: 2" under a folder's name (empty when neither)."""
    parts = []
    if overdue:
        parts.append(_("Overdue: {count}").format(count=formatting.number_text(overdue)))
    if due_soon:
        parts.append(_("Due soon: {count}").format(count=formatting.number_text(due_soon)))
    return " · ".join(parts)
