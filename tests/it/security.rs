//! The security review's findings (F1–F14), each reproduced against the real
//! `serve` with apps written to attack it: a probe function that runs the
//! code it is given, a route that asks for the caller's credentials, a
//! database-event function that writes records on every event.

use crate::harness::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const KEY: &str = "security-test-key";

/// An app with the probe function `js` (route `/s/js`, no auth) running
/// `p.code` as the body of an async function; `id` makes it its own app.
fn probe(id: char, name: &str, role: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let application = format!(
        "import {{ defineApplication }} from 'twenty-sdk/define';\nexport default defineApplication({{ universalIdentifier: '{id}{id}{id}{id}{id}{id}{id}{id}-0000-4000-8000-000000000001', displayName: '{name}', description: 'probe' }});\n"
    );
    let role = format!(
        "import {{ defineApplicationRole }} from 'twenty-sdk/define';\nexport default defineApplicationRole({{ universalIdentifier: '{id}{id}{id}{id}{id}{id}{id}{id}-0000-4000-8000-000000000002', label: 'Probe', {role} }});\n"
    );
    let js = function(
        &format!(
            "universalIdentifier: '{id}{id}{id}{id}{id}{id}{id}{id}-0000-4000-8000-000000000010', name: '{name}', timeoutSeconds: 2, \
             httpRouteTriggerSettings: {{ path: '/{name}', httpMethod: 'POST', isAuthRequired: false }}"
        ),
        "async (p: any) => { const AsyncFunction = (async function () {}).constructor; return await new AsyncFunction('p', p.code ?? p.body?.code)(p); }",
    );
    let mut files = vec![("src/application-config.ts", application.as_str()), ("src/role.ts", role.as_str()), ("src/js.ts", js.as_str())];
    files.extend_from_slice(extra);
    app(&files)
}

fn run(port: u16, name: &str, code: &str) -> Value {
    let body = json!({ "code": code }).to_string();
    let auth = format!("Bearer {KEY}");
    let (status, _, text) = http(port, "POST", &format!("/api/functions/{name}/execute"), &[("Authorization", &auth)], body.as_bytes());
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("json")
}

fn error_of(result: &Value) -> String {
    result["error"]["errorMessage"].as_str().unwrap_or_default().to_owned()
}

fn start(dirs: &[&tempfile::TempDir], envs: &[(&str, &str)]) -> Server {
    let args: Vec<&str> = dirs.iter().map(|dir| path(dir.path())).collect();
    let mut all = vec![("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_EVENT_RETRY_MS", "50")];
    all.extend_from_slice(envs);
    Server::start(&args, &all)
}

/// `POST /graphql` with the API key; (status, head, body).
fn graphql(port: u16, body: &str) -> (u16, String, String) {
    let auth = format!("Bearer {KEY}");
    http(port, "POST", "/graphql", &[("Authorization", &auth), ("Content-Type", "application/json")], body.as_bytes())
}

/// A raw request with the given head lines (no Host added).
fn raw(port: u16, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, text)
}

#[test]
fn f1_blocking_waits_throw_and_never_wedge_a_runtime() {
    let (a, b) = (probe('a', "ja", "canReadAllObjectRecords: true", &[]), probe('b', "jb", "", &[]));
    let server = start(&[&a, &b], &[("SWITCHBOARD_MAX_RUNTIMES", "2")]);
    let result = run(server.port, "ja", "const ia = new Int32Array(new SharedArrayBuffer(4)); Atomics.wait(ia, 0, 0); return 'waited'");
    assert_eq!(result["status"], "ERROR", "{result}");
    assert!(error_of(&result).contains("cannot block"), "{result}");
    // Every runtime held by runs that keep trying to block: each ends at its
    // 2 s timeout, and the other app answers.
    let port = server.port;
    let wedgers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let result = run(
                    port,
                    "ja",
                    "const ia = new Int32Array(new SharedArrayBuffer(4)); for (;;) { try { Atomics.wait(ia, 0, 0, 60000); } catch {} }",
                );
                (started.elapsed(), result)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let other = run(port, "jb", "return 42");
    assert_eq!(other["data"], 42, "{other}");
    for wedger in wedgers {
        let (took, result) = wedger.join().expect("thread");
        assert_eq!(result["error"]["errorType"], "TimeoutError", "{result}");
        assert!(took < Duration::from_secs(3), "a run outlived its 2 s timeout by more than a second: {took:?}");
    }
}

#[test]
fn f2_deep_filters_get_400_and_the_gateway_lives() {
    let a = probe('a', "ja", "canReadAllObjectRecords: false", &[]);
    let server = start(&[&a], &[]);
    let auth = format!("Bearer {KEY}");
    let deep = format!("{}name[eq]:\"Acme\"{}", "not(".repeat(5000), ")".repeat(5000));
    let query: String = url::form_urlencoded::byte_serialize(deep.as_bytes()).collect();
    let (status, _, text) = http(server.port, "GET", &format!("/rest/companies?filter={query}"), &[("Authorization", &auth)], b"");
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("more than 32 levels"), "{text}");
    for filter in [
        format!("{}{{name: {{eq: \"x\"}}}}{}", "{not: ".repeat(5000), "}".repeat(5000)),
        format!("{{name: {{in: {}\"x\"{}}}}}", "[".repeat(5000), "]".repeat(5000)),
    ] {
        let body = json!({ "query": format!("{{ companies(filter: {filter}) {{ totalCount }} }}") }).to_string();
        let (status, _, text) = graphql(server.port, &body);
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("nest") && text.contains("BAD_USER_INPUT"), "{text}");
    }
    // Through variables, the compiler's own limit names the place.
    let mut filter = json!({ "name": { "eq": "x" } });
    for _ in 0..40 {
        filter = json!({ "not": filter });
    }
    let body = json!({ "query": "query($f: CompanyFilterInput) { companies(filter: $f) { totalCount } }", "variables": { "f": filter } })
        .to_string();
    let (_, _, text) = graphql(server.port, &body);
    assert!(text.contains("more than 32 levels"), "{text}");
    // From inside the sandbox, with a role that may read nothing.
    let code = "const f = 'not('.repeat(6000) + 'name[eq]:\"Acme\"' + ')'.repeat(6000); \
                const r = await fetch(process.env.TWENTY_API_URL + '/rest/companies?filter=' + encodeURIComponent(f), { headers: { Authorization: 'Bearer ' + process.env.TWENTY_APP_ACCESS_TOKEN } }); \
                return r.status";
    let result = run(server.port, "ja", code);
    assert!(result["data"] == 400 || result["data"] == 403, "{result}");
    assert_eq!(http(server.port, "GET", "/healthz", &[], b"").0, 200, "the gateway is still up");
}

#[test]
fn f3_hidden_sealed_and_non_module_files_cannot_be_imported() {
    let a = probe('a', "ja", "", &[("secrets.txt", "the first line is secret\n"), (".env", "SECRET_IN_DOTENV=hunter2\n")]);
    let data = a.path().join(".switchboard");
    let server = start(&[&a], &[("SWITCHBOARD_DATA_DIR", path(&data))]);
    assert!(data.join("vault.key").exists(), "the vault key is in the app folder, as in the review");
    let key = std::fs::read_to_string(data.join("vault.key")).expect("key");
    for target in ["../.switchboard/vault.key", "../.env", "../secrets.txt", "/.switchboard/vault.key"] {
        let result = run(
            server.port,
            "ja",
            &format!("try {{ await import('{target}'); return 'imported'; }} catch (e) {{ return String(e.message); }}"),
        );
        let message = result["data"].as_str().unwrap_or_default().to_owned();
        assert_ne!(message, "imported", "{target}");
        assert!(!message.contains(key.trim()) && !message.contains("hunter2") && !message.contains("first line"), "{target}: {message}");
        assert!(!message.contains(path(a.path())), "no host path: {message}");
    }
}

#[test]
fn f4_credential_headers_never_reach_app_code() {
    let secret = function(
        "universalIdentifier: 'aaaaaaaa-0000-4000-8000-000000000020', name: 'secret', \
         httpRouteTriggerSettings: { path: '/secret', httpMethod: 'GET', isAuthRequired: true, forwardedRequestHeaders: ['authorization', 'Cookie', 'x-trace'] }",
        "async (p: any) => ({ headers: p.headers, env: JSON.stringify(process.env).includes('security-test-key') })",
    );
    let a = probe('a', "ja", "", &[("src/secret.ts", secret.as_str())]);
    let check = switchboard(&["check", path(a.path())]);
    assert!(check.stderr.contains("\"authorization\" carries the caller's credentials and is never forwarded"), "{}", check.stderr);
    let server = start(&[&a], &[]);
    let auth = format!("Bearer {KEY}");
    let (status, _, text) =
        http(server.port, "GET", "/s/secret", &[("Authorization", &auth), ("Cookie", "session=1"), ("X-Trace", "t-1")], b"");
    assert_eq!(status, 200, "{text}");
    let seen: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(seen["headers"], json!({ "x-trace": "t-1" }), "only the harmless header is forwarded");
    assert_eq!(seen["env"], false);
}

#[test]
fn f5_foreign_hosts_and_origins_are_refused_on_every_route() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[("SWITCHBOARD_API_KEYS", "")]);
    let port = server.port;
    let post = |path: &str, extra: &str| {
        let body = r#"{"code":"return 1"}"#;
        raw(
            port,
            &format!(
                "POST {path} HTTP/1.1\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    let local = format!("Host: 127.0.0.1:{port}\r\n");
    let (status, text) = post("/api/functions/ja/execute", &format!("{local}Origin: http://evil.example\r\n"));
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("Origin header is not allowed"), "{text}");
    let (status, _) = post("/api/events", "Host: rebind.evil.example\r\n");
    assert_eq!(status, 403);
    let (status, _) = raw(port, "GET /api/runs HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 403);
    let (status, _) = post("/s/ja", "Host: evil.example\r\n");
    assert_eq!(status, 403, "route triggers check Host too");
    let (status, text) = post("/s/ja", &format!("{local}Origin: http://evil.example\r\n"));
    assert_eq!(status, 200, "public routes may be called from any site: {text}");
    let (status, text) = post("/api/functions/ja/execute", &format!("{local}Origin: http://localhost:5173\r\n"));
    assert_eq!(status, 200, "{text}");
    let (status, _) = raw(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 200);
}

#[test]
fn f6_webcrypto_work_is_capped() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[]);
    let code = "const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']); \
                try { await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: new Uint8Array(16), iterations: 50000000 }, key, 512); return 'derived'; } \
                catch (e) { return e.name + ': ' + e.message; }";
    let result = run(server.port, "ja", code);
    assert!(result["data"].as_str().is_some_and(|text| text.starts_with("NotSupportedError") && text.contains("1000000")), "{result}");
    let code = "try { await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 16384, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']); return 'made'; } \
                catch (e) { return e.name; }";
    assert_eq!(run(server.port, "ja", code)["data"], "NotSupportedError");
    let code = "const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']); \
                const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 1000 }, key, 256); return bits.byteLength";
    assert_eq!(run(server.port, "ja", code)["data"], 32, "ordinary use still works");
}

#[test]
fn f7_alias_bombs_are_refused_before_they_run() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[]);
    let aliases: Vec<String> =
        (0..2000).map(|index| format!("a{index}: companies(first: 200) {{ totalCount edges {{ node {{ id name }} }} }}")).collect();
    let body = json!({ "query": format!("{{ {} }}", aliases.join(" ")) }).to_string();
    let (status, _, text) = graphql(server.port, &body);
    assert!(text.contains("complex"), "{status} {text}");
    let body = json!({ "query": format!("{{ {} }}", "x".repeat(300 * 1024)) }).to_string();
    let (status, _, text) = graphql(server.port, &body);
    assert_eq!(status, 400, "{text}");
    let body = json!({ "query": "{ a: companies { totalCount } b: companies { totalCount } }" }).to_string();
    let (status, _, text) = graphql(server.port, &body);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"totalCount\""), "{text}");
}

#[test]
fn f8_slow_and_idle_connections_are_closed_and_capped() {
    let a = probe('a', "ja", "", &[]);
    let server = start(
        &[&a],
        &[("SWITCHBOARD_HEADER_TIMEOUT_SECONDS", "1"), ("SWITCHBOARD_BODY_TIMEOUT_SECONDS", "1"), ("SWITCHBOARD_MAX_CONNECTIONS", "4")],
    );
    let port = server.port;
    let closed_within = |mut stream: TcpStream, limit: Duration| {
        stream.set_read_timeout(Some(limit)).expect("timeout");
        let mut buffer = Vec::new();
        stream.read_to_end(&mut buffer).is_ok()
    };
    // Nothing sent; partial headers; a trickled body.
    let silent = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut partial = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").expect("write");
    assert!(closed_within(silent, Duration::from_secs(10)), "an idle connection is closed");
    assert!(closed_within(partial, Duration::from_secs(10)), "a connection stuck in its headers is closed");
    let mut trickle = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    trickle
        .write_all(
            format!("POST /s/ja HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{")
                .as_bytes(),
        )
        .expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    trickle.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
    while started.elapsed() < Duration::from_secs(10) {
        let _ = trickle.write_all(b" ");
        let mut chunk = [0u8; 1024];
        match trickle.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => answer.extend_from_slice(&chunk[..read]),
            Err(_) => {}
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4") || answer.is_empty(), "a trickled body is cut off: {answer}");
    assert!(started.elapsed() < Duration::from_secs(10), "the trickled body was not cut off");
    // More idle connections than the cap: service resumes as they time out.
    let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect")).collect();
    assert_eq!(http(port, "GET", "/healthz", &[], b"").0, 200);
    drop(idle);
}

#[test]
fn f9_a_second_serve_on_one_data_directory_is_refused() {
    let a = probe('a', "ja", "", &[]);
    let data = tempfile::tempdir().expect("data");
    let first = start(&[&a], &[("SWITCHBOARD_DATA_DIR", path(data.path()))]);
    let listen = "127.0.0.1:0".to_owned();
    let second = switchboard_with(
        &["serve", path(a.path()), "--listen", &listen],
        &[("SWITCHBOARD_DATA_DIR", path(data.path()))],
        Duration::from_secs(60),
    );
    assert_ne!(second.code, 0);
    assert!(second.stderr.contains("is already serving the data directory") && second.stderr.contains("pid"), "{}", second.stderr);
    drop(first);
}

#[test]
fn f10_another_folder_cannot_take_over_an_apps_stored_data() {
    let a = probe('a', "ja", "", &[]);
    let impostor = probe('a', "ja", "", &[]);
    let data = tempfile::tempdir().expect("data");
    let envs = [("SWITCHBOARD_DATA_DIR", path(data.path()))];
    let server = start(&[&a], &envs);
    assert_eq!(
        run(server.port, "ja", "const { kv } = await import('twenty-sdk/logic-function'); await kv.set('shared', 'A-value'); return 1")["data"],
        1
    );
    drop(server);
    let listen = "127.0.0.1:0".to_owned();
    let refused = switchboard_with(&["serve", path(impostor.path()), "--listen", &listen], &envs, Duration::from_secs(60));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("is bound to the app at") && refused.stderr.contains("--rebind"), "{}", refused.stderr);
    let moved = Server::start(&[path(impostor.path()), "--rebind"], &[envs[0], ("SWITCHBOARD_API_KEYS", KEY)]);
    let result = run(moved.port, "ja", "const { kv } = await import('twenty-sdk/logic-function'); return await kv.get('shared')");
    assert_eq!(result["data"], "A-value", "an operator-confirmed move keeps the data: {result}");
}

#[test]
fn f11_one_run_cannot_intercept_the_next() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[("SWITCHBOARD_MAX_RUNTIMES", "1"), ("SWITCHBOARD_SPARE_RUNTIMES", "0")]);
    let plant = "const P = JSON.parse, S = JSON.stringify; globalThis.__cap = []; \
                 JSON.parse = function (t, r) { globalThis.__cap.push(String(t)); return P.call(this, t, r); }; \
                 JSON.stringify = function (...a) { const t = S.apply(this, a); globalThis.__cap.push(String(t)); return t; }; \
                 const then = Promise.prototype.then; \
                 try { Promise.prototype.then = function (...a) { globalThis.__cap.push('then'); return then.apply(this, a); }; } catch {} \
                 try { globalThis.process = { env: { TWENTY_API_URL: 'http://attacker.example' } }; } catch {} \
                 try { process.env = new Proxy({}, { get: () => 'forged' }); } catch {} \
                 return 'planted'";
    assert_eq!(run(server.port, "ja", plant)["data"], "planted");
    let body = json!({ "code": "return 'victim ran'", "secret": "VICTIM-PAYLOAD-SECRET" }).to_string();
    let auth = format!("Bearer {KEY}");
    let (status, _, _) = http(server.port, "POST", "/api/functions/ja/execute", &[("Authorization", &auth)], body.as_bytes());
    assert_eq!(status, 200);
    let result = run(server.port, "ja", "return { cap: (globalThis.__cap ?? []).join('\\n'), url: process.env.TWENTY_API_URL }");
    let cap = result["data"]["cap"].as_str().unwrap_or_default();
    assert!(!cap.contains("VICTIM-PAYLOAD-SECRET") && !cap.contains("sbw1."), "another run's payload or tokens were captured: {cap}");
    assert!(result["data"]["url"].as_str().is_some_and(|url| url.starts_with("http://127.0.0.1")), "{result}");
}

#[test]
fn f12_import_meta_is_app_relative_and_import_errors_are_no_oracle() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[]);
    let code = "const out = []; for (const target of ['/etc/passwd', '/etc/nonexistent-xyz']) { \
                try { await import(target); out.push('imported'); } catch (e) { out.push(String(e.message)); } } return out";
    let result = run(server.port, "ja", code);
    let messages = result["data"].as_array().expect("messages");
    let strip = |message: &Value| message.as_str().unwrap_or_default().replace("passwd", "X").replace("nonexistent-xyz", "X");
    assert_eq!(strip(&messages[0]), strip(&messages[1]), "an existing and a missing host file look alike: {result}");
    let meta = function(
        "universalIdentifier: 'aaaaaaaa-0000-4000-8000-000000000030', name: 'meta'",
        "async () => ({ url: import.meta.url, stack: new Error('x').stack })",
    );
    let b = probe('b', "jb", "", &[("src/meta.ts", meta.as_str())]);
    let other = start(&[&b], &[]);
    let result = run(other.port, "meta", "");
    assert_eq!(result["data"]["url"], "file:///app/src/meta.ts", "{result}");
    assert!(!result.to_string().contains(path(b.path())), "{result}");
}

#[test]
fn f13_an_event_cascade_has_a_budget() {
    let fan = function(
        "universalIdentifier: 'aaaaaaaa-0000-4000-8000-000000000040', name: 'fan', databaseEventTriggerSettings: { eventName: 'company.created' }",
        "async () => { const body = JSON.stringify([1, 2, 3, 4].map((n) => ({ name: 'child-' + n }))); \
         const r = await fetch(process.env.TWENTY_API_URL + '/rest/batch/companies', { method: 'POST', body, \
           headers: { Authorization: 'Bearer ' + process.env.TWENTY_APP_ACCESS_TOKEN, 'content-type': 'application/json' } }); return r.status; }",
    );
    let a = probe('a', "ja", "canReadAllObjectRecords: true, canUpdateAllObjectRecords: true", &[("src/fan.ts", fan.as_str())]);
    let server = start(&[&a], &[("SWITCHBOARD_MAX_CASCADE_EVENTS", "30")]);
    let auth = format!("Bearer {KEY}");
    let (status, _, text) = http(
        server.port,
        "POST",
        "/rest/companies",
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        br#"{"name":"root"}"#,
    );
    assert_eq!(status, 201, "{text}");
    // 1 + 4 + 16 events fit, then two more writes of 4: 29 events, 29 runs
    // (without the budget, depth 5 allows 1365).
    wait_for_runs(&server, KEY, "function=fan", |runs| runs.len() >= 29);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(runs(&server, KEY, "function=fan").len(), 29);
}

#[test]
fn f14_jsonrpc_errors_deep_results_and_lost_records() {
    let a = probe('a', "ja", "", &[]);
    let server = start(&[&a], &[]);
    let auth = format!("Bearer {KEY}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];
    let call = |body: &str| {
        let (status, _, text) = http(server.port, "POST", "/mcp", &headers, body.as_bytes());
        let json: Value = serde_json::from_str(text.trim().trim_start_matches("data:").trim()).unwrap_or(Value::String(text.clone()));
        (status, json)
    };
    for arguments in ["\"code\"", "[1]"] {
        let (_, reply) =
            call(&format!(r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"ja","arguments":{arguments}}}}}"#));
        assert_eq!(reply["error"]["code"], -32602, "{reply}");
        assert_eq!(reply["id"], 7);
    }
    for id in ["123456789012345678901234567890", "{\"a\":1}", "1.5"] {
        let (status, reply) = call(&format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#));
        assert_eq!((status, reply["error"]["code"].clone()), (400, json!(-32600)), "{reply}");
    }
    let result = run(server.port, "ja", "let v = 1; for (let i = 0; i < 200; i++) v = [v]; return v");
    assert!(error_of(&result).contains("more than 128 levels deep"), "{result}");
    let (_, _, health) = http(server.port, "GET", "/healthz", &[], b"");
    assert_eq!(serde_json::from_str::<Value>(&health).expect("json")["runsNotRecorded"], 0, "{health}");
}
