"""The desktop notification of new work: one message per sync pass, never one per case.

After a pass that brought new incoming requests or answers (``SyncReport.new_work``), the
system tray shows one short message with the count. It names no case and no person: the
screen may be shared or projected. Users turn it off in Tools > Notifications; the choice is
kept in the profile (``TRAY_SETTING``). ``shown`` records every message asked for, whether
or not the desktop has a tray to show it (the seam tests observe).
"""

from desktop.i18n import _, ngettext
from desktop.models.replica import Replica
from desktop.qt import QApplication, QObject, QSystemTrayIcon

TRAY_SETTING = "tray_notifications"


def tray_enabled(replica: Replica) -> bool:
    return bool(replica.get_meta(TRAY_SETTING, True))


class TrayNotifier(QObject):
    def __init__(self, reader: Replica, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader = reader
        self.shown: list[tuple[str, str]] = []
        self._icon: QSystemTrayIcon | None = None

    def show_new_work(self, count: int) -> None:
        if count <= 0 or not tray_enabled(self._reader):
            return
        title = _("IMI: new work in your inbox")
        message = ngettext("{count} new request or reply is waiting for you.",
                           "{count} new requests or replies are waiting for you.",
                           count).format(count=count)
        self.shown.append((title, message))
        icon = self._tray()
        if icon is not None:
            icon.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information)

    def _tray(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        if self._icon is None:
            app = QApplication.instance()
            self._icon = QSystemTrayIcon(self)
            if isinstance(app, QApplication):
                self._icon.setIcon(app.windowIcon())
            self._icon.show()
        return self._icon

    def close(self) -> None:
        if self._icon is not None:
            self._icon.hide()
