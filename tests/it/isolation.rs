//! Failure isolation: a file that cannot load disables only what it
//! defines. `check` and `manifest` still fail and list every problem; `run`,
//! `mcp` and `serve` serve the rest and say what is disabled and why (on
//! stderr, in `GET /api/apps`, and by its absence from `tools/list`).

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

fn half_broken_app() -> tempfile::TempDir {
    let good = function(
        "universalIdentifier: '44444444-4444-4444-8444-444444444451', name: 'good', toolTriggerSettings: {}",
        "async () => ({ ok: true })",
    );
    let missing = format!(
        "import 'no-such-package';\n{}",
        function("universalIdentifier: '44444444-4444-4444-8444-444444444452', name: 'missing', toolTriggerSettings: {}", "async () => 1")
    );
    let throws = format!(
        "throw new Error('top-level boom');\n{}",
        function("universalIdentifier: '44444444-4444-4444-8444-444444444453', name: 'throws', toolTriggerSettings: {}", "async () => 1")
    );
    app(&[
        ("src/app.ts", APPLICATION),
        ("src/role.ts", ROLE),
        ("src/good.ts", &good),
        ("src/missing.ts", &missing),
        ("src/throws.ts", &throws),
        ("src/syntax.ts", "export default defineLogicFunction({ name: });\n"),
    ])
}

const BROKEN_FILES: [&str; 3] = ["src/missing.ts", "src/throws.ts", "src/syntax.ts"];

#[test]
fn check_and_manifest_fail_listing_every_file_that_cannot_load() {
    let app = half_broken_app();
    let check = switchboard(&["check", path(app.path())]);
    assert_eq!(check.code, 1, "{check:?}");
    for file in BROKEN_FILES {
        assert!(check.stderr.contains(&format!("  - {file}: ")), "{file} missing from:\n{}", check.stderr);
    }
    assert!(check.stderr.contains("no-such-package") && check.stderr.contains("top-level boom"), "{}", check.stderr);
    assert!(check.stderr.contains("3 problem(s)"), "{}", check.stderr);
    let manifest = switchboard(&["manifest", path(app.path())]);
    assert_eq!(manifest.code, 2, "{manifest:?}");
    assert!(manifest.stdout.is_empty());
    assert!(manifest.stderr.contains("src/throws.ts"), "{}", manifest.stderr);
}

#[test]
fn run_serves_the_rest_and_names_the_disabled_files() {
    let app = half_broken_app();
    let good = switchboard(&["run", path(app.path()), "good"]);
    assert_eq!(good.code, 0, "{good:?}");
    assert_eq!(good.json()["data"]["ok"], true);
    for file in BROKEN_FILES {
        assert!(good.stderr.contains(&format!("disabled: {file}: ")), "{file} not reported:\n{}", good.stderr);
    }
    let missing = switchboard(&["run", path(app.path()), "missing"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("unknown function \"missing\"") && missing.stderr.contains("3 file(s) disabled"), "{}", missing.stderr);
}

#[test]
fn serve_lists_the_disabled_files_and_tools_list_leaves_them_out() {
    let app = half_broken_app();
    let server = Server::start(&[path(app.path())], &[("SWITCHBOARD_API_KEYS", "key")]);
    let (status, _, body) = http(server.port, "GET", "/api/apps", &[("Authorization", "Bearer key")], b"");
    assert_eq!(status, 200, "{body}");
    let listed: Value = serde_json::from_str(&body).expect("json");
    let apps = listed["apps"].as_array().expect("apps");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["functions"], serde_json::json!(["good"]));
    let mut files: Vec<&str> = apps[0]["disabled"].as_array().expect("disabled").iter().filter_map(|d| d["file"].as_str()).collect();
    files.sort();
    let mut expected = BROKEN_FILES.to_vec();
    expected.sort();
    assert_eq!(files, expected);
    assert!(apps[0]["disabled"].to_string().contains("top-level boom"), "{body}");
    let (status, _, _) = http(server.port, "GET", "/api/apps", &[], b"");
    assert_eq!(status, 401, "the list is behind the API key");
    let (_, _, health) = http(server.port, "GET", "/healthz", &[], b"");
    assert!(health.contains("\"tools\":1"), "{health}");
}

#[test]
fn mcp_over_stdio_lists_only_the_tools_that_loaded() {
    let app = half_broken_app();
    let data = tempfile::tempdir().expect("data");
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.args(["mcp", path(app.path())]).env("SWITCHBOARD_DATA_DIR", data.path());
    let (answer, output) = stdio_mcp_request(command, &serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let tools =
        answer.map(|message| message["result"]["tools"].as_array().expect("tools").iter().map(|t| t["name"].clone()).collect::<Vec<_>>());
    assert_eq!(tools, Some(vec![Value::from("good")]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("disabled: src/throws.ts: "), "{stderr}");
}
