//! The CLI forms later issues and users rely on, and their exit codes.

use crate::harness::*;

#[test]
fn run_returns_twenty_result_shape() {
    let run = switchboard(&["run", path(&example()), "greet", "--payload", r#"{"name":"Ada","tone":"excited"}"#]);
    assert_eq!(run.code, 0, "{run:?}");
    let result = run.json();
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(result["data"]["message"], "Hello, Ada!");
    // A Date crosses as JSON.stringify would write it.
    assert_eq!(result["data"]["at"], "1970-01-01T00:00:00.000Z");
    assert!(result["duration"].is_u64());
    assert_eq!(result["logs"], "");
    let keys: Vec<_> = result.as_object().expect("object").keys().cloned().collect();
    assert_eq!(keys, ["data", "logs", "duration", "status"]);
}

#[test]
fn run_by_universal_identifier_and_default_app_dir() {
    let run = switchboard_with(
        &["run", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "--payload", r#"{"name":"Bo"}"#],
        &[],
        std::time::Duration::from_secs(60),
    );
    // Run from the repo root, which is not an app: a usage error naming the problem.
    assert_eq!(run.code, 2, "{run:?}");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    let _data = isolated(&mut command);
    let output = command
        .current_dir(example())
        .args(["run", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "--payload", r#"{"name":"Bo"}"#])
        .output()
        .expect("run");
    assert!(output.status.success(), "{output:?}");
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(result["data"]["message"], "Hello, Bo.");
}

#[test]
fn payload_from_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("payload.json");
    std::fs::write(&file, r#"{"name":"File"}"#).expect("write");
    let run = switchboard(&["run", path(&example()), "greet", "--payload-file", path(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["message"], "Hello, File.");
}

#[test]
fn payload_that_is_not_json_is_a_usage_error() {
    let run = switchboard(&["run", path(&example()), "greet", "--payload", "{name: Ada}"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("payload is not valid JSON") && run.stderr.contains("line 1"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn unknown_function_lists_the_real_ones() {
    let run = switchboard(&["run", path(&example()), "no-such-function"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("unknown function \"no-such-function\""), "{}", run.stderr);
    assert!(run.stderr.contains("greet") && run.stderr.contains("score-lead"), "{}", run.stderr);
}

#[test]
fn thrown_error_exits_1_with_error_result() {
    let run = switchboard(&["run", path(&fixture("limits")), "throws"]);
    assert_eq!(run.code, 1, "{run:?}");
    let result = run.json();
    assert_eq!(result["status"], "ERROR");
    assert_eq!(result["data"], serde_json::Value::Null);
    assert_eq!(result["error"]["errorType"], "QuotaError");
    assert_eq!(result["error"]["errorMessage"], "quota exceeded for ada@example.com");
    let stack = result["error"]["stackTrace"].as_str().expect("stack");
    assert!(stack.contains("src/throws.ts:"), "{stack}");
    assert!(!stack.contains(env!("CARGO_MANIFEST_DIR")), "host path leaked: {stack}");
    assert!(!stack.contains("ext:switchboard"), "{stack}");
}

#[test]
fn check_summarises_a_valid_app() {
    let run = switchboard(&["check", path(&example())]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Hello CRM"), "{}", run.stdout);
    assert!(run.stdout.contains("greet: route GET /greet/:name, tool"), "{}", run.stdout);
    assert!(run.stdout.contains("daily-digest: cron \"0 8 * * 1-5\""), "{}", run.stdout);
}

#[test]
fn variables_reach_process_env_as_strings_and_undeclared_ones_are_refused() {
    let secret_sig = "not-checked";
    let run = switchboard(&[
        "run",
        path(&example()),
        "signed-webhook",
        "--var",
        "WEBHOOK_SECRET=s3cret",
        "--payload",
        &format!(r#"{{"headers":{{"x-signature":"{secret_sig}"}},"body":{{"a":1}},"rawBody":"{{\"a\":1}}"}}"#),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["valid"], false);
    let run = switchboard(&["run", path(&example()), "greet", "--var", "NOT_DECLARED=1"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("NOT_DECLARED is not declared"), "{}", run.stderr);
    let run = switchboard(&["run", path(&example()), "greet", "--var", "broken"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("expected NAME=VALUE"), "{}", run.stderr);
}

#[test]
fn hmac_signature_matches_an_independent_implementation() {
    // HMAC-SHA256("s3cret", "{\"a\":1}") computed with Python's hmac module.
    let expected = std::process::Command::new("python3")
        .args(["-c", "import hmac,hashlib;print(hmac.new(b's3cret',b'{\"a\":1}',hashlib.sha256).hexdigest())"])
        .output()
        .expect("python3");
    let signature = String::from_utf8(expected.stdout).expect("utf8").trim().to_owned();
    let payload = format!(r#"{{"headers":{{"x-signature":"{signature}"}},"body":{{"a":1}},"rawBody":"{{\"a\":1}}"}}"#);
    let run = switchboard(&["run", path(&example()), "signed-webhook", "--var", "WEBHOOK_SECRET=s3cret", "--payload", &payload]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["valid"], true, "{}", run.stdout);
    assert!(run.json()["logs"].as_str().expect("logs").ends_with("INFO signature valid"));
}

#[test]
fn bad_settings_are_named() {
    let run = switchboard_with(&["check", path(&example())], &[("SWITCHBOARD_HEAP_MB", "lots")], std::time::Duration::from_secs(60));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("SWITCHBOARD_HEAP_MB"), "{}", run.stderr);
    // Out of range (at most 10000 microseconds) is refused the same way.
    let run =
        switchboard_with(&["check", path(&example())], &[("SWITCHBOARD_IDLE_SPIN_MICROS", "50000")], std::time::Duration::from_secs(60));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("SWITCHBOARD_IDLE_SPIN_MICROS"), "{}", run.stderr);
}
