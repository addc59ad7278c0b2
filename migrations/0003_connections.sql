-- OAuth connections (tokens encrypted by the vault; the store never sees
-- them in clear) and the connect flows waiting for their callback.

CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    handle TEXT,
    visibility TEXT NOT NULL,
    user_workspace_id TEXT,
    scopes TEXT NOT NULL,
    access_token BLOB NOT NULL,
    refresh_token BLOB,
    expires_at INTEGER,
    issued_at INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    auth_failed_at INTEGER,
    auth_failed_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX connections_by_app ON connections (app, provider);

CREATE TABLE oauth_flows (
    nonce TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    provider TEXT NOT NULL,
    visibility TEXT NOT NULL,
    requester TEXT NOT NULL,
    binding_hash TEXT,
    verifier BLOB,
    key_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    connection_id TEXT,
    error TEXT,
    created_at INTEGER NOT NULL
);
