"""The status bar, always: online or offline, pending changes, last sync, progress, the
*Needs attention* button, and *Sign in…* while the server refuses this computer's sign-in."""

import datetime as dt

from desktop import formatting
from desktop.i18n import _, ngettext
from desktop.qt import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget, Signal, named
from desktop.views.widgets import ERROR_COLOR


class SyncStatusBar(QStatusBar):
    sig_attention_requested = Signal()
    sig_sign_in_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = named(QLabel(), "connection")
        self.pending = named(QLabel(), "pending")
        self.last_sync = named(QLabel(), "lastSync")
        self.progress = named(QProgressBar(), "progress")
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.attention = named(QPushButton(), "attention")
        self.attention.setFlat(True)
        self.attention.clicked.connect(self.sig_attention_requested)
        self.sign_in = named(QPushButton(), "signIn")
        self.sign_in.clicked.connect(self.sig_sign_in_requested)
        for widget in (self.connection, self.pending, self.last_sync):
            self.addWidget(widget)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.attention)
        self.addPermanentWidget(self.sign_in)
        self._state: tuple[bool | None, int, dt.datetime | None, int, str | None, bool] = (
            None, 0, None, 0, None, False)
        self.show_state()

    def update_state(self, *, online: bool | None, pending: int, last_sync: dt.datetime | None,
                     attention: int, problem: str | None, signed_out: bool = False) -> None:
        self._state = (online, pending, last_sync, attention, problem, signed_out)
        self.show_state()

    def show_state(self) -> None:
        online, pending, last_sync, attention, problem, signed_out = self._state
        self.sign_in.setText(_("Sign in…"))
        self.sign_in.setVisible(signed_out)
        if signed_out:
            text, color = _("Signed out — sign in to synchronise"), "#b35900"
        elif online is None:
            text, color = _("Connecting…"), "#666"
        elif online:
            text, color = _("Online"), "#1b7f3b"
        else:
            text, color = _("Offline — working locally"), "#b35900"
        self.connection.setText(f"● {text}")
        self.connection.setStyleSheet(f"color: {color}; font-weight: bold")
        self.connection.setToolTip(problem or "")
        if problem:
            self.connection.setText(f"● {text} — {problem}")
        self.pending.setText(ngettext("{n} change waiting to be sent",
                                      "{n} changes waiting to be sent", pending).format(
                                          n=formatting.number_text(pending)))
        self.last_sync.setText(
            _("Last sync: {when}").format(when=formatting.datetime_text(last_sync))
            if last_sync else _("Not synchronised yet"))
        self.attention.setText(
            _("Needs attention ({n})").format(n=formatting.number_text(attention)))
        self.attention.setVisible(attention > 0)
        self.attention.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold")

    def show_progress(self, done: int, more: bool) -> None:
        """While pages keep coming the total is unknown: a busy bar with the count so far."""
        self.progress.setVisible(more)
        self.progress.setRange(0, 0)
        self.progress.setFormat(_("{n} received").format(n=formatting.number_text(done)))
        self.progress.setTextVisible(True)
