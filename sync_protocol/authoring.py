"""Authoring the catalogue: the Commission's drafts of question sets, their texts per language,
what is missing or outdated, and what publishing requires.

Rules this module owns (the server enforces them, the editor shows them):

- A *draft* is a question set under edit, together with its legislative area (new or existing)
  and the version it will be published as. It is the Commission's alone until published; a
  published version never changes (``sync_protocol.catalogue``), so cases keep theirs.
- Every text has an id: the area's code (its name), the set's code (its name), a section's
  code, a question's code, the question's code + ``.help``, an answer's code: the ids of the
  shipped catalogue's language files, and of the units of an XLIFF or PO export.
- English is the source. Each translated text remembers the SHA-256 of the English text it
  was made from (``sources``); when the English text changes the translation is *outdated*.
- Publishing needs every English text, and every other language present either complete and
  current or absent (a reader then sees English): never half a language. Placeholders
  (``{name}``) of a translation are those of its English text.
"""

import hashlib
import re
from collections.abc import Iterator
from typing import Any, Final, Literal

from pydantic import Field

from sync_protocol.catalogue import Code, LegislativeArea, QuestionSet
from sync_protocol.frozen import Frozen
from sync_protocol.languages import LANGUAGES

SOURCE_LANGUAGE: Final = "en"
CATALOGUE_EDITOR_ROLE: Final = "catalogue_editor"
HELP_SUFFIX: Final = ".help"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

TextStatus = Literal["current", "outdated", "missing"]


class Draft(Frozen):
    """A question set under edit, with its area, and which English each translation follows.

    ``sources`` maps a text id to language -> SHA-256 of the English text when that
    translation was written (``source_hash``)."""

    area: LegislativeArea
    question_set: QuestionSet
    base_version: int | None = None  # the published version this draft started from
    sources: dict[str, dict[str, str]] = Field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.question_set.code


class Problem(Frozen):
    """Why a draft cannot be published, or why an imported text was refused: a code of
    ``sync_protocol.errors.CODES`` with its text id and language."""

    code: str
    text: str
    language: str


class PublishOutcome(Frozen):
    published: bool
    version: int | None = None
    problems: tuple[Problem, ...] = ()


class ImportReport(Frozen):
    """What an import took (``accepted`` texts) and what it refused, text by text."""

    language: str
    accepted: int
    refused: tuple[Problem, ...] = ()


class Coverage(Frozen):
    language: str
    total: int
    current: int
    outdated: int
    missing: int


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def text_ids(draft: Draft) -> list[str]:
    """Every text id of the draft, in reading order."""
    return [text_id for text_id, _texts in _texts(draft)]


def texts(draft: Draft) -> dict[str, dict[str, str]]:
    """Text id -> language -> text, for every text of the draft."""
    return dict(_texts(draft))


def _texts(draft: Draft) -> Iterator[tuple[str, dict[str, str]]]:
    qs = draft.question_set
    yield draft.area.code, dict(draft.area.names)
    yield qs.code, dict(qs.names)
    for section in qs.sections:
        yield section.code, dict(section.texts)
    for question in qs.questions:
        yield question.code, dict(question.texts)
        if question.help:
            yield question.code + HELP_SUFFIX, dict(question.help)
        for answer in question.answers:
            yield answer.code, dict(answer.texts)


def status(draft: Draft, text_id: str, language: str,
           all_texts: dict[str, dict[str, str]] | None = None) -> TextStatus:
    mapping = (all_texts or texts(draft)).get(text_id, {})
    if not mapping.get(language):
        return "missing"
    if language == SOURCE_LANGUAGE:
        return "current"
    english = mapping.get(SOURCE_LANGUAGE, "")
    made_from = draft.sources.get(text_id, {}).get(language)
    return "current" if made_from == source_hash(english) else "outdated"


def coverage(draft: Draft, languages: tuple[str, ...] = LANGUAGES) -> list[Coverage]:
    all_texts = texts(draft)
    result = []
    for language in languages:
        counts = {"current": 0, "outdated": 0, "missing": 0}
        for text_id in all_texts:
            counts[status(draft, text_id, language, all_texts)] += 1
        result.append(Coverage(language=language, total=len(all_texts), **counts))
    return result


def set_text(draft: Draft, text_id: str, language: str, text: str) -> Draft:
    """The draft with one text replaced (or removed, when ``text`` is empty). A translation
    written now follows the English text of now; a changed English text leaves the
    translations made from the old one outdated."""
    data = draft.model_dump(mode="json")
    qs = data["question_set"]
    found = _text_slot(data, text_id)
    if found is None:
        raise KeyError(text_id)
    holder, key = found
    mapping = dict(holder.get(key) or {})
    if text:
        mapping[language] = text
    else:
        mapping.pop(language, None)
    holder[key] = mapping
    data["question_set"] = qs
    sources = {k: dict(v) for k, v in draft.sources.items()}
    if language != SOURCE_LANGUAGE:
        english = mapping.get(SOURCE_LANGUAGE, "")
        per_text = sources.setdefault(text_id, {})
        if text:
            per_text[language] = source_hash(english)
        else:
            per_text.pop(language, None)
    data["sources"] = sources
    return Draft.model_validate(data)


def _text_slot(data: dict[str, Any], text_id: str) -> tuple[dict[str, Any], str] | None:
    area = data["area"]
    qs = data["question_set"]
    assert isinstance(area, dict) and isinstance(qs, dict)
    if text_id == area["code"]:
        return area, "names"
    if text_id == qs["code"]:
        return qs, "names"
    for section in qs.get("sections", []):
        if section["code"] == text_id:
            return section, "texts"
    for question in qs["questions"]:
        if question["code"] == text_id:
            return question, "texts"
        if question["code"] + HELP_SUFFIX == text_id:
            return question, "help"
        for answer in question.get("answers", []):
            if answer["code"] == text_id:
                return answer, "texts"
    return None


def with_sources(old: Draft | None, new: Draft) -> Draft:
    """``new`` with ``sources`` brought up to date against ``old``: a translation that is new
    or changed follows the English of now; one already there keeps what it followed; for a
    draft started from a published set (no ``old``), every translation counts as current."""
    new_texts = texts(new)
    old_texts = texts(old) if old is not None else {}
    sources: dict[str, dict[str, str]] = {}
    for text_id, mapping in new_texts.items():
        english = source_hash(mapping.get(SOURCE_LANGUAGE, ""))
        before = old_texts.get(text_id, {})
        kept = old.sources.get(text_id, {}) if old is not None else {}
        for language, text in mapping.items():
            if language == SOURCE_LANGUAGE:
                continue
            if old is not None and before.get(language) == text and language in kept:
                sources.setdefault(text_id, {})[language] = kept[language]
            else:
                sources.setdefault(text_id, {})[language] = english
    return new.model_copy(update={"sources": sources})


def publish_problems(draft: Draft) -> list[Problem]:
    """What stands between the draft and publication; empty when it may be published."""
    all_texts = texts(draft)
    problems: list[Problem] = []
    languages = {lang for mapping in all_texts.values() for lang in mapping}
    for text_id, mapping in all_texts.items():
        english = mapping.get(SOURCE_LANGUAGE)
        if not english:
            problems.append(Problem(code="text_missing", text=text_id,
                                    language=SOURCE_LANGUAGE))
            continue
        for language in sorted(languages - {SOURCE_LANGUAGE}):
            state = status(draft, text_id, language, all_texts)
            if state == "missing":
                problems.append(Problem(code="text_missing", text=text_id, language=language))
            elif state == "outdated":
                problems.append(Problem(code="text_outdated", text=text_id, language=language))
            elif placeholders(mapping[language]) != placeholders(english):
                problems.append(Problem(code="placeholders_differ", text=text_id,
                                        language=language))
    return problems



__all__ = ["CATALOGUE_EDITOR_ROLE", "Code", "Coverage", "Draft", "ImportReport", "Problem",
           "PublishOutcome", "coverage", "placeholders", "publish_problems", "set_text",
           "source_hash", "status", "text_ids", "texts", "with_sources"]
