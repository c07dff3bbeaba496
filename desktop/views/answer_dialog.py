"""Answering a request: per question, the kind of answer it asks for (a predefined answer,
several, a date, a number, a text, a document's description), in the reader's language with
the question's help text, and an optional message in their own words. The heading names the
case and the person it is about."""

import decimal
from html import escape as _esc
from typing import Any

from desktop.i18n import _, current_language
from desktop.labels import PROFESSIONS, label
from desktop.qt import (
    QCheckBox,
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.views.attachment_picker import AttachmentPicker
from desktop.views.widgets import error_label, fit_to_screen
from sync_protocol.attachments import AttachmentRef
from sync_protocol.cases import CaseRecord
from sync_protocol.catalogue import Question, QuestionSet
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
        given = {a["question"]: a for a in (initial or {}).get("answers", [])}
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
        self.many: dict[str, dict[str, QCheckBox]] = {}
        self.dates: dict[str, QDateEdit] = {}
        self.values: dict[str, QLineEdit | QPlainTextEdit] = {}
        self._questions: dict[str, Question] = {}
        for number, code in enumerate(case.questions, start=1):
            question = question_set.question(code)
            if question is None:
                continue
            self._questions[code] = question
            text = QLabel(f"{number}. {localized(question.texts, self._lang)}")
            text.setWordWrap(True)
            form.addRow(text)
            help_text = localized(question.help, self._lang)
            if help_text:
                hint = named(QLabel(help_text), f"help_{code}")
                hint.setWordWrap(True)
                hint.setStyleSheet("color: gray")
                form.addRow(hint)
            form.addRow(self._answer_widget(question, given.get(code, {})))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel(_("Message (optional, in your own words)")))
        earlier = (initial or {}).get("reply_text") or {}
        self.message = named(QPlainTextEdit(str(earlier.get("text", ""))), "replyMessage")
        self.message.setMaximumHeight(100)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("Documents (optional)")))
        self.attachments = AttachmentPicker(
            [AttachmentRef.model_validate(r) for r in (initial or {}).get("attachments", [])])
        layout.addWidget(self.attachments)
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

    def _answer_widget(self, question: Question, earlier: dict[str, Any]) -> QWidget:
        """The input for ``question``'s kind of answer, filled with ``earlier`` if given."""
        code = question.code
        if question.answer_type == "multiple_choice":
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            checks: dict[str, QCheckBox] = {}
            for option in question.answers:
                check = named(QCheckBox(localized(option.texts, self._lang)),
                              f"answer_{option.code}")
                check.setChecked(option.code in (earlier.get("choices") or ()))
                column.addWidget(check)
                checks[option.code] = check
            self.many[code] = checks
            return box
        if question.is_choice:
            combo = named(QComboBox(), f"answer_{code}")
            combo.addItem(_("— choose an answer —"), None)
            for option in question.answers:
                combo.addItem(localized(option.texts, self._lang), option.code)
            if earlier.get("answer"):
                combo.setCurrentIndex(max(0, combo.findData(earlier["answer"])))
            self.choices[code] = combo
            return combo
        if question.answer_type == "date":
            date = named(QDateEdit(), f"answer_{code}")
            date.setCalendarPopup(True)
            date.setMinimumDate(_NO_DATE)
            date.setSpecialValueText(_("— choose a date —"))
            date.setDate(QDate.fromString(earlier.get("value") or "", "yyyy-MM-dd")
                         if earlier.get("value") else _NO_DATE)
            self.dates[code] = date
            return date
        if question.answer_type == "number":
            line = named(QLineEdit(str(earlier.get("value") or "")), f"answer_{code}")
            line.setPlaceholderText(_("A number"))
            self.values[code] = line
            return line
        edit = named(QPlainTextEdit(str(earlier.get("value") or "")), f"answer_{code}")
        edit.setMaximumHeight(70)
        edit.setPlaceholderText(_("Describe the document and how you send it")
                                if question.answer_type == "document"
                                else _("Your answer, in your own words"))
        self.values[code] = edit
        return edit

    def set_answer(self, code: str, value: str | list[str]) -> None:
        """Give an answer as the officer would (tests, the gallery)."""
        if code in self.choices:
            self.choices[code].setCurrentIndex(self.choices[code].findData(value))
        elif code in self.many:
            for option, check in self.many[code].items():
                check.setChecked(option in value)
        elif code in self.dates:
            self.dates[code].setDate(QDate.fromString(str(value), "yyyy-MM-dd"))
        elif isinstance(self.values[code], QLineEdit):
            self.values[code].setText(str(value))  # type: ignore[union-attr]
        else:
            self.values[code].setPlainText(str(value))  # type: ignore[union-attr]

    def _answers(self) -> list[dict[str, Any]] | None:
        """Every answer as the protocol takes it; None (and a message) if one is missing."""
        answers: list[dict[str, Any]] = []
        for code in self._questions:
            if code in self.choices:
                if self.choices[code].currentData() is None:
                    self.error.setText(_("Answer every question."))
                    return None
                answers.append({"question": code, "answer": self.choices[code].currentData()})
            elif code in self.many:
                chosen = [option for option, check in self.many[code].items()
                          if check.isChecked()]
                if not chosen:
                    self.error.setText(_("Answer every question."))
                    return None
                answers.append({"question": code, "choices": chosen})
            elif code in self.dates:
                date = self.dates[code].date()
                if date == _NO_DATE:
                    self.error.setText(_("Answer every question."))
                    return None
                answers.append({"question": code, "value": date.toString("yyyy-MM-dd")})
            else:
                widget = self.values[code]
                text = (widget.text() if isinstance(widget, QLineEdit)
                        else widget.toPlainText()).strip()
                if not text:
                    self.error.setText(_("Answer every question."))
                    return None
                if self._questions[code].answer_type == "number":
                    if not _is_number(text):
                        self.error.setText(_("Write a number, for example 12 or 4.5."))
                        return None
                    answers.append({"question": code, "value": text})
                else:
                    answers.append({"question": code, "value": text, "lang": self._lang})
        return answers

    def _missing(self) -> None:
        self.error.setText(_("Answer every question."))
        return

    def _finish(self) -> None:
        answers = self._answers()
        if answers is None:
            return
        args: dict[str, Any] = {"case_id": self._case.id, "answers": answers}
        text = self.message.toPlainText().strip()
        if text:
            args["reply_text"] = {"text": text, "lang": self._lang}
        if self.attachments.refs():
            args["attachments"] = [r.model_dump(mode="json") for r in self.attachments.refs()]
        self.result_args = args
        self.accept()


# A date edit always holds a date: this one, shown as "choose a date", stands for none.
_NO_DATE = QDate(1900, 1, 1)


def _is_number(text: str) -> bool:
    try:
        return decimal.Decimal(text.replace(",", ".")).is_finite()
    except decimal.InvalidOperation:
        return False
