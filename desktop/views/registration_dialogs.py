"""Before one has an account: applying to register an authority, asking how the application
stands, and activating an account with the one-time code a coordinator or administrator gave.

Reached from the set-up dialog. The dialogs only collect input and show answers; their owner
(``desktop.registration``) talks to the server off the GUI thread and calls ``show_*``.
"""

from collections.abc import Sequence

from desktop.i18n import N_, _
from desktop.labels import label
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.authority_form import AuthorityFields
from desktop.views.widgets import dialog_buttons, error_label, fit_to_screen
from sync_protocol.catalogue import LegislativeArea
from sync_protocol.registration import MIN_PASSWORD_LENGTH

STATUS_TEXTS = {
    "pending": N_("The application is waiting for a coordinator's decision."),
    "approved": N_("The application was approved. Your local data administrator receives "
                   "an activation code from the coordinator."),
    "rejected": N_("The application was rejected. Reason given by the coordinator: "
                   "{reason}"),
}


def _selectable(text: str = "") -> QLineEdit:
    field = QLineEdit(text)
    field.setReadOnly(True)
    return field


class SelfRegistrationDialog(QDialog):
    """Apply for one's authority; below, ask how an earlier application stands."""

    sig_areas_requested = Signal(str)
    sig_submit_requested = Signal(str, object, object)
    sig_status_requested = Signal(str, str)

    def __init__(self, server_url: str, *, areas: Sequence[LegislativeArea] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selfRegistrationDialog")
        self.setWindowTitle(_("Register an authority in IMI"))
        fit_to_screen(self, 1100, 720)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(_("Apply to register your authority. A coordinator of your member "
                         "state checks the application. Keep the reference you receive: with "
                         "it you see the decision here."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        top = QFormLayout()
        self.server_url = named(QLineEdit(server_url), "serverUrl")
        self.server_url.editingFinished.connect(
            lambda: self.sig_areas_requested.emit(self.server_url.text().strip()))
        top.addRow(_("Server address"), self.server_url)
        layout.addLayout(top)
        self.fields = AuthorityFields(areas)
        layout.addWidget(self.fields)
        self.error = error_label()
        layout.addWidget(self.error)
        receipt = QHBoxLayout()
        self.receipt_label = named(QLabel(_("Your reference:")), "receiptLabel")
        self.reference_given = named(_selectable(), "referenceGiven")
        receipt.addWidget(self.receipt_label)
        receipt.addWidget(self.reference_given, 1)
        layout.addLayout(receipt)
        self.receipt_label.setVisible(False)
        self.reference_given.setVisible(False)

        check = QGroupBox(_("Already applied?"))
        check_layout = QVBoxLayout(check)
        row = QHBoxLayout()
        self.reference = named(QLineEdit(), "reference")
        self.reference.setPlaceholderText(_("Reference of the application"))
        self.check_button = named(QPushButton(_("Check status")), "checkStatus")
        self.check_button.clicked.connect(
            lambda: self.sig_status_requested.emit(self.server_url.text().strip(),
                                                   self.reference.text().strip()))
        row.addWidget(self.reference, 1)
        row.addWidget(self.check_button)
        check_layout.addLayout(row)
        self.status = named(QLabel(), "status")
        self.status.setWordWrap(True)
        check_layout.addWidget(self.status)
        layout.addWidget(check)

        buttons, self.submit_button = dialog_buttons(
            self, _("Submit application"), "submit", self._submit,
            dismiss=QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)

    def _submit(self) -> None:
        details = self.fields.details()
        if isinstance(details, str):
            self.error.setText(details)
            return
        self.error.clear()
        self.submit_button.setEnabled(False)
        self.sig_submit_requested.emit(self.server_url.text().strip(), *details)

    def set_areas(self, areas: Sequence[LegislativeArea]) -> None:
        self.fields.set_areas(areas)

    def show_error(self, text: str) -> None:
        self.submit_button.setEnabled(True)
        self.error.setText(text)

    def show_receipt(self, reference: str) -> None:
        """Submitted: the reference is shown (selectable) and the form is done."""
        self.error.clear()
        self.fields.setEnabled(False)
        self.submit_button.setEnabled(False)
        self.receipt_label.setVisible(True)
        self.reference_given.setVisible(True)
        self.reference_given.setText(reference)
        self.reference.setText(reference)
        self.status.setText(_(STATUS_TEXTS["pending"]))

    def show_status(self, status: str, reason: str = "") -> None:
        self.status.setText(label(STATUS_TEXTS, status).format(reason=reason))


class ActivationDialog(QDialog):
    """Set one's own password with a one-time activation code."""

    sig_activate_requested = Signal(str, str, str, str)

    def __init__(self, server_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationDialog")
        self.setWindowTitle(_("Activate an IMI account"))
        fit_to_screen(self, 620, 320)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(_("Enter the activation code you were given and choose your password "
                         "(at least {n} characters). The code works once.").format(
                             n=MIN_PASSWORD_LENGTH))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server_url = named(QLineEdit(server_url), "serverUrl")
        self.username = named(QLineEdit(), "username")
        self.code = named(QLineEdit(), "code")
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX")
        self.password = named(QLineEdit(), "password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = named(QLineEdit(), "repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Server address"), self.server_url)
        form.addRow(_("User name"), self.username)
        form.addRow(_("Activation code"), self.code)
        form.addRow(_("New password"), self.password)
        form.addRow(_("Repeat the password"), self.repeat)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.ok_button = dialog_buttons(self, _("Activate"), "activate", self._try)
        layout.addWidget(buttons)

    def _try(self) -> None:
        if self.password.text() != self.repeat.text():
            self.error.setText(_("The passwords differ."))
            return
        if len(self.password.text()) < MIN_PASSWORD_LENGTH:
            self.error.setText(_("The password must have at least {n} characters.").format(
                n=MIN_PASSWORD_LENGTH))
            return
        self.error.clear()
        self.ok_button.setEnabled(False)
        self.sig_activate_requested.emit(self.server_url.text().strip(),
                                         self.username.text().strip(), self.code.text().strip(),
                                         self.password.text())

    def show_error(self, text: str) -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(text)


class ActivationCodeDialog(QDialog):
    """The one-time code of a new or reset account, shown once to who must hand it over."""

    def __init__(self, *, username: str, code: str, expires: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationCodeDialog")
        self.setWindowTitle(_("Activation code"))
        fit_to_screen(self, 600, 280)
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        text = QLabel(_("Give this code to the user in person or by telephone, never by "
                        "e-mail. With it they choose their own password in IMI (Set up → "
                        "Activate an account). It is shown only now and works once, until "
                        "{date}.").format(date=expires))
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        form.addRow(_("User name"), named(_selectable(username), "username"))
        code_field = named(_selectable(code), "code")
        font = code_field.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setFamily("monospace")
        code_field.setFont(font)
        form.addRow(_("Activation code"), code_field)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
