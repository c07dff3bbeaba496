"""Small widgets and helpers the windows and dialogs share."""

from collections.abc import Callable

from desktop.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QRect,
    QSize,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTreeView,
    QWidget,
    named,
)

ERROR_COLOR = "#b00020"


def error_label() -> QLabel:
    """Where a dialog says what is wrong with the input, in place of a message box.

    It takes the room its text needs (its own row of the layout, growing with the text), so
    it never covers a field.
    """
    label = named(QLabel(), "error")
    label.setStyleSheet(f"color: {ERROR_COLOR}")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def dialog_buttons(dialog: QDialog, action: str, name: str, on_accept: Callable[[], None], *,
                   dismiss: QDialogButtonBox.StandardButton =
                   QDialogButtonBox.StandardButton.Cancel) -> tuple[QDialogButtonBox, QPushButton]:
    """A form dialog's buttons: its main action (the default button, named ``name`` for tests
    and the gallery) runs ``on_accept``, which closes the dialog only if the input is right;
    ``dismiss`` (Cancel or Close) rejects it."""
    buttons = QDialogButtonBox(dismiss)
    main = named(buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole), name)
    main.setDefault(True)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, main


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open ``window`` at its intended size, or as much of it as the screen has room for."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    room = screen.availableGeometry()
    window.resize(min(width, room.width()), min(height, room.height()))


def confirm(parent: QWidget | None, *, title: str, text: str, action: str) -> bool:
    """Ask before an irreversible step. The button names the step and is the default: the
    main action of this little dialog is the step the officer asked for."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName("confirmBox")
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(go)
    box.exec()
    return box.clickedButton() is go


class WrappingDelegate(QStyledItemDelegate):
    """Rows of a tree or list as tall as their text needs at the column's width: long
    sentences (questions of a question set) wrap instead of being cut off with "…"."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view
        # Row heights depend on the width: lay the rows out again when it changes.
        view.header().sectionResized.connect(lambda *_args: view.doItemsLayout())

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        hint = super().sizeHint(option, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        check = self._view.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 8
        width = self._view.columnWidth(0) - self._view.indentation() * (depth + 1) - check
        text = str(index.data() or "")
        needed = option.fontMetrics.boundingRect(
            QRect(0, 0, max(width, 50), 100_000), int(Qt.TextFlag.TextWordWrap), text).height()
        return QSize(hint.width(), max(hint.height(), needed + 6))
