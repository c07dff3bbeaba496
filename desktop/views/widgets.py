"""Small widgets and helpers the windows and dialogs share."""

from desktop.qt import QApplication, QLabel, QMessageBox, QSizePolicy, QWidget

ERROR_COLOR = "#b00020"


def error_label() -> QLabel:
    """Where a dialog says what is wrong with the input, in place of a message box.

    It takes the room its text needs (its own row of the layout, growing with the text), so
    it never covers a field.
    """
    label = QLabel(objectName="error")
    label.setStyleSheet(f"color: {ERROR_COLOR}")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


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
