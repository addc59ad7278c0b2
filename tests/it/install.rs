//! Install hooks under `serve`: pre-install before the app serves and
//! post-install after, once per package.json version, with Twenty's
//! InstallPayload, recorded as runs; a failing pre-install hook keeps the
//! new version from serving and the stored version as it was.

use crate::harness::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// The recorded hook runs, oldest first.
fn hook_records(data: &str) -> Vec<Value> {
    let listed = switchboard_with(&["runs", "--json", "--limit", "100"], &[("SWITCHBOARD_DATA_DIR", data)], Duration::from_secs(30));
    assert_eq!(listed.code, 0, "{listed:?}");
    let mut runs: Vec<Value> =
        listed.json()["runs"].as_array().expect("runs").iter().filter(|run| run["detail"]["hook"].is_string()).cloned().collect();
    runs.reverse();
    runs
}

/// Each hook run as (function, data), oldest first.
fn hook_runs(data: &str) -> Vec<(String, Value)> {
    hook_records(data).into_iter().map(|run| (run["function"].as_str().expect("function").to_owned(), run["data"].clone())).collect()
}

fn set_version(dir: &Path, version: &str) {
    std::fs::write(dir.join("package.json"), format!(r#"{{ "name": "install-hooks", "version": "{version}", "private": true }}"#))
        .expect("write");
}

/// The install-hooks fixture's files.
pub(crate) const HOOK_FILES: [&str; 5] = ["package.json", "src/app.ts", "src/role.ts", "src/pre-install.ts", "src/post-install.ts"];

fn serve_once(dir: &Path, data: &str) {
    let server = Server::start(&[path(dir)], &[("SWITCHBOARD_DATA_DIR", data)]);
    assert_eq!(server.terminate(), Some(0));
}

#[test]
fn hooks_run_once_per_version_in_order_and_a_failing_pre_install_keeps_the_version_out() {
    let app = fixture_copy("install-hooks", &HOOK_FILES);
    let data = tempfile::tempdir().expect("data");
    let data = path(data.path()).to_owned();
    serve_once(app.path(), &data);
    assert_eq!(
        hook_runs(&data),
        [
            ("pre-install".to_owned(), json!({ "ran": "pre", "newVersion": "1.0.0" })),
            ("post-install".to_owned(), json!({ "ran": "post", "newVersion": "1.0.0" })),
        ]
    );
    serve_once(app.path(), &data);
    assert_eq!(hook_runs(&data).len(), 2, "the same version installs once");

    // An upgrade runs only the hook that asks for it.
    set_version(app.path(), "1.1.0");
    serve_once(app.path(), &data);
    let runs = hook_runs(&data);
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2], ("pre-install".to_owned(), json!({ "ran": "pre", "previousVersion": "1.0.0", "newVersion": "1.1.0" })));

    set_version(app.path(), "2.0.0-broken");
    let refused = switchboard_with(
        &["serve", path(app.path()), "--listen", "127.0.0.1:0"],
        &[("SWITCHBOARD_DATA_DIR", &data)],
        Duration::from_secs(60),
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("the pre-install hook of Install hooks failed, so version 2.0.0-broken is not installed (the store keeps 1.1.0): Error: cannot install 2.0.0-broken"),
        "{}",
        refused.stderr
    );
    set_version(app.path(), "1.1.0");
    serve_once(app.path(), &data);
    assert_eq!(hook_runs(&data).len(), 4, "1.1.0 is still the installed version: only the failed attempt was added");
}

#[test]
fn a_watch_reload_to_a_new_version_installs_it_and_a_failing_pre_install_keeps_the_previous_one_serving() {
    let app = fixture_copy("install-hooks", &HOOK_FILES);
    let which =
        |answer: &str| function("universalIdentifier: '99999999-9999-4999-8999-999999999915', name: 'which'", &format!("() => '{answer}'"));
    std::fs::write(app.path().join("src/which.ts"), which("one")).expect("write");
    let data = tempfile::tempdir().expect("data");
    let data = path(data.path()).to_owned();
    let server = Server::start(&[path(app.path()), "--watch"], &[("SWITCHBOARD_DATA_DIR", &data), ("SWITCHBOARD_API_KEYS", "k")]);
    let answer = || {
        let (status, _, body) = http(server.port, "POST", "/api/functions/which/execute", &[("Authorization", "Bearer k")], b"{}");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).expect("json")["data"].clone()
    };
    let wait_for = |expected: &str| {
        let started = std::time::Instant::now();
        while answer() != expected {
            assert!(started.elapsed() < Duration::from_secs(30), "never answered {expected}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    assert_eq!(answer(), "one");

    // A broken version: its pre-install hook throws, so 1.0.0 keeps serving.
    std::fs::write(app.path().join("src/which.ts"), which("two")).expect("write");
    set_version(app.path(), "1.5.0-broken");
    let started = std::time::Instant::now();
    while !hook_runs_all(&data).iter().any(|(name, status)| name == "pre-install" && status == "ERROR") {
        assert!(started.elapsed() < Duration::from_secs(30), "the broken pre-install never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(answer(), "one", "the previous version keeps serving");

    // A good version installs (its hooks run) and then serves.
    set_version(app.path(), "1.6.0");
    wait_for("two");
    let runs = hook_runs(&data);
    assert!(
        runs.contains(&("pre-install".to_owned(), json!({ "ran": "pre", "previousVersion": "1.0.0", "newVersion": "1.6.0" }))),
        "{runs:?}"
    );
}

/// Each hook run as (function, status), oldest first.
fn hook_runs_all(data: &str) -> Vec<(String, String)> {
    hook_records(data)
        .into_iter()
        .map(|run| (run["function"].as_str().unwrap_or_default().to_owned(), run["status"].as_str().unwrap_or_default().to_owned()))
        .collect()
}
