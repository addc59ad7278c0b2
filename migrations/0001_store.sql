-- Run history, the database-event delivery queue and cron bookkeeping.

CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
-- Two indexes only: each one is written on every recorded run. Status and
-- trigger filters scan newest-first from the primary key.
CREATE INDEX runs_by_function ON runs (function, seq);
CREATE INDEX runs_by_function_id ON runs (function_id, seq);

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
