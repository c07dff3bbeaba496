"""A coordinator refuses a request or reply waiting for its approval: the reason is required
and goes back to the author, in the words and language the coordinator writes it in."""

from html import escape as _esc
from typing import Any

from desktop.i18n import _, current_language
from desktop.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.views.widgets import error_label, fit_to_screen
from sync_protocol.cases import CaseRecord, CaseStatus


class RefuseDialog(QDialog):
    def __init__(self, case: CaseRecord, *, author: str,
                 initial: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        """``author``: the name of the authority the refusal returns to; ``initial``: the
        arguments of an earlier refusal taken again."""
        super().__init__(parent)
        self.setObjectName("refuseDialog")
        person = f"{case.subject.family_name.upper()}, {case.subject.given_names}"
        reference = case.id[:8].upper()
        reply = case.state is CaseStatus.REPLY_AWAITING_APPROVAL
        title = _("Refuse the reply {reference}") if reply else _("Refuse the request {reference}")
        self.setWindowTitle(title.format(reference=reference))
        fit_to_screen(self, 640, 380)
        self._case = case
        self.result_args: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        heading = named(QLabel(), "refuseHeading")
        heading.setWordWrap(True)
        text = (_("The reply about <b>{person}</b> goes back to {author}, who can answer "
                  "again. It does not reach the requesting authority.") if reply else
                _("The request about <b>{person}</b> goes back to {author} as a draft. It "
                  "does not reach the other authority."))
        heading.setText(text.format(person=_esc(person), author=_esc(author)))
        layout.addWidget(heading)
        layout.addWidget(QLabel(_("Reason (required, told to the sender)")))
        earlier = (initial or {}).get("reason") or {}
        self.reason = named(QPlainTextEdit(str(earlier.get("text", ""))), "refuseReason")
        layout.addWidget(self.reason, 1)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.refuse_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.refuse_button.setText(_("Refuse and return"))
        self.refuse_button.setDefault(True)
        buttons.accepted.connect(self._finish)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _finish(self) -> None:
        text = self.reason.toPlainText().strip()
        if not text:
            self.error.setText(_("Give the reason for the refusal: the sender is told."))
            return
        self.result_args = {"case_id": self._case.id,
                            "reason": {"text": text, "lang": current_language()}}
        self.accept()
