//! Limits and isolation seen from the CLI: timeouts, memory, result and log
//! caps, serialisation, and what sandboxed code can and cannot reach.

use crate::harness::*;
use serde_json::Value;
use std::time::Duration;

fn run_fixture(function: &str) -> (i32, Value) {
    let run = switchboard(&["run", path(&fixture("limits")), function, "--payload", r#"{"x":1}"#]);
    let json = run.json();
    (run.code, json)
}

#[test]
fn infinite_loop_times_out_and_the_process_exits_normally() {
    let run = switchboard_with(&["run", path(&fixture("limits")), "spin"], &[], Duration::from_secs(20));
    assert_eq!(run.code, 1, "{run:?}");
    let result = run.json();
    assert_eq!(result["status"], "ERROR");
    assert_eq!(result["error"]["errorType"], "TimeoutError");
    assert_eq!(result["error"]["errorMessage"], "Timed out after 1000 ms");
}

#[test]
fn awaiting_past_the_timeout_also_times_out() {
    let run = switchboard_with(&["run", path(&fixture("limits")), "sleepy"], &[], Duration::from_secs(20));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["error"]["errorType"], "TimeoutError");
}

#[test]
fn unbounded_allocation_names_the_memory_limit() {
    let run = switchboard_with(&["run", "--heap-mb", "48", path(&fixture("limits")), "hog"], &[], Duration::from_secs(60));
    assert_eq!(run.code, 1, "{run:?}");
    let result = run.json();
    assert_eq!(result["error"]["errorType"], "MemoryLimitError");
    assert!(result["error"]["errorMessage"].as_str().expect("message").contains("memory limit of 48 MB"), "{result}");
}

#[test]
fn results_that_are_not_json_are_errors_naming_why() {
    let (code, result) = run_fixture("bigint");
    assert_eq!(code, 1);
    assert_eq!(result["error"]["errorType"], "SerializationError");
    assert!(result["error"]["errorMessage"].as_str().expect("msg").contains("BigInt"), "{result}");
    let (_, result) = run_fixture("cycle");
    assert_eq!(result["error"]["errorType"], "SerializationError");
    assert!(result["error"]["errorMessage"].as_str().expect("msg").contains("circular"), "{result}");
}

#[test]
fn oversized_results_are_refused() {
    let (code, result) = run_fixture("huge");
    assert_eq!(code, 1);
    assert_eq!(result["error"]["errorType"], "ResultTooLargeError");
}

#[test]
fn logs_are_capped() {
    let (code, result) = run_fixture("leaklog");
    assert_eq!(code, 0, "{result}");
    let logs = result["logs"].as_str().expect("logs");
    assert!(logs.len() <= 1024 * 1024 + 200, "{} bytes", logs.len());
    assert!(logs.ends_with("log output truncated: more than 1048576 bytes"), "{}", &logs[logs.len() - 200..]);
}

#[test]
fn log_lines_follow_twenty_format() {
    let (_, result) = run_fixture("logs");
    let logs = result["logs"].as_str().expect("logs");
    let lines: Vec<&str> = logs.lines().collect();
    for line in &lines {
        let (stamp, rest) = line.split_once(' ').expect("timestamp");
        assert_eq!(stamp.len(), 24, "{line}");
        assert!(stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T', "{line}");
        assert!(rest.starts_with("INFO ") || rest.starts_with("ERROR "), "{line}");
    }
    assert!(lines[0].ends_with("INFO a { b: 1 }"), "{}", lines[0]);
    assert!(lines[1].ends_with("INFO info"));
    assert!(lines[2].ends_with("ERROR careful"), "warn goes to stderr in Node: {}", lines[2]);
    assert!(lines[3].ends_with("ERROR Error: bad"));
    assert!(lines.last().expect("last").ends_with("INFO dbg"));
    assert_eq!(result["data"], Value::Null, "undefined becomes null");
}

/// What `process.env` holds in a run of an app with one variable, `VISIBLE`, sorted.
const RUN_ENV_NAMES: [&str; 7] = [
    "APPLICATION_ID",
    "TWENTY_API_KEY",
    "TWENTY_API_URL",
    "TWENTY_APP_ACCESS_TOKEN",
    "TWENTY_APP_APPLICATION_ACCESS_TOKEN",
    "TWENTY_FUNCTIONS_URL",
    "VISIBLE",
];

#[test]
fn process_env_holds_only_app_variables_and_reserved_names() {
    let run = switchboard_with(
        &["run", path(&fixture("limits")), "env"],
        &[("HOST_SECRET", "do-not-leak"), ("HOME", "/root")],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let result = run.json();
    let env = result["data"]["env"].as_object().expect("env");
    let mut names: Vec<_> = env.keys().cloned().collect();
    names.sort();
    assert_eq!(names, RUN_ENV_NAMES);
    for token in ["TWENTY_API_KEY", "TWENTY_APP_ACCESS_TOKEN", "TWENTY_APP_APPLICATION_ACCESS_TOKEN"] {
        assert_eq!(env[token], "[redacted]", "a run's token never leaves it in the result");
    }
    assert_eq!(env["VISIBLE"], "42", "NUMBER variables are strings");
    assert_eq!(result["data"]["hasDeno"], "undefined");
    assert_eq!(result["data"]["hasBootstrap"], "undefined");
}

#[test]
fn no_filesystem_no_escape() {
    // node:fs imports (libraries import it at top level), but every call
    // is refused.
    let (_, result) = run_fixture("readfile");
    let message = result["error"]["errorMessage"].as_str().expect("msg");
    assert!(message.contains("fs.readFileSync is not available in the switchboard sandbox: app code has no filesystem"), "{result}");
    let (_, result) = run_fixture("escape");
    assert!(result["error"]["errorMessage"].as_str().expect("msg").contains("outside the app folder"), "{result}");
}

#[test]
fn web_platform_is_there() {
    let (code, result) = run_fixture("webapis");
    assert_eq!(code, 0, "{result}");
    let data = &result["data"];
    assert_eq!(data["host"], "x.test");
    assert_eq!(data["q"], "1");
    assert_eq!(data["len"], 3);
    assert_eq!(data["aborted"], true);
    assert_eq!(data["uuid"], 36);
    assert_eq!(data["b64"], "aGk=");
    assert_eq!(data["un"], "hi");
    assert_eq!(data["clone"], true);
    assert_eq!(data["rnd"], 4);
    assert_eq!(data["hdr"], "1");
    assert_eq!(data["resp"], "ok");
    assert_eq!(data["timer"], "tick");
}

/// A one-shot HTTP server on loopback; returns its port.
fn serve_once(body: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let response = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

#[test]
fn fetch_reaches_allow_listed_hosts_only() {
    let port = serve_once("pong");
    let payload = format!(r#"{{"url":"http://127.0.0.1:{port}/ping"}}"#);
    let denied = switchboard(&["run", path(&fixture("limits")), "fetchit", "--payload", &payload]);
    assert_eq!(denied.code, 1, "{denied:?}");
    let message = denied.json()["error"]["errorMessage"].as_str().expect("msg").to_owned();
    assert!(message.contains("net access") && message.contains("127.0.0.1"), "{message}");
    let allowed =
        switchboard(&["run", "--allow-net", &format!("127.0.0.1:{port}"), path(&fixture("limits")), "fetchit", "--payload", &payload]);
    assert_eq!(allowed.code, 0, "{allowed:?}");
    assert_eq!(allowed.json()["data"], serde_json::json!({"status": 200, "body": "pong"}));
}

#[test]
fn each_run_starts_with_the_apps_env_and_fresh_tokens() {
    // One runtime, so every call lands in the runtime the last one changed.
    let server = Server::start(&[path(&fixture("env-reset"))], &[("SWITCHBOARD_MAX_RUNTIMES", "1")]);
    let mut tails = Vec::new();
    for _ in 0..3 {
        // Tokens carry their expiry in milliseconds; calls a moment apart get different ones.
        std::thread::sleep(Duration::from_millis(5));
        let (status, _, body) = http(server.port, "GET", "/s/mutate", &[], b"");
        assert_eq!(status, 200, "{body}");
        let seen: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(seen["names"], serde_json::json!(RUN_ENV_NAMES), "what a run added or deleted is undone: {seen}");
        assert_eq!(seen["visible"], "original", "a changed value is restored: {seen}");
        assert_eq!(seen["apiKeyIsToken"], true, "{seen}");
        assert_eq!(seen["stolen"], "undefined", "no accessor can be planted to catch a later run's token: {seen}");
        assert_eq!(seen["countType"], "string", "values become strings, as in Node: {seen}");
        assert_eq!(seen["refused"], serde_json::json!(["readonly", "accessor", "hidden"]), "{seen}");
        tails.push(seen["tokenTail"].as_str().expect("tail").to_owned());
        // A run that leaves process.env alone (and reads no token) sees the
        // same names; the next run still starts clean with tokens of its own.
        let (status, _, body) = http(server.port, "GET", "/s/quiet", &[], b"");
        assert_eq!(status, 200, "{body}");
        let quiet: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(quiet["names"], serde_json::json!(RUN_ENV_NAMES), "{body}");
        assert_eq!(quiet["workspaceId"].as_str().map(str::len), Some(36), "each run gets its own context: {body}");
    }
    tails.sort();
    tails.dedup();
    assert_eq!(tails.len(), 3, "every run gets tokens of its own: {tails:?}");
    // Freezing process.env is refused, as in Node, and the runtime serves on.
    let (status, _, body) = http(server.port, "GET", "/s/freeze", &[], b"");
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("'process.env' cannot be frozen"), "{body}");
    let (status, _, body) = http(server.port, "GET", "/s/mutate", &[], b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).expect("json")["visible"], "original", "{body}");
}
