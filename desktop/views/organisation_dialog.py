"""A coordinator's organisation settings: the approval rules and the authorities' modes within
its scope. Only a user with the coordinator role sees the menu entry (the server refuses
anybody else, and anything outside the scope, all the same).

The dialog shows what its owner (``desktop.administration``) reads from the replica and emits
``sig_*_requested``; the owner talks to the server and calls back (``rule_changed``,
``mode_changed``, ``show_error``). Offline it shows the settings read-only.
"""

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import label
from desktop.models.organisation import Settings
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.widgets import confirm, dialog_buttons, error_label, fit_to_screen
from sync_protocol.languages import localized
from sync_protocol.organisation import (
    ApprovalRule,
    AuthorityAreaMode,
    AuthorityMode,
    CoordinatorKind,
    Direction,
)

DIRECTIONS = {
    Direction.REQUEST.value: N_("Outgoing requests"),
    Direction.REPLY.value: N_("Replies"),
}

MODES = {
    AuthorityMode.BOTH.value: N_("Sends and answers"),
    AuthorityMode.SEND.value: N_("Sends only"),
    AuthorityMode.ANSWER.value: N_("Answers only"),
}


def _combo(name: str, choices: list[tuple[str, object]], current: object = None) -> QComboBox:
    box = named(QComboBox(), name)
    for text, value in choices:
        box.addItem(text, value)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class RuleDialog(QDialog):
    """One approval rule, new or changed. A changed rule keeps what identifies it (state,
    region, area, direction): only the approving coordinator changes."""

    def __init__(self, settings: Settings, area_names: dict[str, str],
                 rule: ApprovalRule | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ruleDialog")
        self.setWindowTitle(_("Change approval rule") if rule else _("New approval rule"))
        self.settings = settings
        self.result_rule: ApprovalRule | None = None
        self._names = area_names
        layout = QVBoxLayout(self)
        intro = QLabel(_("Messages of the authorities in this place and area wait for the "
                         "approval of the coordinator you choose before they leave."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.member_state = _combo("memberState", [
            (formatting.country_name(code), code) for code in settings.member_states()],
            rule.member_state if rule else None)
        self.region = named(QComboBox(), "region")
        self.area = _combo("area", [(area_names[a.code], a.code) for a in settings.areas],
                           rule.area if rule else None)
        self.direction = _combo("direction", [(_(text), code) for code, text in
                                              DIRECTIONS.items()],
                                rule.direction.value if rule else None)
        self.approver = named(QComboBox(), "approver")
        form.addRow(_("Member state"), self.member_state)
        form.addRow(_("Region"), self.region)
        form.addRow(_("Legislative area"), self.area)
        form.addRow(_("Needs approval"), self.direction)
        form.addRow(_("Approving coordinator"), self.approver)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.save = dialog_buttons(self, _("Save rule"), "saveRule", self._accept)
        layout.addWidget(buttons)
        self.member_state.currentIndexChanged.connect(lambda _i: self._fill_regions())
        self.region.currentIndexChanged.connect(lambda _i: self._fill_approvers())
        self.area.currentIndexChanged.connect(lambda _i: self._fill_approvers())
        self._fill_regions(rule.region if rule else None)
        # A new rule names this coordinator, unless the coordinator changes it.
        self._fill_approvers(rule.coordinator_authority_id if rule
                             else settings.scope.authority_id)
        if rule is not None:
            for fixed in (self.member_state, self.region, self.area, self.direction):
                fixed.setEnabled(False)
        self.resize(max(self.sizeHint().width(), 620), self.sizeHint().height())

    def _fill_regions(self, current: str | None = None) -> None:
        self.region.blockSignals(True)
        self.region.clear()
        state = self.member_state.currentData()
        if self.settings.scope.region is None:
            self.region.addItem(_("All regions"), None)
        for region in self.settings.regions(state or ""):
            self.region.addItem(region, region)
        self.region.setCurrentIndex(max(0, self.region.findData(current)))
        self.region.blockSignals(False)
        self._fill_approvers()

    def _fill_approvers(self, current: str | None = None) -> None:
        current = current or self.approver.currentData()
        self.approver.clear()
        state, area = self.member_state.currentData(), self.area.currentData()
        if state is None or area is None:
            return
        for authority_id in self.settings.approvers(state, self.region.currentData(), area):
            self.approver.addItem(self.settings.names.get(authority_id, authority_id),
                                  authority_id)
        self.approver.setCurrentIndex(max(0, self.approver.findData(current)))

    def _accept(self) -> None:
        if self.approver.currentData() is None or self.area.currentData() is None:
            self.error.setText(_("Choose the approving coordinator."))
            return
        self.result_rule = ApprovalRule(
            member_state=self.member_state.currentData(), region=self.region.currentData(),
            area=self.area.currentData(),
            direction=Direction(self.direction.currentData()),
            coordinator_authority_id=self.approver.currentData())
        self.accept()


class OrganisationDialog(QDialog):
    """The rules and modes of the coordinator's scope; add, change or remove a rule and set
    an authority's mode (online)."""

    sig_rule_requested = Signal(object, bool)  # ApprovalRule, active
    sig_mode_requested = Signal(object)  # AuthorityAreaMode

    def __init__(self, settings: Settings, *, online: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("organisationDialog")
        self.setWindowTitle(_("Organisation settings"))
        fit_to_screen(self, 1120, 760)
        self.settings = settings
        language = current_language()
        self.area_names = {a.code: localized(a.names, language) for a in settings.areas}
        self.rules = list(settings.rules)
        self.modes = {(m.authority_id, m.area): m for m in settings.modes}
        layout = QVBoxLayout(self)
        self.scope_label = named(QLabel(_("Your scope: {scope}").format(
            scope=self._scope_text())), "scope")
        self.scope_label.setWordWrap(True)
        layout.addWidget(self.scope_label)
        self.offline = named(QLabel(_("Offline: the settings are shown as last synchronised. "
                                      "Changes need a connection to the server.")), "offline")
        self.offline.setWordWrap(True)
        self.offline.setStyleSheet("font-weight: bold")
        layout.addWidget(self.offline)

        rules_box = QGroupBox(_("Approval rules"))
        rules_layout = QVBoxLayout(rules_box)
        self.rule_list = named(QTreeWidget(), "rules")
        self.rule_list.setHeaderLabels([_("Member state"), _("Region"), _("Legislative area"),
                                        _("Needs approval"), _("Approving coordinator")])
        self.rule_list.setRootIsDecorated(False)
        self.rule_list.currentItemChanged.connect(lambda *_a: self._enable())
        rules_layout.addWidget(self.rule_list)
        self.no_rules = named(QLabel(_("No approval rules: messages leave without approval.")),
                              "noRules")
        rules_layout.addWidget(self.no_rules)
        row = QHBoxLayout()
        row.addStretch(1)
        self.remove_rule = named(QPushButton(_("Remove rule")), "removeRule")
        self.change_rule = named(QPushButton(_("Change rule…")), "changeRule")
        self.add_rule = named(QPushButton(_("New rule…")), "addRule")
        self.add_rule.setDefault(True)  # the main action
        for button in (self.add_rule, self.change_rule, self.remove_rule):
            row.addWidget(button)
        self.add_rule.clicked.connect(lambda: self._ask_rule(None))
        self.change_rule.clicked.connect(lambda: self._ask_rule(self._selected_rule()))
        self.remove_rule.clicked.connect(self._remove_rule)
        rules_layout.addLayout(row)
        layout.addWidget(rules_box, 3)

        modes_box = QGroupBox(_("What authorities may do"))
        modes_layout = QVBoxLayout(modes_box)
        hint = QLabel(_("An authority sends and answers requests unless set otherwise."))
        hint.setWordWrap(True)
        modes_layout.addWidget(hint)
        self.mode_list = named(QTreeWidget(), "modes")
        self.mode_list.setHeaderLabels([_("Authority"), _("Legislative area"), _("Mode")])
        self.mode_list.setRootIsDecorated(False)
        self.mode_list.currentItemChanged.connect(lambda *_a: self._mode_selected())
        modes_layout.addWidget(self.mode_list)
        pick = QHBoxLayout()
        self.mode_authority = _combo("modeAuthority", [
            (f"{name} ({formatting.country_name(state)})", authority_id)
            for authority_id, name, state, _region in settings.authorities])
        self.mode_area = _combo("modeArea", [(self.area_names[a.code], a.code)
                                             for a in settings.areas])
        self.mode_choice = _combo("modeChoice", [(_(text), code) for code, text in
                                                 MODES.items()])
        for box in (self.mode_authority, self.mode_area):
            # Long names (authorities, areas) may not widen the dialog beyond the screen.
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
        self.set_mode = named(QPushButton(_("Set mode")), "setMode")
        self.set_mode.clicked.connect(self._set_mode)
        pick.addWidget(self.mode_authority, 3)
        pick.addWidget(self.mode_area, 2)
        pick.addWidget(self.mode_choice)
        pick.addWidget(self.set_mode)
        modes_layout.addLayout(pick)
        layout.addWidget(modes_box, 2)

        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._online = online
        for tree in (self.rule_list, self.mode_list):
            header = tree.header()
            for column in range(tree.columnCount() - 1):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._show_rules()
        self._show_modes()
        self.set_online(online)
        self.add_rule.setFocus()

    # -- what the owner calls ---------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        self._online = online
        self.offline.setVisible(not online)
        self._enable()

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def rule_changed(self, rule: ApprovalRule, active: bool) -> None:
        self.error.clear()
        self.rules = [r for r in self.rules if r.id != rule.id] + ([rule] if active else [])
        self.rules.sort(key=lambda r: (r.member_state, r.region or "", r.area,
                                       r.direction.value))
        self._show_rules(select=rule.id if active else None)

    def mode_changed(self, mode: AuthorityAreaMode) -> None:
        self.error.clear()
        self.modes[(mode.authority_id, mode.area)] = mode
        self._show_modes()

    # -- inside -----------------------------------------------------------------------------

    def _scope_text(self) -> str:
        scope = self.settings.scope
        if scope.kind is CoordinatorKind.COMMISSION:
            return _("all member states")
        parts = [formatting.country_name(scope.member_state or "")]
        if scope.region:
            parts.append(scope.region)
        if scope.area:
            parts.append(self.area_names.get(scope.area, scope.area))
        return ", ".join(parts)

    def _area(self, code: str) -> str:
        return self.area_names.get(code, code)

    def _show_rules(self, select: str | None = None) -> None:
        self.rule_list.clear()
        for rule in self.rules:
            item = QTreeWidgetItem([
                formatting.country_name(rule.member_state), rule.region or _("All regions"),
                self._area(rule.area), label(DIRECTIONS, rule.direction.value),
                self.settings.names.get(rule.coordinator_authority_id,
                                        rule.coordinator_authority_id)])
            item.setData(0, Qt.ItemDataRole.UserRole, rule.id)
            self.rule_list.addTopLevelItem(item)
            if rule.id == select:
                self.rule_list.setCurrentItem(item)
        self.no_rules.setVisible(not self.rules)
        self._enable()

    def _show_modes(self) -> None:
        self.mode_list.clear()
        shown = sorted(self.modes.values(), key=lambda m: (
            self.settings.names.get(m.authority_id, m.authority_id), self._area(m.area)))
        for mode in shown:
            item = QTreeWidgetItem([self.settings.names.get(mode.authority_id,
                                                            mode.authority_id),
                                    self._area(mode.area), label(MODES, mode.mode.value)])
            item.setData(0, Qt.ItemDataRole.UserRole, (mode.authority_id, mode.area))
            self.mode_list.addTopLevelItem(item)

    def _mode_selected(self) -> None:
        item = self.mode_list.currentItem()
        if item is None:
            return
        mode = self.modes[item.data(0, Qt.ItemDataRole.UserRole)]
        for box, value in ((self.mode_authority, mode.authority_id),
                           (self.mode_area, mode.area), (self.mode_choice, mode.mode.value)):
            box.setCurrentIndex(max(0, box.findData(value)))

    def _selected_rule(self) -> ApprovalRule | None:
        item = self.rule_list.currentItem()
        if item is None:
            return None
        wanted = item.data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rules if r.id == wanted), None)

    def _enable(self) -> None:
        chosen = self._selected_rule() is not None
        self.add_rule.setEnabled(self._online and bool(self.settings.areas))
        self.change_rule.setEnabled(self._online and chosen)
        self.remove_rule.setEnabled(self._online and chosen)
        self.set_mode.setEnabled(self._online and self.mode_authority.count() > 0
                                 and self.mode_area.count() > 0)
        for box in (self.mode_authority, self.mode_area, self.mode_choice):
            box.setEnabled(self._online)

    def _ask_rule(self, rule: ApprovalRule | None) -> None:
        ask = RuleDialog(self.settings, self.area_names, rule, parent=self)
        if ask.exec() and ask.result_rule is not None:
            self.error.clear()
            self.sig_rule_requested.emit(ask.result_rule, True)

    def _remove_rule(self) -> None:
        rule = self._selected_rule()
        if rule is not None and confirm(
                self, title=_("Remove rule"), action=_("Remove rule"),
                text=_("Remove the rule? From now on these messages leave without this "
                       "approval.")):
            self.error.clear()
            self.sig_rule_requested.emit(rule, False)

    def _set_mode(self) -> None:
        self.error.clear()
        self.sig_mode_requested.emit(AuthorityAreaMode(
            authority_id=self.mode_authority.currentData(), area=self.mode_area.currentData(),
            mode=AuthorityMode(self.mode_choice.currentData())))
