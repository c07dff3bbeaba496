"""Opening a profile with its passphrase, and setting one up the first time.

Both dialogs only collect input and show errors; callbacks given by their owner do the work.
Unlocking is quick (``attempt`` returns an error message or None); setting up needs the server,
so ``start`` runs it in the background, reports progress and can be cancelled.
"""

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop import formatting
from desktop.i18n import _, current_language
from desktop.machine_config import MachineConfig
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.qt_locale import switch_language
from desktop.views.widgets import error_label, fit_to_screen

Attempt = Callable[..., str | None]
# start(server_url, username, password, passphrase, progress=..., done=...) -> cancel
Start = Callable[..., Callable[[], None]]


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
        self.passphrase = named(QLineEdit(), "passphrase")
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


@dataclasses.dataclass(frozen=True, kw_only=True)
class SetupForm:
    """What the set-up dialog collected."""

    server_url: str
    username: str
    password: str
    passphrase: str
    language: str = ""
    proxy: str = ""
    ca_bundle: str = ""
    profiles_dir: str = ""


class SetupDialog(QDialog):
    """Sign in once. Below the sign-in, the machine's roll-out settings (server address,
    language, proxy, CA certificate, profile folder) are filled in; those the administrator
    locked are shown greyed out. Signing in runs in the background (``start``), with its
    stages shown and a cancel that works at any time."""

    def __init__(self, start: Start, *,
                 config: MachineConfig | None = None, training: bool = False,
                 languages: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Each text with how to set it: the language can change while the dialog is open.
        self._texts: list[tuple[Callable[[str], None], Callable[[], str]]] = []
        self._text(self.setWindowTitle,
                   (lambda: _("Set up IMI training on this computer")) if training
                   else (lambda: _("Set up IMI on this computer")))
        self._start = start
        self._cancel: Callable[[], None] | None = None
        fit_to_screen(self, 640, 360)
        self.setMinimumWidth(560)  # addresses and paths are long
        config = config or MachineConfig(profiles_dir=Path())
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        intro = QLabel()
        self._text(intro.setText, lambda: _(
            "Sign in once to download your authority's cases. Afterwards IMI opens with your "
            "passphrase alone, also without a connection."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server_url = named(QLineEdit(config.server_for(training=training)), "serverUrl")
        self.username = named(QLineEdit(), "username")
        self.password = named(QLineEdit(), "password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase = named(QLineEdit(), "passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = named(QLineEdit(), "repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self._row(form, lambda: _("Server address"), self.server_url)
        self._row(form, lambda: _("User name"), self.username)
        self._row(form, lambda: _("Password"), self.password)
        self._row(form, lambda: _("New passphrase for this computer"), self.passphrase)
        self._row(form, lambda: _("Repeat the passphrase"), self.repeat)
        layout.addLayout(form)

        settings = QGroupBox()
        self._text(settings.setTitle, lambda: _("Connection and language"))
        more = QFormLayout(settings)
        self.language = named(QComboBox(), "language")
        for code in languages:
            # In its own language, as in the window's picker (a user stuck in the wrong
            # language finds theirs).
            self.language.addItem(formatting.own_language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(
            config.language or current_language())))
        self.language.currentIndexChanged.connect(self._language_picked)
        self.proxy = named(QLineEdit(config.proxy), "proxy")
        self._text(self.proxy.setPlaceholderText, lambda: _("none (direct connection)"))
        self.ca_bundle = named(QLineEdit(config.ca_bundle), "caBundle")
        self._text(self.ca_bundle.setPlaceholderText,
                   lambda: _("none (the usual certificate authorities)"))
        self.profiles_dir = named(QLineEdit(str(config.profiles_dir) if config.profiles_dir.parts
                                      else ""), "profilesDir")
        self._row(more, lambda: _("Language"), self.language)
        self._row(more, lambda: _("Proxy"), self.proxy)
        self._row(more, lambda: _("Extra CA certificate (PEM file)"), self.ca_bundle)
        self._row(more, lambda: _("Folder for profiles"), self.profiles_dir)
        layout.addWidget(settings)
        fields = {"server_url": self.server_url, "training_server_url": self.server_url,
                  "language": self.language, "proxy": self.proxy,
                  "ca_bundle": self.ca_bundle, "profiles_dir": self.profiles_dir}
        server_key = "training_server_url" if training else "server_url"
        locked = [w for key, w in fields.items() if config.is_locked(key)
                  and (key not in ("server_url", "training_server_url") or key == server_key)]
        for widget in locked:
            widget.setEnabled(False)
            self._text(widget.setToolTip, lambda: _("Set by your administrator"))
        if locked:
            note = named(QLabel(), "lockedNote")
            self._text(note.setText,
                       lambda: _("Settings shown in grey are set by your administrator."))
            note.setWordWrap(True)
            layout.addWidget(note)
        self._locked = list(locked)
        self._inputs = (self.server_url, self.username, self.password, self.passphrase,
                        self.repeat, self.language, self.proxy, self.ca_bundle,
                        self.profiles_dir)
        self.error = error_label()
        layout.addWidget(self.error)
        self.stage = named(QLabel(), "stage")
        self.progress = named(QProgressBar(), "progress")
        self.progress.setRange(0, 0)  # how long the server takes is not known beforehand
        self.progress.setTextVisible(False)
        for widget in (self.stage, self.progress):
            widget.setVisible(False)
            layout.addWidget(widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        # Not Qt's standard OK button: Qt would put back "OK" when the language changes.
        self.ok_button = buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self._text(self.ok_button.setText, lambda: _("Sign in"))
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _text(self, setter: Callable[[str], None], text: Callable[[], str]) -> None:
        self._texts.append((setter, text))
        setter(text())

    def _row(self, form: QFormLayout, text: Callable[[], str], field: QWidget) -> None:
        label = QLabel()
        label.setBuddy(field)
        self._text(label.setText, text)
        form.addRow(label, field)

    def _language_picked(self, index: int) -> None:
        """The dialog speaks the language picked at once: whoever opened it in a language
        they cannot read finds their own and reads the rest in it."""
        language = self.language.itemData(index)
        if language and language != current_language():
            switch_language(language)
            for setter, text in self._texts:
                setter(text())

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
        form = SetupForm(
            server_url=self.server_url.text().strip(), username=self.username.text().strip(),
            password=self.password.text(), passphrase=self.passphrase.text(),
            language=str(self.language.currentData() or ""), proxy=self.proxy.text().strip(),
            ca_bundle=self.ca_bundle.text().strip(),
            profiles_dir=self.profiles_dir.text().strip(),
        )
        cancel = self._start(form, progress=self.stage.setText, done=self._done)
        if self.busy:  # ``done`` may have come at once (an address that cannot work)
            self._cancel = cancel

    def _set_busy(self, busy: bool) -> None:
        self._cancel = (lambda: None) if busy else None
        for widget in (*self._inputs, self.ok_button):
            widget.setEnabled(not busy and widget not in self._locked)
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
