"""Issue 5, item 6: the replica's schema migrates by a numbered ladder, from every version.

Each test starts from a real SQLCipher replica at an earlier version, with data in it: version
1 from the released schema kept beside this file, later versions by climbing the ladder that
far. Then the replica is opened as at unlock and must hold everything it held, in the new
shape.
"""

import json
import os
from pathlib import Path

import pytest
import sqlcipher3

from desktop.models import case_list, schema
from desktop.models.case_list import ListQuery
from desktop.models.directory import DirectoryIndex
from desktop.models.replica import Replica, ReplicaError

V1_SQL = (Path(__file__).parent / "replica_v1.sql").read_text(encoding="utf-8")
KEY = bytes(range(32))
IN_CASE, OUT_CASE, CLOSED_CASE = "a1" * 16, "b2" * 16, "c3" * 16


def raw(path: Path) -> "sqlcipher3.Connection":
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{KEY.hex()}'\"")
    schema.register_functions(connection)
    return connection


def case_values(case_id: str, *, state: str, direction: str, counterpart: str,
                subject: str) -> tuple[object, ...]:
    data = {"id": case_id, "state": state, "secret": subject}
    return (case_id, 3, state, direction, counterpart, subject, "2026-12-31",
            "2026-11-30T10:00:00+00:00", json.dumps(data), None)


def fill_v1(connection: "sqlcipher3.Connection") -> None:
    """What a version-1 replica in use holds: cases of each kind, an outbox, the directory."""
    connection.execute("INSERT INTO meta VALUES ('cursor', '\"c-1\"')")
    connection.execute("INSERT INTO meta VALUES ('last_mutation_id', '7')")
    for values in (
        case_values(IN_CASE, state="sent", direction="in", counterpart="HU-ENKK",
                    subject="NAGY, László"),
        case_values(OUT_CASE, state="answered", direction="out", counterpart="FR-ONCD",
                    subject="MARTIN, Claire"),
        case_values(CLOSED_CASE, state="closed", direction="out", counterpart="XX-GONE",
                    subject="KOVÁCS, Péter"),
    ):
        connection.execute(f"INSERT INTO cases VALUES ({', '.join('?' * 10)})", values)
    connection.execute("INSERT INTO outbox VALUES (7, 'case.accept', ?, '{}', 3, "
                       "'2026-11-30T10:00:00+00:00')", (IN_CASE,))
    for authority, state, name in (("HU-ENKK", "HU", "Egészségügyi Nyilvántartási"),
                                    ("FR-ONCD", "FR", "Ordre national des chirurgiens")):
        connection.execute("INSERT INTO authorities VALUES (?, ?, ?, ?)",
                           (authority, state, name, json.dumps({"id": authority})))


def at_version(path: Path, version: int) -> None:
    """A replica file at ``version`` holding ``fill_v1``'s data (and what later rungs add)."""
    connection = raw(path)
    for statement in schema._statements(V1_SQL):
        connection.execute(statement)
    connection.execute("PRAGMA user_version = 1")
    fill_v1(connection)
    if version > 1:
        assert schema.migrate(connection, rungs=schema.RUNGS[:version]) == (1, version)
    if version >= 2:
        connection.execute("INSERT INTO kept_changes VALUES ('alert', 'al-1', 2, '{\"x\": 1}')")
    connection.close()


@pytest.mark.parametrize("start", range(1, schema.SCHEMA_VERSION))
def test_every_earlier_version_migrates_at_unlock_with_its_data(tmp_path, start):
    path = tmp_path / "replica.db"
    at_version(path, start)
    replica = Replica.open(path, KEY)
    assert replica.read("PRAGMA user_version") == [(schema.SCHEMA_VERSION,)]
    # Nothing lost: cases, outbox, cursor, mutation ids, directory.
    assert replica.case_row(IN_CASE)["subject"] == "NAGY, László"
    assert json.loads(replica.case_row(OUT_CASE)["data"])["secret"] == "MARTIN, Claire"
    assert [r["mutation_id"] for r in replica.outbox()] == [7]
    assert replica.get_meta("cursor") == "c-1"
    with replica.transaction():
        assert replica.next_mutation_id() == 8
    # The list table is filled from the cases, in step with them.
    inbox = case_list.page(replica, ListQuery(folder="inbox"), after=None, limit=10)
    assert [(r[0], r[1], r[3], r[8]) for r in inbox] == [
        (IN_CASE, "NAGY, László", "Egészségügyi Nyilvántartási", 1)]  # a new request: unread
    outbox = case_list.page(replica, ListQuery(folder="outbox"), after=None, limit=10)
    assert [(r[0], r[3], r[8]) for r in outbox] == [(OUT_CASE, "Ordre national des chirurgiens",
                                                      0)]
    closed = case_list.page(replica, ListQuery(folder="closed"), after=None, limit=10)
    assert [(r[0], r[3]) for r in closed] == [(CLOSED_CASE, "XX-GONE")]  # unknown: its id
    if start >= 2:
        assert replica.kept_changes("alert") == [("al-1", 2, {"x": 1})]
    replica.close()


def test_a_new_replica_climbs_the_whole_ladder(tmp_path):
    replica = Replica.open(tmp_path / "new.db", KEY)
    assert replica.read("PRAGMA user_version") == [(schema.SCHEMA_VERSION,)]
    assert case_list.folder_counts(replica)["all"] == (0, 0)
    replica.close()


def test_the_released_first_rung_is_never_edited():
    """Rung 1 must build exactly the version-1 schema that replicas in the field have."""
    assert schema._statements(schema._V1) == schema._statements(
        V1_SQL.split("\n", 2)[2])


def test_a_failing_rung_leaves_the_replica_as_it_was(tmp_path):
    path = tmp_path / "replica.db"
    at_version(path, 1)
    before = raw(path).execute("SELECT * FROM cases ORDER BY id").fetchall()

    def broken(connection: object) -> None:
        raise RuntimeError("disk full half-way through a rung")

    connection = raw(path)
    with pytest.raises(RuntimeError):
        schema.migrate(connection, rungs=(*schema.RUNGS, broken))
    connection.close()
    check = raw(path)
    assert check.execute("PRAGMA user_version").fetchone() == (1,)
    assert check.execute("SELECT name FROM sqlite_master WHERE name = 'case_list'").fetchall() \
        == []  # rungs 2 and 3 ran in the same transaction and were rolled back with it
    assert check.execute("SELECT * FROM cases ORDER BY id").fetchall() == before
    check.close()
    replica = Replica.open(path, KEY)  # and the next unlock migrates normally
    assert replica.read("PRAGMA user_version") == [(schema.SCHEMA_VERSION,)]
    replica.close()


def test_a_replica_from_a_newer_client_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "replica.db"
    Replica.open(path, KEY).close()
    connection = raw(path)
    connection.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    connection.close()
    before = os.path.getsize(path)
    with pytest.raises(ReplicaError, match="newer version"):
        Replica.open(path, KEY)
    assert raw(path).execute("PRAGMA user_version").fetchone() == (schema.SCHEMA_VERSION + 1,)
    assert os.path.getsize(path) == before


def test_the_search_index_rung_indexes_the_authorities_already_there(tmp_path):
    path = tmp_path / "replica.db"
    at_version(path, 4)
    replica = Replica.open(path, KEY)
    try:
        found = DirectoryIndex(replica.connection).search("egeszsegugyi", language="de")
        assert [h.authority["id"] for h in found.hits] == ["HU-ENKK"]
    finally:
        replica.close()


def test_the_case_management_rung_lists_and_indexes_the_cases_already_there(tmp_path):
    path = tmp_path / "replica.db"
    at_version(path, 7)
    connection = raw(path)
    connection.execute("INSERT INTO meta VALUES ('user', ?)",
                       (json.dumps({"authority_id": "DE-LZK-BW"}),))
    connection.execute("UPDATE cases SET data = ? WHERE id = ?", (json.dumps({
        "id": IN_CASE, "area": "PQ",
        "subject": {"family_name": "Nagy", "given_names": "László",
                    "date_of_birth": "1975-04-30"},
        "request_text": {"text": "Működési nyilvántartás", "lang": "hu"},
        "assignments": [{"authority_id": "DE-LZK-BW", "user_id": "u-7",
                         "user_name": "Anna Weber"}]}), IN_CASE))
    # A colleague an older client kept as a change of a kind it did not know.
    connection.execute("INSERT INTO kept_changes VALUES ('colleague', 'u-7', 1, ?)",
                       (json.dumps({"id": "u-7", "display_name": "Anna Weber",
                                    "roles": ["request_handler"]}),))
    connection.close()
    replica = Replica.open(path, KEY)
    try:
        query = ListQuery(folder="all", text="mukodesi")
        assert [r[0] for r in case_list.page(replica, query, after=None, limit=10)] == [IN_CASE]
        query = ListQuery(folder="all", text="30.04.1975", assignee="u-7", area="PQ")
        rows = case_list.page(replica, query, after=None, limit=10)
        assert [(r[0], r[9], r[11]) for r in rows] == [(IN_CASE, "PQ", "Anna Weber")]
        assert replica.organisation_rows("colleague")[0]["display_name"] == "Anna Weber"
        assert replica.kept_changes("colleague") == []
    finally:
        replica.close()
