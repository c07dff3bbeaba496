"""The case record: the state of one information request, as both sides hold it.

The server stores it, pulls carry it, the client's replica keeps it. Questions and answers are
codes into the catalogue; free text keeps the language it was written in.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from sync_protocol import text
from sync_protocol.attachments import Attachments
from sync_protocol.bounds import BirthDate, Date, Timestamp, Version
from sync_protocol.catalogue import Code
from sync_protocol.frozen import Frozen

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
AuthorityIdStr = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CaseStatus(StrEnum):
    DRAFT = "draft"
    # A request held back until the requester's coordinator approves it (never seen by the
    # responder); a reply held back until the responder's coordinator approves it.
    AWAITING_APPROVAL = "awaiting_approval"
    SENT = "sent"
    ACCEPTED = "accepted"
    REPLY_AWAITING_APPROVAL = "reply_awaiting_approval"
    ANSWERED = "answered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SEND = "send"
    ACCEPT = "accept"
    ANSWER = "answer"
    ACCEPT_REPLY = "accept_reply"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REFUSE = "refuse"
    # Version 3: the full workflow (M5).
    AGREE_DATE = "agree_date"
    DECLINE_DATE = "decline_date"
    FORWARD = "forward"
    SPLIT = "split"
    ASK_INFO = "ask_info"
    GIVE_INFO = "give_info"
    COMMENT = "comment"
    REQUEST_MORE = "request_more"
    RATE = "rate"
    ESCALATE = "escalate"
    RESOLVE_ESCALATION = "resolve_escalation"
    ALLOCATE = "allocate"


class CaseRole(StrEnum):
    """The part an authority plays in one case. A case's participants may change over its
    life (a coordinator joins when a step needs its approval); later roles are added here."""

    REQUESTER = "requester"
    RESPONDER = "responder"
    REQUESTER_COORDINATOR = "requester_coordinator"
    RESPONDER_COORDINATOR = "responder_coordinator"
    # The responder's responsible coordinator, while an escalation of the case is open.
    ESCALATION_COORDINATOR = "escalation_coordinator"


Party = CaseRole
"""The earlier name of ``CaseRole``, when a case had two sides only."""


class Participant(Frozen):
    authority_id: AuthorityIdStr
    role: CaseRole


class FreeText(Frozen):
    """Text as its author wrote it, in the language they wrote it in."""

    text: text.FreeText
    lang: LanguageCode


class Subject(Frozen):
    """The professional the request is about. Personal data: need-to-know only."""

    family_name: text.Name
    given_names: text.Name
    date_of_birth: BirthDate | None = None
    profession: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]
    qualification: text.Line = ""


class Answer(Frozen):
    """The reply to one question: a predefined answer's code (yes/no, single choice), the codes
    chosen (multiple choice) or a value (an ISO date, a number, a text, a document's
    description). A text keeps the language it was written in. What is not given is left out
    when serialised, so a choice answer reads and writes as it always did."""

    question: Code
    answer: Code | None = None
    choices: tuple[Code, ...] = ()
    value: text.FreeText | None = None
    lang: LanguageCode | None = None

    @model_validator(mode="after")
    def _one_kind_of_answer(self) -> "Answer":
        given = sum((self.answer is not None, bool(self.choices), self.value is not None))
        if given != 1:
            raise ValueError("give one of answer, choices or value")
        return self

    @model_serializer(mode="wrap")
    def _leave_out_what_is_not_given(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value not in (None, (), [])}


class TimelineEvent(Frozen):
    """One step in a case's history. ``at`` is when the server applied it; ``acted_at`` when
    the officer took it (earlier when the step waited offline; absent in older records)."""

    at: Timestamp
    acted_at: Timestamp | None = None
    action: Action
    state: CaseStatus
    authority_id: str
    user_name: text.Name
    note: FreeText | None = None


class CaseLink(Frozen):
    """Another case this one is linked to: ``split_into`` on the case some questions were split
    off from, ``split_from`` on the new case made of them."""

    case_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    kind: Literal["split_into", "split_from"]


MessageKind = Literal["info_request", "info_reply", "comment"]


class CaseMessage(Frozen):
    """A request for further information, its reply, or a comment: text (and documents) one
    side adds to a case without changing its state."""

    kind: MessageKind
    authority_id: AuthorityIdStr
    user_name: text.Name
    at: Timestamp
    text: FreeText
    attachments: Attachments = ()


Score = Annotated[int, Field(ge=1, le=5)]


class Rating(Frozen):
    """The requester's rating of a closed case: timeliness and effort, 1 (poor) to 5."""

    timeliness: Score
    effort: Score
    note: FreeText | None = None
    at: Timestamp


class Escalation(Frozen):
    """A case inactive for too long, taken to the responder's responsible coordinator."""

    reason: FreeText
    authority_id: AuthorityIdStr  # who escalated
    coordinator_id: AuthorityIdStr
    at: Timestamp
    open: bool = True


class Assignment(Frozen):
    """Which request handler of ``authority_id`` the case is allocated to (one per authority)."""

    authority_id: AuthorityIdStr
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    user_name: text.Name


class CaseRecord(Frozen):
    """``participants`` is the source of truth of who takes part, in which role.

    ``requester_authority_id`` and ``responder_authority_id`` mirror the participants with
    those roles, checked equal when the record is built: version-1 clients list cases by them,
    and records stored before participants existed carry only them (the participants are then
    built from them).
    """

    id: str
    version: Version
    state: CaseStatus
    area: Code
    question_set: Code
    question_set_version: Version
    requester_authority_id: str
    responder_authority_id: str
    subject: Subject
    questions: tuple[Code, ...]
    answer_by: Date
    request_text: FreeText | None = None
    answers: tuple[Answer, ...] = ()
    reply_text: FreeText | None = None
    created_at: Timestamp
    updated_at: Timestamp
    timeline: tuple[TimelineEvent, ...] = ()
    participants: tuple[Participant, ...] = Field(default=(), max_length=20)
    # Version 3 (all defaulted: records stored before read as they were).
    proposed_answer_by: Date | None = None  # the responder's counter-proposal on accepting
    links: tuple[CaseLink, ...] = Field(default=(), max_length=100)
    messages: tuple[CaseMessage, ...] = Field(default=(), max_length=1000)
    open_info_request: CaseRole | None = None  # the side that waits for further information
    rating: Rating | None = None
    escalation: Escalation | None = None
    assignments: tuple[Assignment, ...] = Field(default=(), max_length=20)
    # Documents the request and the reply carry (``sync_protocol.attachments``).
    request_attachments: Attachments = ()
    reply_attachments: Attachments = ()

    @model_validator(mode="before")
    @classmethod
    def _participants_or_mirrors(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("participants") and "requester_authority_id" in data:
            data["participants"] = (
                {"authority_id": data["requester_authority_id"], "role": CaseRole.REQUESTER},
                {"authority_id": data.get("responder_authority_id"),
                 "role": CaseRole.RESPONDER},
            )
        for role, mirror in _MIRRORS.items():
            if mirror not in data:
                holders = [p for p in data.get("participants", ())
                           if _role_of(p) == role]
                if holders:
                    data[mirror] = _authority_of(holders[0])
        return data

    @model_validator(mode="after")
    def _one_requester_and_responder(self) -> "CaseRecord":
        for role, mirror in _MIRRORS.items():
            holders = [p.authority_id for p in self.participants if p.role is role]
            if holders != [getattr(self, mirror)]:
                raise ValueError(f"a case has one {role.value}, the one of {mirror}")
        if len(set(self.participants)) != len(self.participants):
            raise ValueError("a participant is listed twice")
        return self

    def roles_of(self, authority_id: str) -> frozenset[CaseRole]:
        """The roles ``authority_id`` holds in this case (none: not involved)."""
        return frozenset(p.role for p in self.participants if p.authority_id == authority_id)

    def holders(self, role: CaseRole) -> tuple[str, ...]:
        return tuple(p.authority_id for p in self.participants if p.role is role)

    def party_of(self, authority_id: str) -> CaseRole | None:
        """The requester or responder side ``authority_id`` is on, if any."""
        roles = self.roles_of(authority_id)
        for role in (CaseRole.REQUESTER, CaseRole.RESPONDER):
            if role in roles:
                return role
        return None

    def with_participants(self, participants: tuple[Participant, ...],
                          **changes: Any) -> "CaseRecord":
        """This record with other participants (and ``changes``), checked as when built."""
        data = self.model_dump()
        data.update(changes, participants=participants)
        return CaseRecord.model_validate(data)


_MIRRORS = {CaseRole.REQUESTER: "requester_authority_id",
            CaseRole.RESPONDER: "responder_authority_id"}


def _role_of(participant: Any) -> Any:
    return participant.role if isinstance(participant, Participant) else participant.get("role")


def _authority_of(participant: Any) -> Any:
    if isinstance(participant, Participant):
        return participant.authority_id
    return participant.get("authority_id")


# What a version-2 client can read of a record (``for_version``).
_V2_FIELDS: frozenset[str] = frozenset({
    "id", "version", "state", "area", "question_set", "question_set_version",
    "requester_authority_id", "responder_authority_id", "subject", "questions", "answer_by",
    "request_text", "answers", "reply_text", "created_at", "updated_at", "timeline",
    "participants"})
_V2_ROLES: frozenset[str] = frozenset({"requester", "responder", "requester_coordinator",
                                       "responder_coordinator"})
_V2_ACTIONS: frozenset[str] = frozenset({"create", "edit", "send", "accept", "answer",
                                         "accept_reply", "withdraw", "approve", "refuse"})


def for_version(data: dict[str, Any], protocol_version: int | None) -> dict[str, Any]:
    """A case's wire form (``model_dump(mode="json")``) as a client of ``protocol_version``
    can parse it. Version 3 added fields, the escalation coordinator's role and actions; a
    version-2 client (whose records refuse unknown fields) gets the record without them: its
    fields, the participants in roles it knows, the timeline steps it can name. ``None``
    (a client that does not say): as version 2 and before."""
    if protocol_version is not None and protocol_version >= 3:
        return data
    kept = {key: value for key, value in data.items() if key in _V2_FIELDS}
    if "participants" in kept:
        kept["participants"] = [p for p in kept["participants"]
                                if _role_of(p) in _V2_ROLES]
    if "timeline" in kept:
        kept["timeline"] = [e for e in kept["timeline"]
                            if isinstance(e, dict) and e.get("action") in _V2_ACTIONS]
    return kept
