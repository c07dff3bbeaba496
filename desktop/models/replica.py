"""The local replica: one SQLCipher database per profile, opened with the raw data key.

Storage only: tables, rows in and out. The rules for what a row becomes (optimistic steps,
rebasing on the server's state) are in ``desktop.models.cases``. Every method that writes runs
inside ``transaction()``; a pull page and its cursor, or a step and its outbox row, commit
together or not at all.
"""

import contextlib
import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from desktop.models import schema
from desktop.models.attachment_store import FOLDER, AttachmentStore
from sync_protocol.attachments import refs_in
from sync_protocol.cases import CaseRecord
from sync_protocol.catalogue import LegislativeArea, QuestionSet
from sync_protocol.directory import Competence
from sync_protocol.messages import UserInfo
from sync_protocol.translation import MachineTranslation

CASE_COLUMNS = ("id", "version", "state", "direction", "counterpart", "subject", "answer_by",
                "updated_at", "data", "confirmed")

# The owner marks (``Replica.deferring_lists``) of the open replicas of this process whose
# bootstrap is under way: another replica opened meanwhile leaves its lists to it.
_DEFERRING: set[str] = set()
# ``finish_deferred`` drops and rebuilds the list's indexes above this many unlisted cases
# (and above as many as are listed): below it, the inserts into the indexes cost less.
INDEXES_REBUILT_OVER = 1000
# ... and builds the missing rows this many rowids at a time (memory: see ``schema._V12``).
DEFERRED_CHUNK = 5000


class ReplicaError(Exception):
    """The replica cannot be opened or is damaged; ``code`` is rendered for the user by
    ``desktop.refusals``, the message is English, for logs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, str | int] = {}


class Replica:
    def __init__(self, connection: Any, attachments: AttachmentStore | None = None) -> None:
        self._db = connection
        self._in_transaction = threading.local()
        # While true, inserted cases get no list or full-text row (``deferring_lists``).
        self._deferring = False
        # This replica's mark on the lists its bootstrap defers (``_DEFERRING``).
        self._owner = secrets.token_hex(8)
        # The profile's encrypted attachment folder, next to the replica (same key material).
        self.attachments = attachments

    @classmethod
    def open(cls, path: Path, key: bytes) -> "Replica":
        connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            connection.close()
            raise ReplicaError("replica_undecryptable",
                               "the local database cannot be decrypted with this profile's key"
                               ) from None
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA busy_timeout = 10000")
        replica = cls(connection, AttachmentStore(path.parent / FOLDER, key))
        schema.register_functions(connection, lambda: replica._deferring)
        replica._migrate()
        replica._finish_crashed_bootstrap()
        return replica

    def close(self) -> None:
        # A bootstrap cut off (offline) is finished by the next open, in this process too.
        _DEFERRING.discard(self._owner)
        self._db.close()

    def _migrate(self) -> None:
        try:
            schema.migrate(self._db)
        except schema.NewerSchema:
            raise ReplicaError("replica_newer",
                               "the local database was written by a newer version of IMI; "
                               "install the update to open it") from None

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

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see one state of the database (one read transaction)."""
        if getattr(self._in_transaction, "active", False):
            yield
            return
        self._db.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

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

    @contextlib.contextmanager
    def deferring_lists(self) -> Iterator[None]:
        """Cases inserted inside (one transaction) get their list and full-text rows later,
        in bulk, from ``finish_deferred`` (``schema._V12``). The meta row commits with them, so
        a crash leaves a replica that says what it still owes."""
        with self.transaction():
            self.set_meta(schema.DEFERRED, self._owner)
            _DEFERRING.add(self._owner)
            self._deferring = True
            try:
                yield
            finally:
                self._deferring = False

    def lists_deferred(self) -> bool:
        return self.get_meta(schema.DEFERRED) is not None

    def finish_deferred(self) -> int:
        """Give every case without a list or full-text row its row, in one transaction;
        return how many cases were listed. Above as many unlisted cases as listed ones, the
        list's indexes are dropped and built again once: a sort per index instead of a B-tree
        insert per row and index."""
        with self.transaction():
            owner = self.get_meta(schema.DEFERRED)
            if owner is None:
                return 0
            listed = int(self._db.execute("SELECT count(*) FROM case_list").fetchone()[0])
            unlisted = int(self._db.execute("SELECT count(*) FROM cases").fetchone()[0]) - listed
            indexes = []
            if unlisted > max(listed, INDEXES_REBUILT_OVER):
                indexes = list(self._db.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'case_list' AND sql IS NOT NULL"))
                for name, _sql in indexes:
                    self._db.execute(f"DROP INDEX {name}")
            end = int(self._db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM cases"
                                       ).fetchone()[0])
            ranges = [(start, start + DEFERRED_CHUNK) for start in range(0, end, DEFERRED_CHUNK)]
            self._db.executemany(schema.LIST_DEFERRED, ranges)
            for _name, sql in indexes:
                self._db.execute(sql)
            self._db.executemany(schema.INDEX_DEFERRED, ranges)
            self._db.execute("DELETE FROM unread_deferred")
            self._db.execute("DELETE FROM meta WHERE key = ?", (schema.DEFERRED,))
        _DEFERRING.discard(owner)
        return unlisted

    def _finish_crashed_bootstrap(self) -> None:
        """At open: a bootstrap that deferred its lists and is not under way any more (its
        process killed mid-way, or its replica closed before the last page: offline) is
        finished now, so the replica is whole before anything reads it. One under way on a
        replica still open in this process (another connection opened meanwhile) is left to
        finish itself."""
        owner = self.get_meta(schema.DEFERRED)
        if owner is not None and owner not in _DEFERRING:
            self.finish_deferred()

    def delete_cases(self, case_ids: Iterable[str]) -> None:
        ids = [(i,) for i in case_ids]
        documents = self._documents_of([i for (i,) in ids])
        self._db.executemany("DELETE FROM cases WHERE id = ?", ids)
        # Data protection reaches the translations of a case that is gone from this replica.
        self._db.executemany("DELETE FROM translations WHERE case_id = ?", ids)
        # ... and its documents, unless another case kept here, or a step waiting to be sent,
        # still refers to them.
        for sha256 in documents:
            still = self._db.execute(
                "SELECT 1 FROM cases WHERE instr(data, ?) OR instr(confirmed, ?) "
                "UNION ALL SELECT 1 FROM outbox WHERE instr(args, ?) LIMIT 1",
                (sha256, sha256, sha256)).fetchone()
            if still is None:
                self.forget_document(sha256)

    def _documents_of(self, case_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for case_id in case_ids:
            row = self._db.execute("SELECT data, confirmed FROM cases WHERE id = ?",
                                   (case_id,)).fetchone()
            for text in row or ():
                if text and '"sha256"' in text:
                    try:
                        found |= refs_in(CaseRecord.model_validate_json(text))
                    except ValueError:
                        continue
        return found

    def forget_document(self, sha256: str) -> None:
        """Remove a document's row and its encrypted copy."""
        self._db.execute("DELETE FROM attachments WHERE sha256 = ?", (sha256,))
        if self.attachments is not None:
            self.attachments.delete(sha256)

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One write statement of a model module (``desktop.models.attachments``), inside
        ``transaction()``."""
        self._db.execute(sql, params)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read-only query (the list queries of ``desktop.models.case_list``)."""
        return list(self._db.execute(sql, params))

    def count_cases(self, folder: str = "all") -> int:
        """Cases in one folder of the lists ("all": every case), from the list table."""
        if folder == "all":
            return int(self._db.execute("SELECT count(*) FROM case_list").fetchone()[0])
        return int(self._db.execute("SELECT count(*) FROM case_list WHERE folder = ?",
                                    (folder,)).fetchone()[0])

    def case_version(self, case_ids: Sequence[str]) -> dict[str, int]:
        """The stored version of each case in ``case_ids`` that the replica holds."""
        marks = ", ".join("?" * len(case_ids))
        return {str(i): int(v) for i, v in self._db.execute(
            f"SELECT id, version FROM cases WHERE id IN ({marks})", tuple(case_ids))}

    def mark_unread(self, case_ids: Iterable[str]) -> None:
        ids = [(i,) for i in case_ids]
        self._db.executemany("UPDATE case_list SET unread = 1 WHERE id = ? AND unread = 0", ids)
        if self._deferring:  # marks of cases listed later
            self._db.executemany("INSERT OR IGNORE INTO unread_deferred VALUES (?)", ids)

    def mark_read(self, case_id: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE case_list SET unread = 0 WHERE id = ? AND unread = 1",
                             (case_id,))

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
                      params: dict[str, Any], message: str, args: dict[str, Any], at: str,
                      acted_at: str, person: str | None = None) -> None:
        """A refused step: its code and parameters, what the officer entered (in full), when
        they took the step (``acted_at``) and when the refusal arrived (``at``). ``person``:
        who the case is about, kept for a case this replica is about to lose sight of (a
        coordinator's decision on a withdrawn request)."""
        self._db.execute(
            "INSERT INTO attention (mutation_id, name, case_id, code, params, message, args, at, "
            "acted_at, person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (mutation_id, name, case_id, code, json.dumps(params), message, json.dumps(args),
             at, acted_at, person),
        )

    def attention(self) -> list[dict[str, Any]]:
        keys = ("id", "mutation_id", "name", "case_id", "code", "params", "message", "args",
                "at", "acted_at", "person")
        rows = self._db.execute(
            f"SELECT {', '.join(keys)} FROM attention WHERE dismissed = 0 ORDER BY id"
        )
        return [dict(zip(keys, r, strict=True))
                | {"params": json.loads(r[5]), "args": json.loads(r[7])} for r in rows]

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
        elif kind == "competence":
            if data is None:
                self._db.execute("DELETE FROM competences WHERE code = ?", (entity_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO competences VALUES (?, ?, ?)",
                                 (entity_id, data["area"], json.dumps(data)))
        elif kind == "area":
            if data is None:
                self._db.execute("DELETE FROM areas WHERE code = ?", (entity_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO areas VALUES (?, ?)",
                                 (entity_id, json.dumps(data)))
        elif kind == "translation":
            if data is None:
                self._db.execute("DELETE FROM translations WHERE id = ?", (entity_id,))
            else:
                self.put_translation(MachineTranslation.model_validate(data))
        elif kind == "question_set":
            if data is None:
                self._db.execute("DELETE FROM question_sets WHERE id = ?", (entity_id,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO question_sets VALUES (?, ?, ?, ?, ?)",
                    (entity_id, data["code"], data["version"], data["area"], json.dumps(data)),
                )

    def put_organisation(self, kind: str, entity_id: str, data: dict[str, Any] | None) -> None:
        """A coordinator, approval rule or authority mode (``sync_protocol.organisation``)."""
        if data is None:
            self._db.execute("DELETE FROM organisation WHERE kind = ? AND id = ?",
                             (kind, entity_id))
        else:
            self._db.execute("INSERT OR REPLACE INTO organisation VALUES (?, ?, ?)",
                             (kind, entity_id, json.dumps(data)))

    def organisation_rows(self, kind: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT data FROM organisation WHERE kind = ? ORDER BY id",
                                (kind,))
        return [json.loads(r[0]) for r in rows]

    def translations(self, case_id: str) -> list[MachineTranslation]:
        rows = self._db.execute("SELECT data FROM translations WHERE case_id = ? ORDER BY id",
                                (case_id,))
        return [MachineTranslation.model_validate_json(r[0]) for r in rows]

    def put_translation(self, translation: MachineTranslation) -> None:
        self._db.execute("INSERT OR REPLACE INTO translations VALUES (?, ?, ?)",
                         (translation.entity_id, translation.case_id,
                          translation.model_dump_json()))

    def keep_change(self, kind: str, entity_id: str, version: int,
                    data: dict[str, Any] | None) -> None:
        """Keep (or, for a tombstone, drop) an entity of a kind this client does not know."""
        if data is None:
            self._db.execute("DELETE FROM kept_changes WHERE kind = ? AND id = ?",
                             (kind, entity_id))
        else:
            self._db.execute("INSERT OR REPLACE INTO kept_changes VALUES (?, ?, ?, ?)",
                             (kind, entity_id, version, json.dumps(data)))

    def kept_changes(self, kind: str) -> list[tuple[str, int, dict[str, Any]]]:
        rows = self._db.execute(
            "SELECT id, version, data FROM kept_changes WHERE kind = ? ORDER BY id", (kind,))
        return [(str(i), int(v), json.loads(d)) for i, v, d in rows]

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

    def competences(self) -> list[Competence]:
        """The controlled lists (professions, service activities), in their shipped order."""
        rows = self._db.execute("SELECT data FROM competences ORDER BY area, rowid")
        return [Competence.model_validate_json(r[0]) for r in rows]

    @property
    def connection(self) -> Any:
        """The replica's connection, for read-only queries of the database lane's models
        (the directory search); writes go through this class."""
        return self._db

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
            for table in ("cases", "member_states", "authorities", "areas", "question_sets",
                          "competences", "kept_changes", "translations", "organisation"):
                self._db.execute(f"DELETE FROM {table}")
            # Every case left is listed (the deletes took the unlisted ones with them).
            self._db.execute("DELETE FROM unread_deferred")
            self._db.execute("DELETE FROM meta WHERE key IN ('cursor', 'caught_up', ?)",
                             (schema.DEFERRED,))
