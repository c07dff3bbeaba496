"""One case, read in the reader's own language, with the steps they may take now.

Questions and answers are codes; their texts come from the question set in the UI language.
With "show beside" on, each question and predefined answer is also shown in a second language,
by default the counterpart authority's: what the officer on the other side read. Free text is
shown once, as written, labelled with the language it was written in; a machine translation
into the reader's language, when there is one, stands beside it, marked with the engine that
made it, never in its place. Which steps are possible is the owner's to say (``allowed``, from
the workflow table); the view only shows.
"""

import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from desktop import formatting
from desktop.catalogue_text import answer_text, is_free_text, section_title
from desktop.i18n import N_, _, current_language
from desktop.labels import ACTIONS, MESSAGE_KINDS, PROFESSIONS, STATES, STEP_NAMES, label
from desktop.models.attachments import LocalState, document_groups
from desktop.qt import (
    QAction,
    QCheckBox,
    QComboBox,
    QFont,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    named,
)
from desktop.views.attachment_list import AttachmentList
from sync_protocol.cases import (
    Action,
    Answer,
    CaseMessage,
    CaseRecord,
    CaseRole,
    FreeText,
    TimelineEvent,
)
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.languages import LANGUAGES, localized
from sync_protocol.notices import INACTIVE_AFTER
from sync_protocol.translation import MachineTranslation, free_text
from sync_protocol.workflow import allowed_actions, last_activity

# A link in the case's text that asks for a machine translation of one of its free texts.
TRANSLATE_LINK = "translate:"
# A link to another case (a linked case: split from or into).
CASE_LINK = "case:"

# A pseudo step: accept the request proposing another answer date (the action is ACCEPT).
ACCEPT_PROPOSING = "accept_proposing"

# Every step the view offers, in the order a case moves through them: (step, its name on a
# button or in a menu; None: its name in ``STEP_NAMES``, with "…" when it asks for input). A
# step is the value of its workflow ``Action``.
STEP_BUTTONS: tuple[tuple[str, str | None], ...] = (
    ("approve", N_("Approve")),
    ("refuse", N_("Refuse…")),
    ("edit", N_("Edit draft…")),
    ("send", N_("Send request")),
    ("accept", N_("Accept request")),
    (ACCEPT_PROPOSING, None),
    ("agree_date", None),
    ("decline_date", None),
    ("forward", None),
    ("split", None),
    ("answer", N_("Answer…")),
    ("give_info", None),
    ("ask_info", None),
    ("comment", None),
    ("request_more", None),
    ("accept_reply", N_("Accept reply and close…")),
    ("rate", None),
    ("escalate", None),
    ("resolve_escalation", None),
    ("withdraw", N_("Withdraw…")),
    ("allocate", N_("Assign…")),
)
# The steps taken at once, without a dialog (or with a confirmation only).
_NO_INPUT = frozenset({"approve", "send", "accept", "agree_date"})


def step_text(step: str) -> str:
    """The name of ``step`` on its button or menu entry, in the UI language."""
    text = dict(STEP_BUTTONS).get(step)
    if text is not None:
        return _(text)
    return label(STEP_NAMES, step) + ("" if step in _NO_INPUT else "…")


# Steps apart by more than this were taken offline: the history shows both times.
OFFLINE_GAP_S = 60

# The step a case waits on from the reader, the first of these they may take: shown as the
# one main button. Beside it, the step that answers the same question the other way.
PRIMARY_ORDER = ("give_info", "approve", "send", "accept", "agree_date", "answer",
                 "accept_reply", "resolve_escalation", "rate")
COUNTERPART = {"approve": "refuse", "send": "edit", "accept": ACCEPT_PROPOSING,
               "agree_date": "decline_date", "accept_reply": "request_more"}


def action_of(step: str) -> Action:
    """The workflow action a step takes."""
    return Action.ACCEPT if step == ACCEPT_PROPOSING else Action(step)


def escalation_possible_from(case: CaseRecord, authority_id: str,
                             user_roles: frozenset[str], *, now: dt.datetime,
                             allowed: frozenset[Action] | None = None) -> dt.datetime | None:
    """When ``authority_id`` may escalate ``case``, if the only thing in the way is that it has
    not been inactive long enough (the step is shown disabled until then, saying so).
    ``allowed``: what ``allowed_actions`` says at ``now``, if already asked."""
    if allowed is None:
        allowed = allowed_actions(case, authority_id, user_roles, now=now)
    if Action.ESCALATE in allowed or Action.ESCALATE not in allowed_actions(
            case, authority_id, user_roles):
        return None
    return last_activity(case) + INACTIVE_AFTER


class CaseView(QWidget):
    """Shows a case; emits ``sig_step_requested(step, case_id)`` for its buttons (a step is an
    ``Action`` value, or ``ACCEPT_PROPOSING``), ``sig_translation_requested(case_id, field)``
    for a free text's translation link and ``sig_case_open_requested(case_id)`` for a linked
    case.

    One main button holds the step the case waits on from the reader; beside it, the step
    that decides the other way and the comment; every other step the reader may take now is
    in *More actions*. An escalation not possible yet is shown there disabled, saying when it
    becomes possible."""

    sig_step_requested = Signal(str, str)
    sig_print_requested = Signal(str, bool)  # case id, True: save as PDF
    sig_translation_requested = Signal(str, str)
    sig_case_open_requested = Signal(str)
    sig_case_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._case: CaseRecord | None = None
        self._allowed: frozenset[Action] = frozenset()
        self._escalate_from: dt.datetime | None = None
        self._render_args: tuple[Any, ...] = ()
        self._counterpart: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        beside = QHBoxLayout()
        self.beside = QCheckBox()
        self.beside.setObjectName("showBeside")
        self.beside_language = QComboBox()
        self.beside_language.setObjectName("besideLanguage")
        self.beside.toggled.connect(self._rerender)
        self.beside_language.currentIndexChanged.connect(self._rerender)
        beside.addWidget(self.beside)
        beside.addWidget(self.beside_language)
        beside.addStretch(1)
        layout.addLayout(beside)
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
        # The documents of the request, the reply and the messages: open, keep offline.
        self.attachments = AttachmentList()
        layout.addWidget(self.attachments)
        buttons = QHBoxLayout()
        self.primary = named(QPushButton(), "primaryStep")
        bold = QFont(self.primary.font())
        bold.setBold(True)
        self.primary.setFont(bold)
        self.secondary = named(QPushButton(), "secondaryStep")
        self.comment = named(QPushButton(), "commentStep")
        self.more = named(QPushButton(), "moreSteps")
        self.more_menu = named(QMenu(self.more), "moreStepsMenu")
        self.more_menu.setToolTipsVisible(True)
        self.more.setMenu(self.more_menu)
        self._shown: dict[QPushButton, str] = {}
        for button in (self.primary, self.secondary, self.comment):
            button.clicked.connect(self._clicked(button))
            buttons.addWidget(button)
        buttons.addWidget(self.more)
        self.menu_steps: dict[str, QAction] = {}
        for step, _text in STEP_BUTTONS:
            entry = named(QAction(self.more_menu), f"more_{step}")
            entry.triggered.connect(self._emitter(step))
            self.more_menu.addAction(entry)
            self.menu_steps[step] = entry
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

    def _emitter(self, step: str) -> Callable[[], None]:
        def emit() -> None:
            self.request_step(step)
        return emit

    def _clicked(self, button: QPushButton) -> Callable[[], None]:
        def emit() -> None:
            if button in self._shown:
                self.request_step(self._shown[button])
        return emit

    def _printer(self, to_pdf: bool) -> Callable[[], None]:
        def emit() -> None:
            self.request_print(to_pdf=to_pdf)
        return emit

    def request_print(self, *, to_pdf: bool) -> None:
        if self._case is not None:
            self.sig_print_requested.emit(self._case.id, to_pdf)

    def _link(self, href: str) -> None:
        if href.startswith(TRANSLATE_LINK):
            self.request_translation(href.removeprefix(TRANSLATE_LINK))
        elif href.startswith(CASE_LINK):
            self.sig_case_open_requested.emit(href.removeprefix(CASE_LINK))

    def request_translation(self, field: str) -> None:
        if self._case is not None and free_text(self._case, field) is not None:
            self.sig_translation_requested.emit(self._case.id, field)

    def step_enabled(self, step: str) -> bool:
        """Whether the reader may take ``step`` now (the workflow's ``allowed_actions``)."""
        return self._case is not None and action_of(step) in self._allowed

    def request_step(self, step: str) -> None:
        if self._case is not None and self.step_enabled(step):
            self.sig_step_requested.emit(str(step), self._case.id)

    @property
    def allowed(self) -> frozenset[Action]:
        return self._allowed

    @property
    def case(self) -> CaseRecord | None:
        return self._case

    @property
    def primary_step(self) -> str | None:
        """The step of the main button (None: the case waits on nothing from the reader)."""
        return self._shown.get(self.primary)

    def show_case(self, case: CaseRecord | None, *, question_set: QuestionSet | None = None,
                  authority: Callable[[str], dict[str, Any] | None] = lambda _id: None,
                  allowed: frozenset[Action] = frozenset(), pending: bool = False,
                  counterpart_language: str | None = None,
                  translations: Sequence[MachineTranslation] = (), online: bool = True,
                  translating: str | None = None, reader: str = "",
                  escalate_from: dt.datetime | None = None,
                  documents: Mapping[str, LocalState] | None = None,
                  downloading: set[str] | None = None) -> None:
        """``counterpart_language``: the language the other authority reads the catalogue in,
        offered first to show beside the reader's own. ``translations``: the machine
        translations the replica holds for this case; ``online``: whether a translation can be
        asked for now; ``translating``: the field whose translation is on its way.
        ``reader``: the reader's authority; ``escalate_from``: when the reader may escalate
        the case, if only its inactivity is still too short. ``documents``: what this computer
        holds of the case's documents; ``downloading``: the documents on their way."""
        another = case is None or self._case is None or case.id != self._case.id
        self._case = case
        self._allowed = allowed if case else frozenset()
        self._escalate_from = escalate_from if case else None
        self._render_args = (question_set, authority, allowed, pending, counterpart_language,
                             translations, online, translating, reader, escalate_from,
                             documents, downloading)
        self.attachments.show_documents(document_groups(case) if case else (),
                                        documents or {}, downloading)
        self._show_steps()
        for button, to_pdf in self._print_buttons:
            button.setText(_("Save as PDF…") if to_pdf else _("Print…"))
            button.setVisible(case is not None)
        self._fill_beside(counterpart_language, another=another)
        self.beside.setVisible(case is not None)
        self.beside_language.setVisible(case is not None)
        if case is None:
            hint = _("Select a case.")
            self._body.setText(f"<p style='color:gray'>{html.escape(hint)}</p>")
        else:
            texts = _FreeTexts(case, translations, online, translating)
            self._body.setText(_render(case, question_set, authority, pending, texts,
                                       beside=self.beside_code(), reader=reader,
                                       escalate_from=escalate_from))
        self.sig_case_shown.emit()

    def _show_steps(self) -> None:
        """The main button, its counterpart, the comment, and the rest in *More actions*."""
        enabled = [step for step, _text in STEP_BUTTONS if self.step_enabled(step)]
        primary = next((step for step in PRIMARY_ORDER if step in enabled), None)
        secondary = COUNTERPART.get(primary or "")
        if secondary not in enabled:
            secondary = None
        comment = "comment" if "comment" in enabled and primary != "comment" else None
        self._shown = {}
        for button, step in ((self.primary, primary), (self.secondary, secondary),
                             (self.comment, comment)):
            button.setVisible(step is not None)
            if step is not None:
                self._shown[button] = step
                button.setText(step_text(step))
        on_buttons = set(self._shown.values())
        rest = False
        for step, _text in STEP_BUTTONS:
            entry = self.menu_steps[step]
            entry.setText(step_text(step))
            blocked = step == "escalate" and self._escalate_from is not None \
                and not self.step_enabled(step)
            entry.setVisible((step in enabled and step not in on_buttons) or blocked)
            entry.setEnabled(step in enabled)
            entry.setToolTip(escalate_hint(self._escalate_from) if blocked else "")
            rest = rest or entry.isVisible()
        self.more.setText(_("More actions"))
        self.more.setVisible(rest)
        # Without a main step, the first button is the one the keyboard reaches first.
        self.primary.setDefault(primary is not None)

    def beside_code(self) -> str | None:
        """The language shown beside the reader's, if "show beside" is on."""
        if not self.beside.isChecked():
            return None
        code = self.beside_language.currentData()
        return str(code) if code else None

    def show_beside(self, language: str | None) -> None:
        """Show ``language`` beside the reader's (None: only the reader's)."""
        if language is not None:
            self.beside_language.setCurrentIndex(self.beside_language.findData(language))
        self.beside.setChecked(language is not None)

    def _fill_beside(self, counterpart: str | None, *, another: bool) -> None:
        """The language list in the reader's language, the counterpart's first."""
        self._counterpart = counterpart
        chosen = self.beside_language.currentData()
        if another and counterpart:
            chosen = counterpart
        own = current_language()
        names = sorted((formatting.language_name(code), code) for code in LANGUAGES
                       if code not in (own, counterpart))
        if counterpart and counterpart != own:
            names.insert(0, (formatting.language_name(counterpart), counterpart))
        blocked = self.beside_language.blockSignals(True)
        self.beside_language.clear()
        for name, code in names:
            self.beside_language.addItem(name, code)
        index = self.beside_language.findData(chosen)
        self.beside_language.setCurrentIndex(max(index, 0))
        self.beside_language.blockSignals(blocked)
        self.beside.setText(_("Show the questions and answers also in:"))
        self.beside.setToolTip(_("What the officer on the other side reads: the same questions "
                                 "and predefined answers in their language. Free text is "
                                 "always shown as it was written."))

    def _rerender(self) -> None:
        if self._case is not None:
            self.retranslate()

    def retranslate(self) -> None:
        (question_set, authority, allowed, pending, counterpart, translations, online,
         translating, reader, escalate_from, documents, downloading) = self._render_args or (
            None, lambda _id: None, frozenset(), False, None, (), True, None, "", None, None,
            None)
        self.show_case(self._case, question_set=question_set, authority=authority,
                       allowed=allowed, pending=pending, counterpart_language=counterpart,
                       translations=translations, online=online, translating=translating,
                       reader=reader, escalate_from=escalate_from, documents=documents,
                       downloading=downloading)


def escalate_hint(possible_from: dt.datetime | None) -> str:
    """Why the escalation is not possible yet, and from when it is."""
    if possible_from is None:
        return ""
    return _("A case can be escalated when nothing has happened in it for two months: from "
             "{date}.").format(date=formatting.date_text(possible_from.astimezone().date()))


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


class _FreeTexts:
    """Renders a case's free texts, each with its machine translation into the reader's
    language beside it, or the way to ask for one."""

    def __init__(self, case: CaseRecord, translations: Sequence[MachineTranslation],
                 online: bool, translating: str | None) -> None:
        self.language = current_language()
        self.case = case
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
        # A text the server cannot translate (yet) is shown as written, without the link.
        if text.lang == self.language or free_text(self.case, field) is None:
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
            texts: _FreeTexts, *, beside: str | None = None, reader: str = "",
            escalate_from: dt.datetime | None = None) -> str:
    lang = current_language()
    subject = case.subject
    parts = [f"<h2>{_esc(subject.family_name.upper())}, {_esc(subject.given_names)}</h2>"]
    parts.append(_waiting_banner(case, authority, reader))
    status = label(STATES, case.state.value)
    if pending:
        status += " — " + _("waiting to be delivered")
    proposed = ""
    if case.proposed_answer_by is not None:
        proposed = _("{date} — proposed by the requested authority, not agreed yet").format(
            date=formatting.date_text(case.proposed_answer_by))
    assigned = ", ".join(
        f"{a.user_name} ({_authority_name(authority, a.authority_id)})"
        for a in case.assignments)
    facts = [
        (_("Reference"), case.id[:8].upper()),
        (_("Status"), status),
        (_("Profession"), label(PROFESSIONS, subject.profession)),
        (_("Date of birth"), formatting.date_text(subject.date_of_birth)),
        (_("Qualification"), subject.qualification),
        (_("Answer by"), formatting.date_text(case.answer_by)),
        (_("Proposed answer date"), proposed),
        (_("Assigned to"), assigned),
        (_("Question set"), localized(question_set.names, lang) if question_set else
         case.question_set),
        (_("Escalation"), escalate_hint(escalate_from)),
    ]
    rows = "".join(f"<tr><td style='color:gray;padding-right:12px' valign='top'>{_esc(k)}</td>"
                   f"<td>{_esc(v)}</td></tr>" for k, v in facts if v)
    parts.append(f"<table>{rows}</table>")
    requester = _authority_text(authority, case.requester_authority_id, lang)
    responder = _authority_text(authority, case.responder_authority_id, lang)
    parts.append(_labelled(_("Requesting authority"), requester))
    parts.append(_labelled(_("Requested authority"), responder))
    parts.append(_links(case))
    parts.append(_escalation(case, authority, texts))
    if case.request_text:
        parts.append(_heading(_("Message from the requesting authority")))
        parts.append(texts.render("request_text", case.request_text))
    parts.append(_questions(case, question_set, lang, beside))
    if case.reply_text:
        parts.append(_heading(_("Message from the requested authority")))
        parts.append(texts.render("reply_text", case.reply_text))
    parts.append(_conversation(case, authority, texts))
    parts.append(_rating(case, texts))
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


# The colour of what waits on the reader: an open request for further information.
WAITING_COLOR = "#fff4d6"


def _waiting_banner(case: CaseRecord, authority: Callable[[str], dict[str, Any] | None],
                    reader: str) -> str:
    """An open request for further information, said at the top: to the side that is asked,
    that the case waits for its information; to the side that asked, that it waits for the
    other's."""
    asking = case.open_info_request
    side = case.party_of(reader) if reader else None
    if asking is None or side is None:
        return ""
    other = (case.responder_authority_id if side is CaseRole.REQUESTER
             else case.requester_authority_id)
    name = _authority_name(authority, other)
    if asking is side:
        text = _("Waiting for the further information you asked {authority} for.").format(
            authority=name)
        return f"<p style='color:#555'><i>{_esc(text)}</i></p>"
    text = _("Waiting for your information: {authority} asked for further information (see "
             "Messages).").format(authority=name)
    return (f"<table width='100%' cellpadding='6'><tr><td style='background-color:"
            f"{WAITING_COLOR}'><b>{_esc(text)}</b></td></tr></table>")


def _links(case: CaseRecord) -> str:
    """The linked cases (split from, split into), each openable."""
    lines = []
    for link in case.links:
        reference = link.case_id[:8].upper()
        anchor = f"<a href='{CASE_LINK}{_esc(link.case_id)}'>{_esc(reference)}</a>"
        text = (_("Split from request {reference}") if link.kind == "split_from"
                else _("Questions split off into request {reference}"))
        lines.append(_esc(text).replace(_esc("{reference}"), anchor))
    if not lines:
        return ""
    return f"<p>{'<br>'.join(lines)}</p>"


def _escalation(case: CaseRecord, authority: Callable[[str], dict[str, Any] | None],
                texts: _FreeTexts) -> str:
    escalation = case.escalation
    if escalation is None:
        return ""
    who = _authority_name(authority, escalation.authority_id)
    when = formatting.datetime_text(escalation.at)
    text = (_("Escalated by {authority} on {when}: the coordinator follows the case.")
            if escalation.open else
            _("Escalated by {authority} on {when}; the escalation is resolved.")).format(
        authority=who, when=when)
    colour = WAITING_COLOR if escalation.open else "#f3f4f8"
    return (f"<table width='100%' cellpadding='6'><tr><td style='background-color:{colour}'>"
            f"{_esc(text)}{texts.render('escalation', escalation.reason)}</td></tr></table>")


def _conversation(case: CaseRecord, authority: Callable[[str], dict[str, Any] | None],
                  texts: _FreeTexts) -> str:
    """The messages (comments, requests for further information and the information given),
    oldest first, each with who wrote it and when; the open request highlighted."""
    if not case.messages:
        return ""
    open_request = _open_request_index(case)
    parts = [_heading(_("Messages"))]
    for index, message in enumerate(case.messages):
        who = f"{message.user_name} ({_authority_name(authority, message.authority_id)})"
        header = (f"<span style='color:gray'>{_esc(formatting.datetime_text(message.at))}"
                  f"</span> — {_esc(who)} — <b>{_esc(label(MESSAGE_KINDS, message.kind))}</b>")
        body = texts.render(f"message-{index}", message.text)
        files = _attachment_names(message)
        style = f" style='background-color:{WAITING_COLOR}'" if index == open_request else ""
        parts.append(f"<table width='100%' cellpadding='4'><tr><td{style}>{header}{body}"
                     f"{files}</td></tr></table>")
    return "".join(parts)


def _open_request_index(case: CaseRecord) -> int | None:
    if case.open_info_request is None:
        return None
    for index in range(len(case.messages) - 1, -1, -1):
        if case.messages[index].kind == "info_request":
            return index
    return None


def _attachment_names(message: CaseMessage) -> str:
    names = [a.name for a in message.attachments]
    if not names:
        return ""
    text = _("Attached: {files}").format(files=", ".join(names))
    return f"<p style='color:gray'>📎 {_esc(text)}</p>"


def _rating(case: CaseRecord, texts: _FreeTexts) -> str:
    rating = case.rating
    if rating is None:
        return ""
    text = _("Timeliness {timeliness} of 5, effort {effort} of 5").format(
        timeliness=rating.timeliness, effort=rating.effort)
    return (_heading(_("Rating")) + f"<p>{_esc(text)}</p>"
            + texts.render("rating", rating.note))


def _questions(case: CaseRecord, question_set: QuestionSet | None, lang: str,
               beside: str | None) -> str:
    """The questions under their sections, each with its answer; with ``beside``, a second
    column in that language (free text answers are shown once, as written)."""
    answers = {a.question: a for a in case.answers}
    beside = beside if beside != lang else None
    parts = [_heading(_("Questions"))]
    cell = "<td width='50%' valign='top' style='padding:2px 12px 2px 0'"
    rows: list[str] = []
    if beside:
        rows.append(f"<tr>{cell} style='color:gray'>"
                    f"{_esc(formatting.language_name(lang))}</td>{cell} style='color:gray'>"
                    f"<span lang='{_esc(beside)}'>{_esc(formatting.language_name(beside))}"
                    "</span></td></tr>")
    section = None
    for number, code in enumerate(case.questions, start=1):
        question = question_set.question(code) if question_set else None
        title = section_title(question_set, question, lang) if question_set and question else ""
        if title and title != section:
            section = title
            other = section_title(question_set, question, beside) if beside and question_set \
                and question else ""
            rows.append(f"<tr>{cell}><b>{_esc(title)}</b></td>"
                        + (f"{cell} style='color:#555'><b lang='{_esc(beside or '')}'>"
                           f"{_esc(other)}</b></td>" if beside else "") + "</tr>")
        rows.append(_question_row(number, code, question, answers.get(code), lang, beside, cell))
    parts.append(f"<table width='100%' cellspacing='0'>{''.join(rows)}</table>")
    return "".join(parts)


def _question_row(number: int, code: str, question: Question | None, answer: Answer | None,
                  lang: str, beside: str | None, cell: str) -> str:
    def texts(language: str) -> str:
        text = localized(question.texts, language) if question else code
        html_text = f"<p>{number}. {_esc(text)}</p>"
        if answer is not None and not is_free_text(question, answer):
            html_text += f"<p>➜ <b>{_esc(answer_text(question, answer, language))}</b></p>"
        return html_text

    row = f"<tr>{cell}>{texts(lang)}</td>"
    if beside:
        row += f"{cell} style='color:#555'><div lang='{_esc(beside)}'>{texts(beside)}</div></td>"
    row += "</tr>"
    if answer is not None and is_free_text(question, answer):
        value = answer.value or ""
        shown = _free_text(FreeText(text=value, lang=answer.lang)) if answer.lang \
            else f"<blockquote>{_esc(value)}</blockquote>"
        span = " colspan='2'" if beside else ""
        row += f"<tr><td{span} style='padding-left:24px'>{shown}</td></tr>"
    return row


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
