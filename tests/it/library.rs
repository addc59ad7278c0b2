//! Skills and agents: versions, diff and labels from the CLI and HTTP,
//! validation, export round trips, and the official Python MCP client
//! reading prompts and resources (including a pinned label) over stdio and
//! HTTP.

use crate::harness::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const TS_SKILL: &str = "import { defineSkill } from 'twenty-sdk/define';\nexport default defineSkill({ universalIdentifier: '77777777-7777-4777-8777-777777777701', name: 'ts-skill', label: 'TS skill', description: 'A TypeScript skill', content: 'TypeScript skill content.' });\n";
const TS_AGENT: &str = "import { defineAgent } from 'twenty-sdk/define';\nexport default defineAgent({ universalIdentifier: '77777777-7777-4777-8777-777777777702', name: 'ts-agent', label: 'TS agent', icon: 'IconRobot', description: 'A TypeScript agent', prompt: 'You are the TypeScript agent.', modelId: 'claude-sonnet', responseFormat: { type: 'json', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } });\n";
const HELPER: &str =
    "---\nname: helper\ndescription: Helps with markdown\ntools: Read, Grep\nmodel: sonnet\n---\nYou help with markdown.\n";

fn skill(edition: &str) -> String {
    format!(
        "---\nname: demo\ndescription: A demo skill\nlicense: MIT\nmetadata:\n  owner: docs\n---\n# Demo\n\n{edition} edition of the instructions.\nKeep this line.\n"
    )
}

fn library_app() -> tempfile::TempDir {
    app(&[
        ("src/app.ts", APPLICATION),
        ("src/role.ts", ROLE),
        ("src/ts-skill.ts", TS_SKILL),
        ("src/ts-agent.ts", TS_AGENT),
        ("skills/demo/SKILL.md", &skill("First")),
        ("skills/demo/notes.txt", "Notes for demo: none.\n"),
        ("agents/helper.md", HELPER),
    ])
}

fn cli(data: &Path, args: &[&str]) -> Run {
    switchboard_with(args, &[("SWITCHBOARD_DATA_DIR", path(data))], Duration::from_secs(60))
}

fn version_of(data: &Path, app_dir: &Path, name: &str) -> i64 {
    let listed = cli(data, &["skills", "list", "--json", "--app", path(app_dir)]);
    assert_eq!(listed.code, 0, "{listed:?}");
    listed.json().as_array().expect("list").iter().find(|item| item["name"] == name).expect("listed")["version"].as_i64().expect("version")
}

/// demo: version 1 labelled production, version 2 latest.
fn two_versions(data: &Path, app_dir: &Path) {
    assert_eq!(version_of(data, app_dir, "demo"), 1);
    let labelled = cli(data, &["skills", "label", "demo", "1", "production", "--app", path(app_dir)]);
    assert_eq!(labelled.code, 0, "{labelled:?}");
    std::fs::write(app_dir.join("skills/demo/SKILL.md"), skill("Second")).expect("edit");
    assert_eq!(version_of(data, app_dir, "demo"), 2, "an edit is version 2");
    assert_eq!(version_of(data, app_dir, "demo"), 2, "loading again without an edit adds nothing");
}

#[test]
fn edits_make_versions_labels_pin_them_and_history_survives() {
    let app_dir = library_app();
    let data = tempfile::tempdir().expect("data");
    let (app_dir, data) = (app_dir.path(), data.path());
    two_versions(data, app_dir);
    let diff = cli(data, &["skills", "diff", "demo", "1", "2", "--app", path(app_dir)]);
    assert_eq!(diff.code, 0, "{diff:?}");
    assert!(diff.stdout.contains("-First edition of the instructions."), "{}", diff.stdout);
    assert!(diff.stdout.contains("+Second edition of the instructions."), "{}", diff.stdout);
    assert!(!diff.stdout.contains("-Keep this line."), "unchanged lines are context: {}", diff.stdout);

    // production is protected: moving it needs --force.
    let moved = cli(data, &["skills", "label", "demo", "2", "production", "--app", path(app_dir)]);
    assert_eq!(moved.code, 2, "{moved:?}");
    assert!(moved.stderr.contains("protected") && moved.stderr.contains("--force"), "{}", moved.stderr);
    let forced = cli(data, &["skills", "label", "demo", "latest", "production", "--force", "--app", path(app_dir)]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert!(forced.stdout.contains("production → version 2 (was 1)"), "{}", forced.stdout);
    let back = cli(data, &["skills", "label", "demo", "1", "production", "--force", "--app", path(app_dir)]);
    assert_eq!(back.code, 0, "{back:?}");

    let production = cli(data, &["skills", "show", "demo@production", "--json", "--app", path(app_dir)]);
    assert_eq!(production.json()["version"], 1);
    assert!(production.json()["item"]["body"].as_str().expect("body").contains("First edition"));
    let latest = cli(data, &["skills", "show", "demo@latest", "--json", "--app", path(app_dir)]);
    assert_eq!(latest.json()["version"], 2, "latest stays 2");
    let missing = cli(data, &["skills", "show", "demo@7", "--app", path(app_dir)]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no version or label \"7\" (versions 1-2; labels: production)"), "{}", missing.stderr);
    let bad = cli(data, &["skills", "label", "demo", "1", "Not A Label", "--app", path(app_dir)]);
    assert_eq!(bad.code, 2, "{bad:?}");

    // The file goes; its history stays.
    std::fs::remove_dir_all(app_dir.join("skills/demo")).expect("delete");
    let versions = cli(data, &["skills", "versions", "demo", "--json", "--app", path(app_dir)]);
    assert_eq!(versions.code, 0, "{versions:?}");
    let versions = versions.json();
    assert_eq!(versions.as_array().expect("versions").len(), 2);
    assert_eq!(versions[0]["labels"], json!(["production"]));
    assert_eq!(versions[1]["labels"], json!(["latest"]));
    let old = cli(data, &["skills", "show", "demo@production", "--app", path(app_dir)]);
    assert!(old.stdout.contains("First edition"), "{old:?}");
}

#[test]
fn bad_skill_and_agent_files_are_reported_with_file_and_line() {
    let dir = app(&[
        ("skills/ok/SKILL.md", "---\nname: ok\ndescription: fine\n---\nbody\n"),
        ("skills/broken/SKILL.md", "---\nname: broken\ndescription: \"unclosed\n---\nbody\n"),
        ("skills/Upper/SKILL.md", "---\nname: Upper\ndescription: x\n---\nbody\n"),
        ("agents/nameless.md", "---\ndescription: x\n---\nprompt\n"),
        ("agents/huge.md", &format!("---\nname: huge\ndescription: x\n---\n{}\n", "x".repeat(300 * 1024))),
    ]);
    let data = tempfile::tempdir().expect("data");
    let run = cli(data.path(), &["skills", "list", "--app", path(dir.path())]);
    assert_eq!(run.code, 1, "{run:?}");
    for expected in [
        "skills/broken/SKILL.md:3: malformed YAML frontmatter",
        "skills/Upper/SKILL.md:2: the name \"Upper\" may hold only lowercase letters",
        "agents/nameless.md:1: the frontmatter has no name",
        "agents/huge.md: 307",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in:\n{}", run.stderr);
    }
}

fn show_json(data: &Path, kind: &str, app_dir: &Path, name: &str) -> Value {
    let shown = cli(data, &[kind, "show", name, "--json", "--app", path(app_dir)]);
    assert_eq!(shown.code, 0, "{shown:?}");
    shown.json()["item"].clone()
}

#[test]
fn exports_load_back_identically() {
    let app_dir = library_app();
    let data = tempfile::tempdir().expect("data");
    let out = tempfile::tempdir().expect("out");
    let (app_dir, data, out) = (app_dir.path(), data.path(), out.path());

    // Agent Skills folders.
    let skills_out = out.join("skills-app/skills");
    let exported = cli(data, &["skills", "export", path(&skills_out), "--app", path(app_dir)]);
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(!skills_out.join("twenty-logic-functions").exists(), "shipped items are not exported");
    for name in ["demo", "ts-skill"] {
        let reloaded = show_json(data, "skills", &out.join("skills-app"), name);
        assert_eq!(reloaded, show_json(data, "skills", app_dir, name), "skill {name} round-trips");
    }
    assert_eq!(std::fs::read_to_string(skills_out.join("demo/notes.txt")).expect("resource"), "Notes for demo: none.\n");

    // Claude Code subagents.
    let claude_out = out.join("claude");
    let exported = cli(data, &["agents", "export", "--format", "claude-code", path(&claude_out), "--app", path(app_dir)]);
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(claude_out.join(".claude/agents/helper.md").is_file());
    for name in ["helper", "ts-agent"] {
        let reloaded = show_json(data, "agents", &claude_out.join(".claude"), name);
        assert_eq!(reloaded, show_json(data, "agents", app_dir, name), "agent {name} round-trips");
    }

    // Twenty defineAgent files, loaded by the TypeScript loader.
    let twenty_out = out.join("twenty-app");
    std::fs::create_dir_all(twenty_out.join("src")).expect("mkdir");
    std::fs::write(twenty_out.join("src/app.ts"), APPLICATION).expect("app");
    std::fs::write(twenty_out.join("src/role.ts"), ROLE).expect("role");
    let exported = cli(data, &["agents", "export", "--format", "twenty", path(&twenty_out), "--app", path(app_dir)]);
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(exported.stderr.contains("helper: defineAgent has no field for \"tools\""), "{}", exported.stderr);
    let check = cli(data, &["check", path(&twenty_out)]);
    assert_eq!(check.code, 0, "the export is a valid Twenty app: {check:?}");
    let reloaded = show_json(data, "agents", &twenty_out, "ts-agent");
    assert_eq!(reloaded, show_json(data, "agents", app_dir, "ts-agent"), "a defineAgent agent round-trips");
    let format = cli(data, &["agents", "export", "--format", "nope", path(out), "--app", path(app_dir)]);
    assert_eq!(format.code, 2);
}

fn python_library_client(data: &Path, args: &[String]) {
    let Some(peers) = peer_dir("SWITCHBOARD_PEERS") else { return };
    let mut command = Command::new("python3");
    command
        .arg(repo().join("tests/clients/py_library.py"))
        .args(args)
        .env("PYTHONPATH", peers.join("python"))
        .env("SWITCHBOARD_DATA_DIR", data);
    let output = command.output().expect("python client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all checks passed"),
        "py_library.py {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn python_client_gets_prompts_and_resources_over_stdio_and_http() {
    let app_dir = library_app();
    let data = tempfile::tempdir().expect("data");
    two_versions(data.path(), app_dir.path());
    // production goes to 2 and back to 1; MCP must then serve 1 for it.
    for version in ["2", "1"] {
        let moved = cli(data.path(), &["skills", "label", "demo", version, "production", "--force", "--app", path(app_dir.path())]);
        assert_eq!(moved.code, 0, "{moved:?}");
    }
    let binary = env!("CARGO_BIN_EXE_switchboard").to_owned();
    python_library_client(data.path(), &["--stdio".into(), binary, path(app_dir.path()).into(), "--mode".into(), "legacy".into()]);
    let server = Server::start(&[path(app_dir.path())], &[("SWITCHBOARD_DATA_DIR", path(data.path()))]);
    for mode in ["legacy", "2026-07-28"] {
        python_library_client(data.path(), &["--url".into(), server.url(), "--mode".into(), mode.into()]);
    }

    // The HTTP API agrees.
    let (status, _, body) = http(server.port, "GET", "/api/skills/demo?version=production", &[], b"");
    assert_eq!(status, 200, "{body}");
    let shown: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(shown["version"], 1);
    assert!(shown["markdown"].as_str().expect("markdown").contains("First edition"));
    let (status, _, body) = http(server.port, "GET", "/api/skills/demo/diff?from=production&to=latest", &[], b"");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("+Second edition"), "{body}");
    let (status, _, body) = http(server.port, "PUT", "/api/skills/demo/labels/staging", &[], br#"{"version": 2}"#);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = http(server.port, "PUT", "/api/skills/demo/labels/production", &[], br#"{"version": 2}"#);
    assert_eq!(status, 409, "protected: {body}");
    let (status, _, _) = http(server.port, "GET", "/api/agents/nobody", &[], b"");
    assert_eq!(status, 404);
    let (status, _, body) = http(server.port, "GET", "/api/agents", &[], b"");
    assert_eq!(status, 200);
    assert!(body.contains("\"helper\"") && body.contains("\"ts-agent\""), "{body}");
}

#[test]
fn an_edit_under_watch_announces_prompts_and_resources() {
    let data = tempfile::tempdir().expect("data");
    let stdio_app = library_app();
    two_versions(data.path(), stdio_app.path());
    let binary = env!("CARGO_BIN_EXE_switchboard").to_owned();
    let app_path = path(stdio_app.path()).to_owned();
    python_library_client(
        data.path(),
        &["--stdio".into(), binary, app_path.clone(), "--mode".into(), "legacy".into(), "--watch-edit".into(), app_path],
    );
    let http_app = library_app();
    let http_data = tempfile::tempdir().expect("data");
    two_versions(http_data.path(), http_app.path());
    let server = Server::start(&[path(http_app.path()), "--watch"], &[("SWITCHBOARD_DATA_DIR", path(http_data.path()))]);
    python_library_client(
        http_data.path(),
        &["--url".into(), server.url(), "--mode".into(), "2026-07-28".into(), "--watch-edit".into(), path(http_app.path()).into()],
    );
}
