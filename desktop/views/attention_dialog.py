"""*Needs attention*: every step the server refused, with its reason and what was entered."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _
from desktop.labels import REFUSALS, label
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

STEP_NAMES = {
    "case.create": N_("Create request"), "case.send": N_("Send request"),
    "case.accept": N_("Accept request"), "case.answer": N_("Answer"),
    "case.accept_reply": N_("Accept reply and close"), "case.withdraw": N_("Withdraw"),
}


def describe(item: dict[str, Any]) -> str:
    step = _(STEP_NAMES.get(item["name"], item["name"]))
    reason = label(REFUSALS, item["code"])
    when = formatting.datetime_text(dt.datetime.fromisoformat(item["at"]))
    heading = _("{when} — {step}, case {reference}").format(
        when=when, step=step, reference=item["case_id"][:8].upper())
    return f"{heading}\n{reason}: {item['message']}"


class AttentionDialog(QDialog):
    def __init__(self, items: list[dict[str, Any]], dismiss: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Needs attention"))
        self.setObjectName("attentionDialog")
        self.resize(720, 400)
        self._dismiss = dismiss
        layout = QVBoxLayout(self)
        intro = QLabel(_("The server refused these steps. What you entered is kept here; the "
                         "case shows the server's current state."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(objectName="attentionList")
        for item in items:
            row = QListWidgetItem(describe(item))
            row.setData(Qt.ItemDataRole.UserRole, item["id"])
            self.list.addItem(row)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        dismiss_button = QPushButton(_("Dismiss"), objectName="dismiss")
        buttons.addButton(dismiss_button, QDialogButtonBox.ButtonRole.ActionRole)
        dismiss_button.clicked.connect(self._dismiss_selected)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _dismiss_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        item = self.list.takeItem(row)
        self._dismiss(int(item.data(Qt.ItemDataRole.UserRole)))
