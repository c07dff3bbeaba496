"""*Needs attention*: every step the server refused, with its reason and what was entered.

The list names each refused step by case and person; beside it, the whole story: when the
officer took the step, when it was refused, why, and everything they entered, in full. The
officer can open the case, copy what they typed, take the step again from it, or dismiss it.
"""

import html

from desktop.i18n import _
from desktop.models.attention import Refusal
from desktop.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.widgets import fit_to_screen


def details_html(refusal: Refusal) -> str:
    def esc(text: str) -> str:
        return html.escape(text).replace("\n", "<br>")

    times = [(_("Step taken"), refusal.acted_at), (_("Refused by the server"),
                                                    refusal.refused_at)]
    rows = "".join(f"<tr><td style='color:gray;padding-right:12px'>{esc(k)}</td>"
                   f"<td>{esc(v)}</td></tr>" for k, v in times if v)
    entered = "".join(f"<tr><td style='color:gray;padding-right:12px;vertical-align:top'>"
                      f"{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in refusal.entered)
    reason, what = _("Reason"), _("What you entered")
    return (f"<h3>{esc(refusal.title)}</h3><table>{rows}</table>"
            f"<p><b>{esc(reason)}:</b> {esc(refusal.reason)}</p>"
            f"<h4>{esc(what)}</h4><table>{entered}</table>")


class AttentionDialog(QDialog):
    """Emits ``sig_open_case_requested(case_id)``, ``sig_redo_requested(item_id)`` and
    ``sig_dismiss_requested(item_id)``; the owner does the work."""

    sig_open_case_requested = Signal(str)
    sig_redo_requested = Signal(int)
    sig_dismiss_requested = Signal(int)

    def __init__(self, refusals: list[Refusal], redoable: set[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Needs attention"))
        self.setObjectName("attentionDialog")
        fit_to_screen(self, 1100, 680)
        self._refusals = {r.item_id: r for r in refusals}
        self._redoable = redoable
        layout = QVBoxLayout(self)
        intro = QLabel(_("The server refused these steps. What you entered is kept here: you "
                         "can copy it or take the step again from it. The case shows the "
                         "server's current state."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = named(QListWidget(), "attentionList")
        self.list.setWordWrap(True)
        for refusal in refusals:
            row = QListWidgetItem(f"{refusal.title}\n{refusal.refused_at}")
            row.setData(Qt.ItemDataRole.UserRole, refusal.item_id)
            self.list.addItem(row)
        self.details = named(QTextBrowser(), "attentionDetails")
        split.addWidget(self.list)
        split.addWidget(self.details)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)

        actions = QHBoxLayout()
        self.open_button = named(QPushButton(_("Open the case")), "openCase")
        self.copy_button = named(QPushButton(_("Copy what I entered")), "copyEntered")
        self.redo_button = named(QPushButton(_("Take the step again…")), "redo")
        self.dismiss_button = named(QPushButton(_("Dismiss")), "dismiss")
        for button in (self.open_button, self.copy_button, self.redo_button,
                       self.dismiss_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.open_button.clicked.connect(self._open)
        self.copy_button.clicked.connect(self._copy)
        self.redo_button.clicked.connect(self._redo)
        self.dismiss_button.clicked.connect(self._dismiss)
        self.list.currentRowChanged.connect(self._show)
        if refusals:
            self.list.setCurrentRow(0)
        self._show()

    def current(self) -> Refusal | None:
        item = self.list.currentItem()
        return self._refusals.get(int(item.data(Qt.ItemDataRole.UserRole))) if item else None

    def _show(self) -> None:
        refusal = self.current()
        self.details.setHtml(details_html(refusal) if refusal else "")
        for button in (self.open_button, self.copy_button, self.dismiss_button):
            button.setEnabled(refusal is not None)
        self.redo_button.setEnabled(refusal is not None and refusal.item_id in self._redoable)
        self.redo_button.setToolTip(
            "" if self.redo_button.isEnabled() or refusal is None else
            _("The case no longer allows this step; open it to see its state."))

    def _open(self) -> None:
        refusal = self.current()
        if refusal is not None:
            self.sig_open_case_requested.emit(refusal.case_id)
            self.accept()

    def _copy(self) -> None:
        refusal = self.current()
        if refusal is not None:
            QApplication.clipboard().setText(refusal.as_text())

    def _redo(self) -> None:
        refusal = self.current()
        if refusal is not None:
            self.sig_redo_requested.emit(refusal.item_id)
            self.accept()

    def _dismiss(self) -> None:
        refusal = self.current()
        if refusal is None:
            return
        self.sig_dismiss_requested.emit(refusal.item_id)
        self.list.takeItem(self.list.currentRow())
        self._show()
