-- The replica's schema at version 1, as released: the first foothold of the migration
-- ladder's tests. Never edit it.
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
