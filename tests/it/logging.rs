//! Structured logs: with `SWITCHBOARD_LOG_FORMAT=json` every line is a JSON
//! object, and the lines made while a function runs carry its run id, the
//! same id as its run record.

use crate::harness::{Server, example, http, switchboard_with};
use serde_json::Value;
use std::time::Duration;

#[test]
fn json_logs_carry_the_run_id_of_the_run_they_belong_to() {
    let data = tempfile::tempdir().expect("data");
    let data_dir = data.path().to_str().expect("utf-8");
    let app = example();
    let envs = [("SWITCHBOARD_DATA_DIR", data_dir), ("SWITCHBOARD_LOG", "info"), ("SWITCHBOARD_LOG_FORMAT", "json")];
    let ran = switchboard_with(
        &["run", app.to_str().expect("utf-8"), "greet", "--payload", r#"{"name":"Very Private Name"}"#],
        &envs,
        Duration::from_secs(60),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let lines: Vec<Value> = ran
        .stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not a JSON log line ({error}): {line}")))
        .collect();
    let finished = lines.iter().find(|line| line["fields"]["message"] == "run finished").expect("a run finished line");
    assert_eq!(finished["span"]["name"], "run", "{finished}");
    assert_eq!(finished["span"]["function"], "greet", "{finished}");
    assert_eq!(finished["span"]["trigger"], "manual", "{finished}");
    assert_eq!(finished["fields"]["status"], "SUCCESS", "{finished}");
    assert!(!ran.stderr.contains("Very Private Name"), "the payload stays out of the logs: {}", ran.stderr);

    // The id in the log line is the run record's.
    let listed = switchboard_with(&["runs", "--json", "--app", app.to_str().expect("utf-8")], &envs[..1], Duration::from_secs(30));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let runs: Value = serde_json::from_str(&listed.stdout).expect("json");
    assert_eq!(finished["span"]["run_id"], runs["runs"][0]["id"], "{finished}\n{runs}");
}

#[test]
fn an_unknown_log_format_is_refused_by_name() {
    let ran =
        switchboard_with(&["check", example().to_str().expect("utf-8")], &[("SWITCHBOARD_LOG_FORMAT", "xml")], Duration::from_secs(30));
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("SWITCHBOARD_LOG_FORMAT") && ran.stderr.contains("text or json"), "{}", ran.stderr);
}

#[test]
fn a_run_started_over_http_nests_in_the_request_span() {
    let app = example();
    let server = Server::start(&[app.to_str().expect("utf-8")], &[("SWITCHBOARD_LOG", "info"), ("SWITCHBOARD_LOG_FORMAT", "json")]);
    let (status, _, body) = http(server.port, "POST", "/s/webhooks/incoming?secret=Very-Private", &[], b"{}");
    assert!(status > 0, "{body}");
    let lines = || -> Vec<Value> { server.stderr_lines().iter().filter_map(|line| serde_json::from_str(line).ok()).collect() };
    let mut finished = None;
    for _ in 0..100 {
        finished = lines().into_iter().find(|line| line["fields"]["message"] == "request finished");
        if finished.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let finished = finished.expect("a request finished line");
    assert_eq!(finished["span"]["name"], "http", "{finished}");
    assert_eq!(finished["span"]["area"], "/s", "{finished}");
    let run = lines().into_iter().find(|line| line["fields"]["message"] == "run finished").expect("a run finished line");
    let spans: Vec<&str> = run["spans"].as_array().expect("spans").iter().filter_map(|span| span["name"].as_str()).collect();
    assert_eq!(spans, ["http", "run"], "{run}");
    assert!(!server.stderr_lines().concat().contains("Very-Private"), "the query stays out of the logs");
}
