"""A coordinator's registration work: the queue of applications in its scope, and registering
an authority directly. Only a user with the coordinator role sees them (the window hides the
menu entries; the server refuses anybody else all the same).

The dialogs show what their owner (``desktop.administration``) gives them and emit
``sig_*_requested``; the owner talks to the server and calls back.
"""

from collections.abc import Sequence

from desktop import formatting
from desktop.i18n import _, current_language
from desktop.labels import label
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
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
from desktop.views.authority_form import LEVEL_NAMES, AuthorityFields
from desktop.views.widgets import dialog_buttons, error_label, fit_to_screen
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.languages import localized
from sync_protocol.registration import Registration


def _place(member_state: str, region: str) -> str:
    country = formatting.country_name(member_state)
    return f"{country}, {region}" if region else country


class RegistrationQueueDialog(QDialog):
    """Pending applications (oldest first) with the selected one in full; approve or reject."""

    sig_approve_requested = Signal(str)
    sig_reject_requested = Signal(str, str)

    def __init__(self, registrations: Sequence[Registration], *,
                 areas: Sequence[LegislativeArea] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registrationQueueDialog")
        self.setWindowTitle(_("Registration requests"))
        fit_to_screen(self, 1180, 700)
        self._areas = {a.code: localized(a.names, current_language()) for a in areas}
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.list = named(QTreeWidget(), "registrations")
        self.list.setHeaderLabels([_("Submitted"), _("Authority"), _("Place")])
        self.list.setRootIsDecorated(False)
        self.list.currentItemChanged.connect(lambda *_a: self._show_selected())
        splitter.addWidget(self.list)
        detail = self.detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        self.form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for key, title in (("official_name", _("Official name")), ("place", _("Place")),
                           ("level", _("Level")), ("areas", _("Legislative areas")),
                           ("contact", _("Contact")), ("administrator",
                                                       _("Local data administrator"))):
            value = named(QLabel(), f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            self.form.addRow(title, value)
        detail_layout.addLayout(self.form)
        self.reason = named(QPlainTextEdit(), "reason")
        self.reason.setPlaceholderText(_("Reason for a rejection (the applicant is told)"))
        self.reason.setMaximumHeight(110)
        detail_layout.addWidget(self.reason)
        self.error = error_label()
        detail_layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.reject_button = named(QPushButton(_("Reject")), "reject")
        self.approve_button = named(QPushButton(_("Approve and register")), "approve")
        self.approve_button.setDefault(True)
        self.reject_button.clicked.connect(self._reject)
        self.approve_button.clicked.connect(self._approve)
        row.addWidget(self.reject_button)
        row.addWidget(self.approve_button)
        detail_layout.addLayout(row)
        detail_layout.addStretch(1)
        splitter.addWidget(detail)
        splitter.setSizes([600, 560])
        layout.addWidget(splitter, 1)
        self.empty = named(QLabel(_("No registration requests are waiting.")), "empty")
        layout.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.set_registrations(registrations)

    def set_registrations(self, registrations: Sequence[Registration]) -> None:
        self._registrations = {r.id: r for r in registrations}
        self.list.clear()
        for registration in registrations:
            details = registration.authority
            item = QTreeWidgetItem([formatting.date_text(registration.submitted_at.date()),
                                    details.official_name,
                                    _place(details.member_state, details.region)])
            item.setData(0, Qt.ItemDataRole.UserRole, registration.id)
            self.list.addTopLevelItem(item)
        for column in range(3):
            self.list.resizeColumnToContents(column)
        self.empty.setVisible(not registrations)
        self.detail.setVisible(bool(registrations))
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self._show_selected()

    def selected(self) -> Registration | None:
        item = self.list.currentItem()
        return self._registrations.get(item.data(0, Qt.ItemDataRole.UserRole)) if item else None

    def _show_selected(self) -> None:
        registration = self.selected()
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(registration is not None)
        self.reason.setEnabled(registration is not None)
        self.error.clear()
        if registration is None:
            for value in self.values.values():
                value.clear()
            return
        details, admin = registration.authority, registration.administrator
        texts = {
            "official_name": details.official_name,
            "place": _place(details.member_state, details.region)
            + (f" — {details.city}" if details.city else ""),
            "level": label(LEVEL_NAMES, details.level),
            "areas": ", ".join(self._areas.get(a, a) for a in details.areas),
            "contact": "\n".join(t for t in (details.email, details.phone) if t),
            "administrator": f"{admin.display_name} ({admin.username}, "
                             f"{formatting.language_name(admin.language)})",
        }
        for key, text in texts.items():
            self.values[key].setText(text)

    def _approve(self) -> None:
        registration = self.selected()
        if registration is not None:
            self.sig_approve_requested.emit(registration.id)

    def _reject(self) -> None:
        registration = self.selected()
        if registration is None:
            return
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.error.setText(_("Give the reason for the rejection: the applicant is told."))
            self.reason.setFocus()
            return
        self.sig_reject_requested.emit(registration.id, reason)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def decided(self, registration_id: str) -> None:
        """Take a decided application off the list."""
        self.reason.clear()
        self.set_registrations([r for r in self._registrations.values()
                                if r.id != registration_id])


class RegisterAuthorityDialog(QDialog):
    """A coordinator registers an authority of its scope at once."""

    sig_register_requested = Signal(object, object)

    def __init__(self, *, areas: Sequence[LegislativeArea], member_state: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registerAuthorityDialog")
        self.setWindowTitle(_("Register an authority"))
        fit_to_screen(self, 1060, 560)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(_("The authority is published in the directory at once. Its local data "
                         "administrator receives an activation code from you."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.fields = AuthorityFields(areas, member_state=member_state)
        layout.addWidget(self.fields)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.ok_button = dialog_buttons(self, _("Register"), "register", self._try)
        layout.addWidget(buttons)

    def _try(self) -> None:
        details = self.fields.details()
        if isinstance(details, str):
            self.error.setText(details)
            return
        self.error.clear()
        self.ok_button.setEnabled(False)
        self.sig_register_requested.emit(*details)

    def show_error(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(text)
