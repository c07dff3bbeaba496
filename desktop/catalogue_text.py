"""The catalogue's texts for one case, in any language: a question's section, its help, and
the answer given, written the way a reader of that language reads it.

A choice answer is a code: each reader sees its text in their own language (and, beside it,
in the counterpart's). A date or a number is formatted for the language; a text answer is
free text and is always shown as it was written.
"""

import datetime as dt
import decimal

from desktop import formatting
from sync_protocol.cases import Answer
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.languages import localized


def section_title(question_set: QuestionSet, question: Question, language: str) -> str:
    """The heading the question is grouped under ("" if none)."""
    section = question_set.section(question.section)
    if section is not None:
        return localized(section.texts, language)
    return localized(question.group, language) if question.group else ""


def answer_text(question: Question | None, answer: Answer, language: str) -> str:
    """The answer as a reader of ``language`` reads it; free text as written."""
    options = {o.code: o for o in question.answers} if question else {}
    if answer.answer is not None:
        option = options.get(answer.answer)
        return localized(option.texts, language) if option else answer.answer
    if answer.choices:
        return "; ".join(localized(options[c].texts, language) if c in options else c
                         for c in answer.choices)
    value = answer.value or ""
    if question is not None and question.answer_type == "date":
        try:
            return formatting.date_text_in(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    if question is not None and question.answer_type == "number":
        try:
            return formatting.number_text_in(decimal.Decimal(value.replace(",", ".")), language)
        except decimal.InvalidOperation:
            return value
    return value


def is_free_text(question: Question | None, answer: Answer) -> bool:
    """Whether the answer is text someone wrote (shown as written, never translated here)."""
    return answer.value is not None and (question is None
                                         or question.answer_type in ("text", "document"))
