"""The pre-translated catalogue: legislative areas and question sets, as data.

A case stores only question and answer *codes*; every reader looks their texts up here in
their own language. Question sets are versioned and synced to every replica like any entity.
"""

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from sync_protocol.bounds import Version
from sync_protocol.frozen import Frozen
from sync_protocol.text import CatalogueText

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,63}$")]
TextMap = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")], CatalogueText]




class LegislativeArea(Frozen):
    code: Code
    names: TextMap


class AnswerOption(Frozen):
    code: Code
    texts: TextMap


class Question(Frozen):
    code: Code
    group: TextMap = Field(default_factory=dict)
    texts: TextMap
    free_text: bool = True
    answers: tuple[AnswerOption, ...] = Field(min_length=1)


class QuestionSet(Frozen):
    code: Code
    area: Code
    version: Version
    names: TextMap
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_are_unique(self) -> "QuestionSet":
        codes = [q.code for q in self.questions]
        codes += [a.code for q in self.questions for a in q.answers]
        if len(codes) != len(set(codes)):
            raise ValueError(f"question set {self.code}: question and answer codes must be unique")
        return self

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)


class CatalogueFile(Frozen):
    """The on-disk format the Commission's tools and the demo seed use."""

    format: int = Field(ge=1, le=1)
    areas: tuple[LegislativeArea, ...]
    question_sets: tuple[QuestionSet, ...]
