"""The marking of a training system (M11) on every window, dialogs and message boxes included.

Installed on the application while a training profile is open (or being set up): each window
that is shown gets a coloured banner across its top, above its menus and contents (the
window's top margin makes room for it, so nothing is covered), and its title starts with the
same words. The marking follows the UI language and cannot be closed or moved.
"""

from desktop.i18n import _, on_language_changed
from desktop.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QGridLayout,
    QLabel,
    QMessageBox,
    QObject,
    QSizePolicy,
    QSpacerItem,
    Qt,
    QWidget,
    named,
)

BANNER_NAME = "trainingBanner"
_STYLE = ("QLabel#trainingBanner { background: #b45309; color: white; font-weight: bold;"
          " padding: 4px; border-bottom: 3px solid #78350f; }")
_WINDOW_TYPES = (Qt.WindowType.Window, Qt.WindowType.Dialog)


def banner_text() -> str:
    return _("TRAINING — practice data only")


def title_prefix() -> str:
    return _("TRAINING") + " — "


class TrainingMarker(QObject):
    """Marks every window of ``app`` from now on (and those already open)."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._prefixes: set[str] = {title_prefix()}
        self._windows: list[QWidget] = []
        app.installEventFilter(self)
        on_language_changed(self._retranslate)
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                self._mark(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QWidget) or not watched.isWindow():
            return False
        kind = event.type()
        if kind == QEvent.Type.Show:
            self._mark(watched)
        elif kind == QEvent.Type.Resize:
            self._place(watched)
        elif kind == QEvent.Type.WindowTitleChange and watched in self._windows:
            self._prefix_title(watched)
        return False

    def _mark(self, window: QWidget) -> None:
        if window.windowType() not in _WINDOW_TYPES or _banner(window) is not None:
            return
        banner = named(QLabel(banner_text(), window), BANNER_NAME)
        banner.setStyleSheet(_STYLE)
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        height = banner.sizeHint().height()
        margins = window.contentsMargins()
        window.setContentsMargins(margins.left(), margins.top() + height, margins.right(),
                                  margins.bottom())
        window.resize(window.width(), window.height() + height)
        self._windows.append(window)
        window.destroyed.connect(lambda _obj=None, w=window: self._forget(w))
        self._place(window)
        banner.show()
        self._prefix_title(window)
        self._widen(window, banner.sizeHint().width())

    @staticmethod
    def _widen(window: QWidget, needed: int) -> None:
        """Make the window wide enough for the whole banner. A message box fixes its own size
        from its layout when it is shown (after this filter runs), so it gets a spacer."""
        layout = window.layout()
        if isinstance(window, QMessageBox) and isinstance(layout, QGridLayout):
            layout.addItem(QSpacerItem(needed, 0, QSizePolicy.Policy.Fixed,
                                       QSizePolicy.Policy.Minimum),
                           layout.rowCount(), 0, 1, layout.columnCount())
        elif window.width() < needed:
            window.setMinimumWidth(max(window.minimumWidth(), needed))
            window.resize(needed, window.height())

    def _forget(self, window: QWidget) -> None:
        if window in self._windows:
            self._windows.remove(window)

    def _place(self, window: QWidget) -> None:
        banner = _banner(window)
        if banner is not None:
            banner.setGeometry(0, 0, window.width(), banner.sizeHint().height())
            banner.raise_()

    def _prefix_title(self, window: QWidget) -> None:
        title = window.windowTitle()
        prefix = title_prefix()
        if title.startswith(prefix):
            return
        for old in self._prefixes:
            title = title.removeprefix(old)
        window.setWindowTitle(prefix + title)

    def _retranslate(self, _language: str) -> None:
        for window in list(self._windows):
            banner = _banner(window)
            if banner is not None:
                banner.setText(banner_text())
            self._prefix_title(window)
        self._prefixes.add(title_prefix())


def _banner(window: QWidget) -> QLabel | None:
    found = window.findChild(QLabel, BANNER_NAME, Qt.FindChildOption.FindDirectChildrenOnly)
    return found if isinstance(found, QLabel) else None
