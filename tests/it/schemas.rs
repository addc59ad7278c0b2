//! `schemas/` must match the domain types (regenerate with `switchboard schemas`).

use crate::harness::*;

#[test]
fn schemas_have_not_drifted() {
    let dir = repo().join("schemas");
    for (name, schema) in switchboard::domain::schemas() {
        let expected = format!("{}\n", serde_json::to_string_pretty(&schema).expect("json"));
        let found = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(found == expected, "schemas/{name} is out of date: run `switchboard schemas`");
    }
    let run = switchboard(&["schemas", "--check", "--dir", path(&dir)]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn schemas_check_reports_drift() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = switchboard(&["schemas", "--check", "--dir", path(dir.path())]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("manifest.schema.json"), "{}", run.stderr);
}
