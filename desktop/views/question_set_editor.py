"""The question set generator: a draft's structure and texts, one language beside English.

Shows one draft as a tree (the set, its sections, their questions with their answer type,
the predefined answers); the English text and the chosen language's text of each are edited
in place. Changes stay in the view until the owner saves them: the view emits
``sig_changed(draft)`` after each, and the owner sends ``draft`` on save or publish.
"""

from collections.abc import Sequence

from desktop import formatting
from desktop.i18n import _, current_language
from desktop.labels import ANSWER_TYPES, label
from desktop.models import authoring
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.widgets import WrappingDelegate, error_label
from sync_protocol.authoring import HELP_SUFFIX, SOURCE_LANGUAGE, Draft, set_text, texts
from sync_protocol.catalogue import CHOICE_TYPES, AnswerType
from sync_protocol.languages import LANGUAGES

TEXT_ID = Qt.ItemDataRole.UserRole
ENGLISH, TRANSLATION, KIND = 0, 1, 2


class QuestionSetEditor(QWidget):
    sig_changed = Signal(object)  # the Draft as it now stands

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft: Draft | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.language = named(QComboBox(), "editorLanguage")
        for code in LANGUAGES:
            if code != SOURCE_LANGUAGE:
                self.language.addItem("", code)
        # The reader's own language first, when it is not the source.
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        self.language.currentIndexChanged.connect(lambda _i: self._fill())
        top.addStretch(1)
        top.addWidget(self.language)
        layout.addLayout(top)
        self.tree = named(QTreeWidget(), "draftTree")
        self.tree.setColumnCount(3)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        self.tree.itemChanged.connect(self._edited)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.add_section = named(QPushButton(), "addSection")
        self.add_question = named(QPushButton(), "addQuestion")
        self.remove = named(QPushButton(), "removeQuestion")
        self.add_section.clicked.connect(self._ask_section)
        self.add_question.clicked.connect(self._ask_question)
        self.remove.clicked.connect(self._remove)
        for button in (self.add_section, self.add_question, self.remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    @property
    def target(self) -> str:
        return str(self.language.currentData())

    def retranslate(self) -> None:
        for index in range(self.language.count()):
            self.language.setItemText(index, formatting.language_name(
                str(self.language.itemData(index))))
        self.add_section.setText(_("Add section…"))
        self.add_question.setText(_("Add question…"))
        self.remove.setText(_("Remove question"))
        self._fill()

    def show_draft(self, draft: Draft | None) -> None:
        self.draft = draft
        self._fill()

    def _fill(self) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.setHeaderLabels([formatting.language_name(SOURCE_LANGUAGE),
                                   formatting.language_name(self.target), _("Answer type")])
        enabled = self.draft is not None
        for button in (self.add_section, self.add_question, self.remove):
            button.setEnabled(enabled)
        if self.draft is None:
            self.tree.blockSignals(False)
            return
        all_texts = texts(self.draft)
        qs = self.draft.question_set

        def item(parent: QTreeWidget | QTreeWidgetItem, text_id: str, kind: str = ""
                 ) -> QTreeWidgetItem:
            mapping = all_texts.get(text_id, {})
            made = QTreeWidgetItem(parent, [mapping.get(SOURCE_LANGUAGE, ""),
                                            mapping.get(self.target, ""), kind])
            made.setData(ENGLISH, TEXT_ID, text_id)
            made.setFlags(made.flags() | Qt.ItemFlag.ItemIsEditable)
            return made

        item(self.tree, self.draft.area.code, _("Legislative area"))
        root = item(self.tree, qs.code, _("Question set"))
        parents: dict[str | None, QTreeWidgetItem] = {None: root}
        for section in qs.sections:
            parents[section.code] = item(root, section.code, _("Section"))
        for question in qs.questions:
            node = item(parents.get(question.section, root), question.code,
                        label(ANSWER_TYPES, question.answer_type))
            if question.help:
                item(node, question.code + HELP_SUFFIX, _("Help text"))
            for answer in question.answers:
                item(node, answer.code, _("Predefined answer"))
        self.tree.expandAll()
        for column, width in ((ENGLISH, 380), (TRANSLATION, 380)):
            self.tree.setColumnWidth(column, width)
        self.tree.blockSignals(False)

    def _edited(self, changed: QTreeWidgetItem, column: int) -> None:
        if self.draft is None or column not in (ENGLISH, TRANSLATION):
            return
        language = SOURCE_LANGUAGE if column == ENGLISH else self.target
        try:
            self.draft = set_text(self.draft, str(changed.data(ENGLISH, TEXT_ID)), language,
                                  changed.text(column).strip())
        except ValueError:  # an English text emptied, a control character: keep what was
            self._fill()
            return
        self.sig_changed.emit(self.draft)

    def _ask_section(self) -> None:
        if self.draft is None:
            return
        dialog = SectionDialog(self)
        if dialog.exec() and dialog.text:
            code = f"{self.draft.code}-S{len(self.draft.question_set.sections) + 1}"
            self._apply(authoring.add_section(self.draft, code=code, text=dialog.text))

    def _ask_question(self) -> None:
        if self.draft is None:
            return
        dialog = QuestionDialog([(s.code, s.texts.get(SOURCE_LANGUAGE, s.code))
                                 for s in self.draft.question_set.sections], self)
        if dialog.exec() and dialog.result_question is not None:
            section, answer_type, text, help_text, answers = dialog.result_question
            self._apply(authoring.add_question(self.draft, section=section,
                                               answer_type=answer_type, text=text,
                                               help_text=help_text, answers=answers))

    def _remove(self) -> None:
        current = self.tree.currentItem()
        if self.draft is None or current is None:
            return
        code = str(current.data(ENGLISH, TEXT_ID))
        if self.draft.question_set.question(code) and len(self.draft.question_set.questions) > 1:
            self._apply(authoring.remove_question(self.draft, code))

    def _apply(self, draft: Draft) -> None:
        self.draft = draft
        self._fill()
        self.sig_changed.emit(draft)


class SectionDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add section"))
        self.text = ""
        form = QFormLayout(self)
        self.name = named(QLineEdit(), "sectionName")
        form.addRow(_("Heading (English)"), self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._done)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _done(self) -> None:
        self.text = self.name.text().strip()
        if self.text:
            self.accept()


class QuestionDialog(QDialog):
    """A new question: section, answer type, English text, help, predefined answers."""

    def __init__(self, sections: Sequence[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addQuestion")
        self.setWindowTitle(_("Add question"))
        self.setMinimumWidth(560)
        self.result_question: tuple[str | None, AnswerType, str, str, tuple[str, ...]] | None = (
            None)
        form = QFormLayout(self)
        self.section = named(QComboBox(), "questionSection")
        self.section.addItem(_("No section"), None)
        for code, text in sections:
            self.section.addItem(text, code)
        self.answer_type = named(QComboBox(), "answerType")
        for code in authoring.ANSWER_TYPES:
            self.answer_type.addItem(label(ANSWER_TYPES, code), code)
        self.text = named(QLineEdit(), "questionText")
        self.help = named(QLineEdit(), "questionHelp")
        self.answers = named(QPlainTextEdit(), "questionAnswers")
        self.answers.setPlaceholderText(_("One predefined answer per line"))
        self.answers.setFixedHeight(90)
        self.error = error_label()
        form.addRow(_("Section"), self.section)
        form.addRow(_("Answer type"), self.answer_type)
        form.addRow(_("Question (English)"), self.text)
        form.addRow(_("Help text (English)"), self.help)
        form.addRow(_("Predefined answers"), self.answers)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._done)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _done(self) -> None:
        answer_type: AnswerType = self.answer_type.currentData()
        answers = tuple(line.strip() for line in self.answers.toPlainText().splitlines()
                        if line.strip())
        if answer_type == "yes_no" and not answers:
            answers = ("Yes", "No")
        text = self.text.text().strip()
        if not text:
            self.error.setText(_("Enter the question in English."))
            return
        if answer_type in CHOICE_TYPES and len(answers) < 2:
            self.error.setText(_("Give at least two predefined answers."))
            return
        self.result_question = (self.section.currentData(), answer_type, text,
                                self.help.text().strip(), answers)
        self.accept()
