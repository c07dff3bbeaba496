"""The local replica: one SQLCipher database per profile, opened with the raw data key.

Storage only: tables, rows in and out. The rules for what a row becomes (optimistic steps,
rebasing on the server's state) are in ``desktop.models.cases``. Every method that writes runs
inside ``transaction()``; a pull page and its cursor, or a step and its outbox row, commit
together or not at all.
"""

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.messages import UserInfo

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    direction TEXT NOT NULL,          -- 'out': we asked, 'in': we are asked
    counterpart TEXT NOT NULL,        -- the other authority's id
    subject TEXT NOT NULL,            -- "FAMILY NAME, Given names", for lists and search
    answer_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL,               -- the case as shown: the server's plus pending steps
    confirmed TEXT                    -- the server's, when pending steps differ from it
);
CREATE INDEX ix_cases_folder ON cases (direction, state, updated_at);
CREATE TABLE outbox (
    mutation_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    case_id TEXT NOT NULL,
    args TEXT NOT NULL,
    base_version INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_outbox_case ON outbox (case_id);
CREATE TABLE attention (
    id INTEGER PRIMARY KEY,
    mutation_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    case_id TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    args TEXT NOT NULL,
    at TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE member_states (code TEXT PRIMARY KEY);
CREATE TABLE authorities (
    id TEXT PRIMARY KEY,
    member_state TEXT NOT NULL,
    official_name TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX ix_authorities_state ON authorities (member_state);
CREATE TABLE areas (code TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE question_sets (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, version INTEGER NOT NULL, area TEXT NOT NULL,
    data TEXT NOT NULL
);
"""
SCHEMA_VERSION = 1

CASE_COLUMNS = ("id", "version", "state", "direction", "counterpart", "subject", "answer_by",
                "updated_at", "data", "confirmed")

FOLDERS: dict[str, str] = {
    "inbox": "direction = 'in' AND state IN ('sent', 'accepted', 'answered')",
    "outbox": "direction = 'out' AND state IN ('sent', 'accepted', 'answered')",
    "drafts": "direction = 'out' AND state = 'draft'",
    "closed": "state IN ('closed', 'withdrawn')",
    "all": "1 = 1",
}


class ReplicaError(Exception):
    """The replica cannot be opened or is damaged; the message is for the user."""


class Replica:
    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._in_transaction = threading.local()

    @classmethod
    def open(cls, path: Path, key: bytes) -> "Replica":
        connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            connection.close()
            raise ReplicaError(
                "the local database cannot be decrypted with this profile's key") from None
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA busy_timeout = 10000")
        replica = cls(connection)
        replica._migrate()
        return replica

    def close(self) -> None:
        self._db.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            with self.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version > SCHEMA_VERSION:
            raise ReplicaError("the local database was written by a newer version of IMI")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested calls join the outer one."""
        if getattr(self._in_transaction, "active", False):
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction.active = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_transaction.active = False

    # -- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def save_meta(self, key: str, value: Any) -> None:
        """``set_meta`` as a write of its own (joins a surrounding transaction if any)."""
        with self.transaction():
            self.set_meta(key, value)

    def user(self) -> UserInfo | None:
        data = self.get_meta("user")
        return UserInfo.model_validate(data) if data else None

    def next_mutation_id(self) -> int:
        """The next id for this device, never reused (kept across a re-bootstrap)."""
        last = int(self.get_meta("last_mutation_id", 0))
        self.set_meta("last_mutation_id", last + 1)
        return last + 1

    # -- cases -----------------------------------------------------------------------------

    def case_row(self, case_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        return dict(zip(CASE_COLUMNS, row, strict=True)) if row else None

    def put_cases(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert or replace cases; each row holds ``CASE_COLUMNS`` in order."""
        placeholders = ", ".join("?" * len(CASE_COLUMNS))
        updates = ", ".join(f"{c} = excluded.{c}" for c in CASE_COLUMNS[1:])
        self._db.executemany(
            f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({placeholders}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            rows,
        )

    def delete_cases(self, case_ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM cases WHERE id = ?", [(i,) for i in case_ids])

    def list_cases(self, folder: str, *, offset: int, limit: int) -> list[tuple[Any, ...]]:
        where = FOLDERS[folder]
        return list(self._db.execute(
            "SELECT id, subject, counterpart, state, answer_by, updated_at, direction "
            f"FROM cases WHERE {where} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        ))

    def count_cases(self, folder: str) -> int:
        return int(self._db.execute(
            f"SELECT count(*) FROM cases WHERE {FOLDERS[folder]}"
        ).fetchone()[0])

    # -- outbox and attention --------------------------------------------------------------

    def add_outbox(self, *, mutation_id: int, name: str, case_id: str, args: dict[str, Any],
                   base_version: int | None, created_at: str) -> None:
        self._db.execute(
            "INSERT INTO outbox (mutation_id, name, case_id, args, base_version, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (mutation_id, name, case_id, json.dumps(args), base_version, created_at),
        )

    def outbox(self, *, case_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT mutation_id, name, case_id, args, base_version, created_at FROM outbox"
        params: tuple[Any, ...] = ()
        if case_id is not None:
            sql += " WHERE case_id = ?"
            params = (case_id,)
        rows = self._db.execute(sql + " ORDER BY mutation_id LIMIT ?", (*params, limit))
        keys = ("mutation_id", "name", "case_id", "args", "base_version", "created_at")
        return [dict(zip(keys, r, strict=True)) | {"args": json.loads(r[3])} for r in rows]

    def pending_case_ids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT DISTINCT case_id FROM outbox")}

    def remove_outbox(self, mutation_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE mutation_id = ?", (mutation_id,))

    def renumber_outbox(self, *, first: int) -> int:
        """Give the outbox ids ``first, first + 1, ...`` in their order; the next id follows.

        Returns how many steps the outbox holds.
        """
        with self.transaction():
            ids = [r[0] for r in self._db.execute(
                "SELECT mutation_id FROM outbox ORDER BY mutation_id")]
            # Via negative ids: the new range may overlap the old one.
            self._db.execute("UPDATE outbox SET mutation_id = -mutation_id")
            self._db.executemany("UPDATE outbox SET mutation_id = ? WHERE mutation_id = ?",
                                 [(first + n, -old) for n, old in enumerate(ids)])
            self.set_meta("last_mutation_id", first + len(ids) - 1)
        return len(ids)

    def pending_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def add_attention(self, *, mutation_id: int, name: str, case_id: str, code: str,
                      message: str, args: dict[str, Any], at: str) -> None:
        self._db.execute(
            "INSERT INTO attention (mutation_id, name, case_id, code, message, args, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (mutation_id, name, case_id, code, message, json.dumps(args), at),
        )

    def attention(self) -> list[dict[str, Any]]:
        keys = ("id", "mutation_id", "name", "case_id", "code", "message", "args", "at")
        rows = self._db.execute(
            f"SELECT {', '.join(keys)} FROM attention WHERE dismissed = 0 ORDER BY id DESC"
        )
        return [dict(zip(keys, r, strict=True)) | {"args": json.loads(r[6])} for r in rows]

    def attention_count(self) -> int:
        return int(self._db.execute(
            "SELECT count(*) FROM attention WHERE dismissed = 0").fetchone()[0])

    def dismiss_attention(self, item_id: int) -> None:
        with self.transaction():
            self._db.execute("UPDATE attention SET dismissed = 1 WHERE id = ?", (item_id,))

    # -- directory and catalogue -----------------------------------------------------------

    def put_directory(self, kind: str, entity_id: str, data: dict[str, Any] | None) -> None:
        if kind == "member_state":
            if data is None:
                self._db.execute("DELETE FROM member_states WHERE code = ?", (entity_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO member_states VALUES (?)", (entity_id,))
        elif kind == "authority":
            if data is None:
                self._db.execute("DELETE FROM authorities WHERE id = ?", (entity_id,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO authorities VALUES (?, ?, ?, ?)",
                    (entity_id, data["member_state"], data["official_name"], json.dumps(data)),
                )
        elif kind == "area":
            if data is None:
                self._db.execute("DELETE FROM areas WHERE code = ?", (entity_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO areas VALUES (?, ?)",
                                 (entity_id, json.dumps(data)))
        elif kind == "question_set":
            if data is None:
                self._db.execute("DELETE FROM question_sets WHERE id = ?", (entity_id,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO question_sets VALUES (?, ?, ?, ?, ?)",
                    (entity_id, data["code"], data["version"], data["area"], json.dumps(data)),
                )

    def authority(self, authority_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT data FROM authorities WHERE id = ?",
                               (authority_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def authority_name(self, authority_id: str) -> tuple[str, str] | None:
        """Official name and member state, from their columns (no JSON to parse)."""
        row = self._db.execute(
            "SELECT official_name, member_state FROM authorities WHERE id = ?", (authority_id,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def authorities(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT data FROM authorities ORDER BY member_state, official_name")
        return [json.loads(r[0]) for r in rows]

    def areas(self) -> list[LegislativeArea]:
        rows = self._db.execute("SELECT data FROM areas ORDER BY code")
        return [LegislativeArea.model_validate_json(r[0]) for r in rows]

    def question_set(self, code: str, version: int) -> QuestionSet | None:
        row = self._db.execute("SELECT data FROM question_sets WHERE id = ?",
                               (f"{code}@{version}",)).fetchone()
        return QuestionSet.model_validate_json(row[0]) if row else None

    def question_sets(self, area: str) -> list[QuestionSet]:
        rows = self._db.execute(
            "SELECT data FROM question_sets WHERE area = ? ORDER BY code, version", (area,)
        )
        latest: dict[str, QuestionSet] = {}
        for (data,) in rows:
            qs = QuestionSet.model_validate_json(data)
            latest[qs.code] = qs
        return list(latest.values())

    def reset_synced_data(self) -> None:
        """Forget everything pulled (the server asked for a re-bootstrap); keep the outbox."""
        with self.transaction():
            for table in ("cases", "member_states", "authorities", "areas", "question_sets"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("DELETE FROM meta WHERE key = 'cursor'")
