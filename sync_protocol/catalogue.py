"""The pre-translated catalogue: legislative areas and question sets, as data.

A case stores only question and answer *codes* (and, for questions answered with a date, a
number, a text or a document, the value given); every reader looks the texts up here in their
own language. Question sets are versioned and synced to every replica like any entity: a
version, once published, never changes; a new wording is a new version.

Serialised question sets leave out what is at its default (no sections, no help text, a single
choice), so a set made before sections and answer types existed reads and writes exactly as it
did.
"""

from typing import Annotated, Any, Final, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from sync_protocol.bounds import Version
from sync_protocol.frozen import Frozen
from sync_protocol.text import CatalogueText

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,63}$")]
TextMap = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")], CatalogueText]

AnswerType = Literal["yes_no", "single_choice", "multiple_choice", "date", "number", "text",
                     "document"]
# Answered by choosing predefined answers (their codes); the others are answered with a value.
CHOICE_TYPES: Final[frozenset[str]] = frozenset({"yes_no", "single_choice", "multiple_choice"})


class LegislativeArea(Frozen):
    code: Code
    names: TextMap


class Section(Frozen):
    """A heading questions are grouped under (identity, formal qualifications, …)."""

    code: Code
    texts: TextMap


class AnswerOption(Frozen):
    code: Code
    texts: TextMap


class Question(Frozen):
    code: Code
    section: Code | None = None
    group: TextMap = Field(default_factory=dict)  # sets made before sections name the group here
    texts: TextMap
    help: TextMap = Field(default_factory=dict)
    answer_type: AnswerType = "single_choice"
    free_text: bool = True
    answers: tuple[AnswerOption, ...] = ()

    @model_validator(mode="after")
    def _answers_fit_the_type(self) -> "Question":
        if self.answer_type in CHOICE_TYPES and not self.answers:
            raise ValueError(f"question {self.code}: a {self.answer_type} question needs "
                             "predefined answers")
        if self.answer_type == "yes_no" and len(self.answers) not in (2, 3):
            raise ValueError(f"question {self.code}: a yes/no question has two answers "
                             "(three with 'not known')")
        return self

    @property
    def is_choice(self) -> bool:
        return self.answer_type in CHOICE_TYPES

    @model_serializer(mode="wrap")
    def _leave_out_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key, default in (("section", None), ("group", {}), ("help", {}),
                             ("answer_type", "single_choice")):
            if key in data and data[key] == default:
                del data[key]
        return data


class QuestionSet(Frozen):
    code: Code
    area: Code
    version: Version
    names: TextMap
    sections: tuple[Section, ...] = ()
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_are_unique(self) -> "QuestionSet":
        codes = [q.code for q in self.questions]
        codes += [a.code for q in self.questions for a in q.answers]
        if len(codes) != len(set(codes)):
            raise ValueError(f"question set {self.code}: question and answer codes must be unique")
        sections = [s.code for s in self.sections]
        if len(sections) != len(set(sections)):
            raise ValueError(f"question set {self.code}: section codes must be unique")
        stray = next((q for q in self.questions
                      if q.section is not None and q.section not in sections), None)
        if stray is not None:
            raise ValueError(f"question set {self.code}: question {stray.code} is in an "
                             f"unknown section {stray.section}")
        return self

    @model_serializer(mode="wrap")
    def _leave_out_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("sections") in ((), []):
            del data["sections"]
        return data

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def section(self, code: str | None) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)


class CatalogueFile(Frozen):
    """The on-disk format the Commission's tools and the demo seed use."""

    format: int = Field(ge=1, le=1)
    areas: tuple[LegislativeArea, ...]
    question_sets: tuple[QuestionSet, ...]
