"""Documents added to a step (a request, an answer, further information, a comment).

``AttachmentPicker`` lists the documents with their name and size; *Add documents…* opens the
file dialog, *Remove* takes the selected ones off. A file the server would refuse (too large,
a type that cannot be attached, more than ``MAX_ATTACHMENTS_PER_STEP``) is refused here, with
the reason in the reader's language, so a step never waits in the outbox for an upload that
cannot succeed. The dialog that holds the picker reads ``refs()`` for the step's arguments and
``picked()`` for the files to copy into the profile's encrypted attachment folder.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from desktop import formatting
from desktop.i18n import _
from desktop.models.attachment_files import PickedFile, PickProblem, inspect_file
from desktop.qt import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.widgets import error_label
from sync_protocol.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_STEP, AttachmentRef


def problem_text(problem: PickProblem) -> str:
    """Why ``problem.name`` cannot be attached, in the reader's language."""
    if problem.code == "too_large":
        return _("“{name}” is too large: a document may have at most {limit}.").format(
            name=problem.name, limit=formatting.size_text(MAX_ATTACHMENT_BYTES))
    if problem.code == "wrong_type":
        return _("“{name}” cannot be attached: only PDF documents, images (JPEG, PNG, TIFF), "
                 "text files and word-processor documents (ODT, DOCX, DOC) are accepted."
                 ).format(name=problem.name)
    if problem.code == "empty":
        return _("“{name}” is empty.").format(name=problem.name)
    if problem.code == "name":
        return _("“{name}” cannot be attached: rename the file first (its name contains "
                 "characters that are not allowed).").format(name=problem.name)
    return _("“{name}” cannot be read.").format(name=problem.name)


def attachment_line(ref: AttachmentRef) -> str:
    """"report.pdf (1.5 MB)": how lists show a document."""
    return _("{name} ({size})").format(name=ref.name, size=formatting.size_text(ref.size))


class AttachmentPicker(QWidget):
    """``existing``: documents a draft or an earlier attempt already carries (kept in the
    profile's folder; they have no path to copy from)."""

    sig_changed = Signal()

    def __init__(self, existing: Sequence[AttachmentRef] = (), *,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentPicker")
        self._refs: list[AttachmentRef] = []
        self._paths: dict[str, Path] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = named(QListWidget(), "attachments")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        row = QHBoxLayout()
        self.add_button = named(QPushButton(_("Add documents…")), "addAttachments")
        self.remove_button = named(QPushButton(_("Remove")), "removeAttachments")
        self.add_button.setAutoDefault(False)
        self.remove_button.setAutoDefault(False)
        self.remove_button.setEnabled(False)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.error = error_label()
        self.error.setObjectName("attachmentError")
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(self._choose)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems())))
        for ref in existing:
            self._append(ref)
        self._refresh_hint()

    def refs(self) -> tuple[AttachmentRef, ...]:
        """The documents the step will carry, in the order they were added."""
        return tuple(self._refs)

    def picked(self) -> list[PickedFile]:
        """The documents added from files in this dialog (not those it started with)."""
        return [PickedFile(path=self._paths[ref.sha256], ref=ref) for ref in self._refs
                if ref.sha256 in self._paths]

    def add_files(self, paths: Iterable[str | Path]) -> list[str]:
        """Add ``paths``; return (and show) why those refused were refused."""
        problems: list[str] = []
        for path in paths:
            if len(self._refs) >= MAX_ATTACHMENTS_PER_STEP:
                problems.append(_("At most {count} documents can be attached to one step."
                                  ).format(count=MAX_ATTACHMENTS_PER_STEP))
                break
            try:
                picked = inspect_file(path)
            except PickProblem as problem:
                problems.append(problem_text(problem))
                continue
            if any(r.sha256 == picked.ref.sha256 for r in self._refs):
                continue  # the same document twice is attached once
            self._paths[picked.ref.sha256] = picked.path
            self._append(picked.ref)
        self.error.setText("\n".join(problems))
        self._refresh_hint()
        self.sig_changed.emit()
        return problems

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            sha256 = str(item.data(Qt.ItemDataRole.UserRole))
            self._refs = [r for r in self._refs if r.sha256 != sha256]
            self._paths.pop(sha256, None)
            self.list.takeItem(self.list.row(item))
        self.error.clear()
        self._refresh_hint()
        self.sig_changed.emit()

    def _append(self, ref: AttachmentRef) -> None:
        self._refs.append(ref)
        item = QListWidgetItem(attachment_line(ref))
        item.setData(Qt.ItemDataRole.UserRole, ref.sha256)
        item.setToolTip(ref.name)
        self.list.addItem(item)

    def _refresh_hint(self) -> None:
        # As tall as its documents (one row when empty, four at most, then it scrolls): the
        # dialog's other fields keep their room.
        rows = max(1, min(len(self._refs), 4))
        row = self.list.sizeHintForRow(0) if self._refs else self.list.fontMetrics().height() + 4
        self.list.setFixedHeight(rows * row + 2 * self.list.frameWidth() + 4)
        self.add_button.setEnabled(len(self._refs) < MAX_ATTACHMENTS_PER_STEP)
        self.list.setToolTip("" if self._refs else _("No documents attached."))

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileNames(
            self, _("Add documents"), "",
            _("Documents (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.txt *.odt *.docx *.doc)"))
        if chosen:
            self.add_files(chosen)
