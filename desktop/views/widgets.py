"""Small widgets the dialogs share."""

from desktop.qt import QLabel

ERROR_COLOR = "#b00020"


def error_label() -> QLabel:
    """Where a dialog says what is wrong with the input, in place of a message box."""
    label = QLabel(objectName="error")
    label.setStyleSheet(f"color: {ERROR_COLOR}")
    label.setWordWrap(True)
    return label
