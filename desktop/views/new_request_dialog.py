"""Composing a request: whom to ask (found in one's own language), about whom, what.

The dialog only collects input into a ``RequestForm``; the form's rules say what is missing
(``desktop.models.request_form``) and the directory search finds authorities
(``desktop.models.directory``, run by whoever opened the dialog through ``search``, on the
database lane). It returns the ``case.create`` arguments, or the
``case.edit_draft`` ones when it edits a draft. Whoever opened it performs the step.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from desktop.catalogue_text import section_title
from desktop.i18n import _, current_language
from desktop.labels import PROFESSIONS, label
from desktop.models import request_form
from desktop.models.directory import DirectoryChoices, Filters, Results
from desktop.models.request_form import RequestForm
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
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.qt_locale import date_format
from desktop.views.attachment_picker import AttachmentPicker
from desktop.views.directory_panel import DirectoryPanel
from desktop.views.widgets import WrappingDelegate, error_label, fit_to_screen
from sync_protocol.attachments import AttachmentRef
from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.languages import localized

# Runs a directory search off the GUI thread and hands the results to the callback.
Searcher = Callable[[str, Filters, Callable[[Results], None]], None]


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


class NewRequestDialog(QDialog):
    def __init__(self, *, areas: list[LegislativeArea], question_sets: dict[str, list[QuestionSet]],
                 directory: DirectoryChoices, search: Searcher, my_authority: str,
                 initial: RequestForm | None = None, editing: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Edit draft") if editing else _("New request"))
        self.setObjectName("newRequestDialog")
        fit_to_screen(self, 1240, 760)
        self.send_now = False
        self.editing = editing
        self.result_args: dict[str, Any] | None = None
        self._lang = current_language()
        self._question_sets = question_sets
        self._run_search = search
        form = initial or RequestForm(case_id=uuid.uuid4().hex, language=self._lang)
        self._case_id = form.case_id
        self._initial = form

        # Two columns: whom to ask and about whom on the left, what to ask on the right; on a
        # 1280x800 screen a single column would be taller than the screen.
        layout = QVBoxLayout(self)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout.addLayout(columns, 1)
        top = QFormLayout()
        self.area = named(QComboBox(), "area")
        for area in areas:
            self.area.addItem(localized(area.names, self._lang), area.code)
        self.question_set = named(QComboBox(), "questionSet")
        top.addRow(_("Legislative area"), self.area)
        top.addRow(_("Question set"), self.question_set)
        left.addLayout(top)

        whom = QGroupBox(_("Authority to ask"))
        whom_layout = QVBoxLayout(whom)
        self.directory = DirectoryPanel(language=self._lang, areas=areas,
                                        competences=directory.competences,
                                        regions=directory.regions, compact=True,
                                        exclude=my_authority)
        self.search = self.directory.search
        self.authority_list = self.directory.results
        whom_layout.addWidget(self.directory)
        left.addWidget(whom, 1)

        who = QGroupBox(_("Professional concerned"))
        who_form = QFormLayout(who)
        self.family_name = named(QLineEdit(form.family_name), "familyName")
        self.given_names = named(QLineEdit(form.given_names), "givenNames")
        self.birth_known = named(QCheckBox(_("Date of birth known")), "birthKnown")
        self.birth_date = named(QDateEdit(_qdate(form.date_of_birth or dt.date(1985, 1, 1))),
                                "birthDate")
        self.birth_date.setCalendarPopup(True)
        self.birth_date.setDisplayFormat(date_format())
        self.birth_known.toggled.connect(self.birth_date.setEnabled)
        self.birth_known.setChecked(form.date_of_birth is not None)
        self.birth_date.setEnabled(form.date_of_birth is not None)
        birth = QHBoxLayout()
        birth.addWidget(self.birth_known)
        birth.addWidget(self.birth_date, 1)
        self.profession = named(QComboBox(), "profession")
        for code in PROFESSIONS:
            self.profession.addItem(label(PROFESSIONS, code), code)
        if form.profession:
            self.profession.setCurrentIndex(max(0, self.profession.findData(form.profession)))
        self.qualification = named(QLineEdit(form.qualification), "qualification")
        self.qualification.setPlaceholderText(_("Title of the diploma, issuing institution, year"))
        who_form.addRow(_("Family name"), self.family_name)
        who_form.addRow(_("Given names"), self.given_names)
        who_form.addRow(_("Date of birth"), birth)
        who_form.addRow(_("Profession"), self.profession)
        who_form.addRow(_("Qualification"), self.qualification)
        left.addWidget(who)

        what = QGroupBox(_("Questions"))
        what_layout = QVBoxLayout(what)
        self.questions = named(QTreeWidget(), "questions")
        self.questions.setHeaderHidden(True)
        self.questions.setMinimumHeight(180)
        # Questions are long sentences: wrapped, never cut off.
        self.questions.setWordWrap(True)
        self.questions.setUniformRowHeights(False)
        self.questions.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.questions.header().setStretchLastSection(True)
        self.questions.setItemDelegate(WrappingDelegate(self.questions))
        what_layout.addWidget(self.questions, 1)
        when = QFormLayout()
        self.answer_by = named(QDateEdit(), "answerBy")
        self.answer_by.setCalendarPopup(True)
        self.answer_by.setDisplayFormat(date_format())
        self.answer_by.setMinimumDate(_qdate(min(request_form.today(), form.answer_by)))
        self.answer_by.setDate(_qdate(form.answer_by))
        when.addRow(_("Answer by"), self.answer_by)
        self.message = named(QPlainTextEdit(form.message), "message")
        self.message.setPlaceholderText(_("Optional message, in your own words"))
        self.message.setMaximumHeight(80)
        when.addRow(_("Message"), self.message)
        self.attachments = AttachmentPicker(
            [AttachmentRef.model_validate(r) for r in form.attachments])
        when.addRow(_("Documents"), self.attachments)
        what_layout.addLayout(when)
        right.addWidget(what, 1)

        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.draft_button = named(QPushButton(_("Save as draft")), "saveDraft")
        self.send_button = named(QPushButton(_("Send")), "send")
        buttons.addButton(self.draft_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Send is the main action: the default, also when focus passes over the other buttons.
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.send_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.draft_button.clicked.connect(lambda: self._finish(send=False))
        self.send_button.clicked.connect(lambda: self._finish(send=True))
        layout.addWidget(buttons)

        if form.area:
            self.area.setCurrentIndex(max(0, self.area.findData(form.area)))
        self.area.currentIndexChanged.connect(self._area_changed)
        self.question_set.currentIndexChanged.connect(self._fill_questions)
        self.directory.sig_search_requested.connect(self._search_directory)
        self._wanted_authority = form.responder_authority_id
        self._area_changed()
        for code in form.questions:
            self.set_question_checked(code)

    def _area_code(self) -> str:
        return str(self.area.currentData() or "")

    def _area_changed(self) -> None:
        self.question_set.clear()
        for qs in self._question_sets.get(self._area_code(), []):
            self.question_set.addItem(localized(qs.names, self._lang), qs)
        self._fill_questions()
        self.directory.set_area(self._area_code())

    def _fill_questions(self) -> None:
        self.questions.clear()
        qs: QuestionSet | None = self.question_set.currentData()
        if qs is None:
            return
        groups: dict[str, QTreeWidgetItem] = {}
        for question in qs.questions:
            group_name = section_title(qs, question, self._lang)
            parent = groups.get(group_name)
            if parent is None:
                parent = groups[group_name] = QTreeWidgetItem(self.questions, [group_name])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setExpanded(True)
            item = QTreeWidgetItem(parent, [localized(question.texts, self._lang)])
            item.setData(0, Qt.ItemDataRole.UserRole, question.code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            help_text = localized(question.help, self._lang)
            item.setToolTip(0, localized(question.texts, self._lang)
                            + (f"\n\n{help_text}" if help_text else ""))

    def _search_directory(self, query: str, filters: Filters) -> None:
        self._run_search(query, filters, self._show_authorities)

    def _show_authorities(self, results: Results) -> None:
        self.directory.show_results(results)
        if self._wanted_authority:  # a draft's authority, chosen again once it is listed
            self.directory.select(self._wanted_authority)
        if self.directory.selected_id():
            self._wanted_authority = ""

    def _question_items(self) -> Iterator[QTreeWidgetItem]:
        for g in range(self.questions.topLevelItemCount()):
            group = self.questions.topLevelItem(g)
            if group is None:
                continue
            for i in range(group.childCount()):
                child = group.child(i)
                if child is not None:
                    yield child

    def checked_questions(self) -> list[str]:
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in self._question_items()
                if item.checkState(0) == Qt.CheckState.Checked]

    def set_question_checked(self, code: str, checked: bool = True) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for item in self._question_items():
            if item.data(0, Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(0, state)

    def form(self) -> RequestForm:
        """What the dialog holds now."""
        qs: QuestionSet | None = self.question_set.currentData()
        text = self.message.toPlainText()
        return RequestForm(
            case_id=self._case_id,
            area=self._area_code(),
            question_set=qs.code if qs else "",
            question_set_version=qs.version if qs else 0,
            # A draft's authority stays chosen until the search lists it or another is picked.
            responder_authority_id=self.directory.selected_id() or self._wanted_authority,
            family_name=self.family_name.text(),
            given_names=self.given_names.text(),
            date_of_birth=_pydate(self.birth_date.date()) if self.birth_known.isChecked()
            else None,
            profession=str(self.profession.currentData() or ""),
            qualification=self.qualification.text(),
            questions=self.checked_questions(),
            answer_by=_pydate(self.answer_by.date()),
            message=text,
            # A message kept from an earlier edit keeps the language it was written in.
            language=self._initial.language if text.strip() == self._initial.message.strip()
            and self._initial.message.strip() else self._lang,
            attachments=[r.model_dump(mode="json") for r in self.attachments.refs()],
        )

    def _finish(self, *, send: bool) -> None:
        form = self.form()
        problems = request_form.check(form)
        if problems:
            self.error.setText(" ".join(_(p) for p in problems))
            return
        self.result_args, self.send_now = request_form.to_args(form), send
        self.accept()


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())
