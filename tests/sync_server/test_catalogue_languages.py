"""The shipped catalogue is complete in every language: no text missing, none left in English,
the same placeholders, legal references and answer codes in every language."""

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol.languages import LANGUAGES
from sync_server.catalogue.models import LegislativeArea, QuestionSetRow
from sync_server.catalogue.shipped import (
    area_folders,
    language_texts,
    shipped_catalogue,
    text_keys,
)
from sync_server.seed import seed_base
from sync_server.sync.models import SyncRow

FOLDERS = {folder.name: folder for folder in area_folders()}

# Texts that are rightly the same as the English one: "No" is "No" in Spanish and Italian.
SAME_AS_ENGLISH = {("es", "no"), ("it", "no")}

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_NUMBER = re.compile(r"\d+")


def _structure(area):
    return json.loads((FOLDERS[area] / "structure.json").read_text(encoding="utf-8"))


def test_both_areas_are_shipped_with_enough_questions():
    catalogue = shipped_catalogue()
    latest = {qs.area: qs for qs in catalogue.question_sets if qs.sections}

    assert set(FOLDERS) == {"PQ", "SERV"}
    assert len(latest["PQ"].questions) >= 30
    assert len(latest["SERV"].questions) >= 20
    assert len(latest["PQ"].sections) == 8
    assert {q.answer_type for q in latest["PQ"].questions} == {
        "yes_no", "single_choice", "multiple_choice", "date", "number", "text", "document"}
    for qs in latest.values():
        for q in qs.questions:
            assert q.section and set(q.help) == set(q.texts) == set(LANGUAGES), q.code
            assert all(set(a.texts) == set(LANGUAGES) for a in q.answers), q.code


@pytest.mark.parametrize("area", sorted(FOLDERS))
def test_every_language_has_every_text_and_nothing_else(area):
    texts = language_texts(FOLDERS[area])
    wanted = text_keys(_structure(area))

    assert sorted(texts) == sorted(LANGUAGES)
    for lang, mapping in texts.items():
        missing = [key for key in wanted if not mapping.get(key, "").strip()]
        assert not missing, f"{area}/{lang}: missing {missing}"
        assert set(mapping) == set(wanted), f"{area}/{lang}: unknown {set(mapping) - set(wanted)}"


@pytest.mark.parametrize("area", sorted(FOLDERS))
def test_no_text_is_left_in_english(area):
    texts = language_texts(FOLDERS[area])
    english = texts["en"]

    copies = [(lang, key) for lang, mapping in texts.items() if lang != "en"
              for key, text in mapping.items()
              if text.strip().casefold() == english[key].strip().casefold()
              and (lang, key) not in SAME_AS_ENGLISH]
    assert not copies


@pytest.mark.parametrize("area", sorted(FOLDERS))
def test_placeholders_and_legal_references_are_the_same_in_every_language(area):
    texts = language_texts(FOLDERS[area])
    english = texts["en"]

    for lang, mapping in texts.items():
        for key, text in mapping.items():
            assert sorted(_PLACEHOLDER.findall(text)) == sorted(
                _PLACEHOLDER.findall(english[key])), (lang, key)
            assert sorted(_NUMBER.findall(text)) == sorted(_NUMBER.findall(english[key])), (
                f"{area}/{lang} {key}: {text!r} has other numbers than {english[key]!r}")


def test_an_upgrade_adds_the_new_languages_and_keeps_what_is_stored(db_engine):
    # As on a server of the first release: PQ named in two languages, one edited since.
    with Session(db_engine) as session, session.begin():
        session.get(LegislativeArea, "PQ").names = {"en": "Edited name", "de": "Alt"}
    with Session(db_engine) as session, session.begin():
        seed_base(session)
    with Session(db_engine) as session, session.begin():
        seed_base(session)  # again: nothing more
    with Session(db_engine) as session:
        names = session.get(LegislativeArea, "PQ").names
        versions = session.scalars(select(SyncRow.version).where(
            SyncRow.kind == "area", SyncRow.entity_id == "PQ")).all()
        stored = session.scalars(select(QuestionSetRow.version).where(
            QuestionSetRow.code == "PQ-GEN")).all()
    assert set(names) == set(LANGUAGES)
    assert (names["en"], names["de"]) == ("Edited name", "Alt")  # kept as stored
    assert names["hu"] == "Szakmai képesítések (2005/36/EK irányelv)"
    assert versions == [2]  # published once more, so replicas get the new names
    assert sorted(stored) == [1, 2]  # a stored version is kept; the new one is added
