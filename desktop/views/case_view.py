"""One case, read in the reader's own language, with the steps they may take now.

Questions and answers are codes; their texts come from the question set in the UI language.
Free text is shown as written, labelled with the language it was written in; a machine
translation into the reader's language, when there is one, stands beside it, marked with the
engine that made it, never in its place. Which steps are possible is the owner's to say
(``allowed``, from the workflow table); the view only shows.
"""

import datetime as dt
import html
from collections.abc import Callable, Sequence
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
from sync_protocol.cases import Action, Answer, CaseRecord, FreeText, TimelineEvent
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.languages import localized
from sync_protocol.translation import MachineTranslation, free_text

# A link in the case's text that asks for a machine translation of one of its free texts.
TRANSLATE_LINK = "translate:"

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
    """Shows a case; emits ``sig_step_requested(action, case_id)`` for its buttons and
    ``sig_translation_requested(case_id, field)`` for a free text's translation link."""

    sig_step_requested = Signal(str, str)
    sig_translation_requested = Signal(str, str)
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
        self._body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self._body.setOpenExternalLinks(False)
        self._body.linkActivated.connect(self._link)
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
        layout.addLayout(buttons)
        self.show_case(None)

    def _emitter(self, action: Action) -> Callable[[], None]:
        def emit() -> None:
            self.request_step(action)
        return emit

    def _link(self, href: str) -> None:
        if href.startswith(TRANSLATE_LINK):
            self.request_translation(href.removeprefix(TRANSLATE_LINK))

    def request_translation(self, field: str) -> None:
        if self._case is not None and free_text(self._case, field) is not None:
            self.sig_translation_requested.emit(self._case.id, field)

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
                  allowed: frozenset[Action] = frozenset(), pending: bool = False,
                  translations: Sequence[MachineTranslation] = (), online: bool = True,
                  translating: str | None = None) -> None:
        """``translations``: the machine translations the replica holds for this case;
        ``online``: whether a translation can be asked for now; ``translating``: the field
        whose translation is on its way."""
        self._case = case
        self._allowed = allowed if case else frozenset()
        self._render_args = (question_set, authority, allowed, pending, translations, online,
                             translating)
        for action, text in STEP_BUTTONS:
            button = self._buttons[action]
            button.setText(_(text))
            button.setVisible(action in self._allowed)
        if case is None:
            hint = _("Select a case.")
            self._body.setText(f"<p style='color:gray'>{html.escape(hint)}</p>")
        else:
            texts = _FreeTexts(case, translations, online, translating)
            self._body.setText(_render(case, question_set, authority, pending, texts))
        self.sig_case_shown.emit()

    def retranslate(self) -> None:
        question_set, authority, allowed, pending, translations, online, translating = (
            self._render_args or (None, lambda _id: None, frozenset(), False, (), True, None))
        self.show_case(self._case, question_set=question_set, authority=authority,
                       allowed=allowed, pending=pending, translations=translations,
                       online=online, translating=translating)


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


class _FreeTexts:
    """Renders a case's free texts, each with its machine translation into the reader's
    language beside it, or the way to ask for one."""

    def __init__(self, case: CaseRecord, translations: Sequence[MachineTranslation],
                 online: bool, translating: str | None) -> None:
        self.language = current_language()
        self.online, self.translating = online, translating
        self.translations = {t.field: t for t in translations
                             if t.target_lang == self.language
                             and t.translates(free_text(case, t.field))}

    def render(self, field: str, text: FreeText | None) -> str:
        if text is None:
            return ""
        written_in = _("written in {language}").format(
            language=formatting.language_name(text.lang))
        original = (f"<blockquote lang='{_esc(text.lang)}'>{_esc(text.text)}</blockquote>"
                    f"<p style='color:gray'><i>{_esc(written_in)}</i></p>")
        if text.lang == self.language:
            return original
        beside = self._beside(field)
        return ("<table width='100%' cellspacing='0' cellpadding='4'><tr>"
                f"<td width='50%' valign='top'>{original}</td>"
                f"<td width='50%' valign='top' style='background-color:#f3f4f8'>{beside}</td>"
                "</tr></table>")

    def _beside(self, field: str) -> str:
        translation = self.translations.get(field)
        language = formatting.language_name(self.language)
        if translation is not None:
            marked = _("Machine translation ({engine}) into {language}, not checked by a "
                       "person: the original is authoritative.").format(
                engine=translation.engine, language=language)
            return (f"<p lang='{_esc(translation.target_lang)}'>{_esc(translation.text)}</p>"
                    f"<p style='color:gray'><small><i>{_esc(marked)}</i></small></p>")
        if self.translating == field or not self.online:
            waiting = _("Translating…") if self.translating == field else _(
                "Translation when online")
            return f"<p style='color:gray'><i>{_esc(waiting)}</i></p>"
        link = _("Machine translation into {language}").format(language=language)
        return f"<p><a href='{TRANSLATE_LINK}{_esc(field)}'>{_esc(link)}</a></p>"


def _render(case: CaseRecord, question_set: QuestionSet | None,
            authority: Callable[[str], dict[str, Any] | None], pending: bool,
            texts: _FreeTexts) -> str:
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
        parts.append(texts.render("request_text", case.request_text))
    answers = {a.question: a for a in case.answers}
    parts.append(_heading(_("Questions")) + "<ol>")
    for code in case.questions:
        question = question_set.question(code) if question_set else None
        text = localized(question.texts, lang) if question else code
        item = f"<li><p>{_esc(text)}</p>"
        if code in answers:
            item += f"<p>➜ <b>{_esc(_answer_text(answers[code], question, lang))}</b></p>"
        parts.append(item + "</li>")
    parts.append("</ol>")
    if case.reply_text:
        parts.append(_heading(_("Message from the requested authority")))
        parts.append(texts.render("reply_text", case.reply_text))
    parts.append(_heading(_("History")) + "<table>")
    for index, event in enumerate(case.timeline):
        side = _authority_name(authority, event.authority_id)
        parts.append(
            f"<tr><td style='color:gray;padding-right:12px'>"
            f"{_event_time(event)}</td>"
            f"<td>{_esc(event.user_name)} ({_esc(side)})</td>"
            f"<td style='padding-left:12px'>{_esc(label(ACTIONS, event.action.value))}</td></tr>"
        )
        if event.note is not None:
            parts.append(f"<tr><td></td><td colspan='2'>"
                         f"{texts.render(f'note-{index}', event.note)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def _answer_text(answer: Answer, question: Question | None, lang: str) -> str:
    """A predefined answer (or the ones chosen) in the reader's language, else the value."""
    if answer.value is not None:
        if question is not None and question.answer_type == "date":
            try:
                return formatting.date_text(dt.date.fromisoformat(answer.value))
            except ValueError:
                return answer.value
        return answer.value
    codes = (answer.answer,) if answer.answer is not None else answer.choices
    options = {o.code: o for o in question.answers} if question else {}
    return ", ".join(localized(options[c].texts, lang) if c in options else c for c in codes)


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
