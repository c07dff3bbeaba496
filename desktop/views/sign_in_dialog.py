"""Signing in again, when the server no longer accepts this computer's token.

The dialog says why (expired, ended, account or authority deactivated), that nothing queued
is lost, and asks for the password. It only collects input: ``sig_sign_in_requested`` carries
the password to its owner, who signs in off the GUI thread and calls ``show_error`` or
``accept``.
"""

from desktop import formatting
from desktop.i18n import _, ngettext
from desktop.labels import SIGN_IN_REASONS, label
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.widgets import error_label


class SignInDialog(QDialog):
    sig_sign_in_requested = Signal(str)

    def __init__(self, *, username: str, reason: str, pending: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(_("Sign in again"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        self.reason = named(QLabel(label(SIGN_IN_REASONS, reason if reason in SIGN_IN_REASONS
                                   else "unauthorised")), "reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("font-weight: bold")
        layout.addWidget(self.reason)
        kept_text = (
            ngettext("You can go on working. {n} change waiting to be sent is kept on this "
                     "computer and is sent as soon as you have signed in.",
                     "You can go on working. {n} changes waiting to be sent are kept on this "
                     "computer and are sent as soon as you have signed in.",
                     pending).format(n=formatting.number_text(pending))
            if pending else
            _("You can go on working. What you do is kept on this computer and is sent as "
              "soon as you have signed in."))
        kept = named(QLabel(kept_text), "kept")
        kept.setWordWrap(True)
        layout.addWidget(kept)
        form = QFormLayout()
        form.addRow(_("User name"), named(QLabel(username), "username"))
        self.password = named(QLineEdit(), "password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Password"), self.password)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.sign_in = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in.setText(_("Sign in"))
        self.sign_in.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Later"))
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus()

    def _try(self) -> None:
        if not self.password.text():
            self.show_error(_("Enter your password."))
            return
        self.error.setText("")
        self.set_busy(True)
        self.sig_sign_in_requested.emit(self.password.text())

    def set_busy(self, busy: bool) -> None:
        self.sign_in.setEnabled(not busy)
        self.password.setEnabled(not busy)
        if busy:
            self.error.setText(_("Signing in…"))

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.password.selectAll()
        self.password.setFocus()
