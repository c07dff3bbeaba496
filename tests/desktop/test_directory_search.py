"""Offline directory search, on a real encrypted replica holding the shipped demo directory.

The directory arrives as the sync would store it (``put_directory``): the controlled lists,
the coordinators every server starts with and the demo authorities.
"""

import json
import os
from pathlib import Path

import pytest

from desktop.models.directory import DirectoryIndex, Filters
from desktop.models.replica import Replica
from sync_server.seed import COMPETENCES_FILE, COORDINATORS_FILE, DIRECTORY_FILE

KEY = os.urandom(32)


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory):
    replica = Replica.open(tmp_path_factory.mktemp("directory") / "replica.db", KEY)
    with replica.transaction():
        for entry in json.loads(COMPETENCES_FILE.read_text(encoding="utf-8"))["competences"]:
            replica.put_directory("competence", entry["code"], entry)
        for path in (COORDINATORS_FILE, DIRECTORY_FILE):
            for authority in json.loads(path.read_text(encoding="utf-8"))["authorities"]:
                replica.put_directory("authority", authority["id"], authority)
    yield replica
    replica.close()


@pytest.fixture(scope="module")
def index(replica: Replica) -> DirectoryIndex:
    return DirectoryIndex(replica.connection)


def ids(index: DirectoryIndex, query: str, language: str, **filters: str) -> list[str]:
    return [h.authority["id"] for h in
            index.search(query, language=language, filters=Filters(**filters)).hits]


# (language, as typed, authorities that must be found, member state and competence of every
# authority found first)
CASES = [
    ("de", "Zahnärzte Ungarn", {"HU-ENKK", "HU-FOGORVOS"}, ("HU", "dentist")),
    ("de", "ungarische Zahnärzte", {"HU-ENKK", "HU-FOGORVOS"}, ("HU", "dentist")),
    ("de", "ZAHNARZTE UNGARN", {"HU-ENKK", "HU-FOGORVOS"}, ("HU", "dentist")),
    ("hu", "fogorvos Németország", {"DE-LZK-BW", "DE-BLZK", "DE-BZAEK"}, ("DE", "dentist")),
    ("hu", "németországi fogorvosok", {"DE-LZK-BW", "DE-BZAEK"}, ("DE", "dentist")),
    ("fr", "médecins Autriche", {"AT-OEAK"}, ("AT", "doctor")),
    ("pl", "lekarze Niemcy", {"DE-AEK-BLN", "DE-BAEK"}, ("DE", "doctor")),
    ("es", "farmacéuticos Portugal", {"PT-OF"}, ("PT", "pharmacist")),
    ("en", "dentists France", {"FR-ONCD"}, ("FR", "dentist")),
    ("it", "architetti Ungheria", {"HU-MEK"}, ("HU", "architect")),
    ("sv", "tandläkare Tyskland", {"DE-LZK-BW", "DE-BZAEK"}, ("DE", "dentist")),
    ("el", "οδοντίατρος Κύπρος", {"CY-OSK"}, ("CY", "dentist")),
]


@pytest.mark.parametrize(("language", "query", "expected", "first"), CASES,
                         ids=[c[1] for c in CASES])
def test_word_forms_countries_and_professions_in_any_language(index, language, query,
                                                              expected, first):
    results = index.search(query, language=language)
    found = {h.authority["id"] for h in results.hits}
    assert expected <= found
    state, competence = first
    # Competent authorities of that state come first, and say what they are competent for.
    top = results.hits[0]
    assert top.authority["member_state"] == state
    assert competence in top.authority["competences"]
    assert competence in top.matched_competences
    assert all(h.by_competence and h.by_country
               for h in results.hits if h.authority["id"] in expected)


def test_a_compound_names_the_profession_inside_it(index):
    found = index.search("Zahnärztekammer", language="de").hits
    assert {"DE-LZK-BW", "DE-BLZK", "DE-BZAEK", "AT-OEZK"} <= {h.authority["id"] for h in found}
    # "Zahnärztekammer" holds "Arzt" too; the longer label (dentist) is what it names.
    assert all("dentist" in h.authority["competences"] for h in found[:10])


def test_a_profession_finds_authorities_whatever_language_their_texts_are_in(index):
    # Nothing in the Spanish dental council's texts is Hungarian; its competence is.
    assert "ES-CGD" in ids(index, "fogorvos", "hu")
    assert "ES-CGD" in ids(index, "Zahnarzt", "de")


def test_one_typo_is_forgiven_and_said(index):
    results = index.search("Zahnärtze Ungarn", language="de")
    assert "HU-ENKK" in {h.authority["id"] for h in results.hits}
    assert results.corrected == (("zahnartze", "zahnarzte"),)


def test_as_one_types_a_country_is_found_from_its_first_letters(index):
    found = index.search("unga", language="de").hits
    assert found and all(h.authority["member_state"] == "HU" for h in found[:5])


def test_nothing_found_is_an_empty_result(index):
    results = index.search("qqqxxyyzz", language="de")
    assert results.hits == () and results.total == 0


def test_filters_narrow_the_results(index):
    local_hu = ids(index, "", "hu", member_state="HU", level="local")
    assert set(local_hu) == {"HU-BP", "HU-DEBRECEN"}
    assert ids(index, "Budapest", "hu", member_state="HU", region="Hajdú-Bihar") == []
    services = index.search("", language="de", filters=Filters(area="SERV")).hits
    assert services and all("SERV" in h.authority["areas"] for h in services)
    assert set(ids(index, "", "de", member_state="FR", competence="dentist")) == {
        "FR-ONCD", "FR-CROCD-ARA"}
    assert "DE-LZK-BW" not in ids(index, "Zahnärzte Baden", "de", exclude="DE-LZK-BW")


def test_the_index_follows_changes_of_the_replica(replica):
    index = DirectoryIndex(replica.connection)
    assert ids(index, "Zahnärztekammer Saarland", "de") == []
    entry = {"id": "DE-AEKS", "member_state": "DE", "official_name": "Ärztekammer des Saarlandes",
             "designation": {"de": "Zahnärztekammer Saarland"}, "region": "Saarland",
             "level": "regional", "areas": ["PQ"], "competences": ["dentist"]}
    with replica.transaction():
        replica.put_directory("authority", "DE-AEKS", entry)
    assert ids(index, "Zahnärztekammer Saarland", "de") == ["DE-AEKS"]
    with replica.transaction():  # renamed: the old designation no longer finds it
        replica.put_directory("authority", "DE-AEKS", entry | {"designation": {}})
    assert ids(index, "Saarland Zahnärztekammer", "de") == ["DE-AEKS"]  # by competence
    assert ids(index, "Zahnärztekammer Saarland", "en") == ["DE-AEKS"]
    assert ids(index, "Saarland Kammer", "de") == ["DE-AEKS"]  # in its official name
    with replica.transaction():
        replica.put_directory("authority", "DE-AEKS", None)
    assert ids(index, "Saarland Zahnärztekammer", "de") == []


def test_a_replica_with_no_directory_yet_finds_nothing(tmp_path: Path):
    empty = Replica.open(tmp_path / "empty.db", KEY)
    try:
        assert DirectoryIndex(empty.connection).search("Zahnärzte", language="de").total == 0
    finally:
        empty.close()


def test_a_word_of_the_official_name_ranks_above_the_same_word_in_a_designation(index):
    # Every health authority's Hungarian designation says "Egészségügyi"; only one is named so.
    assert ids(index, "Egészségügyi", "de")[0] == "HU-ENKK"


def test_a_label_of_several_words_with_a_short_one_finds_its_competence(index):
    # "cu" names nothing; "comerț" and "amănuntul" name retail (Romanian).
    found = index.search("comerț cu amănuntul", language="ro").hits
    assert found and all("retail" in h.matched_competences for h in found)
