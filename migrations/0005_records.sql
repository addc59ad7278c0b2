-- Records of the embedded workspace: one row per record, the record itself
-- as JSON (Twenty's field names, composite fields as objects). deleted_at
-- mirrors the record's deletedAt so soft-deleted rows are skipped cheaply.

CREATE TABLE records (
    object TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (object, id)
);
