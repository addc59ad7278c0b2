//! Defaults that must hold wherever a command is started: the data folder
//! does not depend on the working directory, so `switchboard mcp APP_DIR`
//! started from `/` (as Claude Desktop starts it) or from a read-only folder
//! works, and shares its store with other commands on the same app.

use crate::harness::{example, stdio_mcp_request};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// `switchboard` with a home of its own and no data folder named.
fn command_in(home: &Path, cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.current_dir(cwd).env("HOME", home).env("XDG_DATA_HOME", home.join("data")).env_remove("SWITCHBOARD_DATA_DIR");
    command
}

/// Calls the example's `greet` tool over stdio MCP and returns its text.
fn greet_over_stdio(home: &Path, cwd: &Path, name: &str) -> String {
    let mut command = command_in(home, cwd);
    command.args(["mcp", example().to_str().expect("utf-8")]);
    let call =
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "greet", "arguments": {"name": name}}});
    let (answer, output) = stdio_mcp_request(command, &call);
    answer
        .and_then(|message| message["result"]["content"][0]["text"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no tools/call answer from {}: {}", cwd.display(), String::from_utf8_lossy(&output.stderr)))
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "checks the platform data folder as Linux lays it out")]
fn mcp_works_from_the_root_and_from_a_read_only_folder_and_shares_the_store() {
    let home = tempfile::tempdir().expect("home");
    let read_only = tempfile::tempdir().expect("folder");
    let mut permissions = std::fs::metadata(read_only.path()).expect("meta").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(read_only.path(), permissions).expect("chmod");
    // A store an earlier version left in / would be kept (and is not ours to touch).
    assert!(!Path::new("/.switchboard/switchboard.db").exists(), "/.switchboard holds a store; this test needs / without one");
    let had_root_store = Path::new("/.switchboard").exists();

    assert!(greet_over_stdio(home.path(), Path::new("/"), "Root").contains("Hello, Root"));
    assert!(greet_over_stdio(home.path(), read_only.path(), "Reader").contains("Hello, Reader"));

    // Nothing was written where the commands started.
    assert_eq!(Path::new("/.switchboard").exists(), had_root_store, "a store appeared in /");
    assert_eq!(std::fs::read_dir(read_only.path()).expect("list").count(), 0, "the read-only folder was written to");
    // One store, under the platform's data folder, named after the app.
    let projects = home.path().join("data/switchboard/projects");
    let stores: Vec<String> =
        std::fs::read_dir(&projects).expect("projects").flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(stores.len(), 1, "{stores:?}");
    assert!(stores[0].starts_with("hello-crm-"), "{stores:?}");
    assert!(projects.join(&stores[0]).join("switchboard.db").is_file());

    // Another command on the same app, from yet another folder, sees both runs.
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let app = example();
    let listed =
        command_in(home.path(), elsewhere.path()).args(["runs", "--json", "--app", app.to_str().expect("utf-8")]).output().expect("runs");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let runs: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(2), "{runs}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).expect("list").count(), 0);
}
