//! HTTP route triggers end to end against `switchboard serve`: Twenty's
//! RoutePayload (path parameters, forwarded headers, query, body, rawBody),
//! the Response marker, and every error status.

use crate::harness::*;
use serde_json::{Value, json};

fn routes_server(envs: &[(&str, &str)]) -> Server {
    Server::start(&[&fixture("routes").display().to_string(), &example().display().to_string()], envs)
}

fn json_body(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("not JSON ({error}): {body}"))
}

#[test]
fn payload_is_twenty_route_payload() {
    let server = routes_server(&[]);
    let (status, _, body) = http(
        server.port,
        "GET",
        "/s/items/a%20b?q=1&q=2&z=x",
        &[("X-Trace", "t1"), ("X-Multi", "a"), ("X-Multi", "b"), ("X-Other", "not forwarded")],
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json_body(&body),
        json!({
            "headers": { "x-multi": "a, b", "x-trace": "t1" },
            "queryStringParameters": { "q": "1,2", "z": "x" },
            "pathParameters": { "id": "a b" },
            "body": null,
            "isBase64Encoded": false,
            "requestContext": { "http": { "method": "GET", "path": "/s/items/a%20b" } },
            "userWorkspaceId": null
        })
    );
}

#[test]
fn bodies_are_parsed_or_kept_raw() {
    let server = routes_server(&[]);
    let (status, _, body) = http(server.port, "POST", "/s/items", &[("Content-Type", "application/json")], br#"{"name":"Acme"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_body(&body), json!({ "got": { "name": "Acme" }, "raw": "{\"name\":\"Acme\"}" }));
    let (_, _, body) = http(server.port, "POST", "/s/items", &[], b"not json");
    assert_eq!(json_body(&body), json!({ "got": { "raw": "not json" }, "raw": "not json" }));
}

#[test]
fn results_map_to_responses_like_twenty() {
    let server = routes_server(&[]);
    let (status, head, body) = http(server.port, "GET", "/s/hello", &[], b"");
    assert_eq!((status, body.as_str()), (200, "plain hello"));
    assert!(head.contains("content-type: text/plain"), "{head}");
    let (status, head, body) = http(server.port, "GET", "/s/created", &[], b"");
    assert_eq!(status, 201);
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(!head.contains("x-not-allowed"), "only allow-listed headers pass: {head}");
    assert_eq!(json_body(&body), json!({ "ok": true }));
    let (status, head, body) = http(server.port, "DELETE", "/s/items/3", &[], b"");
    assert_eq!((status, body.as_str()), (200, ""), "{head}");
    let (status, _, body) = http(server.port, "GET", "/s/greet/Ada", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(json_body(&body)["message"], "Hello, Ada.");
}

#[test]
fn errors_name_the_problem() {
    let server = routes_server(&[("SWITCHBOARD_API_KEYS", "route-key"), ("SWITCHBOARD_MAX_ROUTE_BODY_BYTES", "2048")]);
    let (status, _, body) = http(server.port, "GET", "/s/nope", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json_body(&body)["error"], "no route matches GET /nope");
    let (status, head, _) = http(server.port, "PUT", "/s/items/1", &[], b"");
    assert_eq!(status, 405);
    assert!(head.contains("allow: delete, get"), "{head}");
    let (status, _, body) = http(server.port, "GET", "/s/boom", &[], b"");
    assert_eq!(status, 500);
    assert_eq!(json_body(&body), json!({ "error": "route exploded" }), "no stack in the body");
    let (status, head, _) = http(server.port, "GET", "/s/private", &[], b"");
    assert_eq!(status, 401);
    assert!(head.contains("www-authenticate"), "{head}");
    assert_eq!(http(server.port, "GET", "/s/private", &[("Authorization", "Bearer wrong")], b"").0, 403);
    let (status, _, body) = http(server.port, "GET", "/s/private", &[("Authorization", "Bearer route-key")], b"");
    assert_eq!((status, json_body(&body)), (200, json!({ "secret": "data" })));
    let big = vec![b'x'; 4096];
    assert_eq!(http(server.port, "POST", "/s/items", &[], &big).0, 413);
    assert_eq!(http(server.port, "GET", "/s/hello", &[], b"").0, 200, "still serving");
}

#[test]
fn workflow_actions_are_listed_and_run() {
    let server = routes_server(&[]);
    let (status, _, body) = http(server.port, "GET", "/api/workflow-actions", &[], b"");
    assert_eq!(status, 200, "{body}");
    let actions = json_body(&body)["workflowActions"].clone();
    assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions}");
    let action = &actions[0];
    assert_eq!(action["name"], "score-lead");
    assert_eq!(action["label"], "Score lead");
    assert_eq!(action["inputSchema"][0]["properties"]["employees"]["label"], "Employees");
    assert_eq!(action["inputJsonSchema"]["properties"]["employees"], json!({ "type": "number", "title": "Employees" }));
    let (status, _, body) = http(server.port, "POST", "/api/workflow-actions/score-lead", &[], br#"{"employees":99,"hasWebsite":true}"#);
    assert_eq!((status, json_body(&body)), (200, json!({ "data": { "score": 70 } })));
    let (status, _, body) = http(server.port, "POST", "/api/workflow-actions/echo", &[], b"{}");
    assert_eq!(status, 404);
    assert!(body.contains("is not a workflow action"), "{body}");
}

#[test]
fn manual_runs_over_http_return_the_execution_result() {
    let server = routes_server(&[("SWITCHBOARD_API_KEYS", "api-key")]);
    let auth = [("Authorization", "Bearer api-key")];
    let (status, _, body) = http(server.port, "POST", "/api/functions/greet/execute", &auth, br#"{"name":"Ada"}"#);
    assert_eq!(status, 200, "{body}");
    let result = json_body(&body);
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(result["data"]["message"], "Hello, Ada.");
    let (status, _, body) = http(server.port, "POST", "/api/functions/boom/execute", &auth, b"");
    assert_eq!(status, 200, "a failed run is still a result: {body}");
    assert_eq!(json_body(&body)["error"]["errorMessage"], "route exploded");
    assert_eq!(http(server.port, "POST", "/api/functions/nope/execute", &auth, b"").0, 404);
    let (status, _, body) = http(server.port, "POST", "/api/functions/greet/execute", &auth, b"{bad");
    assert_eq!(status, 400);
    assert!(body.contains("not valid JSON"), "{body}");
    assert_eq!(http(server.port, "POST", "/api/functions/greet/execute", &[], b"{}").0, 401, "the API key guards /api");
    assert_eq!(http(server.port, "GET", "/healthz", &[], b"").0, 200);
    // A path that matches nothing says so only to a caller with the key.
    assert_eq!(http(server.port, "GET", "/no/such/path", &[], b"").0, 401);
    assert_eq!(http(server.port, "GET", "/no/such/path", &auth, b"").0, 404);
}

fn recorded_runs(data: &std::path::Path, function: &str) -> usize {
    let listing = switchboard_with(
        &["runs", "--json", "--limit", "1000", "--function", function],
        &[("SWITCHBOARD_DATA_DIR", path(data))],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    listing.json()["runs"].as_array().expect("runs").len()
}

#[test]
fn route_runs_are_recorded_after_the_answer_and_kept_through_a_stop() {
    let data = tempfile::tempdir().expect("data dir");
    let server = routes_server(&[("SWITCHBOARD_DATA_DIR", path(data.path())), ("SWITCHBOARD_API_KEYS", "api-key")]);
    for _ in 0..40 {
        assert_eq!(http(server.port, "GET", "/s/hello", &[], b"").0, 200);
    }
    // Read right after the answers: the gateway reads its own writes.
    let (status, _, body) = http(server.port, "GET", "/api/runs?function=text&limit=1000", &[("Authorization", "Bearer api-key")], b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json_body(&body)["runs"].as_array().expect("runs").len(), 40);
    for _ in 0..25 {
        assert_eq!(http(server.port, "GET", "/s/hello", &[], b"").0, 200);
    }
    assert_eq!(server.terminate(), Some(0), "a stopped gateway exits cleanly");
    assert_eq!(recorded_runs(data.path(), "text"), 65, "no record is lost when the gateway is stopped");
}

#[test]
fn sync_recording_is_accepted_and_bad_values_are_named() {
    // That `sync` commits before answering is not observable from outside
    // without a crash at the right microsecond; this checks the setting is
    // taken and that its records land.
    let data = tempfile::tempdir().expect("data dir");
    let server = routes_server(&[("SWITCHBOARD_DATA_DIR", path(data.path())), ("SWITCHBOARD_RECORD_RUNS", "sync")]);
    for _ in 0..5 {
        assert_eq!(http(server.port, "GET", "/s/hello", &[], b"").0, 200);
    }
    server.kill();
    assert_eq!(recorded_runs(data.path(), "text"), 5);
    let bad = switchboard_with(&["runs"], &[("SWITCHBOARD_RECORD_RUNS", "sometimes")], std::time::Duration::from_secs(60));
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("SWITCHBOARD_RECORD_RUNS") && bad.stderr.contains("on, sync or off"), "{}", bad.stderr);
}
