"""The small dialogs of the workflow steps that need input: a reason or a text (decline a
proposed date, ask for or give further information, comment, withdraw, ask for more, escalate,
resolve an escalation), another answer date, the authority a request is forwarded to, the
questions split off, a rating.

Each only collects what the step needs and checks that it is there; ``result_args`` holds the
mutation's arguments once the officer confirms. Whoever opened it performs the step (the
workflow in ``sync_protocol`` decides whether it may be taken, here and on the server).
"""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from html import escape as _esc
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import STEP_NAMES, label
from desktop.models import request_form
from desktop.models.attachment_files import PickedFile
from desktop.models.directory import DirectoryChoices, Filters, Results
from desktop.qt import (
    QButtonGroup,
    QDate,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    Qt,
    QVBoxLayout,
    QWidget,
    named,
)
from desktop.qt_locale import date_format
from desktop.views.attachment_picker import AttachmentPicker
from desktop.views.directory_panel import DirectoryPanel
from desktop.views.widgets import dialog_buttons, error_label, fit_to_screen
from sync_protocol.attachments import AttachmentRef
from sync_protocol.cases import CaseRecord
from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.languages import localized

# Runs a directory search off the GUI thread and hands the results to the callback.
Searcher = Callable[[str, Filters, Callable[[Results], None]], None]


def person_of(case: CaseRecord) -> str:
    return f"{case.subject.family_name.upper()}, {case.subject.given_names}"


def reference_of(case: CaseRecord) -> str:
    return case.id[:8].upper()


def _free(text: str) -> dict[str, str]:
    """A free text as the mutations carry it: as written, in the writer's UI language."""
    return {"text": text, "lang": current_language()}


def _earlier_text(initial: dict[str, Any] | None, field: str) -> str:
    value = (initial or {}).get(field) or {}
    return str(value.get("text", "")) if isinstance(value, dict) else ""


# What a dialog says when its text is missing: a reason, or the text itself.
_NO_REASON = N_("Give the reason: the other authority is told.")
_NO_TEXT = N_("Write the text first.")


@dataclasses.dataclass(frozen=True)
class TextStep:
    """What one text step's dialog says: what happens, and the field's label.

    ``field`` is the argument the text goes into (``reason``, ``text`` or ``note``); the
    explanation names the case (``{reference}``, ``{person}``), the other authority
    (``{authority}``) and the answer date (``{date}``). The title and the main button are the
    step's name (``STEP_NAMES``)."""

    explanation: str
    label: str
    field: str
    missing: str = _NO_REASON
    required: bool = True
    documents: bool = False  # the step carries documents (``attachments``)


_TOLD = N_("Reason (required, told to the other authority)")
TEXT_STEPS: dict[str, TextStep] = {
    "decline_date": TextStep(
        N_("The answer date stays {date}. {authority} is told that you decline the date it "
           "proposed, and why."), _TOLD, "reason"),
    "ask_info": TextStep(
        N_("Ask {authority} for what you need about <b>{person}</b>. The case shows that it "
           "waits for their information until they give it."),
        N_("What do you need? (required)"), "text", _NO_TEXT, documents=True),
    "give_info": TextStep(
        N_("{authority} asked for further information about <b>{person}</b>:"),
        N_("Your information (required)"), "text", _NO_TEXT, documents=True),
    "comment": TextStep(
        N_("Both authorities read the comment on the case about <b>{person}</b>. It does "
           "not change the state of the case."),
        N_("Comment (required)"), "text", _NO_TEXT, documents=True),
    "withdraw": TextStep(
        N_("The request about <b>{person}</b> is withdrawn: {authority} is told, with your "
           "reason, and the request cannot be sent again."), _TOLD, "reason"),
    "request_more": TextStep(
        N_("The reply about <b>{person}</b> does not close the case: {authority} answers "
           "again. Say what is missing."), N_("What is missing (required)"), "reason"),
    "escalate": TextStep(
        N_("Nothing has happened in the case about <b>{person}</b> for over two months. The "
           "coordinator responsible for the requested authority is told and follows the case "
           "until it resolves the escalation."),
        N_("Reason (required, read by both authorities and the coordinator)"), "reason"),
    "resolve_escalation": TextStep(
        N_("The escalation of the case about <b>{person}</b> is closed: the case leaves your "
           "escalations, and both authorities see that it was resolved."),
        N_("Note (optional, read by both authorities)"), "note", required=False),
}


def step_title(step: str, case: CaseRecord) -> str:
    return _("{step} — {reference}").format(step=label(STEP_NAMES, step),
                                            reference=reference_of(case))


class _StepDialog(QDialog):
    """What every step dialog starts with: its name, title and size, the case, the arguments
    it ends with (``result_args``, None until the step is taken) and a heading that says what
    the step does; ``body`` is the layout the dialog fills."""

    def __init__(self, case: CaseRecord, step: str, *, size: tuple[int, int],
                 parent: QWidget | None, name: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name or _camel(step)}Dialog")
        self.setWindowTitle(step_title(step, case))
        fit_to_screen(self, *size)
        self._case = case
        self.result_args: dict[str, Any] | None = None
        self.body = QVBoxLayout(self)
        self.heading = named(QLabel(), "stepHeading")
        self.heading.setWordWrap(True)
        self.body.addWidget(self.heading)


class TextStepDialog(_StepDialog):
    """A step that needs a text: a reason, a question, information, a comment, a note."""

    def __init__(self, case: CaseRecord, step: str, *, authority: str,
                 asked: str | None = None, initial: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        """``authority``: the other authority's name; ``asked``: for ``give_info``, the text
        of the open request for information; ``initial``: the arguments of the same step
        taken earlier (a refused step taken again)."""
        super().__init__(case, step, size=(640, 420), parent=parent)
        self.step = step
        spec = self._spec = TEXT_STEPS[step]
        layout = self.body
        self.heading.setText(_(spec.explanation).format(
            person=_esc(person_of(case)), authority=_esc(authority),
            date=_esc(formatting.date_text(case.answer_by)), reference=reference_of(case)))
        if asked:
            quoted = named(QLabel(f"<blockquote>{_esc(asked)}</blockquote>"), "askedText")
            quoted.setWordWrap(True)
            quoted.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(quoted)
        layout.addWidget(QLabel(_(spec.label)))
        self.text = named(QPlainTextEdit(_earlier_text(initial, spec.field)), "stepText")
        layout.addWidget(self.text, 1)
        # Documents for further information and comments; none for a reason or a note.
        self.attachments: AttachmentPicker | None = None
        if spec.documents:
            layout.addWidget(QLabel(_("Documents (optional)")))
            self.attachments = AttachmentPicker(
                [AttachmentRef.model_validate(r) for r in (initial or {}).get("attachments", [])])
            layout.addWidget(self.attachments)
            fit_to_screen(self, 640, 560)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.main_button = dialog_buttons(self, label(STEP_NAMES, step), "takeStep",
                                                   self._finish)
        layout.addWidget(buttons)
        self.text.setFocus()

    def _finish(self) -> None:
        text = self.text.toPlainText().strip()
        if not text and self._spec.required:
            self.error.setText(_(self._spec.missing))
            return
        self.result_args = {"case_id": self._case.id}
        if text:
            self.result_args[self._spec.field] = _free(text)
        if self.attachments is not None and self.attachments.refs():
            self.result_args["attachments"] = [ref.model_dump(mode="json")
                                               for ref in self.attachments.refs()]
        self.accept()

    def picked(self) -> list[PickedFile]:
        """The files picked to go with the step (copied into the profile by whoever takes
        it)."""
        return self.attachments.picked() if self.attachments is not None else []


def _camel(step: str) -> str:
    first, *rest = step.split("_")
    return first + "".join(word.title() for word in rest)


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class ProposeDateDialog(_StepDialog):
    """The responder accepts the request and proposes another answer date."""

    def __init__(self, case: CaseRecord, *, authority: str,
                 initial: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(case, "accept_proposing", size=(640, 400), parent=parent,
                         name="proposeDate")
        layout = self.body
        self.heading.setText(_(
            "You accept the request about <b>{person}</b>. {authority} asked for an answer by "
            "{date}; propose the date by which you can answer. It agrees or declines; until it "
            "agrees, {date} stays the answer date.").format(
            person=_esc(person_of(case)), authority=_esc(authority),
            date=_esc(formatting.date_text(case.answer_by))))
        form = QFormLayout()
        earlier = (initial or {}).get("proposed_answer_by")
        proposed = (dt.date.fromisoformat(earlier) if earlier
                    else max(case.answer_by, request_form.today()) + dt.timedelta(days=14))
        self.date = named(QDateEdit(), "proposedDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat(date_format())
        self.date.setMinimumDate(_qdate(request_form.today()))
        self.date.setDate(_qdate(proposed))
        form.addRow(_("Proposed answer date"), self.date)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Why (optional, told to the requesting authority)")))
        self.note = named(QPlainTextEdit(_earlier_text(initial, "note")), "stepText")
        layout.addWidget(self.note, 1)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.main_button = dialog_buttons(self, label(STEP_NAMES, "accept"), "takeStep",
                                                   self._finish)
        layout.addWidget(buttons)

    def _finish(self) -> None:
        proposed = _pydate(self.date.date())
        if proposed == self._case.answer_by:
            self.error.setText(_("Choose another date than the one asked for, or accept the "
                                 "request as it is."))
            return
        if proposed < request_form.today():
            self.error.setText(_("The proposed date is in the past."))
            return
        self.result_args = {"case_id": self._case.id, "proposed_answer_by": proposed.isoformat()}
        note = self.note.toPlainText().strip()
        if note:
            self.result_args["note"] = _free(note)
        self.accept()


class _AuthorityChoice:
    """The directory search of a dialog that sends a request on: authorities competent in the
    case's area, neither one's own nor the requesting authority."""

    def __init__(self, dialog: QDialog, case: CaseRecord, *, areas: list[LegislativeArea],
                 directory: DirectoryChoices, search: Searcher, my_authority: str,
                 initial: dict[str, Any] | None) -> None:
        self._case, self._mine = case, my_authority
        self._run_search = search
        # The authority chosen when the step was taken before (a refused step taken again).
        self._wanted = str((initial or {}).get("responder_authority_id", ""))
        self.panel = DirectoryPanel(language=current_language(), areas=areas,
                                    competences=directory.competences,
                                    regions=directory.regions, compact=True,
                                    exclude=my_authority, parent=dialog)
        self.panel.sig_search_requested.connect(self._search)
        self.panel.sig_results_shown.connect(self._select_wanted)
        self.panel.set_area(case.area)  # only competent authorities; runs the first search

    def _select_wanted(self) -> None:
        if self._wanted:
            self.panel.select(self._wanted)

    def _search(self, query: str, filters: Filters) -> None:
        self._run_search(query, filters, self.panel.show_results)

    def problem(self) -> str | None:
        """What is wrong with the choice, or None."""
        chosen = self.panel.selected_id()
        if not chosen:
            return _("Choose the authority in the list.")
        if chosen == self._case.requester_authority_id:
            return _("The requesting authority cannot be chosen: it asked the question.")
        if chosen == self._mine:
            return _("Choose another authority than your own.")
        return None


def _note_and_buttons(dialog: QDialog, layout: QVBoxLayout, initial: dict[str, Any] | None, *,
                      step: str, finish: Callable[[], None],
                      height: int) -> tuple[QPlainTextEdit, QLabel, QPushButton]:
    """The end of a dialog that sends a request on: an optional note to the new authority,
    the error line and the buttons (the step's name as the main one)."""
    layout.addWidget(QLabel(_("Note to the new authority (optional)")))
    note = named(QPlainTextEdit(_earlier_text(initial, "note")), "stepText")
    note.setMaximumHeight(height)
    layout.addWidget(note)
    error = error_label()
    layout.addWidget(error)
    buttons, main_button = dialog_buttons(dialog, label(STEP_NAMES, step), "takeStep", finish)
    layout.addWidget(buttons)
    return note, error, main_button


def _with_note(args: dict[str, Any], note: QPlainTextEdit) -> dict[str, Any]:
    """``args`` with the note, if one was written."""
    text = note.toPlainText().strip()
    return {**args, "note": _free(text)} if text else args


class ForwardDialog(_StepDialog):
    """The responder forwards the request to another authority competent in its area."""

    def __init__(self, case: CaseRecord, *, area_name: str, areas: list[LegislativeArea],
                 directory: DirectoryChoices, search: Searcher, my_authority: str,
                 initial: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(case, "forward", size=(900, 720), parent=parent)
        layout = self.body
        self.heading.setText(_(
            "The request about <b>{person}</b> goes to the authority you choose, among those "
            "competent in {area}. Once it is forwarded, your authority no longer sees the "
            "case.").format(person=_esc(person_of(case)), area=_esc(area_name)))
        whom = QGroupBox(_("Authority to forward to"))
        whom_layout = QVBoxLayout(whom)
        self.choice = _AuthorityChoice(self, case, areas=areas, directory=directory,
                                       search=search, my_authority=my_authority,
                                       initial=initial)
        self.panel = self.choice.panel
        whom_layout.addWidget(self.panel)
        layout.addWidget(whom, 1)
        self.note, self.error, self.main_button = _note_and_buttons(
            self, layout, initial, step="forward", finish=self._finish, height=90)

    def _finish(self) -> None:
        problem = self.choice.problem()
        if problem:
            self.error.setText(problem)
            return
        self.result_args = _with_note({"case_id": self._case.id,
                                       "responder_authority_id": self.panel.selected_id()},
                                      self.note)
        self.accept()


class SplitDialog(_StepDialog):
    """The responder splits some questions off into a new request to another authority."""

    def __init__(self, case: CaseRecord, question_set: QuestionSet | None, *,
                 areas: list[LegislativeArea], directory: DirectoryChoices, search: Searcher,
                 my_authority: str, initial: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(case, "split", size=(1240, 760), parent=parent)
        self._new_case_id = str((initial or {}).get("new_case_id") or uuid.uuid4().hex)
        layout = self.body
        self.heading.setText(_(
            "The questions you tick leave this request about <b>{person}</b> and go to the "
            "authority you choose, as a new request linked to this one. You answer the other "
            "questions; your authority does not see the new request.").format(
            person=_esc(person_of(case))))
        columns = QHBoxLayout()
        which = QGroupBox(_("Questions to split off"))
        which_layout = QVBoxLayout(which)
        self.questions = named(QListWidget(), "splitQuestions")
        self.questions.setWordWrap(True)
        ticked = set((initial or {}).get("questions", ()))
        language = current_language()
        for number, code in enumerate(case.questions, start=1):
            question = question_set.question(code) if question_set else None
            text = localized(question.texts, language) if question else code
            item = QListWidgetItem(f"{number}. {text}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code in ticked
                               else Qt.CheckState.Unchecked)
            self.questions.addItem(item)
        which_layout.addWidget(self.questions)
        columns.addWidget(which, 1)
        whom = QGroupBox(_("Authority to send them to"))
        whom_layout = QVBoxLayout(whom)
        self.choice = _AuthorityChoice(self, case, areas=areas, directory=directory,
                                       search=search, my_authority=my_authority,
                                       initial=initial)
        self.panel = self.choice.panel
        whom_layout.addWidget(self.panel)
        columns.addWidget(whom, 1)
        layout.addLayout(columns, 1)
        self.note, self.error, self.main_button = _note_and_buttons(
            self, layout, initial, step="split", finish=self._finish, height=80)

    def set_question_checked(self, code: str, checked: bool = True) -> None:
        for row in range(self.questions.count()):
            item = self.questions.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(Qt.CheckState.Checked if checked
                                   else Qt.CheckState.Unchecked)

    def checked_questions(self) -> list[str]:
        return [str(self.questions.item(row).data(Qt.ItemDataRole.UserRole))
                for row in range(self.questions.count())
                if self.questions.item(row).checkState() == Qt.CheckState.Checked]

    def _finish(self) -> None:
        chosen = self.checked_questions()
        if not chosen:
            self.error.setText(_("Tick the questions to split off."))
            return
        if len(chosen) == len(self._case.questions):
            self.error.setText(_("Leave at least one question in this request; to hand over "
                                 "all of them, forward the request."))
            return
        problem = self.choice.problem()
        if problem:
            self.error.setText(problem)
            return
        self.result_args = _with_note({"case_id": self._case.id,
                                       "new_case_id": self._new_case_id,
                                       "responder_authority_id": self.panel.selected_id(),
                                       "questions": chosen}, self.note)
        self.accept()


# What each mark of a rating means (1 to 5).
MARKS = {1: N_("1 — poor"), 3: N_("3 — adequate"), 5: N_("5 — excellent")}


class RateDialog(_StepDialog):
    """The requester rates how timely and thorough the reply was, once the case is closed."""

    def __init__(self, case: CaseRecord, *, authority: str,
                 initial: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(case, "rate", size=(720, 440), parent=parent)
        layout = self.body
        self.heading.setText(_("How did {authority} handle the request about <b>{person}</b>? A "
                          "case is rated once; both authorities see the rating.").format(
            authority=_esc(authority), person=_esc(person_of(case))))
        grid = QGridLayout()
        self.marks: dict[str, QButtonGroup] = {}
        for row, (field, title) in enumerate((("timeliness", _("Timeliness")),
                                              ("effort", _("Effort")))):
            grid.addWidget(QLabel(title), row, 0)
            group = QButtonGroup(self)
            for mark in range(1, 6):
                text = _(MARKS[mark]) if mark in MARKS else str(mark)
                button = named(QRadioButton(text), f"{field}_{mark}")
                group.addButton(button, mark)
                grid.addWidget(button, row, mark)
                if (initial or {}).get(field) == mark:
                    button.setChecked(True)
            self.marks[field] = group
        grid.setColumnStretch(6, 1)  # the marks side by side, not spread over the width
        layout.addLayout(grid)
        layout.addWidget(QLabel(_("Note (optional, read by both authorities)")))
        self.note = named(QPlainTextEdit(_earlier_text(initial, "note")), "stepText")
        layout.addWidget(self.note, 1)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons, self.main_button = dialog_buttons(self, label(STEP_NAMES, "rate"), "takeStep",
                                                   self._finish)
        layout.addWidget(buttons)

    def set_mark(self, field: str, mark: int) -> None:
        button = self.marks[field].button(mark)
        if button is not None:
            button.setChecked(True)

    def _finish(self) -> None:
        given = {field: group.checkedId() for field, group in self.marks.items()}
        if any(mark < 1 for mark in given.values()):
            self.error.setText(_("Give a mark from 1 to 5 for timeliness and for effort."))
            return
        self.result_args = {"case_id": self._case.id, **given}
        note = self.note.toPlainText().strip()
        if note:
            self.result_args["note"] = _free(note)
        self.accept()

