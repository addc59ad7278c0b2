-- Which app folder each application's stored data (kv, connections,
-- records) belongs to: the first folder served under its
-- universalIdentifier. Another folder declaring the same id is refused
-- until the operator rebinds it (`serve --rebind`).

CREATE TABLE app_roots (
    app TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    bound_at INTEGER NOT NULL
);
