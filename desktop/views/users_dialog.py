"""User and role administration, for an authority's local data administrator.

The list shows the authority's users (fetched from the server: users are never synced); the
pane beside it the selected user's roles and legislative areas, to change, and the actions on
the account. The server checks every change again (``sync_server.auth.users``).
"""

from collections.abc import Sequence

from pydantic import ValidationError

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import label
from desktop.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.authority_form import field_problem
from desktop.views.widgets import dialog_buttons, error_label, fit_to_screen
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.languages import LANGUAGES, localized
from sync_protocol.registration import AREA_ROLES, NewUser, UserList, UserSummary

ROLE_NAMES = {
    "request_handler": N_("Request handler"),
    "allocator": N_("Allocator"),
    "referral_handler": N_("Referral handler"),
    "local_data_administrator": N_("Local data administrator"),
    "coordinator": N_("Coordinator"),
}


def account_state(user: UserSummary) -> str:
    if not user.active:
        return _("Deactivated")
    if user.activation_pending:
        return _("Awaiting activation")
    return _("Active")


class RightsBoxes(QWidget):
    """Check boxes for roles and for legislative areas, side by side."""

    def __init__(self, roles: Sequence[str], areas: Sequence[LegislativeArea],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        role_box, area_box = QGroupBox(_("Roles")), QGroupBox(_("Legislative areas"))
        role_layout, area_layout = QVBoxLayout(role_box), QVBoxLayout(area_box)
        self.roles = {code: named(QCheckBox(label(ROLE_NAMES, code)), f"role_{code}")
                      for code in roles}
        self.areas = {a.code: named(QCheckBox(localized(a.names, current_language())),
                                    f"area_{a.code}") for a in areas}
        for box in self.roles.values():
            role_layout.addWidget(box)
        for box in self.areas.values():
            area_layout.addWidget(box)
        role_layout.addStretch(1)
        area_layout.addStretch(1)
        layout.addWidget(role_box)
        layout.addWidget(area_box)

    def set_checked(self, roles: Sequence[str], areas: Sequence[str]) -> None:
        for code, box in self.roles.items():
            box.setChecked(code in roles)
        for code, box in self.areas.items():
            box.setChecked(code in areas)

    def checked(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (tuple(c for c, b in self.roles.items() if b.isChecked()),
                tuple(c for c, b in self.areas.items() if b.isChecked()))

    def problem(self) -> str | None:
        roles, areas = self.checked()
        if not roles:
            return _("Give the user at least one role.")
        if set(roles) & AREA_ROLES and not areas:
            return _("Choose the legislative areas the user works in.")
        return None


class UsersDialog(QDialog):
    sig_rights_requested = Signal(str, object, object)
    sig_reset_requested = Signal(str)
    sig_active_requested = Signal(str, bool)
    sig_new_user_requested = Signal()

    def __init__(self, users: UserList, *, areas: Sequence[LegislativeArea], me: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle(_("Users and roles"))
        fit_to_screen(self, 1180, 680)
        self._me = me
        # The authority's areas, named from the replica's catalogue (by code until it synced).
        known = {a.code: a for a in areas}
        offered = [known.get(code) or LegislativeArea(code=code, names={"en": code})
                   for code in users.areas]
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.list = named(QTreeWidget(), "users")
        # The roles last: the longest column, which may run past the edge.
        self.list.setHeaderLabels([_("Name"), _("User name"), _("Status"), _("Roles")])
        self.list.setRootIsDecorated(False)
        self.list.currentItemChanged.connect(lambda *_a: self._show_selected())
        splitter.addWidget(self.list)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        self.heading = named(QLabel(), "selectedUser")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        pane_layout.addWidget(self.heading)
        self.rights = RightsBoxes(users.roles, offered)
        pane_layout.addWidget(self.rights)
        self.error = error_label()
        pane_layout.addWidget(self.error)
        row = QHBoxLayout()
        self.reset_button = named(QPushButton(_("Reset password")), "resetPassword")
        self.active_button = named(QPushButton(), "toggleActive")
        self.save_button = named(QPushButton(_("Save roles and areas")), "saveRights")
        self.save_button.setDefault(True)
        self.reset_button.clicked.connect(self._reset)
        self.active_button.clicked.connect(self._toggle_active)
        self.save_button.clicked.connect(self._save)
        row.addWidget(self.reset_button)
        row.addWidget(self.active_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        pane_layout.addLayout(row)
        pane_layout.addStretch(1)
        splitter.addWidget(pane)
        splitter.setSizes([640, 540])
        layout.addWidget(splitter, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.new_button = named(buttons.addButton(_("New user…"),
                                                  QDialogButtonBox.ButtonRole.ActionRole),
                                "newUser")
        self.new_button.clicked.connect(self.sig_new_user_requested)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.set_users(users)

    def set_users(self, users: UserList, select: str | None = None) -> None:
        shown = self.selected()
        current = select or (shown.id if shown is not None else None)
        self._users = {u.id: u for u in users.users}
        self.list.clear()
        for user in users.users:
            roles = ", ".join(label(ROLE_NAMES, r) for r in user.roles)
            item = QTreeWidgetItem([user.display_name, user.username, account_state(user),
                                    roles])
            item.setData(0, Qt.ItemDataRole.UserRole, user.id)
            self.list.addTopLevelItem(item)
            if user.id == current:
                self.list.setCurrentItem(item)
        for column in range(4):
            self.list.resizeColumnToContents(column)
        first = self.list.topLevelItem(0)
        if self.list.currentItem() is None and first is not None:
            self.list.setCurrentItem(first)
        self._show_selected()

    def selected(self) -> UserSummary | None:
        item = self.list.currentItem()
        users: dict[str, UserSummary] = getattr(self, "_users", {})
        return users.get(item.data(0, Qt.ItemDataRole.UserRole)) if item else None

    def _show_selected(self) -> None:
        user = self.selected()
        self.error.clear()
        for widget in (self.rights, self.reset_button, self.active_button, self.save_button):
            widget.setEnabled(user is not None)
        if user is None:
            self.heading.clear()
            return
        self.heading.setText(f"{user.display_name} ({user.username}) — {account_state(user)}")
        self.rights.set_checked(user.roles, user.areas)
        self.active_button.setText(_("Deactivate") if user.active else _("Reactivate"))
        # Nobody locks themselves out.
        self.active_button.setEnabled(user.id != self._me)

    def _reset(self) -> None:
        user = self.selected()
        if user is not None:
            self.sig_reset_requested.emit(user.id)

    def _toggle_active(self) -> None:
        user = self.selected()
        if user is not None:
            self.sig_active_requested.emit(user.id, not user.active)

    def _save(self) -> None:
        user = self.selected()
        if user is None:
            return
        problem = self.rights.problem()
        if problem:
            self.error.setText(problem)
            return
        self.sig_rights_requested.emit(user.id, *self.rights.checked())

    def show_error(self, text: str) -> None:
        self.error.setText(text)


class NewUserDialog(QDialog):
    """A new user: name, sign-in name, language, roles and areas. An activation code follows."""

    def __init__(self, *, roles: Sequence[str], areas: Sequence[LegislativeArea],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newUserDialog")
        self.setWindowTitle(_("New user"))
        fit_to_screen(self, 720, 460)
        self.result_user: NewUser | None = None
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        form = QFormLayout()
        self.display_name = named(QLineEdit(), "displayName")
        self.username = named(QLineEdit(), "username")
        self.language = named(QComboBox(), "language")
        for code in sorted(LANGUAGES, key=formatting.language_name):
            self.language.addItem(formatting.language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        form.addRow(_("Full name"), self.display_name)
        form.addRow(_("User name"), self.username)
        form.addRow(_("Language"), self.language)
        layout.addLayout(form)
        self.rights = RightsBoxes(roles, areas)
        layout.addWidget(self.rights)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.ok_button = dialog_buttons(self, _("Create user"), "createUser", self._try)
        layout.addWidget(buttons)

    def _try(self) -> None:
        problem = self.rights.problem()
        if problem:
            self.error.setText(problem)
            return
        roles, areas = self.rights.checked()
        try:
            self.result_user = NewUser(
                username=self.username.text().strip(), display_name=self.display_name.text(),
                language=str(self.language.currentData()), roles=roles, areas=areas)
        except ValidationError as error:
            self.error.setText(field_problem(error))
            return
        self.accept()
