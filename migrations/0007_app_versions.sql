-- The version of each application whose install hooks have run (its
-- package.json `version`), so a gateway runs them once per version, as
-- Twenty runs them once per install or upgrade.

CREATE TABLE app_versions (
    app TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    installed_at INTEGER NOT NULL
);
