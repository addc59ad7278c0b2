//! `switchboard manifest` against the real `twenty dev:build` (npm
//! `twenty-sdk@2.43.0`) on the same app: the JSON text must be identical
//! apart from `builtHandlerChecksum` (Twenty hashes esbuild's bundle, we hash
//! our transpiled module). Needs `SWITCHBOARD_TWENTY_SDK` = a node_modules
//! folder holding twenty-sdk, typescript and @types/node (`.ci/run` installs
//! it); with `SWITCHBOARD_REQUIRE_PEERS=1` a missing peer fails the test.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn peers() -> Option<PathBuf> {
    peer_dir("SWITCHBOARD_TWENTY_SDK")
}

fn copy_app(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        name != "node_modules" && name != ".twenty"
    }) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn without_checksums(text: &str) -> String {
    text.lines().filter(|line| !line.contains("\"builtHandlerChecksum\"")).collect::<Vec<_>>().join("\n")
}

fn assert_parity(app_dir: &Path, node_modules: &Path) {
    let work = tempfile::tempdir().expect("tempdir");
    let app = work.path().join("app");
    copy_app(app_dir, &app);
    std::os::unix::fs::symlink(node_modules, app.join("node_modules")).expect("symlink");
    let cli = node_modules.join("twenty-sdk/dist/cli.cjs");
    let built = Command::new("node").arg(&cli).args(["dev:build", "."]).current_dir(&app).output().expect("node");
    assert!(
        built.status.success(),
        "twenty dev:build failed:\n{}\n{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let theirs = std::fs::read_to_string(app.join(".twenty/output/manifest.json")).expect("twenty's manifest");
    let ours = switchboard(&["manifest", path(&app)]);
    assert_eq!(ours.code, 0, "{ours:?}");
    let (ours, theirs) = (without_checksums(ours.stdout.trim_end()), without_checksums(theirs.trim_end()));
    if ours != theirs {
        let first = ours.lines().zip(theirs.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "manifest differs from twenty dev:build for {} at line {}:\n  ours:   {}\n  theirs: {}",
            app_dir.display(),
            first + 1,
            ours.lines().nth(first).unwrap_or("<end>"),
            theirs.lines().nth(first).unwrap_or("<end>")
        );
    }
    let value: serde_json::Value = serde_json::from_str(&ours).unwrap_or(serde_json::Value::Null);
    assert!(value.is_null() || value["logicFunctions"].is_array());
}

#[test]
fn example_app_manifest_equals_twenty_dev_build() {
    if let Some(peers) = peers() {
        assert_parity(&example(), &peers);
    }
}

#[test]
fn parity_fixture_manifest_equals_twenty_dev_build() {
    if let Some(peers) = peers() {
        assert_parity(&fixture("parity"), &peers);
    }
}
