"""The catalogue format, its unique-code rule, and looking texts up in the reader's language."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from sync_protocol.catalogue import CatalogueFile, QuestionSet
from sync_protocol.languages import FALLBACK_LANGUAGE, LANGUAGES, babel_locale, localized

SEED = Path(__file__).parents[2] / "sync_server" / "seed" / "question_set_pq.json"


def question(code, *answer_codes):
    return {"code": code, "texts": {"en": f"text of {code}"},
            "answers": [{"code": a, "texts": {"en": f"text of {a}"}} for a in answer_codes]}


def question_set(*questions):
    return {"code": "QS", "area": "PQ", "version": 1, "names": {"en": "A set"},
            "questions": list(questions)}


def test_the_shipped_catalogue_is_valid():
    catalogue = CatalogueFile.model_validate_json(SEED.read_bytes())

    (qs,) = catalogue.question_sets
    assert (qs.code, qs.area, qs.version) == ("PQ-GEN", "PQ", 1)
    assert {a.code for a in catalogue.areas} >= {"PQ"}
    assert qs.question("PQ-GEN-Q01").answers[0].code == "PQ-GEN-Q01-A1"
    assert qs.question("PQ-GEN-Q99") is None
    for q in qs.questions:
        assert q.texts["en"]
        assert all(a.code.startswith(f"{q.code}-A") for a in q.answers)


def test_unique_codes_are_accepted():
    qs = QuestionSet.model_validate(question_set(question("Q1", "Q1-A1", "Q1-A2"),
                                                 question("Q2", "Q2-A1")))

    assert [q.code for q in qs.questions] == ["Q1", "Q2"]


@pytest.mark.parametrize("questions", [
    [question("Q1", "Q1-A1"), question("Q1", "Q1-A2")],
    [question("Q1", "A1", "A1")],
    [question("Q1", "A1"), question("Q2", "A1")],
    [question("Q1", "Q2"), question("Q2", "Q2-A1")],
], ids=["question-twice", "answer-twice", "answer-in-two-questions", "answer-named-as-question"])
def test_duplicate_codes_are_refused(questions):
    with pytest.raises(ValidationError, match="must be unique"):
        QuestionSet.model_validate(question_set(*questions))


@pytest.mark.parametrize("change", [
    {"code": "lower-case"},
    {"version": 0},
    {"questions": []},
    {"names": {"english": "x"}},
], ids=["code", "version", "no-questions", "language-code"])
def test_malformed_question_sets_are_refused(change):
    with pytest.raises(ValidationError):
        QuestionSet.model_validate({**question_set(question("Q1", "Q1-A1")), **change})


def test_a_question_needs_an_answer_option():
    with pytest.raises(ValidationError):
        QuestionSet.model_validate(question_set(question("Q1")))


def test_catalogue_file_format_must_be_known():
    data = {"format": 2, "areas": [], "question_sets": []}

    with pytest.raises(ValidationError):
        CatalogueFile.model_validate(data)
    assert CatalogueFile.model_validate({**data, "format": 1}).areas == ()


# Languages ---------------------------------------------------------------------------------


def test_localized_uses_the_readers_language():
    assert localized({"en": "Yes", "de": "Ja", "hu": "Igen"}, "hu") == "Igen"


def test_localized_falls_back_to_english():
    assert FALLBACK_LANGUAGE == "en"
    assert localized({"en": "Yes", "de": "Ja"}, "fr") == "Yes"
    assert localized({"en": "Yes", "fr": ""}, "fr") == "Yes"  # an empty translation is a gap


def test_localized_falls_back_to_any_text_there_is():
    assert localized({"de": "Ja"}, "fr") == "Ja"
    assert localized({"fr": "", "de": "Ja"}, "fr") == "Ja"
    assert localized({"hu": "", "en": "", "de": "Ja"}, "it") == "Ja"


def test_localized_of_nothing_is_empty():
    assert localized({}, "de") == ""
    assert localized({"de": ""}, "de") == ""


def test_babel_locales_format_like_the_member_state():
    assert babel_locale("en") == "en_IE"
    assert babel_locale("pt") == "pt_PT"
    assert babel_locale("no") == "nb_NO"
    assert babel_locale("hu") == "hu"
    assert len(LANGUAGES) == len(set(LANGUAGES)) == 26
