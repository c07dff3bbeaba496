"""*Needs attention*: each refused step told in full, in the reader's language.

For every step the server refused this module gathers what the dialog shows: which case
(reference and person), which step, when the officer took it and when the refusal came, the
reason (``desktop.refusals``), and everything the officer entered (questions and answers as
texts of the question set, messages, dates), so nothing they typed is lost. ``as_text`` is the
same as plain text, for the clipboard.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from desktop import formatting
from desktop.catalogue_text import answer_text
from desktop.i18n import _
from desktop.labels import PROFESSIONS, STEP_NAMES, label
from desktop.refusals import AuthorityName, explain
from sync_protocol.attachments import AttachmentRef
from sync_protocol.cases import Answer, CaseRecord
from sync_protocol.catalogue import QuestionSet
from sync_protocol.languages import localized
from sync_protocol.mutations import MUTATIONS

QuestionSets = Callable[[str, int], QuestionSet | None]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Refusal:
    item_id: int
    case_id: str
    reference: str
    person: str
    step: str
    action: str
    acted_at: str
    refused_at: str
    reason: str
    entered: tuple[tuple[str, str], ...]
    args: dict[str, Any]

    @property
    def title(self) -> str:
        return _("{step} — {person} ({reference})").format(
            step=self.step, person=self.person, reference=self.reference)

    def as_text(self) -> str:
        lines = [self.title, _("Reason: {reason}").format(reason=self.reason), ""]
        lines += [f"{name}: {value}" for name, value in self.entered]
        return "\n".join(lines)


def _date(value: str | None) -> str:
    return formatting.date_text(dt.date.fromisoformat(value)) if value else ""


def _when(value: str | None) -> str:
    return formatting.datetime_text(dt.datetime.fromisoformat(value)) if value else ""


def _person(subject: dict[str, Any] | None, case: CaseRecord | None) -> str:
    if subject:
        return f"{str(subject.get('family_name', '')).upper()}, {subject.get('given_names', '')}"
    if case is not None:
        return f"{case.subject.family_name.upper()}, {case.subject.given_names}"
    return _("unknown person")


def _text(free: dict[str, Any] | None) -> str:
    if not free:
        return ""
    language = formatting.language_name(str(free.get("lang", "")))
    return _("{text} (written in {language})").format(text=free.get("text", ""),
                                                     language=language)


def _request_rows(args: dict[str, Any], qs: QuestionSet | None, language: str,
                  authority_name: AuthorityName) -> list[tuple[str, str]]:
    subject = args.get("subject") or {}
    responder = str(args.get("responder_authority_id", ""))
    rows = [
        (_("Authority to ask"), authority_name(responder) or responder),
        (_("Professional concerned"), _person(subject, None)),
        (_("Date of birth"), _date(subject.get("date_of_birth"))),
        (_("Profession"), label(PROFESSIONS, str(subject.get("profession", "")))),
        (_("Qualification"), str(subject.get("qualification", ""))),
        (_("Answer by"), _date(args.get("answer_by"))),
    ]
    for number, code in enumerate(args.get("questions", []), start=1):
        question = qs.question(code) if qs else None
        rows.append((_("Question {n}").format(n=number),
                     localized(question.texts, language) if question else str(code)))
    rows.append((_("Message"), _text(args.get("request_text"))))
    return [(name, value) for name, value in rows if value]


def _answer_rows(args: dict[str, Any], qs: QuestionSet | None,
                 language: str) -> list[tuple[str, str]]:
    rows = []
    for number, given in enumerate(args.get("answers", []), start=1):
        question = qs.question(given["question"]) if qs else None
        rows.append((_("Question {n}").format(n=number),
                     localized(question.texts, language) if question else given["question"]))
        try:
            shown = answer_text(question, Answer.model_validate(given), language)
        except ValidationError:  # kept as the officer entered it, even if it does not fit
            shown = str(given.get("answer") or given.get("value") or given.get("choices") or "")
        rows.append((_("Answer {n}").format(n=number), shown))
    if args.get("reply_text"):
        rows.append((_("Message"), _text(args["reply_text"])))
    return rows


def _document_rows(args: dict[str, Any]) -> list[tuple[str, str]]:
    """The documents the step carried, by name and size."""
    rows = []
    for given in args.get("attachments") or []:
        try:
            ref = AttachmentRef.model_validate(given)
        except ValidationError:
            continue
        rows.append((_("Document"), _("{name} ({size})").format(
            name=ref.name, size=formatting.size_text(ref.size))))
    return rows


def describe(item: dict[str, Any], *, case: CaseRecord | None, question_sets: QuestionSets,
             authority_name: AuthorityName, language: str) -> Refusal:
    """The refused step ``item`` (a row of ``Replica.attention``) told in full."""
    args: dict[str, Any] = item["args"]
    action = MUTATIONS[item["name"]][1].value if item["name"] in MUTATIONS else item["name"]
    if "questions" in args:  # a create or an edited draft: the set named in the arguments
        qs = question_sets(str(args.get("question_set", "")),
                           int(args.get("question_set_version", 0)))
        entered = _request_rows(args, qs, language, authority_name)
    elif "answers" in args:
        qs = question_sets(case.question_set, case.question_set_version) if case else None
        entered = _answer_rows(args, qs, language)
    else:
        free = args.get("reason") or args.get("note")
        entered = [(_("Message"), _text(free))] if free else []
    entered += _document_rows(args)
    if not entered:
        entered = [(_("Entered"), _("Nothing: the step alone."))]
    return Refusal(
        item_id=int(item["id"]), case_id=str(item["case_id"]),
        reference=str(item["case_id"])[:8].upper(),
        person=item.get("person") or _person(args.get("subject"), case),
        step=label(STEP_NAMES, action),
        action=action, acted_at=_when(item.get("acted_at")), refused_at=_when(item["at"]),
        reason=explain(item["code"], item.get("params"), authority_name=authority_name),
        entered=tuple(entered), args=args,
    )
