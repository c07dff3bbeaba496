"""Opening a profile with its passphrase, and setting one up the first time.

Both dialogs only collect input and show errors; ``attempt`` callbacks given by their owner
do the work and return an error message (or None when it worked).
"""

from collections.abc import Callable

from desktop.i18n import _
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desktop.views.widgets import error_label, fit_to_screen

Attempt = Callable[..., str | None]


class UnlockDialog(QDialog):
    def __init__(self, username: str, attempt: Attempt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Unlock IMI"))
        self._attempt = attempt
        fit_to_screen(self, 520, 200)
        layout = QVBoxLayout(self)
        # The dialog grows with an error line instead of letting it cover the buttons.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(QLabel(_("Profile: {user}").format(user=username)))
        form = QFormLayout()
        self.passphrase = QLineEdit(objectName="passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Passphrase"), self.passphrase)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Unlock"))
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _try(self) -> None:
        problem = self._attempt(self.passphrase.text())
        if problem:
            self.error.setText(problem)
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.accept()


class SetupDialog(QDialog):
    def __init__(self, attempt: Attempt, *, server_url: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Set up IMI on this computer"))
        self._attempt = attempt
        fit_to_screen(self, 640, 360)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel(_("Sign in once to download your authority's cases. Afterwards IMI "
                         "opens with your passphrase alone, also without a connection."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server_url = QLineEdit(server_url, objectName="serverUrl")
        self.username = QLineEdit(objectName="username")
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase = QLineEdit(objectName="passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(objectName="repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Server address"), self.server_url)
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        form.addRow(_("New passphrase for this computer"), self.passphrase)
        form.addRow(_("Repeat the passphrase"), self.repeat)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _try(self) -> None:
        if self.passphrase.text() != self.repeat.text():
            self.error.setText(_("The passphrases differ."))
            return
        problem = self._attempt(self.server_url.text().strip(), self.username.text().strip(),
                                self.password.text(), self.passphrase.text())
        if problem:
            self.error.setText(problem)
            return
        self.accept()
