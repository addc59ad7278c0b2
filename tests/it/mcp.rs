//! MCP with the official clients (Python `mcp` 2.3, TypeScript
//! `@modelcontextprotocol/client` 2.4 and `sdk` 1.32) over stdio and HTTP in
//! both protocol eras, and the HTTP security rules checked with raw requests.
//! Client packages come from `SWITCHBOARD_PEERS` (see scripts/install-test-peers.sh).

use crate::harness::*;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn peers() -> Option<PathBuf> {
    peer_dir("SWITCHBOARD_PEERS")
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_switchboard")
}

fn run_client(program: &str, args: &[String], cwd: &std::path::Path, envs: &[(&str, String)]) {
    let mut command = Command::new(program);
    command.args(args).current_dir(cwd);
    let _data = isolated(&mut command);
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("client");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = receiver.recv_timeout(Duration::from_secs(120)).expect("client finished in time").expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stdout.contains("all checks passed"), "{program} {args:?} failed:\n{stdout}\n{stderr}");
}

fn python_client(peers: &std::path::Path, script: &str, args: Vec<String>) {
    let mut full = vec![repo().join("tests/clients").join(script).display().to_string()];
    full.extend(args);
    run_client("python3", &full, &repo(), &[("PYTHONPATH", peers.join("python").display().to_string())]);
}

fn node_client(peers: &std::path::Path, args: Vec<String>) {
    let folder = peers.join("mcp-js");
    std::fs::copy(repo().join("tests/clients/ts_client.mjs"), folder.join("ts_client.mjs")).expect("copy client");
    let mut full = vec!["ts_client.mjs".to_owned()];
    full.extend(args);
    run_client("node", &full, &folder, &[]);
}

fn tools_fixture() -> String {
    fixture("mcp-tools").display().to_string()
}

#[test]
fn python_client_over_stdio_in_both_eras() {
    let Some(peers) = peers() else { return };
    for mode in ["legacy", "auto", "2026-07-28"] {
        python_client(&peers, "py_client.py", vec!["--stdio".into(), binary().into(), tools_fixture(), "--mode".into(), mode.into()]);
    }
}

#[test]
fn python_client_over_http_in_both_eras() {
    let Some(peers) = peers() else { return };
    let server = Server::start(&[&tools_fixture()], &[]);
    for mode in ["legacy", "auto", "2026-07-28"] {
        python_client(&peers, "py_client.py", vec!["--url".into(), server.url(), "--mode".into(), mode.into()]);
    }
}

#[test]
fn typescript_clients_over_stdio_and_http() {
    let Some(peers) = peers() else { return };
    let server = Server::start(&[&tools_fixture()], &[]);
    for (sdk, mode) in [("v2", "legacy"), ("v2", "auto"), ("v2", "modern"), ("v1", "legacy")] {
        node_client(&peers, vec![sdk.into(), mode.into(), "--stdio".into(), binary().into(), tools_fixture()]);
        node_client(&peers, vec![sdk.into(), mode.into(), "--url".into(), server.url()]);
    }
}

fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in walkdir::WalkDir::new(fixture("mcp-tools")) {
        let entry = entry.expect("walk");
        let target = dir.path().join(entry.path().strip_prefix(fixture("mcp-tools")).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    dir
}

#[test]
fn list_changed_after_an_edit_over_stdio() {
    let Some(peers) = peers() else { return };
    for mode in ["legacy", "2026-07-28"] {
        let app = fixture_copy();
        python_client(
            &peers,
            "py_list_changed.py",
            vec!["--stdio".into(), binary().into(), "--mode".into(), mode.into(), path(app.path()).into()],
        );
    }
}

#[test]
fn list_changed_after_an_edit_over_http() {
    let Some(peers) = peers() else { return };
    for mode in ["legacy", "2026-07-28"] {
        let app = fixture_copy();
        let server = Server::start(&["--watch", path(app.path())], &[]);
        python_client(
            &peers,
            "py_list_changed.py",
            vec!["--url".into(), server.url(), "--mode".into(), mode.into(), path(app.path()).into()],
        );
    }
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;
const MCP_HEADERS: [(&str, &str); 2] = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];

#[test]
fn api_keys_guard_mcp_but_not_health() {
    let server = Server::start(&[&tools_fixture()], &[("SWITCHBOARD_API_KEYS", "first-key,second-key")]);
    let (status, head, body) = http(server.port, "POST", "/mcp", &MCP_HEADERS, INITIALIZE.as_bytes());
    assert_eq!(status, 401, "{head}{body}");
    assert!(head.contains("www-authenticate: bearer realm=\"switchboard\""), "{head}");
    let wrong = [MCP_HEADERS[0], MCP_HEADERS[1], ("Authorization", "Bearer wrong-key")];
    assert_eq!(http(server.port, "POST", "/mcp", &wrong, INITIALIZE.as_bytes()).0, 401);
    let right = [MCP_HEADERS[0], MCP_HEADERS[1], ("Authorization", "Bearer second-key")];
    let (status, _, body) = http(server.port, "POST", "/mcp", &right, INITIALIZE.as_bytes());
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"serverInfo\""), "{body}");
    let (status, _, body) = http(server.port, "GET", "/healthz", &[], b"");
    assert_eq!(status, 200);
    assert!(body.contains("\"tools\":6"), "{body}");
}

#[test]
fn foreign_origin_oversized_body_and_malformed_json_are_refused_and_serving_continues() {
    let server = Server::start(&[&tools_fixture()], &[("SWITCHBOARD_MAX_BODY_BYTES", "4096")]);
    let foreign = [MCP_HEADERS[0], MCP_HEADERS[1], ("Origin", "https://evil.example")];
    assert_eq!(http(server.port, "POST", "/mcp", &foreign, INITIALIZE.as_bytes()).0, 403);
    let local = [MCP_HEADERS[0], MCP_HEADERS[1], ("Origin", "http://localhost:3000")];
    assert_eq!(http(server.port, "POST", "/mcp", &local, INITIALIZE.as_bytes()).0, 200);
    let big = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#, "x".repeat(8192));
    assert_eq!(http(server.port, "POST", "/mcp", &MCP_HEADERS, big.as_bytes()).0, 413);
    let (status, _, body) = http(server.port, "POST", "/mcp", &MCP_HEADERS, b"{not json");
    assert_eq!(status, 400);
    assert!(body.contains("-32700") && body.contains("Parse error"), "parse error expected: {body}");
    let (status, _, body) = http(server.port, "POST", "/mcp", &MCP_HEADERS, br#"{"jsonrpc":"2.0","id":7}"#);
    assert_eq!(status, 400);
    assert!(body.contains("-32600"), "invalid request expected: {body}");
    let (status, _, body) = http(server.port, "POST", "/mcp", &MCP_HEADERS, INITIALIZE.as_bytes());
    assert_eq!(status, 200, "still serving: {body}");
}

#[test]
fn non_loopback_listen_needs_keys_or_insecure() {
    let run = switchboard(&["serve", &tools_fixture(), "--listen", "0.0.0.0:0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("refusing to listen on 0.0.0.0:0 without API keys"), "{}", run.stderr);
}

#[test]
fn invalid_tool_names_and_collisions_are_refused() {
    let bad = app(&[
        ("src/app.ts", APPLICATION),
        ("src/role.ts", ROLE),
        (
            "src/t.ts",
            &function("universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'has space', toolTriggerSettings: {}", "() => 1"),
        ),
    ]);
    let run = switchboard(&["serve", path(bad.path()), "--listen", "127.0.0.1:0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("\"has space\" is not a valid MCP tool name"), "{}", run.stderr);
    // A second app (its own universalIdentifier) with the same tool names.
    let twin = fixture_copy();
    let config = twin.path().join("src/app.ts");
    let text = std::fs::read_to_string(&config).expect("app.ts");
    let id = text.split("universalIdentifier: '").nth(1).and_then(|rest| rest.split('\'').next()).expect("an id").to_owned();
    std::fs::write(&config, text.replace(&id, "99999999-9999-4999-8999-999999999999")).expect("write app.ts");
    let std_out = switchboard(&["serve", &tools_fixture(), path(twin.path()), "--listen", "127.0.0.1:0"]);
    assert_eq!(std_out.code, 2, "{std_out:?}");
    assert!(std_out.stderr.contains("is also defined by") && std_out.stderr.contains("--tool-prefix"), "{}", std_out.stderr);
}

/// `switchboard mcp` on the tools fixture with `options`, its store in
/// `data`: the process, its stdin, and its stdout lines as they come.
fn stdio_mcp(
    options: &[&str],
    data: &std::path::Path,
) -> (std::process::Child, std::process::ChildStdin, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(binary())
        .arg("mcp")
        .args(options)
        .arg(tools_fixture())
        .env("SWITCHBOARD_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mcp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    (child, stdin, receiver)
}

#[test]
fn cancellation_frees_the_runtime() {
    // One runtime: if cancelling `slow` (30 s) did not stop it, `greet` would wait.
    let data = tempfile::tempdir().expect("data dir");
    let (mut child, mut stdin, receiver) = stdio_mcp(&["--max-runtimes", "1"], data.path());
    for message in [
        INITIALIZE,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"ms":30000}}}"#,
    ] {
        writeln!(stdin, "{message}").expect("write");
    }
    std::thread::sleep(Duration::from_millis(500));
    writeln!(stdin, r#"{{"jsonrpc":"2.0","method":"notifications/cancelled","params":{{"requestId":2,"reason":"test"}}}}"#).expect("write");
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"greet","arguments":{{"name":"Ada"}}}}}}"#)
        .expect("write");
    let mut answered = false;
    while let Ok(line) = receiver.recv_timeout(Duration::from_secs(15)) {
        if line.contains("\"id\":3") {
            assert!(line.contains("Hello, Ada!"), "{line}");
            answered = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered, "greet was not answered after cancelling slow");
}

#[test]
fn conformance_suite_passes_every_applicable_scenario() {
    let Some(peers) = peers() else { return };
    let script = repo().join("tests/conformance/run.py").display().to_string();
    let mut command = Command::new("python3");
    let _data = isolated(&mut command);
    let output = command.args([&script, binary(), path(&peers)]).output().expect("conformance runner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "conformance failures:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("every applicable scenario passed"), "{stdout}");
    eprintln!("{stdout}");
}

#[test]
fn stdio_gateway_stops_cleanly_on_sigterm_with_its_runs_recorded() {
    let data = tempfile::tempdir().expect("data dir");
    let (mut child, mut stdin, receiver) = stdio_mcp(&[], data.path());
    writeln!(stdin, "{INITIALIZE}").expect("write");
    writeln!(stdin, r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#).expect("write");
    for id in 2..7 {
        writeln!(stdin, r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"greet","arguments":{{"name":"Ada"}}}}}}"#)
            .expect("write");
    }
    let mut answered = 0;
    while answered < 5 {
        let line = receiver.recv_timeout(Duration::from_secs(15)).expect("an answer");
        if line.contains("Hello, Ada!") {
            answered += 1;
        }
    }
    // stdin stays open: only the signal ends it.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = child.wait().expect("wait");
    drop(stdin);
    assert_eq!(status.code(), Some(0), "SIGTERM ends `mcp` cleanly, not by the signal: {status:?}");
    let listing = switchboard_with(
        &["runs", "--json", "--function", "greet", "--limit", "100"],
        &[("SWITCHBOARD_DATA_DIR", path(data.path()))],
        Duration::from_secs(60),
    );
    assert_eq!(listing.json()["runs"].as_array().expect("runs").len(), 5, "{}", listing.stdout);
}
