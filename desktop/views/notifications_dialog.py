"""Notifications: e-mail from the server (address and how often) and the desktop message.

The e-mail part is the user's own setting on the server (``GET/PUT /v1/account/mail``); when
the server cannot be reached it is shown disabled with a note, and only the desktop setting
(kept in the profile) can change. Emits ``sig_save_requested(mail or None, tray_on)``.
"""

from desktop.i18n import _
from desktop.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.refusals import explain_error
from sync_protocol.errors import ProtocolError
from sync_protocol.mail import MailChoice, MailSettings, check_mail_settings

CHOICES: tuple[MailChoice, ...] = ("each", "digest", "none")


class NotificationsDialog(QDialog):
    sig_save_requested = Signal(object, bool)

    def __init__(self, mail: MailSettings | None, tray_on: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationsDialog")
        self.setWindowTitle(_("Notifications"))
        self._mail_known = mail is not None
        mail = mail or MailSettings()
        layout = QVBoxLayout(self)
        box = QGroupBox(_("E-mail from the IMI server"))
        form = QFormLayout(box)
        intro = QLabel(_("IMI can e-mail you when a request, a reply, a comment or a deadline "
                         "needs your action. The e-mails name the case by its reference only, "
                         "never the person."))
        intro.setWordWrap(True)
        form.addRow(intro)
        self.address = named(QLineEdit(mail.address), "mailAddress")
        self.address.setPlaceholderText(_("name@authority.example"))
        form.addRow(_("E-mail address:"), self.address)
        self.choice = named(QComboBox(), "mailChoice")
        labels = {"each": _("An e-mail for each event"),
                  "digest": _("One summary a day"),
                  "none": _("No e-mail")}
        for code in CHOICES:
            self.choice.addItem(labels[code], code)
        self.choice.setCurrentIndex(CHOICES.index(mail.choice))
        form.addRow(_("Send:"), self.choice)
        if not self._mail_known:
            offline = QLabel(_("The server cannot be reached now: the e-mail settings can be "
                               "changed when you are online."))
            offline.setWordWrap(True)
            form.addRow(offline)
            box.setEnabled(False)
        layout.addWidget(box)
        self.tray = named(QCheckBox(_("Show a desktop notification when new requests or "
                                      "replies arrive")), "trayNotifications")
        self.tray.setChecked(tray_on)
        layout.addWidget(self.tray)
        self.problem = named(QLabel(), "mailProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def mail(self) -> MailSettings | None:
        if not self._mail_known:
            return None
        return MailSettings(address=self.address.text().strip(),
                            choice=self.choice.currentData())

    def _save(self) -> None:
        mail = self.mail()
        if mail is not None:
            try:
                check_mail_settings(mail)
            except ProtocolError as problem:
                self.problem.setText(explain_error(problem))
                self.problem.show()
                return
        self.sig_save_requested.emit(mail, self.tray.isChecked())
        self.accept()
