"""Composing a request: whom to ask (found in one's own language), about whom, what.

The dialog only collects input and checks it is complete; it returns the ``case.create``
arguments. Whoever opened it performs the step.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from desktop import formatting
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
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from desktop.qt_locale import date_format
from desktop.views.widgets import error_label
from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.languages import localized

DEFAULT_ANSWER_DAYS = 14


def authority_search_text(authority: dict[str, Any], language: str) -> str:
    """Everything a user might type to find an authority, in their language and the original."""
    return " ".join([
        authority["official_name"], localized(authority.get("designation") or {}, language),
        formatting.country_name(authority["member_state"]), authority["member_state"],
        authority.get("region", ""), authority.get("city", ""),
        " ".join(label(PROFESSIONS, c) for c in authority.get("competences", [])),
    ]).casefold()


class NewRequestDialog(QDialog):
    def __init__(self, *, areas: list[LegislativeArea], question_sets: dict[str, list[QuestionSet]],
                 authorities: list[dict[str, Any]], my_authority: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New request"))
        self.setObjectName("newRequestDialog")
        self.resize(900, 760)
        self.send_now = False
        self.result_args: dict[str, Any] | None = None
        self._lang = current_language()
        self._question_sets = question_sets
        self._authorities = [a for a in authorities if a["id"] != my_authority]
        self._search_texts = {a["id"]: authority_search_text(a, self._lang)
                              for a in self._authorities}

        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.area = QComboBox(objectName="area")
        for area in areas:
            self.area.addItem(localized(area.names, self._lang), area.code)
        self.question_set = QComboBox(objectName="questionSet")
        top.addRow(_("Legislative area"), self.area)
        top.addRow(_("Question set"), self.question_set)
        layout.addLayout(top)

        whom = QGroupBox(_("Authority to ask"))
        whom_layout = QVBoxLayout(whom)
        self.search = QLineEdit(objectName="authoritySearch")
        self.search.setPlaceholderText(_("Search by name, country, city or profession…"))
        self.authority_list = QListWidget(objectName="authorityList")
        self.authority_list.setMinimumHeight(120)
        whom_layout.addWidget(self.search)
        whom_layout.addWidget(self.authority_list)
        layout.addWidget(whom)

        who = QGroupBox(_("Professional concerned"))
        who_form = QFormLayout(who)
        self.family_name = QLineEdit(objectName="familyName")
        self.given_names = QLineEdit(objectName="givenNames")
        self.birth_known = QCheckBox(_("Date of birth known"), objectName="birthKnown")
        self.birth_date = QDateEdit(QDate(1985, 1, 1), objectName="birthDate")
        self.birth_date.setCalendarPopup(True)
        self.birth_date.setDisplayFormat(date_format())
        self.birth_date.setEnabled(False)
        self.birth_known.toggled.connect(self.birth_date.setEnabled)
        birth = QHBoxLayout()
        birth.addWidget(self.birth_known)
        birth.addWidget(self.birth_date, 1)
        self.profession = QComboBox(objectName="profession")
        for code in PROFESSIONS:
            self.profession.addItem(label(PROFESSIONS, code), code)
        self.qualification = QLineEdit(objectName="qualification")
        self.qualification.setPlaceholderText(_("Title of the diploma, issuing institution, year"))
        who_form.addRow(_("Family name"), self.family_name)
        who_form.addRow(_("Given names"), self.given_names)
        who_form.addRow(_("Date of birth"), birth)
        who_form.addRow(_("Profession"), self.profession)
        who_form.addRow(_("Qualification"), self.qualification)
        layout.addWidget(who)

        what = QGroupBox(_("Questions"))
        what_layout = QVBoxLayout(what)
        self.questions = QTreeWidget(objectName="questions")
        self.questions.setHeaderHidden(True)
        self.questions.setMinimumHeight(180)
        what_layout.addWidget(self.questions)
        when = QFormLayout()
        today = dt.datetime.now().astimezone().date()  # the officer's own calendar day
        self.answer_by = QDateEdit(objectName="answerBy")
        self.answer_by.setCalendarPopup(True)
        self.answer_by.setDisplayFormat(date_format())
        self.answer_by.setMinimumDate(QDate(today.year, today.month, today.day))
        default = today + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
        self.answer_by.setDate(QDate(default.year, default.month, default.day))
        when.addRow(_("Answer by"), self.answer_by)
        self.message = QPlainTextEdit(objectName="message")
        self.message.setPlaceholderText(_("Optional message, in your own words"))
        self.message.setMaximumHeight(80)
        when.addRow(_("Message"), self.message)
        what_layout.addLayout(when)
        layout.addWidget(what, 1)

        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.draft_button = QPushButton(_("Save as draft"), objectName="saveDraft")
        self.send_button = QPushButton(_("Send"), objectName="send")
        self.send_button.setDefault(True)
        buttons.addButton(self.draft_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.draft_button.clicked.connect(lambda: self._finish(send=False))
        self.send_button.clicked.connect(lambda: self._finish(send=True))
        layout.addWidget(buttons)

        self.area.currentIndexChanged.connect(self._area_changed)
        self.question_set.currentIndexChanged.connect(self._fill_questions)
        self.search.textChanged.connect(self._fill_authorities)
        self._area_changed()

    def _area_code(self) -> str:
        return str(self.area.currentData() or "")

    def _area_changed(self) -> None:
        self.question_set.clear()
        for qs in self._question_sets.get(self._area_code(), []):
            self.question_set.addItem(localized(qs.names, self._lang), qs)
        self._fill_questions()
        self._fill_authorities()

    def _fill_questions(self) -> None:
        self.questions.clear()
        qs: QuestionSet | None = self.question_set.currentData()
        if qs is None:
            return
        groups: dict[str, QTreeWidgetItem] = {}
        for question in qs.questions:
            group_name = localized(question.group, self._lang) if question.group else ""
            parent = groups.get(group_name)
            if parent is None:
                parent = groups[group_name] = QTreeWidgetItem(self.questions, [group_name])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setExpanded(True)
            item = QTreeWidgetItem(parent, [localized(question.texts, self._lang)])
            item.setData(0, Qt.ItemDataRole.UserRole, question.code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setToolTip(0, localized(question.texts, self._lang))

    def _fill_authorities(self) -> None:
        words = self.search.text().casefold().split()
        area = self._area_code()
        self.authority_list.clear()
        for authority in self._authorities:
            if area not in authority.get("areas", []):
                continue
            haystack = self._search_texts[authority["id"]]
            if all(word in haystack for word in words):
                designation = localized(authority.get("designation") or {}, self._lang)
                country = formatting.country_name(authority["member_state"])
                item = QListWidgetItem(f"{authority['official_name']} — {country}\n{designation}")
                item.setData(Qt.ItemDataRole.UserRole, authority["id"])
                self.authority_list.addItem(item)
        if self.authority_list.count() == 1:
            self.authority_list.setCurrentRow(0)

    def _question_items(self) -> Iterator[QTreeWidgetItem]:
        for g in range(self.questions.topLevelItemCount()):
            group = self.questions.topLevelItem(g)
            for i in range(group.childCount()):
                yield group.child(i)

    def checked_questions(self) -> list[str]:
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in self._question_items()
                if item.checkState(0) == Qt.CheckState.Checked]

    def set_question_checked(self, code: str, checked: bool = True) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for item in self._question_items():
            if item.data(0, Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(0, state)

    def _finish(self, *, send: bool) -> None:
        problems = []
        selected = self.authority_list.currentItem()
        if selected is None:
            problems.append(_("Choose the authority to ask."))
        if not self.family_name.text().strip() or not self.given_names.text().strip():
            problems.append(_("Enter the professional's family name and given names."))
        questions = self.checked_questions()
        if not questions:
            problems.append(_("Tick at least one question."))
        qs: QuestionSet | None = self.question_set.currentData()
        if qs is None:
            problems.append(_("There is no question set for this area yet."))
        if problems or selected is None or qs is None:
            self.error.setText(" ".join(problems))
            return
        subject: dict[str, Any] = {
            "family_name": self.family_name.text().strip(),
            "given_names": self.given_names.text().strip(),
            "profession": self.profession.currentData(),
            "qualification": self.qualification.text().strip(),
        }
        if self.birth_known.isChecked():
            subject["date_of_birth"] = self.birth_date.date().toPython().isoformat()
        args: dict[str, Any] = {
            "case_id": uuid.uuid4().hex,
            "area": qs.area,
            "question_set": qs.code,
            "question_set_version": qs.version,
            "responder_authority_id": selected.data(Qt.ItemDataRole.UserRole),
            "subject": subject,
            "questions": questions,
            "answer_by": self.answer_by.date().toPython().isoformat(),
        }
        text = self.message.toPlainText().strip()
        if text:
            args["request_text"] = {"text": text, "lang": self._lang}
        self.result_args, self.send_now = args, send
        self.accept()
