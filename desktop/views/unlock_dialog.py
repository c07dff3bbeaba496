"""Opening a profile with its passphrase, and setting one up the first time.

Both dialogs only collect input and show errors; callbacks given by their owner do the work.
Unlocking is quick (``attempt`` returns an error message or None); setting up needs the server,
so ``start`` runs it in the background, reports progress and can be cancelled.
"""

from collections.abc import Callable

from desktop.i18n import _
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from desktop.views.widgets import error_label

Attempt = Callable[..., str | None]
# start(server_url, username, password, passphrase, progress=..., done=...) -> cancel
Start = Callable[..., Callable[[], None]]


class UnlockDialog(QDialog):
    def __init__(self, username: str, attempt: Attempt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Unlock IMI"))
        self._attempt = attempt
        layout = QVBoxLayout(self)
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
    def __init__(self, start: Start, *, server_url: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Set up IMI on this computer"))
        self.setMinimumWidth(560)  # a server address is long; the fields show it whole
        self._start = start
        self._cancel: Callable[[], None] | None = None
        layout = QVBoxLayout(self)
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
        self._fields = (self.server_url, self.username, self.password, self.passphrase,
                        self.repeat)
        self.error = error_label()
        layout.addWidget(self.error)
        self.stage = QLabel(objectName="stage")
        self.progress = QProgressBar(objectName="progress")
        self.progress.setRange(0, 0)  # how long the server takes is not known beforehand
        self.progress.setTextVisible(False)
        for widget in (self.stage, self.progress):
            widget.setVisible(False)
            layout.addWidget(widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Sign in"))
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def _try(self) -> None:
        if self.busy:
            return
        if self.passphrase.text() != self.repeat.text():
            self.error.setText(_("The passphrases differ."))
            return
        self.error.clear()
        self._set_busy(True)
        cancel = self._start(self.server_url.text().strip(), self.username.text().strip(),
                             self.password.text(), self.passphrase.text(),
                             progress=self.stage.setText, done=self._done)
        if self.busy:  # ``done`` may have come at once (an address that cannot work)
            self._cancel = cancel

    def _set_busy(self, busy: bool) -> None:
        self._cancel = (lambda: None) if busy else None
        for widget in (*self._fields, self.ok_button):
            widget.setEnabled(not busy)
        self.stage.setVisible(busy)
        self.progress.setVisible(busy)
        if not busy:
            self.stage.clear()

    def _done(self, problem: str | None) -> None:
        self._set_busy(False)
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def reject(self) -> None:
        """Cancel works at any time; a sign-in under way is abandoned and writes nothing."""
        if self._cancel is not None:
            self._cancel()
            self._set_busy(False)
        super().reject()
