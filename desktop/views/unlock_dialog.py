"""Opening a profile with its passphrase, and setting one up the first time.

Both dialogs only collect input and show errors; ``attempt`` callbacks given by their owner
do the work and return an error message (or None when it worked).
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
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desktop.views.widgets import error_label

Attempt = Callable[..., str | None]


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
    locked are shown greyed out."""

    def __init__(self, attempt: Callable[[SetupForm], str | None], *,
                 config: MachineConfig | None = None, training: bool = False,
                 languages: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Set up IMI training on this computer") if training
                            else _("Set up IMI on this computer"))
        self._attempt = attempt
        self.setMinimumWidth(560)  # addresses and paths are long
        config = config or MachineConfig(profiles_dir=Path())
        layout = QVBoxLayout(self)
        intro = QLabel(_("Sign in once to download your authority's cases. Afterwards IMI "
                         "opens with your passphrase alone, also without a connection."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server_url = QLineEdit(config.server_for(training=training), objectName="serverUrl")
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

        settings = QGroupBox(_("Connection and language"))
        more = QFormLayout(settings)
        self.language = QComboBox(objectName="language")
        for code in languages:
            self.language.addItem(formatting.language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(
            config.language or current_language())))
        self.proxy = QLineEdit(config.proxy, objectName="proxy")
        self.proxy.setPlaceholderText(_("none (direct connection)"))
        self.ca_bundle = QLineEdit(config.ca_bundle, objectName="caBundle")
        self.ca_bundle.setPlaceholderText(_("none (the usual certificate authorities)"))
        self.profiles_dir = QLineEdit(str(config.profiles_dir) if config.profiles_dir.parts
                                      else "", objectName="profilesDir")
        more.addRow(_("Language"), self.language)
        more.addRow(_("Proxy"), self.proxy)
        more.addRow(_("Extra CA certificate (PEM file)"), self.ca_bundle)
        more.addRow(_("Folder for profiles"), self.profiles_dir)
        layout.addWidget(settings)
        fields = {"server_url": self.server_url, "training_server_url": self.server_url,
                  "language": self.language, "proxy": self.proxy,
                  "ca_bundle": self.ca_bundle, "profiles_dir": self.profiles_dir}
        server_key = "training_server_url" if training else "server_url"
        locked = [w for key, w in fields.items() if config.is_locked(key)
                  and (key not in ("server_url", "training_server_url") or key == server_key)]
        for widget in locked:
            widget.setEnabled(False)
            widget.setToolTip(_("Set by your administrator"))
        if locked:
            note = QLabel(_("Settings shown in grey are set by your administrator."),
                          objectName="lockedNote")
            note.setWordWrap(True)
            layout.addWidget(note)

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
        problem = self._attempt(SetupForm(
            server_url=self.server_url.text().strip(), username=self.username.text().strip(),
            password=self.password.text(), passphrase=self.passphrase.text(),
            language=str(self.language.currentData() or ""), proxy=self.proxy.text().strip(),
            ca_bundle=self.ca_bundle.text().strip(),
            profiles_dir=self.profiles_dir.text().strip(),
        ))
        if problem:
            self.error.setText(problem)
            return
        self.accept()
