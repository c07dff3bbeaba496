"""The catalogue format, its unique-code rule, and looking texts up in the reader's language."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from sync_protocol.catalogue import CatalogueFile, QuestionSet
from sync_protocol.languages import (
    FALLBACK_LANGUAGE,
    LANGUAGES,
    STATE_LANGUAGES,
    authority_language,
    babel_locale,
    localized,
)

SEED = Path(__file__).parents[2] / "sync_server" / "seed" / "question_set_pq.json"


def question(code, *answer_codes):
    return {"code": code, "texts": {"en": f"text of {code}"},
            "answers": [{"code": a, "texts": {"en": f"text of {a}"}} for a in answer_codes]}


def question_set(*questions):
    return {"code": "QS", "area": "PQ", "version": 1, "names": {"en": "A set"},
            "questions": list(questions)}


def test_the_first_releases_question_set_still_reads_and_writes_as_it_did():
    data = json.loads(SEED.read_text(encoding="utf-8"))
    catalogue = CatalogueFile.model_validate(data)

    (qs,) = catalogue.question_sets
    assert (qs.code, qs.area, qs.version) == ("PQ-GEN", "PQ", 1)
    assert qs.model_dump(mode="json") == data["question_sets"][0]  # no new keys on the wire
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
    with pytest.raises(ValidationError, match="needs predefined answers"):
        QuestionSet.model_validate(question_set(question("Q1")))


@pytest.mark.parametrize("answer_type", ["date", "number", "text", "document"])
def test_questions_answered_with_a_value_need_no_options(answer_type):
    qs = QuestionSet.model_validate(question_set({**question("Q1"), "answer_type": answer_type}))

    assert qs.questions[0].answers == ()
    assert not qs.questions[0].is_choice


@pytest.mark.parametrize(("answer_type", "options"), [
    ("yes_no", ("Q1-A1",)), ("multiple_choice", ()), ("yes_no", ()), ("ranking", ("Q1-A1",)),
])
def test_choice_questions_need_their_options_and_types_are_known(answer_type, options):
    with pytest.raises(ValidationError):
        QuestionSet.model_validate(question_set({**question("Q1", *options),
                                                 "answer_type": answer_type}))


def test_sections_and_help_texts():
    data = {**question_set({**question("Q1", "Q1-A1", "Q1-A2"), "section": "S1",
                            "answer_type": "yes_no", "help": {"en": "Article 5"}}),
            "sections": [{"code": "S1", "texts": {"en": "Identity"}}]}
    qs = QuestionSet.model_validate(data)

    assert qs.section(qs.questions[0].section).texts == {"en": "Identity"}
    assert qs.questions[0].help == {"en": "Article 5"}
    assert QuestionSet.model_validate(qs.model_dump(mode="json")) == qs


@pytest.mark.parametrize("sections", [
    [{"code": "S2", "texts": {"en": "Other"}}],
    [{"code": "S1", "texts": {"en": "A"}}, {"code": "S1", "texts": {"en": "B"}}],
], ids=["unknown-section", "section-twice"])
def test_sections_must_be_known_and_unique(sections):
    data = {**question_set({**question("Q1", "Q1-A1"), "section": "S1"}), "sections": sections}

    with pytest.raises(ValidationError, match="section"):
        QuestionSet.model_validate(data)


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


def test_an_authority_reads_in_its_directory_language_else_its_states():
    assert authority_language({"member_state": "HU"}) == "hu"
    assert authority_language({"member_state": "BE", "languages": ["fr"]}) == "fr"
    assert authority_language({"member_state": "GR"}) == "el"
    assert authority_language({"member_state": "XX"}) == FALLBACK_LANGUAGE
    assert set(STATE_LANGUAGES) >= {"DE", "HU", "FR", "IS", "NO", "LI"}
    assert all(lang in LANGUAGES for langs in STATE_LANGUAGES.values() for lang in langs)
