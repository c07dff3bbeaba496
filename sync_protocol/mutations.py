"""Mutations: the named, argument-checked steps a client asks the server to apply.

Each name maps to the model of its arguments and to the workflow action it performs. An
unknown name or arguments that do not fit are the sender's fault (``RemoteProtocolError`` on
the receiving side).
"""

from typing import Annotated, Final

from pydantic import Field, StringConstraints, ValidationError

from sync_protocol import text
from sync_protocol.attachments import Attachments
from sync_protocol.bounds import Date, Version
from sync_protocol.cases import Action, Answer, FreeText, Score, Subject
from sync_protocol.catalogue import Code
from sync_protocol.errors import RemoteProtocolError
from sync_protocol.frozen import Frozen

CaseIdStr = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
AuthorityIdStr = Annotated[str, StringConstraints(min_length=1, max_length=64)]
UserIdStr = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Args(Frozen):
    """Base of every mutation argument set."""

    case_id: CaseIdStr


class CreateCase(_Args):
    area: Code
    question_set: Code
    question_set_version: Version
    responder_authority_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    subject: Subject
    questions: tuple[Code, ...] = Field(min_length=1, max_length=100)
    answer_by: Date
    request_text: FreeText | None = None
    attachments: Attachments = ()


class EditDraft(CreateCase):
    """A draft changed before it is sent: the same fields as the create, all of them again."""


class CaseStep(_Args):
    """A step that needs nothing but the case: send, accept, accept the reply."""

    note: FreeText | None = None


class AcceptCase(CaseStep):
    """The responder accepts the request, optionally proposing another answer date."""

    proposed_answer_by: Date | None = None


class DeclineDate(_Args):
    """The requester does not agree to the proposed answer date: the reason is required."""

    reason: FreeText


class ForwardCase(_Args):
    """The responder hands the whole request on to another authority."""

    responder_authority_id: AuthorityIdStr
    note: FreeText | None = None


class SplitCase(_Args):
    """The responder splits ``questions`` off into a new, linked request (``new_case_id``) to
    another authority; the case keeps the other questions."""

    new_case_id: CaseIdStr
    responder_authority_id: AuthorityIdStr
    questions: tuple[Code, ...] = Field(min_length=1, max_length=100)
    note: FreeText | None = None


class InfoRequest(_Args):
    """One side asks the other for further information."""

    text: FreeText
    attachments: Attachments = ()


class InfoReply(_Args):
    """The other side gives the further information asked for."""

    text: FreeText
    attachments: Attachments = ()


class CommentCase(_Args):
    text: FreeText
    attachments: Attachments = ()


class RequestMore(_Args):
    """The requester is not satisfied with the reply: the responder answers again."""

    reason: FreeText


class RateCase(_Args):
    timeliness: Score
    effort: Score
    note: FreeText | None = None


class EscalateCase(_Args):
    reason: FreeText


class AllocateCase(_Args):
    """An allocator gives the case to a request handler of its own authority."""

    user_id: UserIdStr
    user_name: text.Name


class AnswerCase(_Args):
    answers: tuple[Answer, ...] = Field(min_length=1, max_length=100)
    reply_text: FreeText | None = None
    attachments: Attachments = ()


class WithdrawCase(_Args):
    """The reason is required unless the case is a draft (``reason_required``)."""

    reason: FreeText | None = None


class ApprovalDecision(_Args):
    """A coordinator lets a request or reply waiting for its approval go on."""

    note: FreeText | None = None


class RefuseApproval(_Args):
    """A coordinator sends a request or reply back to its author: the reason is required."""

    reason: FreeText


MUTATIONS: Final[dict[str, tuple[type[_Args], Action]]] = {
    "case.create": (CreateCase, Action.CREATE),
    "case.edit_draft": (EditDraft, Action.EDIT),
    "case.send": (CaseStep, Action.SEND),
    "case.accept": (AcceptCase, Action.ACCEPT),
    "case.answer": (AnswerCase, Action.ANSWER),
    "case.accept_reply": (CaseStep, Action.ACCEPT_REPLY),
    "case.withdraw": (WithdrawCase, Action.WITHDRAW),
    "case.approve": (ApprovalDecision, Action.APPROVE),
    "case.refuse": (RefuseApproval, Action.REFUSE),
    "case.agree_date": (CaseStep, Action.AGREE_DATE),
    "case.decline_date": (DeclineDate, Action.DECLINE_DATE),
    "case.forward": (ForwardCase, Action.FORWARD),
    "case.split": (SplitCase, Action.SPLIT),
    "case.ask_info": (InfoRequest, Action.ASK_INFO),
    "case.give_info": (InfoReply, Action.GIVE_INFO),
    "case.comment": (CommentCase, Action.COMMENT),
    "case.request_more": (RequestMore, Action.REQUEST_MORE),
    "case.rate": (RateCase, Action.RATE),
    "case.escalate": (EscalateCase, Action.ESCALATE),
    "case.resolve_escalation": (CaseStep, Action.RESOLVE_ESCALATION),
    "case.allocate": (AllocateCase, Action.ALLOCATE),
}

MUTATION_FOR_ACTION: Final[dict[Action, str]] = {
    action: name for name, (_, action) in MUTATIONS.items()
}


def parse_args(name: str, args: dict[str, object]) -> tuple[_Args, Action]:
    """Check a mutation's name and arguments; raise ``RemoteProtocolError`` if they are bad."""
    try:
        model, action = MUTATIONS[name]
    except KeyError:
        raise RemoteProtocolError("unknown_mutation", f"unknown mutation {name!r}",
                                  params={"name": name}) from None
    try:
        return model.model_validate(args), action
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RemoteProtocolError(
            "invalid_arguments", f"{name}: {where}: {first['msg']}", status_hint=422
        ) from None
