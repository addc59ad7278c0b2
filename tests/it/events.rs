//! Database events end to end against `serve`: `/api/events` and Twenty's
//! signed webhooks, matching (wildcards, `updatedFields`, batch mode),
//! retries, idempotency, durability across SIGKILL, and run history that
//! shows every trigger kind.

use crate::harness::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

const KEY: &str = "events-test-key";
const SECRET: &str = "whsec-test";

fn start(data: Option<&str>) -> Server {
    let mut envs = vec![
        ("SWITCHBOARD_API_KEYS", KEY),
        ("SWITCHBOARD_EVENT_RETRY_MS", "50"),
        ("SWITCHBOARD_TWENTY_WEBHOOK_SECRET", SECRET),
        ("SWITCHBOARD_MCP_STATELESS", "1"),
    ];
    if let Some(dir) = data {
        envs.push(("SWITCHBOARD_DATA_DIR", dir));
    }
    Server::start(&[path(&fixture("events"))], &envs)
}

fn bearer() -> String {
    format!("Bearer {KEY}")
}

fn post_events(server: &Server, body: &Value) -> (u16, Value) {
    let auth = bearer();
    let (status, _, text) = http(
        server.port,
        "POST",
        "/api/events",
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[test]
fn api_events_run_matching_functions_once() {
    let server = start(None);
    let event = json!({
        "name": "person.created",
        "recordId": "p-1",
        "properties": { "after": { "id": "p-1", "name": { "firstName": "Ada" } } },
        "workspaceMemberId": "wm-1"
    });
    let (status, answer) = post_events(&server, &event);
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer, json!({ "events": 1, "queued": 1, "duplicates": 0, "unmatched": 0 }));
    let done = wait_for_runs(&server, KEY, "function=on-person-created", |runs| !runs.is_empty());
    let run = &done[0];
    assert_eq!(run["trigger"], "database_event");
    assert_eq!(run["status"], "SUCCESS", "{run}");
    let payload = &run["data"]["event"];
    assert_eq!(payload["name"], "person.created");
    assert_eq!(payload["recordId"], "p-1");
    assert_eq!(payload["workspaceMemberId"], "wm-1");
    assert_eq!(payload["objectMetadata"], json!({ "nameSingular": "person" }));
    assert_eq!(payload["properties"]["after"]["name"]["firstName"], "Ada");
    assert!(payload["workspaceId"].is_string());
    assert_eq!(run["data"]["retryCount"], 0);
    assert_eq!(run["data"]["maxRetries"], 3);
    assert_eq!(run["detail"]["attempt"], 1);

    // The same event again is recognised and runs nothing more.
    let (status, answer) = post_events(&server, &event);
    assert_eq!(status, 202);
    assert_eq!(answer, json!({ "events": 1, "queued": 0, "duplicates": 1, "unmatched": 0 }));
    let (_, answer) = post_events(&server, &json!({ "name": "planet.created", "recordId": "x" }));
    assert_eq!(answer["unmatched"], 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(runs(&server, KEY, "function=on-person-created").len(), 1, "a re-delivered event must not run twice");
}

#[test]
fn updated_fields_filter_and_batch_mode() {
    let server = start(None);
    let update = |id: &str, fields: Value| json!({ "name": "person.updated", "recordId": id, "properties": { "updatedFields": fields } });
    let (_, answer) = post_events(&server, &json!([update("a", json!(["name"])), update("b", json!(["email", "name"]))]));
    assert_eq!(answer, json!({ "events": 2, "queued": 1, "duplicates": 0, "unmatched": 1 }), "only the email change matches");
    let done = wait_for_runs(&server, KEY, "function=on-email-change", |runs| !runs.is_empty());
    assert_eq!(done[0]["data"]["updatedFields"], json!(["email", "name"]));

    let deals: Vec<Value> = (0..250).map(|n| json!({ "name": "deal.created", "recordId": format!("d{n}") })).collect();
    let (status, answer) = post_events(&server, &Value::Array(deals));
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["queued"], 250);
    let batches = wait_for_runs(&server, KEY, "function=batched", |runs| {
        runs.iter().map(|run| run["data"]["count"].as_u64().unwrap_or(0)).sum::<u64>() >= 250
    });
    let sizes: Vec<u64> = batches.iter().map(|run| run["data"]["count"].as_u64().expect("count")).collect();
    assert!(sizes.iter().all(|size| *size <= 200), "at most 200 events per batch: {sizes:?}");
    assert!(sizes.len() >= 2, "250 events need two batches: {sizes:?}");
    let mut ids: Vec<String> = batches
        .iter()
        .flat_map(|run| run["data"]["ids"].as_array().expect("ids").iter().map(|id| id.as_str().expect("id").to_owned()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 250, "every event exactly once");
    assert_eq!(batches[0]["data"]["name"], "deal.created");
}

#[test]
fn failed_runs_are_retried_then_given_up() {
    let server = start(None);
    post_events(&server, &json!({ "name": "flaky.created", "recordId": "f1" }));
    post_events(&server, &json!({ "name": "doomed.created", "recordId": "x1" }));
    let flaky = wait_for_runs(&server, KEY, "function=flaky", |runs| runs.iter().any(|run| run["status"] == "SUCCESS"));
    let statuses: Vec<&str> = flaky.iter().rev().map(|run| run["status"].as_str().expect("status")).collect();
    assert_eq!(statuses, ["ERROR", "ERROR", "SUCCESS"], "two failures, then the second retry works");
    assert_eq!(flaky[0]["data"]["succeededOnRetry"], 2);
    let doomed = wait_for_runs(&server, KEY, "function=doomed", |runs| runs.len() >= 4);
    std::thread::sleep(Duration::from_millis(1500));
    let doomed_now = runs(&server, KEY, "function=doomed");
    assert_eq!(doomed_now.len(), 4, "one run and three retries, no more: {doomed:#?}");
    assert!(doomed_now.iter().all(|run| run["status"] == "ERROR"));
    assert_eq!(doomed_now[0]["detail"]["attempt"], 4);
    assert_eq!(doomed_now[0]["error"]["errorMessage"], "never works");
}

#[test]
fn bad_event_input_is_named_and_serving_continues() {
    let server = start(None);
    let auth = bearer();
    let post = |body: &[u8], headers: &[(&str, &str)]| http(server.port, "POST", "/api/events", headers, body);
    let (status, _, body) = post(b"{not json", &[("Authorization", &auth)]);
    assert_eq!(status, 400);
    assert!(body.contains("not valid JSON"), "{body}");
    let (status, _, body) = post(br#"[{"name":"person.created","recordId":"1"},{"recordId":"2"}]"#, &[("Authorization", &auth)]);
    assert_eq!(status, 400);
    assert!(body.contains("body /1/name: is required"), "{body}");
    let (status, _, body) =
        post(br#"{"name":"person.created","recordId":"1","properties":{"updatedFields":"email"}}"#, &[("Authorization", &auth)]);
    assert_eq!(status, 400);
    assert!(body.contains("/properties/updatedFields"), "{body}");
    let (status, _, _) = post(br#"{"name":"person.created","recordId":"1"}"#, &[]);
    assert_eq!(status, 401, "an API key is required");
    let (status, _, body) = post(br#"{"name":"person.created","recordId":"1"}"#, &[("Authorization", "Bearer wrong")]);
    assert_eq!(status, 401, "/api answers a wrong key as /mcp does");
    assert!(body.contains("invalid API key"), "{body}");
    let big = vec![b' '; 11 * 1024 * 1024];
    let (status, _, _) = post(&big, &[("Authorization", &auth)]);
    assert_eq!(status, 413);
    let (status, _, body) = http(server.port, "GET", "/api/runs?limit=5000", &[("Authorization", &auth)], b"");
    assert_eq!(status, 400);
    assert!(body.contains("limit"), "{body}");
    let (status, _, body) = http(server.port, "GET", "/api/runs?colour=red", &[("Authorization", &auth)], b"");
    assert_eq!(status, 400);
    assert!(body.contains("colour"), "{body}");
    let (status, _, _) = http(server.port, "GET", "/api/runs/no-such-run", &[("Authorization", &auth)], b"");
    assert_eq!(status, 404);
    let (status, _, _) = http(server.port, "GET", "/healthz", &[], b"");
    assert_eq!(status, 200, "still serving");
}

fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn twenty_webhooks_are_verified_then_run() {
    let server = start(None);
    let body = br#"{"targetUrl":"http://x","eventName":"person.created","objectMetadata":{"id":"m-1","nameSingular":"person"},"workspaceId":"w","webhookId":"h","eventDate":"2026-11-26T10:00:00.000Z","record":{"id":"w-1","city":"Paris"}}"#;
    let now = chrono::Utc::now().timestamp_millis().to_string();
    let deliver = |timestamp: &str, signature: &str, body: &[u8]| {
        http(
            server.port,
            "POST",
            "/webhooks/twenty",
            &[
                ("X-Twenty-Webhook-Timestamp", timestamp),
                ("X-Twenty-Webhook-Signature", signature),
                ("X-Twenty-Webhook-Nonce", "0123456789abcdef0123456789abcdef"),
                ("Content-Type", "application/json"),
            ],
            body,
        )
    };
    let (status, _, text) = deliver(&now, &sign("wrong-secret", &now, body), body);
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("does not match"), "{text}");
    let stale = (chrono::Utc::now().timestamp_millis() - 10 * 60 * 1000).to_string();
    let (status, _, text) = deliver(&stale, &sign(SECRET, &stale, body), body);
    assert_eq!(status, 401);
    assert!(text.contains("away from now"), "{text}");
    let (status, _, text) = http(server.port, "POST", "/webhooks/twenty", &[], body);
    assert_eq!(status, 401);
    assert!(text.contains("x-twenty-webhook-timestamp"), "{text}");
    let (status, _, text) = deliver(&now, &sign(SECRET, &now, b"{}"), body);
    assert_eq!(status, 401, "a signature of another body: {text}");

    let (status, _, text) = deliver(&now, &sign(SECRET, &now, body), body);
    assert_eq!(status, 202, "{text}");
    let done = wait_for_runs(&server, KEY, "function=on-person-created", |runs| !runs.is_empty());
    let payload = &done[0]["data"]["event"];
    assert_eq!(payload["recordId"], "w-1");
    assert_eq!(payload["properties"]["after"]["city"], "Paris");
    assert_eq!(payload["objectMetadata"]["id"], "m-1");
    // Twenty retries with a new nonce and timestamp but the same body: it runs once.
    let later = (chrono::Utc::now().timestamp_millis() + 5).to_string();
    let (status, _, text) = deliver(&later, &sign(SECRET, &later, body), body);
    assert_eq!(status, 202);
    assert!(text.contains(r#""duplicates":1"#), "{text}");
    let (status, _, text) = deliver(&now, &sign(SECRET, &now, b"[1]"), b"[1]");
    assert_eq!(status, 400, "{text}");

    let unset = Server::start(&[path(&fixture("events"))], &[]);
    let (status, _, text) = http(unset.port, "POST", "/webhooks/twenty", &[], body);
    assert_eq!(status, 503);
    assert!(text.contains("SWITCHBOARD_TWENTY_WEBHOOK_SECRET"), "{text}");
}

#[test]
fn queued_events_survive_sigkill_and_run_exactly_once() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = path(data.path()).to_owned();
    let events: Vec<Value> = (0..6).map(|n| json!({ "name": "slow.created", "recordId": format!("s{n}") })).collect();
    let server = Server::start(
        &[path(&fixture("events"))],
        &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_DATA_DIR", &dir), ("SWITCHBOARD_MAX_RUNTIMES", "1")],
    );
    let (status, answer) = post_events(&server, &Value::Array(events.clone()));
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["queued"], 6);
    // One slow run (0.7 s each, one runtime) is under way when the process dies.
    wait_for_runs(&server, KEY, "function=slow", |runs| !runs.is_empty());
    server.kill();

    let server = Server::start(
        &[path(&fixture("events"))],
        &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_DATA_DIR", &dir), ("SWITCHBOARD_MAX_RUNTIMES", "2")],
    );
    let done = wait_for_runs(&server, KEY, "function=slow&status=SUCCESS", |runs| runs.len() >= 6);
    let mut ids: Vec<&str> = done.iter().map(|run| run["data"]["recordId"].as_str().expect("id")).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["s0", "s1", "s2", "s3", "s4", "s5"], "every queued event ran exactly once");
    let (_, answer) = post_events(&server, &Value::Array(events));
    assert_eq!(answer["duplicates"], 6, "re-delivered after the restart: nothing new");
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(runs(&server, KEY, "function=slow&status=SUCCESS").len(), 6);
}

#[test]
fn run_history_shows_every_trigger_kind() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = path(data.path()).to_owned();
    // Cron: a missed fire is caught up on start, once. The first start
    // records no fire (nothing to catch up), so seed one with the library.
    seed_cron_fire(data.path());
    let server = Server::start(
        &[path(&fixture("events"))],
        &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_DATA_DIR", &dir), ("SWITCHBOARD_MCP_STATELESS", "1")],
    );
    let auth = bearer();
    let (status, _, text) =
        http(server.port, "GET", "/s/hello/ada?token=query-secret&page=2", &[("Authorization", "Bearer route-secret")], b"");
    assert_eq!(status, 200, "{text}");
    let (status, _, text) = http(server.port, "POST", "/api/functions/double/execute", &[("Authorization", &auth)], br#"{"n":2}"#);
    assert_eq!(status, 200, "{text}");
    let (status, _, text) = http(server.port, "POST", "/api/workflow-actions/double", &[("Authorization", &auth)], br#"{"n":3}"#);
    assert_eq!(status, 200, "{text}");
    let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shout","arguments":{"word":"hey"}}}"#;
    let (status, _, text) = http(
        server.port,
        "POST",
        "/mcp",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        call,
    );
    assert_eq!(status, 200, "{text}");
    post_events(&server, &json!({ "name": "person.created", "recordId": "every-1" }));
    let all = wait_for_runs(&server, KEY, "", |runs| {
        let kinds: std::collections::BTreeSet<&str> = runs.iter().filter_map(|run| run["trigger"].as_str()).collect();
        kinds.len() >= 6
    });
    let route = all.iter().find(|run| run["trigger"] == "http_route").expect("route run");
    assert!(route["payload"]["headers"].get("authorization").is_none(), "credential headers are never forwarded: {}", route["payload"]);
    assert_eq!(route["payload"]["queryStringParameters"], json!({ "token": "[redacted]", "page": "2" }));
    assert_eq!(route["detail"]["path"], "/s/hello/ada");
    let tick = wait_for_runs(&server, KEY, "trigger=cron", |runs| !runs.is_empty());
    assert_eq!(tick[0]["detail"]["catchUp"], true);
    assert_eq!(tick[0]["function"], "tick");
    drop(server);

    let listed = switchboard_with(&["runs", "--json", "--limit", "100"], &[("SWITCHBOARD_DATA_DIR", &dir)], Duration::from_secs(30));
    assert_eq!(listed.code, 0, "{listed:?}");
    let kinds: std::collections::BTreeSet<String> =
        listed.json()["runs"].as_array().expect("runs").iter().map(|run| run["trigger"].as_str().expect("kind").to_owned()).collect();
    let expected: std::collections::BTreeSet<String> =
        ["cron", "database_event", "http_route", "manual", "tool", "workflow_action"].iter().map(|kind| (*kind).to_owned()).collect();
    assert_eq!(kinds, expected);
    let table = switchboard_with(&["runs", "--trigger", "cron"], &[("SWITCHBOARD_DATA_DIR", &dir)], Duration::from_secs(30));
    assert!(table.stdout.contains("tick") && table.stdout.contains("cron"), "{table:?}");
    let replay_id = listed.json()["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|run| run["trigger"] == "workflow_action")
        .and_then(|run| run["id"].as_str().map(str::to_owned))
        .expect("workflow run");
    let replayed = switchboard_with(
        &["runs", "--replay", &replay_id, "--app", path(&fixture("events"))],
        &[("SWITCHBOARD_DATA_DIR", &dir)],
        Duration::from_secs(30),
    );
    assert_eq!(replayed.code, 0, "{replayed:?}");
    assert_eq!(replayed.json()["data"], json!({ "n": 6 }), "same payload, current code");
    assert!(replayed.stderr.contains(&format!("replayed run {replay_id} as run")), "{replayed:?}");
}

/// Records a fire of `tick` six minutes ago, as a gateway that then stopped would have.
fn seed_cron_fire(dir: &std::path::Path) {
    use switchboard::store::{Retention, SqliteStore, Store, StoreOptions, SyncMode};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let options =
            StoreOptions { dir: dir.to_owned(), sync: SyncMode::Normal, retention: Retention { max_age_ms: 1 << 40, max_count: 1000 } };
        let store = SqliteStore::open(&options).await.expect("store");
        let earlier = chrono::Utc::now().timestamp_millis() - 6 * 60 * 1000;
        store.set_cron_fire("eeeeeeee-0000-4000-8000-000000000023", earlier).await.expect("seed");
    });
}

#[test]
fn a_stopped_gateway_lets_the_delivery_under_way_finish_and_records_it() {
    let data = tempfile::tempdir().expect("data dir");
    let dir = path(data.path()).to_owned();
    let server = Server::start(&[path(&fixture("events"))], &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_DATA_DIR", &dir)]);
    let (status, answer) = post_events(&server, &json!({ "name": "slow.created", "recordId": "stopping" }));
    assert_eq!(status, 202, "{answer}");
    // The slow run (0.7 s) is under way when SIGTERM comes.
    let auth = bearer();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, body) = http(server.port, "GET", "/api/pool", &[("Authorization", &auth)], b"");
        let pool: Value = serde_json::from_str(&body).expect("pool json");
        if pool["runtimes"]["busy"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the slow run never started: {pool}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.terminate(), Some(0), "a stopped gateway exits cleanly");
    // The stop waited for the run, which settled its delivery and was recorded.
    let listed = switchboard_with(&["runs", "--json", "--function", "slow"], &[("SWITCHBOARD_DATA_DIR", &dir)], Duration::from_secs(60));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let runs = listed.json()["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "SUCCESS", "{runs:?}");
    assert_eq!(runs[0]["data"]["recordId"], "stopping");
}
