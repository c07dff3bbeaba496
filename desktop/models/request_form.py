"""What the new-request dialog collects, checked and turned into ``case.create`` arguments.

The dialog fills a ``RequestForm`` and shows the problems ``check`` finds; it holds no rule of
its own. ``from_args`` turns stored arguments back into a form: to edit a draft, or to re-do a
create the server refused.
"""

import dataclasses
import datetime as dt
from typing import Any

from desktop.i18n import N_

DEFAULT_ANSWER_DAYS = 14


def today() -> dt.date:
    """The officer's own calendar day (not UTC's): answer dates are days on their calendar."""
    return dt.datetime.now().astimezone().date()


@dataclasses.dataclass(kw_only=True)
class RequestForm:
    case_id: str
    area: str = ""
    question_set: str = ""
    question_set_version: int = 0
    responder_authority_id: str = ""
    family_name: str = ""
    given_names: str = ""
    date_of_birth: dt.date | None = None
    profession: str = ""
    qualification: str = ""
    questions: list[str] = dataclasses.field(default_factory=list)
    answer_by: dt.date = dataclasses.field(
        default_factory=lambda: today() + dt.timedelta(days=DEFAULT_ANSWER_DAYS))
    message: str = ""
    language: str = "en"
    # The documents the request carries (``AttachmentRef`` as JSON).
    attachments: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def check(form: RequestForm) -> list[str]:
    """What is missing, as untranslated messages (the view translates them)."""
    problems = []
    if not form.responder_authority_id:
        problems.append(N_("Choose the authority to ask."))
    if not form.family_name.strip() or not form.given_names.strip():
        problems.append(N_("Enter the professional's family name and given names."))
    if not form.questions:
        problems.append(N_("Tick at least one question."))
    if not form.question_set:
        problems.append(N_("There is no question set for this area yet."))
    if form.answer_by < today():
        problems.append(N_("The answer date is in the past."))
    return problems


def to_args(form: RequestForm) -> dict[str, Any]:
    """The ``case.create`` (or ``case.edit_draft``) arguments of a complete form."""
    subject: dict[str, Any] = {
        "family_name": form.family_name.strip(),
        "given_names": form.given_names.strip(),
        "profession": form.profession,
        "qualification": form.qualification.strip(),
    }
    if form.date_of_birth is not None:
        subject["date_of_birth"] = form.date_of_birth.isoformat()
    args: dict[str, Any] = {
        "case_id": form.case_id,
        "area": form.area,
        "question_set": form.question_set,
        "question_set_version": form.question_set_version,
        "responder_authority_id": form.responder_authority_id,
        "subject": subject,
        "questions": list(form.questions),
        "answer_by": form.answer_by.isoformat(),
    }
    if form.message.strip():
        args["request_text"] = {"text": form.message.strip(), "lang": form.language}
    if form.attachments:
        args["attachments"] = list(form.attachments)
    return args


def from_args(args: dict[str, Any], *, case_id: str | None = None) -> RequestForm:
    """A form holding ``args`` (a create's or a draft's), under ``case_id`` if given."""
    subject = args.get("subject") or {}
    birth = subject.get("date_of_birth")
    text = args.get("request_text") or {}
    return RequestForm(
        case_id=case_id or str(args["case_id"]),
        area=str(args.get("area", "")),
        question_set=str(args.get("question_set", "")),
        question_set_version=int(args.get("question_set_version", 0)),
        responder_authority_id=str(args.get("responder_authority_id", "")),
        family_name=str(subject.get("family_name", "")),
        given_names=str(subject.get("given_names", "")),
        date_of_birth=dt.date.fromisoformat(birth) if birth else None,
        profession=str(subject.get("profession", "")),
        qualification=str(subject.get("qualification", "")),
        questions=[str(q) for q in args.get("questions", [])],
        answer_by=dt.date.fromisoformat(str(args["answer_by"])) if args.get("answer_by")
        else today() + dt.timedelta(days=DEFAULT_ANSWER_DAYS),
        message=str(text.get("text", "")),
        language=str(text.get("lang", "en")),
        # A create's or edit's arguments name them ``attachments``, a draft record
        # ``request_attachments``.
        attachments=list(args.get("attachments") or args.get("request_attachments") or []),
    )
