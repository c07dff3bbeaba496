"""Answering a request: a predefined answer per question, in the reader's language, and an
optional message in their own words. The heading names the case and the person it is about."""

from html import escape as _esc
from typing import Any

from desktop.i18n import _, current_language
from desktop.labels import PROFESSIONS, label
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
    named,
)
from desktop.views.widgets import error_label, fit_to_screen
from sync_protocol.cases import CaseRecord
from sync_protocol.catalogue import QuestionSet
from sync_protocol.languages import localized


class AnswerDialog(QDialog):
    def __init__(self, case: CaseRecord, question_set: QuestionSet, *, requester: str,
                 initial: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        """``requester`` is the asking authority's name; ``initial`` earlier answer arguments
        (a refused answer taken again)."""
        super().__init__(parent)
        subject = case.subject
        person = f"{subject.family_name.upper()}, {subject.given_names}"
        self.setWindowTitle(_("Answer the request {reference} — {person}").format(
            reference=case.id[:8].upper(), person=person))
        self.setObjectName("answerDialog")
        fit_to_screen(self, 900, 720)
        self._case = case
        self._lang = current_language()
        self.result_args: dict[str, Any] | None = None
        given = {a["question"]: a["answer"] for a in (initial or {}).get("answers", [])}
        layout = QVBoxLayout(self)
        heading = named(QLabel(), "answerHeading")
        heading.setWordWrap(True)
        heading.setText(_("<b>{person}</b> ({profession}) — request {reference} from "
                          "{authority}").format(
            person=_esc(person), profession=_esc(label(PROFESSIONS, subject.profession)),
            reference=case.id[:8].upper(), authority=_esc(requester)))
        layout.addWidget(heading)
        inner = QWidget()
        form = QFormLayout(inner)
        self.choices: dict[str, QComboBox] = {}
        for number, code in enumerate(case.questions, start=1):
            question = question_set.question(code)
            if question is None:
                continue
            text = QLabel(f"{number}. {localized(question.texts, self._lang)}")
            text.setWordWrap(True)
            combo = named(QComboBox(), f"answer_{code}")
            combo.addItem(_("— choose an answer —"), None)
            for option in question.answers:
                combo.addItem(localized(option.texts, self._lang), option.code)
            if code in given:
                combo.setCurrentIndex(max(0, combo.findData(given[code])))
            form.addRow(text)
            form.addRow(combo)
            self.choices[code] = combo
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel(_("Message (optional, in your own words)")))
        earlier = (initial or {}).get("reply_text") or {}
        self.message = named(QPlainTextEdit(str(earlier.get("text", ""))), "replyMessage")
        self.message.setMaximumHeight(100)
        layout.addWidget(self.message)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.send_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.send_button.setText(_("Send answer"))
        self.send_button.setDefault(True)
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
