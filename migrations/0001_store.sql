-- Run history, the database-event delivery queue and cron bookkeeping.

-- Every page a commit touches is written to the log again, so a run record
-- touches few: the table (seq is the rowid; no AUTOINCREMENT, which would
-- add sqlite_sequence), the id index and one index by function name.
-- Status, trigger and functionId filters scan newest-first by seq.
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    app TEXT NOT NULL,
    function TEXT NOT NULL,
    function_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    error TEXT,
    logs TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL
);
CREATE INDEX runs_by_function ON runs (function, seq);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    app TEXT NOT NULL,
    function_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    batch INTEGER NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, next_at, id);

CREATE TABLE cron_fires (
    function_id TEXT PRIMARY KEY,
    last_fire INTEGER NOT NULL
);
