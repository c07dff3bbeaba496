"""The case record: the state of one information request, as both sides hold it.

The server stores it, pulls carry it, the client's replica keeps it. Questions and answers are
codes into the catalogue; free text keeps the language it was written in.
"""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from sync_protocol import text
from sync_protocol.audiences import authority_audience
from sync_protocol.bounds import BirthDate, Date, Timestamp, Version
from sync_protocol.catalogue import Code
from sync_protocol.frozen import Frozen

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]




class CaseStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
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


class Party(StrEnum):
    """The side of a case an authority is on."""

    REQUESTER = "requester"
    RESPONDER = "responder"


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


class CaseRecord(Frozen):
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

    def party_of(self, authority_id: str) -> Party | None:
        if authority_id == self.requester_authority_id:
            return Party.REQUESTER
        if authority_id == self.responder_authority_id:
            return Party.RESPONDER
        return None

    def audiences(self) -> tuple[str, ...]:
        """Who may see this case: need-to-know. A draft is its author's alone."""
        if self.state is CaseStatus.DRAFT:
            return (authority_audience(self.requester_authority_id),)
        return (
            authority_audience(self.requester_authority_id),
            authority_audience(self.responder_authority_id),
        )
