"""The replica's schema, as a numbered ladder of rungs (``PRAGMA user_version``).

Rules this module owns:

- A replica at version N is brought to ``SCHEMA_VERSION`` when it is opened (at unlock) by
  running rungs N+1 .. ``SCHEMA_VERSION`` in order, **all in one transaction together with the
  new ``user_version``**: a rung that fails leaves the replica exactly as it was, at N.
- A released rung is never edited; a change to the schema is a new rung at the end. Each rung
  is tested from a replica at the version before it, with data in it (``tests/desktop/
  test_replica_migrations.py`` keeps a copy of version 1 as the ladder's first foothold).
- A replica written by a newer client (version above ``SCHEMA_VERSION``) is refused, never
  downgraded: the user is told to update.
- Derived tables (``case_list``) are kept in step with the rows they derive from by triggers,
  so every writer, in every transaction, updates both or neither. One exception, recorded in
  the same transaction: a bootstrap's pages may leave new cases unlisted under the meta row
  ``DEFERRED`` until one bulk build lists them (``_V12``).
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlcipher3

from desktop.models.folding import fold

Rung = Callable[[Any], None]

# Version 1: the first released schema. Kept verbatim; later changes are rungs below.
_V1 = """
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

# Version 2: changes of an entity kind this client does not know (a newer server's) are kept,
# so a later client that knows the kind can use them without a new bootstrap.
_V2 = """
CREATE TABLE kept_changes (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
"""

# Version 3: the narrow list table the case lists read (only what a list shows, sortable by
# index per folder), the unread mark, and a log of which list rows changed, so a sync
# refreshes only those rows.
_FOLDER = """CASE
    WHEN {r}.state IN ('closed', 'withdrawn') THEN 'closed'
    WHEN {r}.state = 'draft' THEN CASE {r}.direction WHEN 'out' THEN 'drafts' ELSE 'other' END
    WHEN {r}.state IN ('sent', 'accepted', 'answered')
        THEN CASE {r}.direction WHEN 'in' THEN 'inbox' ELSE 'outbox' END
    ELSE 'other' END"""
_STATE_RANK = """CASE {r}.state WHEN 'draft' THEN 0 WHEN 'sent' THEN 1 WHEN 'accepted' THEN 2
    WHEN 'answered' THEN 3 WHEN 'closed' THEN 4 WHEN 'withdrawn' THEN 5 ELSE 9 END"""
_NAME = "coalesce((SELECT official_name FROM authorities WHERE id = {r}.counterpart), " \
        "{r}.counterpart)"
# The list columns: name -> expression over a ``cases`` row called {r}.
_LISTED = {
    "folder": _FOLDER,
    "version": "{r}.version",
    "subject": "{r}.subject",
    "counterpart": "{r}.counterpart",
    "counterpart_name": _NAME,
    "counterpart_country": "coalesce((SELECT member_state FROM authorities "
                           "WHERE id = {r}.counterpart), '')",
    "state": "{r}.state",
    "state_rank": _STATE_RANK,
    "answer_by": "{r}.answer_by",
    "updated_at": "{r}.updated_at",
    # What the list filter searches: reference, person, other authority; case and accents
    # folded once here (``imi_fold``, registered on every connection), not per row per query.
    "search": "imi_fold({r}.id || ' ' || {r}.subject || ' ' || " + _NAME + ")",
}
# The sort orders of version 3, each with its index (the list of a released rung, kept).
_SORT_COLUMNS_V3 = ("id", "subject", "counterpart_name", "state_rank", "answer_by",
                    "updated_at")


def _listed(row: str) -> str:
    return ", ".join(expr.format(r=row) for expr in _LISTED.values())


_LIST_NAMES = ", ".join(_LISTED)
_RELIST = ", ".join(f"{column} = {expr.format(r='new')}" for column, expr in _LISTED.items())
# One index per sort order, serving every folder: a page walks it in order and keeps the rows
# of its folder (read from the index itself), so "all cases" needs no sort either.
_INDEXES = "".join(
    f"CREATE INDEX ix_case_list_{c} ON case_list ({'id' if c == 'id' else f'{c}, id'}, folder);\n"
    for c in _SORT_COLUMNS_V3)
_INDEXES += "CREATE INDEX ix_case_list_folder ON case_list (folder);\n"
_LOGGED = "".join(f"""
CREATE TRIGGER case_list_{event.lower()}_logged AFTER {event} ON case_list BEGIN
    INSERT INTO case_list_log (id, seq)
    VALUES ({row}.id, (SELECT coalesce(max(seq), 0) + 1 FROM case_list_log))
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq;
END;""" for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")))


_V3 = f"""
CREATE TABLE case_list (
    id TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    version INTEGER NOT NULL,
    subject TEXT NOT NULL,
    counterpart TEXT NOT NULL,
    counterpart_name TEXT NOT NULL,
    counterpart_country TEXT NOT NULL,
    state TEXT NOT NULL,
    state_rank INTEGER NOT NULL,
    answer_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search TEXT NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0
);
{_INDEXES}
CREATE INDEX ix_case_list_counterpart ON case_list (counterpart);
INSERT INTO case_list (id, {_LIST_NAMES}, unread)
    SELECT c.id, {_listed("c")},
           c.direction = 'in' AND c.state = 'sent' FROM cases c;
CREATE TRIGGER cases_listed AFTER INSERT ON cases BEGIN
    INSERT INTO case_list (id, {_LIST_NAMES}) VALUES (new.id, {_listed("new")});
END;
CREATE TRIGGER cases_relisted AFTER UPDATE ON cases BEGIN
    UPDATE case_list SET {_RELIST}
    WHERE id = new.id;
END;
CREATE TRIGGER cases_unlisted AFTER DELETE ON cases BEGIN
    DELETE FROM case_list WHERE id = old.id;
END;
CREATE TRIGGER authority_named AFTER INSERT ON authorities BEGIN
    UPDATE case_list SET counterpart_name = new.official_name,
                         counterpart_country = new.member_state,
                         search = imi_fold(id || ' ' || subject || ' ' || new.official_name)
    WHERE counterpart = new.id;
END;
CREATE TRIGGER authority_unnamed AFTER DELETE ON authorities BEGIN
    UPDATE case_list SET counterpart_name = old.id, counterpart_country = '',
                         search = imi_fold(id || ' ' || subject || ' ' || old.id)
    WHERE counterpart = old.id;
END;
CREATE TABLE case_list_log (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX ix_case_list_log_seq ON case_list_log (seq);
{_LOGGED}
"""


def _script(sql: str) -> Rung:
    def run(connection: Any) -> None:
        for statement in _statements(sql):
            connection.execute(statement)

    return run


def _statements(sql: str) -> list[str]:
    """Whole statements (trigger bodies included), as SQLite itself splits them."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlcipher3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete statement in a rung: {current.strip()[:60]}")
    return statements


# Version 4: refusals keep their parameters (rendered in the reader's language) and when the
# officer took the refused step.
_V4 = """
ALTER TABLE attention ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE attention ADD COLUMN acted_at TEXT;
"""


# Version 5: machine translations of the cases' free texts, as the server synced them.
_V5 = """
CREATE TABLE translations (
    id TEXT PRIMARY KEY,              -- case id : field : target language
    case_id TEXT NOT NULL,
    data TEXT NOT NULL                -- sync_protocol.translation.MachineTranslation
);
CREATE INDEX ix_translations_case ON translations (case_id);
"""


# Version 6: the directory's controlled lists (professions, service activities; labelled in
# every language) and the offline search index over authorities: a trigram full-text table of
# their names, designations, descriptions and places, folded (case and accents) once here, kept
# in step with ``authorities`` by triggers; ``directory_generation`` counts directory changes,
# so an in-memory search cache knows when to reload. ``INSERT OR REPLACE`` into authorities
# deletes the old row without its delete triggers, hence the clean-up before the insert.
_AUTHORITY_TEXT = """{r}.rowid, imi_fold({r}.official_name),
    imi_fold(coalesce(
        (SELECT group_concat(value, ' ') FROM json_each({r}.data, '$.designation')), '')),
    imi_fold(coalesce(
        (SELECT group_concat(value, ' ') FROM json_each({r}.data, '$.description')), '')),
    imi_fold(coalesce(json_extract({r}.data, '$.region'), '') || ' ' ||
             coalesce(json_extract({r}.data, '$.city'), ''))"""
_V6 = f"""
CREATE TABLE competences (code TEXT PRIMARY KEY, area TEXT NOT NULL, data TEXT NOT NULL);
CREATE VIRTUAL TABLE authority_text USING fts5(
    official_name, designation, description, places, tokenize = 'trigram'
);
INSERT INTO authority_text (rowid, official_name, designation, description, places)
    SELECT {_AUTHORITY_TEXT.format(r="a")} FROM authorities a;
INSERT OR REPLACE INTO meta (key, value) VALUES ('directory_generation', '1');
CREATE TRIGGER authority_reindexed BEFORE INSERT ON authorities BEGIN
    DELETE FROM authority_text
    WHERE rowid = (SELECT rowid FROM authorities WHERE id = new.id);
END;
CREATE TRIGGER authority_indexed AFTER INSERT ON authorities BEGIN
    INSERT INTO authority_text (rowid, official_name, designation, description, places)
    VALUES ({_AUTHORITY_TEXT.format(r="new")});
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_generation';
END;
CREATE TRIGGER authority_unindexed AFTER DELETE ON authorities BEGIN
    DELETE FROM authority_text WHERE rowid = old.rowid;
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_generation';
END;
CREATE TRIGGER competence_listed AFTER INSERT ON competences BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_generation';
END;
"""


# Version 7: cases waiting for a coordinator's approval. A coordinator's cases (direction
# 'approval') list in the folder 'approvals'; a request or reply waiting for approval stays in
# its author's outbox or inbox. The organisation's synced configuration (coordinators,
# approval rules, authority modes) gets a table, one JSON row per entity. A refusal keeps
# the person its case is about (the case may leave the replica with the refusal).
_FOLDER_V7 = """CASE
    WHEN {r}.direction = 'approval' THEN 'approvals'
    WHEN {r}.state IN ('closed', 'withdrawn') THEN 'closed'
    WHEN {r}.state = 'draft' THEN CASE {r}.direction WHEN 'out' THEN 'drafts' ELSE 'other' END
    WHEN {r}.state IN ('sent', 'accepted', 'answered', 'awaiting_approval',
                       'reply_awaiting_approval')
        THEN CASE {r}.direction WHEN 'in' THEN 'inbox' ELSE 'outbox' END
    ELSE 'other' END"""
_STATE_RANK_V7 = """CASE {r}.state WHEN 'draft' THEN 0 WHEN 'awaiting_approval' THEN 1
    WHEN 'sent' THEN 2 WHEN 'accepted' THEN 3 WHEN 'reply_awaiting_approval' THEN 4
    WHEN 'answered' THEN 5 WHEN 'closed' THEN 6 WHEN 'withdrawn' THEN 7 ELSE 9 END"""
_LISTED_V7 = {**_LISTED, "folder": _FOLDER_V7, "state_rank": _STATE_RANK_V7}
_LISTED_V7_NEW = ", ".join(expr.format(r="new") for expr in _LISTED_V7.values())
_RELIST_V7 = ", ".join(f"{column} = {expr.format(r='new')}" for column, expr in _LISTED_V7.items())
_V7 = f"""
DROP TRIGGER cases_listed;
DROP TRIGGER cases_relisted;
CREATE TRIGGER cases_listed AFTER INSERT ON cases BEGIN
    INSERT INTO case_list (id, {_LIST_NAMES}) VALUES (new.id, {_LISTED_V7_NEW});
END;
CREATE TRIGGER cases_relisted AFTER UPDATE ON cases BEGIN
    UPDATE case_list SET {_RELIST_V7}
    WHERE id = new.id;
END;
UPDATE case_list SET
    folder = (SELECT {_FOLDER_V7.format(r="c")} FROM cases c WHERE c.id = case_list.id),
    state_rank = (SELECT {_STATE_RANK_V7.format(r="c")} FROM cases c WHERE c.id = case_list.id);
ALTER TABLE attention ADD COLUMN person TEXT;
CREATE TABLE organisation (
    kind TEXT NOT NULL,               -- 'coordinator', 'approval_rule', 'authority_mode'
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
"""

# Version 9: attachments. One row per document this
# profile knows beyond the case records: its own waiting for upload, and those downloaded (the
# encrypted copies in the profile's attachment folder, ``desktop.models.attachment_store``).
_V9 = """
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    stored INTEGER NOT NULL DEFAULT 0,  -- the encrypted copy is in the folder
    keep INTEGER NOT NULL DEFAULT 0,    -- kept for offline reading (else removed at unlock)
    upload INTEGER NOT NULL DEFAULT 0   -- waiting to be uploaded before its step is pushed
);
"""


# Version 8: request management. The list table gets the case's legislative area and who
# of our authority handles it (``assignments``, set by an allocator: user id and name), so the
# lists filter by area, "assigned to me" and sort by assignee; an index serves the deadline
# filters and counts (state, answer date). ``case_text`` is the full-text index of the cases
# (FTS5 inside the encrypted replica): reference, person (names, date of birth) and every free
# text (request, reply, answers, notes of the timeline, messages, escalation, rating), folded
# (case and accents) once here and kept in step with ``cases`` by triggers; its rowid is the
# case's rowid, as the directory's ``authority_text`` uses the authority's; no prefix index
# (a prefix query scans the term list: milliseconds, and a bootstrap indexes a third faster).
# Colleagues (users of our own authority, entity kind ``colleague``) are kept in
# ``organisation``; ones an older client kept as changes of an unknown kind move there.
_ME = "(SELECT json_extract(value, '$.authority_id') FROM meta WHERE key = 'user')"
_ASSIGNED = ("coalesce((SELECT json_extract(a.value, '$.{field}') "
             "FROM json_each({{r}}.data, '$.assignments') a "
             "WHERE json_extract(a.value, '$.authority_id') = " + _ME + "), '')")
_LISTED_V8 = {**_LISTED_V7,
              "area": "coalesce(json_extract({r}.data, '$.area'), '')",
              "assignee": _ASSIGNED.format(field="user_id"),
              "assignee_name": _ASSIGNED.format(field="user_name")}
_LIST_NAMES_V8 = ", ".join(_LISTED_V8)
_LISTED_V8_NEW = ", ".join(expr.format(r="new") for expr in _LISTED_V8.values())
_RELIST_V8 = ", ".join(f"{column} = {expr.format(r='new')}" for column, expr in _LISTED_V8.items())
SORT_COLUMNS = (*_SORT_COLUMNS_V3, "assignee_name")


def _texts(items: str, field: str) -> str:
    """The ``field`` of each of a case's ``items`` (a list), a text or ``{text, lang}``."""
    return (f"coalesce((SELECT group_concat(CASE json_type(t.value, '$.{field}') "
            f"WHEN 'object' THEN json_extract(t.value, '$.{field}.text') "
            f"ELSE json_extract(t.value, '$.{field}') END, ' ') "
            f"FROM json_each({{r}}.data, '$.{items}') t), '')")


_CASE_TEXT = " || ' ' || ".join((
    "coalesce(json_extract({r}.data, '$.request_text.text'), '')",
    "coalesce(json_extract({r}.data, '$.reply_text.text'), '')",
    "coalesce(json_extract({r}.data, '$.subject.qualification'), '')",
    "coalesce(json_extract({r}.data, '$.escalation.reason.text'), '')",
    "coalesce(json_extract({r}.data, '$.rating.note.text'), '')",
    _texts("answers", "value"), _texts("timeline", "note"), _texts("messages", "text")))
_CASE_INDEXED = (
    "{r}.rowid, {r}.id, {r}.id, "
    "imi_fold(coalesce(json_extract({r}.data, '$.subject.family_name'), '') || ' ' || "
    "coalesce(json_extract({r}.data, '$.subject.given_names'), '') || ' ' || "
    "coalesce(json_extract({r}.data, '$.subject.date_of_birth'), '')), "
    "imi_fold(" + _CASE_TEXT + ")")
_V8 = f"""
ALTER TABLE case_list ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE case_list ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE case_list ADD COLUMN assignee_name TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_case_list_assignee_name ON case_list (assignee_name, id, folder);
CREATE INDEX ix_case_list_deadline ON case_list (state, answer_by, folder);
DROP TRIGGER cases_listed;
DROP TRIGGER cases_relisted;
CREATE TRIGGER cases_listed AFTER INSERT ON cases BEGIN
    INSERT INTO case_list (id, {_LIST_NAMES_V8}) VALUES (new.id, {_LISTED_V8_NEW});
END;
CREATE TRIGGER cases_relisted AFTER UPDATE ON cases BEGIN
    UPDATE case_list SET {_RELIST_V8}
    WHERE id = new.id;
END;
UPDATE case_list SET
    area = (SELECT {_LISTED_V8["area"].format(r="c")} FROM cases c WHERE c.id = case_list.id),
    assignee = (SELECT {_LISTED_V8["assignee"].format(r="c")}
                FROM cases c WHERE c.id = case_list.id),
    assignee_name = (SELECT {_LISTED_V8["assignee_name"].format(r="c")}
                     FROM cases c WHERE c.id = case_list.id);
CREATE VIRTUAL TABLE case_text USING fts5(
    id UNINDEXED, reference, person, texts,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO case_text (rowid, id, reference, person, texts)
    SELECT {_CASE_INDEXED.format(r="c")} FROM cases c;
CREATE TRIGGER case_indexed AFTER INSERT ON cases BEGIN
    INSERT INTO case_text (rowid, id, reference, person, texts)
    VALUES ({_CASE_INDEXED.format(r="new")});
END;
CREATE TRIGGER case_reindexed AFTER UPDATE OF data ON cases BEGIN
    DELETE FROM case_text WHERE rowid = old.rowid;
    INSERT INTO case_text (rowid, id, reference, person, texts)
    VALUES ({_CASE_INDEXED.format(r="new")});
END;
CREATE TRIGGER case_unindexed AFTER DELETE ON cases BEGIN
    DELETE FROM case_text WHERE rowid = old.rowid;
END;
INSERT OR REPLACE INTO organisation (kind, id, data)
    SELECT kind, id, data FROM kept_changes WHERE kind = 'colleague';
DELETE FROM kept_changes WHERE kind = 'colleague';
"""


# Version 10: a coordinator's escalated cases (direction 'escalation': its authority follows
# the case as the coordinator of its open escalation) list in the folder 'escalations'.
_FOLDER_V10 = f"""CASE WHEN {{r}}.direction = 'escalation' THEN 'escalations'
    ELSE {_FOLDER_V7} END"""
_LISTED_V10 = {**_LISTED_V8, "folder": _FOLDER_V10}
_LISTED_V10_NEW = ", ".join(expr.format(r="new") for expr in _LISTED_V10.values())
_RELIST_V10 = ", ".join(f"{column} = {expr.format(r='new')}"
                        for column, expr in _LISTED_V10.items())
_V10 = f"""
DROP TRIGGER cases_listed;
DROP TRIGGER cases_relisted;
CREATE TRIGGER cases_listed AFTER INSERT ON cases BEGIN
    INSERT INTO case_list (id, {_LIST_NAMES_V8}) VALUES (new.id, {_LISTED_V10_NEW});
END;
CREATE TRIGGER cases_relisted AFTER UPDATE ON cases BEGIN
    UPDATE case_list SET {_RELIST_V10}
    WHERE id = new.id;
END;
UPDATE case_list SET
    folder = (SELECT {_FOLDER_V10.format(r="c")} FROM cases c WHERE c.id = case_list.id);
"""


# Version 11: the folder counts (cases, unread) and the filter bar's choices (areas, other
# authorities) of a folder read one covering index instead of every row of the list table:
# 50,000 rows cost a quarter of a second per refresh otherwise. It replaces the index on the
# folder alone, whose every use it serves, so a bootstrap maintains no more indexes than before.
_V11 = """
DROP INDEX ix_case_list_folder;
CREATE INDEX ix_case_list_choices ON case_list (folder, unread, area, counterpart);
"""

# Version 12: a bootstrap lists and indexes its cases in bulk. While a connection defers
# (``imi_deferring()``, a per-connection flag the replica sets around a pulled page), a new
# case gets no list row and no full-text row from the insert triggers; the meta row
# ``DEFERRED`` is written in the same transaction, and ``unread_deferred`` keeps the unread
# marks of unlisted cases. ``LIST_DEFERRED`` and ``INDEX_DEFERRED`` then build the missing rows
# of a range of rowids (each statement reads the table it fills, so SQLite holds its result
# in memory before writing: ranges keep that small), from the same expressions the triggers
# use; the replica does it
# when the pull is complete, or at the next open after a crash. Updates and deletes keep their
# triggers: they find no row to change for an unlisted case, and an update of an unindexed
# case indexes it (``INDEX_DEFERRED`` skips indexed rowids).
DEFERRED = "lists_deferred"
_V12 = f"""
CREATE TABLE unread_deferred (id TEXT PRIMARY KEY);
DROP TRIGGER cases_listed;
CREATE TRIGGER cases_listed AFTER INSERT ON cases WHEN NOT imi_deferring() BEGIN
    INSERT INTO case_list (id, {_LIST_NAMES_V8}) VALUES (new.id, {_LISTED_V10_NEW});
END;
DROP TRIGGER case_indexed;
CREATE TRIGGER case_indexed AFTER INSERT ON cases WHEN NOT imi_deferring() BEGIN
    INSERT INTO case_text (rowid, id, reference, person, texts)
    VALUES ({_CASE_INDEXED.format(r="new")});
END;
"""
LIST_DEFERRED = f"""
INSERT INTO case_list (id, {_LIST_NAMES_V8}, unread)
    SELECT c.id, {", ".join(expr.format(r="c") for expr in _LISTED_V10.values())},
           c.id IN (SELECT id FROM unread_deferred)
    FROM cases c WHERE c.rowid >= ? AND c.rowid < ? AND c.id NOT IN (SELECT id FROM case_list)"""
INDEX_DEFERRED = f"""
INSERT INTO case_text (rowid, id, reference, person, texts)
    SELECT {_CASE_INDEXED.format(r="c")} FROM cases c
    WHERE c.rowid >= ? AND c.rowid < ? AND c.rowid NOT IN (SELECT rowid FROM case_text)"""


RUNGS: Sequence[Rung] = (_script(_V1), _script(_V2), _script(_V3), _script(_V4),
                         _script(_V5), _script(_V6), _script(_V7), _script(_V8),
                         _script(_V9), _script(_V10), _script(_V11),
                         _script(_V12))
SCHEMA_VERSION = len(RUNGS)


def register_functions(connection: Any, deferring: Callable[[], bool] = lambda: False) -> None:
    """The SQL functions the triggers call; every connection to a replica needs them.
    ``deferring``: whether this connection's inserts into ``cases`` skip the list and
    full-text rows (``_V12``)."""
    connection.create_function("imi_fold", 1, fold, deterministic=True)
    connection.create_function("imi_deferring", 0, lambda: int(deferring()))


class NewerSchema(Exception):
    """The replica was written by a newer client than this one."""


def migrate(connection: Any, *, rungs: Sequence[Rung] = RUNGS) -> tuple[int, int]:
    """Bring the replica to ``len(rungs)`` in one transaction; return (from, to).

    ``connection`` is in autocommit mode (``isolation_level=None``), so the transaction here
    is the only one, and ``user_version`` commits with the rungs.
    """
    target = len(rungs)
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > target:
            raise NewerSchema(f"schema {version}, this client knows up to {target}")
        for rung in rungs[version:]:
            rung(connection)
        if version != target:
            connection.execute(f"PRAGMA user_version = {target}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return version, target
