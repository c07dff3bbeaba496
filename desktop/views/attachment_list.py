"""The documents of a case, by the step that carries them, with what this computer holds.

Each row: the document's name and size, and whether it is here (kept for offline reading,
waiting to be sent, or downloaded when opened). *Open* shows the document (downloading it
first if needed); *Keep for offline reading* keeps the encrypted copy in the profile so the
document opens without the server. The list emits; its owner downloads and opens.
"""

from collections.abc import Mapping

from desktop.i18n import _
from desktop.models.attachments import Groups, LocalState
from desktop.qt import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.attachment_picker import attachment_line
from sync_protocol.attachments import AttachmentRef


def local_text(state: LocalState | None, busy: bool) -> str:
    if busy:
        return _("Downloading…")
    if state is None or not state.stored:
        return _("On the server")
    if state.uploading:
        return _("Waiting to be sent")
    if state.kept:
        return _("Kept for offline reading")
    return _("Downloaded")


class AttachmentList(QWidget):
    sig_open = Signal(str)  # sha256
    sig_keep = Signal(str, bool)  # sha256, keep

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentList")
        self._refs: dict[str, AttachmentRef] = {}
        self._states: Mapping[str, LocalState] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        self.title = named(QLabel(), "attachmentsTitle")
        self.tree = named(QTreeWidget(), "attachmentTree")
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self._open_item(item))
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        row = QHBoxLayout()
        self.open_button = named(QPushButton(), "openAttachment")
        self.keep_box = named(QCheckBox(), "keepAttachment")
        self.open_button.clicked.connect(lambda: self._open_item(self.tree.currentItem()))
        self.keep_box.clicked.connect(self._keep_clicked)
        row.addWidget(self.open_button)
        row.addWidget(self.keep_box)
        row.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        self._groups: Groups = ()
        self._busy: set[str] = set()
        self.show_documents((), {})

    def show_documents(self, groups: Groups, states: Mapping[str, LocalState],
                       busy: set[str] | None = None) -> None:
        """``groups``: (heading, documents) per step; ``states``: what is held here."""
        selected = self.selected()
        self._groups, self._states = groups, states
        self._busy = set(busy or ())
        self._refs = {ref.sha256: ref for _title, refs in groups for ref in refs}
        self.title.setText(_("Documents"))
        self.tree.setHeaderLabels([_("Document"), _("On this computer")])
        self.open_button.setText(_("Open"))
        self.keep_box.setText(_("Keep for offline reading"))
        self.tree.clear()
        for title, refs in groups:
            if not refs:
                continue
            heading = QTreeWidgetItem(self.tree, [title])
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = heading.font(0)
            font.setBold(True)
            heading.setFont(0, font)
            for ref in refs:
                item = QTreeWidgetItem(self.tree, [
                    "    " + attachment_line(ref),
                    local_text(states.get(ref.sha256), ref.sha256 in self._busy)])
                item.setData(0, Qt.ItemDataRole.UserRole, ref.sha256)
                item.setToolTip(0, ref.name)
                if ref.sha256 == selected:
                    self.tree.setCurrentItem(item)
        self.tree.resizeColumnToContents(0)
        # As tall as its rows (five at most, then it scrolls): the case's text keeps the room.
        rows = min(max(self.tree.topLevelItemCount(), 1), 5)
        row = self.tree.sizeHintForRow(0) if self.tree.topLevelItemCount() else 20
        header = self.tree.header().sizeHint().height()
        self.tree.setFixedHeight(rows * row + header + 2 * self.tree.frameWidth() + 2)
        self.setVisible(bool(self._refs))
        self._selection_changed()

    def retranslate(self) -> None:
        self.show_documents(self._groups, self._states, self._busy)

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return str(value) if value else None

    def select(self, sha256: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == sha256:
                self.tree.setCurrentItem(item)

    def _selection_changed(self) -> None:
        sha = self.selected()
        state = self._states.get(sha) if sha else None
        self.open_button.setEnabled(sha is not None and sha not in self._busy)
        self.keep_box.setEnabled(sha is not None and sha not in self._busy
                                 and not (state is not None and state.uploading))
        self.keep_box.setChecked(bool(state is not None and state.kept and state.stored))

    def _open_item(self, item: QTreeWidgetItem | None) -> None:
        sha = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if sha and sha not in self._busy:
            self.sig_open.emit(str(sha))

    def _keep_clicked(self, checked: bool) -> None:
        sha = self.selected()
        if sha:
            self.sig_keep.emit(sha, checked)
