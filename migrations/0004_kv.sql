-- The key-value store of twenty-sdk/logic-function's `kv`: JSON values per
-- app, per scope (WORKSPACE or SERVER).

CREATE TABLE kv (
    app TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (app, scope, key)
);
