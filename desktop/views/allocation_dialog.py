"""An allocator gives a case to a request handler of their authority (``case.allocate``).

The handlers offered are the colleagues the server published (``desktop.models.colleagues``)
who handle requests in the case's legislative area; the one who has the case now is marked.
The dialog works offline: the step is queued like any other.
"""

from collections.abc import Sequence
from html import escape as _esc
from typing import Any

from desktop.i18n import _
from desktop.qt import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.views.widgets import dialog_buttons, error_label, fit_to_screen
from sync_protocol.colleagues import Colleague


class AllocationDialog(QDialog):
    def __init__(self, *, case_id: str, person: str, handlers: Sequence[Colleague],
                 current: str | None = None, parent: QWidget | None = None) -> None:
        """``person``: whom the case is about; ``current``: the user id who has it now."""
        super().__init__(parent)
        self.setObjectName("allocationDialog")
        reference = case_id[:8].upper()
        self.setWindowTitle(_("Assign the case {reference}").format(reference=reference))
        fit_to_screen(self, 560, 460)
        self._case_id = case_id
        self.result_args: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        heading = named(QLabel(), "allocationHeading")
        heading.setWordWrap(True)
        heading.setText(_("Who in your authority handles the case about <b>{person}</b>? "
                          "They find it under “Assigned to me”.").format(person=_esc(person)))
        layout.addWidget(heading)
        self.handlers = named(QListWidget(), "handlers")
        for colleague in handlers:
            text = colleague.display_name
            if colleague.id == current:
                text = _("{name} (has the case now)").format(name=colleague.display_name)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (colleague.id, colleague.display_name))
            self.handlers.addItem(item)
            if colleague.id == current:
                self.handlers.setCurrentItem(item)
        self.handlers.itemDoubleClicked.connect(lambda _item: self._finish())
        layout.addWidget(self.handlers, 1)
        if not handlers:
            empty = named(QLabel(_("Nobody in your authority handles requests in this area. "
                                   "Your local data administrator gives the role.")),
                          "noHandlers")
            empty.setWordWrap(True)
            layout.addWidget(empty)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.assign_button = dialog_buttons(self, _("Assign"), "assign", self._finish)
        self.assign_button.setEnabled(bool(handlers))
        layout.addWidget(buttons)

    def _finish(self) -> None:
        item = self.handlers.currentItem()
        if item is None:
            self.error.setText(_("Choose who handles the case."))
            return
        user_id, user_name = item.data(Qt.ItemDataRole.UserRole)
        self.result_args = {"case_id": self._case_id, "user_id": user_id,
                            "user_name": user_name}
        self.accept()
