"""Building and changing drafts of question sets in the app (the Commission's editors).

Pure functions over ``sync_protocol.authoring.Draft``: the catalogue window calls them and
sends the result to the server (``Transport.save_draft``); nothing here touches the network.
English is written first; other languages are filled in the language tab or by an agency.
"""

from typing import Any

from sync_protocol.authoring import SOURCE_LANGUAGE, Draft
from sync_protocol.catalogue import CHOICE_TYPES, AnswerType, LegislativeArea, QuestionSet

ANSWER_TYPES: tuple[AnswerType, ...] = ("yes_no", "single_choice", "multiple_choice", "date",
                                        "number", "text", "document")


def new_draft(*, area_code: str, area_name: str, set_code: str, set_name: str,
              first_question: str) -> Draft:
    """A draft of a new area with its first question set and first question (free text)."""
    return Draft.model_validate({
        "area": {"code": area_code, "names": {SOURCE_LANGUAGE: area_name}},
        "question_set": {"code": set_code, "area": area_code, "version": 1,
                         "names": {SOURCE_LANGUAGE: set_name},
                         "questions": [{"code": f"{set_code}-Q1", "answer_type": "text",
                                        "texts": {SOURCE_LANGUAGE: first_question}}]},
    })


def from_published(area: LegislativeArea, question_set: QuestionSet) -> Draft:
    """A draft of the next version of a published set, starting from its texts."""
    return Draft(area=area, base_version=question_set.version,
                 question_set=question_set.model_copy(
                     update={"version": question_set.version + 1}))


def add_section(draft: Draft, *, code: str, text: str) -> Draft:
    data = draft.model_dump(mode="json")
    data["question_set"].setdefault("sections", []).append(
        {"code": code, "texts": {SOURCE_LANGUAGE: text}})
    return Draft.model_validate(data)


def add_question(draft: Draft, *, section: str | None, answer_type: AnswerType, text: str,
                 help_text: str = "", answers: tuple[str, ...] = ()) -> Draft:
    """The draft with one more question (English); codes follow the set's own."""
    data = draft.model_dump(mode="json")
    questions: list[dict[str, Any]] = data["question_set"]["questions"]
    code = _next_code(draft, f"{draft.code}-Q")
    question: dict[str, Any] = {"code": code, "answer_type": answer_type,
                                "texts": {SOURCE_LANGUAGE: text}}
    if section:
        question["section"] = section
    if help_text:
        question["help"] = {SOURCE_LANGUAGE: help_text}
    if answer_type in CHOICE_TYPES:
        question["answers"] = [{"code": f"{code}-A{i}", "texts": {SOURCE_LANGUAGE: answer}}
                               for i, answer in enumerate(answers, start=1)]
    questions.append(question)
    return Draft.model_validate(data)


def remove_question(draft: Draft, code: str) -> Draft:
    data = draft.model_dump(mode="json")
    data["question_set"]["questions"] = [q for q in data["question_set"]["questions"]
                                         if q["code"] != code]
    return Draft.model_validate(data)


def _next_code(draft: Draft, prefix: str) -> str:
    taken = {q.code for q in draft.question_set.questions}
    number = len(taken) + 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"
