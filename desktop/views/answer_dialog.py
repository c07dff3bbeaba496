"""Answering a request: a predefined answer per question, in the reader's language, and an
optional message in their own words."""

from typing import Any

from desktop.i18n import _, current_language
from desktop.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from desktop.views.widgets import error_label
from sync_protocol.cases import CaseRecord
from sync_protocol.catalogue import QuestionSet
from sync_protocol.languages import localized


class AnswerDialog(QDialog):
    def __init__(self, case: CaseRecord, question_set: QuestionSet,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Answer the request"))
        self.setObjectName("answerDialog")
        self.resize(760, 620)
        self._case = case
        self._lang = current_language()
        self.result_args: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        inner = QWidget()
        form = QFormLayout(inner)
        self.choices: dict[str, QComboBox] = {}
        for code in case.questions:
            question = question_set.question(code)
            if question is None:
                continue
            text = QLabel(localized(question.texts, self._lang))
            text.setWordWrap(True)
            combo = QComboBox(objectName=f"answer_{code}")
            combo.addItem(_("— choose an answer —"), None)
            for option in question.answers:
                combo.addItem(localized(option.texts, self._lang), option.code)
            form.addRow(text)
            form.addRow(combo)
            self.choices[code] = combo
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel(_("Message (optional, in your own words)")))
        self.message = QPlainTextEdit(objectName="replyMessage")
        self.message.setMaximumHeight(100)
        layout.addWidget(self.message)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Send answer"))
        buttons.accepted.connect(self._finish)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _finish(self) -> None:
        missing = [code for code, combo in self.choices.items() if combo.currentData() is None]
        if missing:
            self.error.setText(_("Choose an answer for every question."))
            return
        args: dict[str, Any] = {
            "case_id": self._case.id,
            "answers": [{"question": code, "answer": combo.currentData()}
                        for code, combo in self.choices.items()],
        }
        text = self.message.toPlainText().strip()
        if text:
            args["reply_text"] = {"text": text, "lang": self._lang}
        self.result_args = args
        self.accept()
