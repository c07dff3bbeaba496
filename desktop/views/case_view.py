"""One case, read in the reader's own language, with the steps they may take now.

Questions and answers are codes; their texts come from the question set in the UI language.
Free text is shown as written, labelled with the language it was written in. Which steps are
possible is the owner's to say (``allowed``, from the workflow table); the view only shows.
"""

import html
from collections.abc import Callable
from typing import Any

from desktop import formatting
from desktop.i18n import N_, _, current_language
from desktop.labels import ACTIONS, PROFESSIONS, STATES, label
from desktop.qt import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from sync_protocol.cases import Action, CaseRecord, FreeText, TimelineEvent
from sync_protocol.catalogue import QuestionSet
from sync_protocol.languages import localized

# The buttons, in the order a case moves through them.
STEP_BUTTONS: tuple[tuple[Action, str], ...] = (
    (Action.EDIT, N_("Edit draft…")),
    (Action.SEND, N_("Send request")),
    (Action.ACCEPT, N_("Accept request")),
    (Action.ANSWER, N_("Answer…")),
    (Action.ACCEPT_REPLY, N_("Accept reply and close…")),
    (Action.WITHDRAW, N_("Withdraw…")),
)

# Steps apart by more than this were taken offline: the history shows both times.
OFFLINE_GAP_S = 60


class CaseView(QWidget):
    """Shows a case; emits ``sig_step_requested(action, case_id)`` for its buttons."""

    sig_step_requested = Signal(str, str)
    sig_print_requested = Signal(str, bool)  # case id, True: save as PDF
    sig_case_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._case: CaseRecord | None = None
        self._allowed: frozenset[Action] = frozenset()
        self._render_args: tuple[Any, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._body = QLabel()
        self._body.setObjectName("caseBody")
        self._body.setWordWrap(True)
        self._body.setTextFormat(Qt.TextFormat.RichText)
        self._body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._body.setMargin(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._body)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self._buttons: dict[Action, QPushButton] = {}
        for action, _text in STEP_BUTTONS:
            button = QPushButton()
            button.setObjectName(f"step_{action.value}")
            button.clicked.connect(self._emitter(action))
            buttons.addWidget(button)
            self._buttons[action] = button
        buttons.addStretch(1)
        self._print_buttons: list[tuple[QPushButton, bool]] = []
        for name, to_pdf in (("printCase", False), ("savePdf", True)):
            button = QPushButton()
            button.setObjectName(name)
            button.clicked.connect(self._printer(to_pdf))
            buttons.addWidget(button)
            self._print_buttons.append((button, to_pdf))
        layout.addLayout(buttons)
        self.show_case(None)

    def _emitter(self, action: Action) -> Callable[[], None]:
        def emit() -> None:
            self.request_step(action)
        return emit

    def _printer(self, to_pdf: bool) -> Callable[[], None]:
        def emit() -> None:
            self.request_print(to_pdf=to_pdf)
        return emit

    def request_print(self, *, to_pdf: bool) -> None:
        if self._case is not None:
            self.sig_print_requested.emit(self._case.id, to_pdf)

    def request_step(self, action: Action) -> None:
        if self._case is not None and action in self._allowed:
            self.sig_step_requested.emit(action.value, self._case.id)

    @property
    def allowed(self) -> frozenset[Action]:
        return self._allowed

    @property
    def case(self) -> CaseRecord | None:
        return self._case

    def show_case(self, case: CaseRecord | None, *, question_set: QuestionSet | None = None,
                  authority: Callable[[str], dict[str, Any] | None] = lambda _id: None,
                  allowed: frozenset[Action] = frozenset(), pending: bool = False) -> None:
        self._case = case
        self._allowed = allowed if case else frozenset()
        self._render_args = (question_set, authority, allowed, pending)
        for action, text in STEP_BUTTONS:
            button = self._buttons[action]
            button.setText(_(text))
            button.setVisible(action in self._allowed)
        for button, to_pdf in self._print_buttons:
            button.setText(_("Save as PDF…") if to_pdf else _("Print…"))
            button.setVisible(case is not None)
        if case is None:
            hint = _("Select a case.")
            self._body.setText(f"<p style='color:gray'>{html.escape(hint)}</p>")
        else:
            self._body.setText(_render(case, question_set, authority, pending))
        self.sig_case_shown.emit()

    def retranslate(self) -> None:
        question_set, authority, allowed, pending = self._render_args or (
            None, lambda _id: None, frozenset(), False)
        self.show_case(self._case, question_set=question_set, authority=authority,
                       allowed=allowed, pending=pending)


def _esc(text: str) -> str:
    return html.escape(text)


def _heading(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _labelled(label_text: str, value_html: str) -> str:
    return f"<p>{_esc(label_text)}: {value_html}</p>"


def _authority_text(authority: Callable[[str], dict[str, Any] | None], authority_id: str,
                    language: str) -> str:
    data = authority(authority_id)
    if data is None:
        return _esc(authority_id)
    designation = localized(data.get("designation") or {}, language)
    country = formatting.country_name(data["member_state"])
    extra = f"<br><span style='color:gray'>{_esc(designation)}</span>" if designation else ""
    return f"<b>{_esc(data['official_name'])}</b> ({_esc(country)}){extra}"


def _free_text(text: FreeText | None) -> str:
    if text is None:
        return ""
    written_in = _("written in {language}").format(language=formatting.language_name(text.lang))
    return (f"<blockquote lang='{_esc(text.lang)}'>{_esc(text.text)}</blockquote>"
            f"<p style='color:gray'><i>{_esc(written_in)}</i></p>")


def _render(case: CaseRecord, question_set: QuestionSet | None,
            authority: Callable[[str], dict[str, Any] | None], pending: bool) -> str:
    lang = current_language()
    subject = case.subject
    parts = [f"<h2>{_esc(subject.family_name.upper())}, {_esc(subject.given_names)}</h2>"]
    status = label(STATES, case.state.value)
    if pending:
        status += " — " + _("waiting to be delivered")
    facts = [
        (_("Reference"), case.id[:8].upper()),
        (_("Status"), status),
        (_("Profession"), label(PROFESSIONS, subject.profession)),
        (_("Date of birth"), formatting.date_text(subject.date_of_birth)),
        (_("Qualification"), subject.qualification),
        (_("Answer by"), formatting.date_text(case.answer_by)),
        (_("Question set"), localized(question_set.names, lang) if question_set else
         case.question_set),
    ]
    rows = "".join(f"<tr><td style='color:gray;padding-right:12px'>{_esc(k)}</td>"
                   f"<td>{_esc(v)}</td></tr>" for k, v in facts if v)
    parts.append(f"<table>{rows}</table>")
    requester = _authority_text(authority, case.requester_authority_id, lang)
    responder = _authority_text(authority, case.responder_authority_id, lang)
    parts.append(_labelled(_("Requesting authority"), requester))
    parts.append(_labelled(_("Requested authority"), responder))
    if case.request_text:
        parts.append(_heading(_("Message from the requesting authority")))
        parts.append(_free_text(case.request_text))
    answers = {a.question: a.answer for a in case.answers}
    parts.append(_heading(_("Questions")) + "<ol>")
    for code in case.questions:
        question = question_set.question(code) if question_set else None
        text = localized(question.texts, lang) if question else code
        item = f"<li><p>{_esc(text)}</p>"
        if code in answers:
            option = next((o for o in question.answers if o.code == answers[code]), None) \
                if question else None
            answer = localized(option.texts, lang) if option else answers[code]
            item += f"<p>➜ <b>{_esc(answer)}</b></p>"
        parts.append(item + "</li>")
    parts.append("</ol>")
    if case.reply_text:
        parts.append(_heading(_("Message from the requested authority")))
        parts.append(_free_text(case.reply_text))
    parts.append(_heading(_("History")) + "<table>")
    for event in case.timeline:
        side = _authority_name(authority, event.authority_id)
        parts.append(
            f"<tr><td style='color:gray;padding-right:12px'>"
            f"{_event_time(event)}</td>"
            f"<td>{_esc(event.user_name)} ({_esc(side)})</td>"
            f"<td style='padding-left:12px'>{_esc(label(ACTIONS, event.action.value))}</td></tr>"
        )
    parts.append("</table>")
    return "".join(parts)


def _event_time(event: TimelineEvent) -> str:
    """When the officer acted (HTML); below it when the server received the step, if later."""
    at = formatting.datetime_text(event.at)
    if event.acted_at is None or (event.at - event.acted_at).total_seconds() < OFFLINE_GAP_S:
        return _esc(at)
    received = _("taken offline; received by the server {when}").format(when=at)
    return (f"{_esc(formatting.datetime_text(event.acted_at))}<br>"
            f"<small>{_esc(received)}</small>")


def _authority_name(authority: Callable[[str], dict[str, Any] | None], authority_id: str) -> str:
    data = authority(authority_id)
    return str(data["official_name"]) if data else authority_id
