//! OAuth connections end to end against a real OpenID Connect provider
//! (`oidc-provider`, started on loopback by `tests/oauth/provider.mjs` with a
//! resource server that validates its tokens), driven through its login and
//! consent pages by `tests/oauth/consent.mjs`.

use crate::harness::{ROLE, Server, function, http, http_exact, peer_dir, repo};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CLIENT_ID: &str = "switchboard-test";
const CLIENT_SECRET: &str = "s3cret-client-value";

struct Provider {
    child: Child,
    endpoints: Value,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider; its client's redirect URI is given later, with
    /// [`Provider::allow_redirect`], once the gateway's port is known.
    fn start(peers: &std::path::Path, ttl_seconds: u32) -> Provider {
        let mut child = Command::new("node")
            .arg(repo().join("tests/oauth/provider.mjs"))
            .env("SWITCHBOARD_PEERS", peers)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_ACCESS_TOKEN_TTL", ttl_seconds.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the OIDC provider (node)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("provider line");
        let endpoints: Value = serde_json::from_str(&line).unwrap_or_else(|error| panic!("provider said {line:?}: {error}"));
        Provider { child, endpoints }
    }

    /// Registers the gateway's callback as the client's only redirect URI.
    fn allow_redirect(&self, gateway_port: u16) {
        let redirect = format!("http://127.0.0.1:{gateway_port}/auth/apps/callback");
        let port = self.resource().port().expect("port");
        let (status, _, body) = http(port, "POST", "/admin/redirect-uri", &[], redirect.as_bytes());
        assert_eq!(status, 200, "{body}");
    }

    fn endpoint(&self, name: &str) -> String {
        self.endpoints[name].as_str().expect(name).to_owned()
    }

    fn resource(&self) -> url::Url {
        url::Url::parse(&self.endpoint("resource")).expect("resource url")
    }

    /// (status, body) of a request to the resource server.
    fn resource_call(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let (status, _, body) = http(self.resource().port().expect("port"), method, path, headers, b"");
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }
}

/// The test app: a provider pointing at the local OIDC server, and route
/// functions that use connections.
fn app_files(provider: &Provider) -> tempfile::TempDir {
    let config = "import { defineApplication } from 'twenty-sdk/define';\n\
         export default defineApplication({ universalIdentifier: '44444444-4444-4444-8444-444444444441', displayName: 'Conn', description: 'c',\n\
           serverVariables: { TESTAUTH_CLIENT_ID: { description: 'id', isRequired: true }, TESTAUTH_CLIENT_SECRET: { description: 'secret', isSecret: true, isRequired: true },\n\
             UNSET_CLIENT_ID: { description: 'id' }, UNSET_CLIENT_SECRET: { description: 'secret', isSecret: true } } });\n";
    let connection_provider = format!(
        "import {{ defineConnectionProvider }} from 'twenty-sdk/define';\n\
         export default defineConnectionProvider({{ universalIdentifier: 'af000000-0000-4000-8000-0000000000aa', name: 'testauth', displayName: 'Test Auth', type: 'oauth',\n\
           oauth: {{ authorizationEndpoint: '{}', tokenEndpoint: '{}', revokeEndpoint: '{}', scopes: ['openid', 'email', 'api:read'],\n\
             clientIdVariable: 'TESTAUTH_CLIENT_ID', clientSecretVariable: 'TESTAUTH_CLIENT_SECRET', tokenRequestContentType: 'form-urlencoded' }},\n\
           onConnectLogicFunction: {{ universalIdentifier: 'ac000000-0000-4000-8000-0000000000a4' }} }});\n",
        provider.endpoint("authorization_endpoint"),
        provider.endpoint("token_endpoint"),
        provider.endpoint("revocation_endpoint"),
    );
    let sdk = "import * as sdk from 'twenty-sdk/logic-function';\nconst { getConnection } = sdk;\n";
    let route = |path: &str| format!("httpRouteTriggerSettings: {{ path: '{path}', httpMethod: 'GET', isAuthRequired: false }}");
    let resource = provider.endpoint("resource");
    let use_token = function(
        &format!("universalIdentifier: 'ac000000-0000-4000-8000-0000000000a1', name: 'use-token', {}", route("/use")),
        &format!(
            "async (event) => {{\n\
               const connection = await getConnection(event.queryStringParameters.id);\n\
               console.log('connection', connection);\n\
               console.log('token is', connection.accessToken);\n\
               const response = await fetch('{resource}', {{ headers: {{ authorization: `Bearer ${{connection.accessToken}}` }} }});\n\
               return {{ status: response.status, me: await response.json(), connection, leaked: connection.accessToken }};\n\
             }}"
        ),
    );
    let via_connection = function(
        &format!("universalIdentifier: 'ac000000-0000-4000-8000-0000000000a2', name: 'via-connection', {}", route("/via")),
        "async (event) => {\n\
           try {\n\
             const response = await fetch(event.queryStringParameters.url, { connection: event.queryStringParameters.id });\n\
             return { status: response.status, body: await response.json() };\n\
           } catch (error) { return { errorName: error.name, message: error.message }; }\n\
         }",
    );
    let inspect = function(
        &format!("universalIdentifier: 'ac000000-0000-4000-8000-0000000000a3', name: 'inspect', {}", route("/inspect")),
        "async (event) => {\n\
           const listed = await sdk.listConnections({ providerName: 'testauth' });\n\
           let failure = null;\n\
           try { await sdk.getConnection(event.queryStringParameters.id); }\n\
           catch (error) { failure = { name: error.name, isAuthFailed: error instanceof sdk.AppConnectionAuthFailedError }; }\n\
           return { listed: listed.map((c) => ({ id: c.id, handle: c.handle, hasToken: typeof c.accessToken === 'string' && c.accessToken.length > 0, authFailedAt: c.authFailedAt, keys: Object.keys(c) })), failure, secretInEnv: 'TESTAUTH_CLIENT_SECRET' in process.env };\n\
         }",
    );
    let (use_token, inspect) = (format!("{sdk}{use_token}"), format!("{sdk}{inspect}"));
    let unset_provider = "import { defineConnectionProvider } from 'twenty-sdk/define';\n\
         export default defineConnectionProvider({ universalIdentifier: 'af000000-0000-4000-8000-0000000000ab', name: 'unset', displayName: 'Unset', type: 'oauth',\n\
           oauth: { authorizationEndpoint: 'https://auth.example.test/authorize', tokenEndpoint: 'https://auth.example.test/token', scopes: [],\n\
             clientIdVariable: 'UNSET_CLIENT_ID', clientSecretVariable: 'UNSET_CLIENT_SECRET' } });\n";
    let keeper = function(
        &format!("universalIdentifier: 'ac000000-0000-4000-8000-0000000000a5', name: 'keeper', {}", route("/keep")),
        "async (event) => {\n\
           if (event.queryStringParameters.id) { kept = (await getConnection(event.queryStringParameters.id)).accessToken; return { kept: 'yes' }; }\n\
           console.log('kept token', kept);\n\
           return { kept, length: kept?.length ?? 0 };\n\
         }",
    );
    let keeper = format!("{sdk}let kept;\n{keeper}");
    let on_connect = function(
        "universalIdentifier: 'ac000000-0000-4000-8000-0000000000a4', name: 'on-connect'",
        "async (payload) => { console.log('connected', payload.connectedAccountId); return payload; }",
    );
    crate::harness::app(&[
        ("src/on-connect.ts", on_connect.as_str()),
        ("src/keeper.ts", keeper.as_str()),
        ("src/providers/unset.ts", unset_provider),
        ("src/application-config.ts", config),
        ("src/role.ts", ROLE),
        ("src/providers/testauth.ts", connection_provider.as_str()),
        ("src/use-token.ts", use_token.as_str()),
        ("src/via-connection.ts", via_connection.as_str()),
        ("src/inspect.ts", inspect.as_str()),
    ])
}

/// Runs the consent pages for `authorize_url`; returns (callback status, body).
fn consent(authorize_url: &str, extra: &[&str]) -> (u16, String) {
    let output =
        Command::new("node").arg(repo().join("tests/oauth/consent.mjs")).arg(authorize_url).args(extra).output().expect("run consent.mjs");
    assert!(output.status.success(), "consent.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
    let line: Value = serde_json::from_slice(&output.stdout).expect("consent JSON");
    (line["status"].as_u64().unwrap_or(0) as u16, line["body"].as_str().unwrap_or_default().to_owned())
}

fn json(port: u16, method: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = http(port, method, path, &[], b"");
    (status, serde_json::from_str(&body).unwrap_or_else(|_| Value::String(body)))
}

fn header(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|line| line.split_once(':').filter(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {name} header in {head}"))
}

#[allow(clippy::too_many_lines)]
#[test]
fn connect_use_refresh_fail_and_disconnect_against_a_real_oidc_provider() {
    let Some(peers) = peer_dir("SWITCHBOARD_PEERS") else { return };
    let provider = Provider::start(&peers, 2);
    let app = app_files(&provider);
    let data = tempfile::tempdir().expect("data dir");
    let resource = provider.resource();
    let resource_host = format!("127.0.0.1:{}", resource.port().expect("port"));
    let vars = tempfile::NamedTempFile::new().expect("vars");
    std::fs::write(vars.path(), format!("TESTAUTH_CLIENT_ID={CLIENT_ID}\nTESTAUTH_CLIENT_SECRET={CLIENT_SECRET}\n")).expect("write vars");
    let server = Server::start(
        &[app.path().to_str().expect("utf-8")],
        &[
            ("SWITCHBOARD_DATA_DIR", data.path().to_str().expect("utf-8")),
            ("SWITCHBOARD_VARS_FILE", vars.path().to_str().expect("utf-8")),
            ("SWITCHBOARD_ALLOW_NET", &resource_host),
            ("SWITCHBOARD_CONNECTION_HOSTS_TESTAUTH", &resource_host),
            // One runtime: the keeper's module state lives on between runs.
            ("SWITCHBOARD_MAX_RUNTIMES", "1"),
        ],
    );
    let port = server.port;
    provider.allow_redirect(port);

    // Unknown provider: 404 naming the known ones.
    let (status, body) = json(port, "GET", "/connections/nope/connect");
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap_or_default().contains("testauth"), "{body}");

    // Connect: 302 to the provider with PKCE, then login + consent.
    let (status, head, _) = http_exact(port, "GET", "/connections/testauth/connect?visibility=workspace", &[], b"");
    assert_eq!(status, 302, "{head}");
    let authorize = header(&head, "location");
    assert!(authorize.starts_with(&provider.endpoint("authorization_endpoint")), "{head}");
    let cookie = header(&head, "set-cookie");
    let cookie = cookie.split(';').next().expect("cookie pair").to_owned();
    assert!(cookie.starts_with("switchboard_connect="), "{head}");
    let parsed = url::Url::parse(&authorize).expect("authorize url");
    let query: std::collections::HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert_eq!(query.get("redirect_uri"), Some(&format!("http://127.0.0.1:{port}/auth/apps/callback")));
    let (status, page) = consent(&authorize, &["ada", "--cookie", &cookie]);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Connected testauth as ada@example.test"), "{page}");

    let (_, listed) = json(port, "GET", "/api/connections");
    let connections = listed["connections"].as_array().expect("list").clone();
    assert_eq!(connections.len(), 1, "{listed}");
    let id = connections[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(connections[0]["handle"], "ada@example.test");
    assert_eq!(connections[0]["visibility"], "workspace");
    assert!(connections[0].get("accessToken").is_none(), "listings never carry tokens: {listed}");

    // The provider's onConnectLogicFunction ran with Twenty's payload.
    let mut hook = Value::Null;
    for _ in 0..100 {
        let (_, runs) = json(port, "GET", "/api/runs?function=on-connect");
        if let Some(run) = runs["runs"].as_array().and_then(|runs| runs.first()) {
            hook = run.clone();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(hook["payload"]["connectedAccountId"], Value::from(id.clone()), "{hook}");
    assert_eq!(hook["payload"]["connectionProviderName"], "testauth", "{hook}");
    assert_eq!(hook["payload"]["connectionProviderId"], "af000000-0000-4000-8000-0000000000aa", "{hook}");

    // A function uses the token against the resource server.
    let (status, first) = json(port, "GET", &format!("/s/use?id={id}"));
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], 200, "the resource server accepted the token: {first}");
    assert_eq!(first["me"]["sub"], "ada");
    let (_, seen) = provider.resource_call("GET", "/last-authorization", &[]);
    let first_header = seen["authorization"].as_str().expect("authorization seen").to_owned();
    let first_token = first_header.trim_start_matches("Bearer ").to_owned();
    assert!(first_token.len() > 10);
    // The result and the logs never show the token, though the function
    // printed the connection and the token itself and returned both.
    let text = first.to_string();
    assert!(!text.contains(&first_token), "the token leaked into the response: {text}");
    assert!(first["connection"].get("accessToken").is_none(), "{first}");
    assert_eq!(first["leaked"], "[redacted]");

    // A token kept in module state and printed by a later run is blanked
    // there too.
    let (_, kept) = json(port, "GET", &format!("/s/keep?id={id}"));
    assert_eq!(kept["kept"], "yes", "{kept}");
    let (_, later) = json(port, "GET", "/s/keep");
    assert_eq!(later["kept"], "[redacted]", "{later}");
    assert!(later["length"].as_u64().unwrap_or(0) > 10, "the later run did hold the token: {later}");

    // Refresh after expiry: the access token lives 2 s.
    std::thread::sleep(Duration::from_millis(2500));
    let (status, second) = json(port, "GET", &format!("/s/use?id={id}"));
    assert_eq!((status, second["status"].clone()), (200, Value::from(200)), "{second}");
    let (_, seen) = provider.resource_call("GET", "/last-authorization", &[]);
    let second_token = seen["authorization"].as_str().expect("seen").trim_start_matches("Bearer ").to_owned();
    assert_ne!(first_token, second_token, "the expired token was refreshed");
    let (expired_status, _) = provider.resource_call("GET", "/me", &[("Authorization", &first_header)]);
    assert_eq!(expired_status, 401, "the first token really expired");

    // fetch with { connection }: the gateway attaches the token for an allowed host...
    let resource_url = provider.endpoint("resource");
    let (_, via) = json(port, "GET", &format!("/s/via?id={id}&url={}", urlencode(&resource_url)));
    assert_eq!(via["status"], 200, "{via}");
    assert_eq!(via["body"]["sub"], "ada");
    // ... and refuses any other host, naming it.
    let other = format!("http://localhost:{}/me", resource.port().expect("port"));
    let (_, refused) = json(port, "GET", &format!("/s/via?id={id}&url={}", urlencode(&other)));
    assert_eq!(refused["errorName"], "NotAllowedError", "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().contains("localhost"), "{refused}");

    // listConnections from a function; the client secret stays out of process.env.
    let (_, inspected) = json(port, "GET", &format!("/s/inspect?id={id}"));
    assert_eq!(inspected["listed"][0]["hasToken"], true, "{inspected}");
    assert_eq!(inspected["listed"][0]["handle"], "ada@example.test");
    assert!(!inspected["listed"][0]["keys"].as_array().expect("keys").contains(&Value::from("accessToken")), "{inspected}");
    assert_eq!(inspected["failure"], Value::Null);
    assert_eq!(inspected["secretInEnv"], false);

    // The vault file holds no token in clear; run records hold none either.
    let (_, runs) = json(port, "GET", "/api/runs?limit=100");
    let runs_text = runs.to_string();
    assert!(runs_text.contains("[redacted]"), "the printed token was blanked: {runs_text}");
    for token in [&first_token, &second_token] {
        assert!(!runs_text.contains(token.as_str()), "a token is in the run records");
        for file in std::fs::read_dir(data.path()).expect("data dir").flatten() {
            let bytes = std::fs::read(file.path()).expect("read");
            assert!(
                !bytes.windows(token.len()).any(|window| window == token.as_bytes()),
                "{} holds a token in clear",
                file.path().display()
            );
        }
    }

    // A browser flow's link completed in another browser (no cookie): 400.
    let (_, head, _) = http_exact(port, "GET", "/connections/testauth/connect", &[], b"");
    let (status, page) = consent(&header(&head, "location"), &[]);
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("another browser"), "{page}");

    // State tampering and replay: 400, nothing stored.
    let (_, started) = json(port, "GET", "/connections/testauth/connect?format=json");
    let url = started["url"].as_str().expect("url");
    let tampered = tamper_state(url);
    let (status, page) = consent(&tampered, &[]);
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("invalid OAuth state"), "{page}");
    let (_, started) = json(port, "GET", "/connections/testauth/connect?format=json");
    let output = Command::new("node")
        .arg(repo().join("tests/oauth/consent.mjs"))
        .arg(started["url"].as_str().expect("url"))
        .output()
        .expect("consent");
    let line: Value = serde_json::from_slice(&output.stdout).expect("consent JSON");
    assert_eq!(line["status"], 200, "{line}");
    let callback = url::Url::parse(line["callback"].as_str().expect("callback")).expect("callback url");
    let (status, _, page) = http(port, "GET", &format!("{}?{}", callback.path(), callback.query().unwrap_or_default()), &[], b"");
    assert_eq!(status, 400, "a replayed state is refused: {page}");
    assert!(page.contains("already used"), "{page}");
    let (_, listed) = json(port, "GET", "/api/connections");
    assert_eq!(listed["connections"].as_array().expect("list").len(), 2, "the tampered and replayed callbacks stored nothing: {listed}");
    let second_id = listed["connections"][1]["id"].as_str().expect("id").to_owned();

    // A code the provider does not recognise: its invalid_grant is surfaced.
    let (_, started) = json(port, "GET", "/connections/testauth/connect?format=json");
    let output = Command::new("node")
        .arg(repo().join("tests/oauth/consent.mjs"))
        .args([started["url"].as_str().expect("url"), "ada", "--no-callback"])
        .output()
        .expect("consent");
    let line: Value = serde_json::from_slice(&output.stdout).expect("consent JSON");
    let mut callback = url::Url::parse(line["callback"].as_str().expect("callback")).expect("callback url");
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .map(|(key, value)| if key == "code" { (key, format!("{value}x")) } else { (key, value) })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(pairs);
    let (status, _, page) = http(port, "GET", &format!("{}?{}", callback.path(), callback.query().unwrap_or_default()), &[], b"");
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("invalid_grant"), "{page}");

    // The provider's refusal is surfaced with its code.
    let (_, started) = json(port, "GET", "/connections/testauth/connect?format=json");
    let (status, page) = consent(started["url"].as_str().expect("url"), &["--deny"]);
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("access_denied"), "{page}");

    // Disconnect revokes at the provider (RFC 7009): the grant's tokens die.
    let (_, used) = json(port, "GET", &format!("/s/use?id={second_id}"));
    assert_eq!(used["status"], 200, "{used}");
    let (_, seen) = provider.resource_call("GET", "/last-authorization", &[]);
    let second_grant = seen["authorization"].as_str().expect("seen").to_owned();
    let (status, done) = json(port, "DELETE", &format!("/api/connections/{second_id}"));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["revoked"], true, "{done}");
    let (revoked_status, _) = provider.resource_call("GET", "/me", &[("Authorization", &second_grant)]);
    assert_eq!(revoked_status, 401, "the provider revoked the disconnected grant");
    let (status, _) = json(port, "DELETE", &format!("/api/connections/{second_id}"));
    assert_eq!(status, 404);

    // A revoked grant: the next refresh fails, authFailedAt is set and
    // getConnection throws AppConnectionAuthFailedError.
    let (status, _) = provider.resource_call("POST", "/admin/revoke-grants", &[]);
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(2500));
    let (_, inspected) = json(port, "GET", &format!("/s/inspect?id={id}"));
    assert_eq!(inspected["failure"]["name"], "AppConnectionAuthFailedError", "{inspected}");
    assert_eq!(inspected["failure"]["isAuthFailed"], true, "{inspected}");
    assert_eq!(inspected["listed"][0]["hasToken"], false, "{inspected}");
    let (_, listed) = json(port, "GET", "/api/connections");
    let failed = &listed["connections"][0];
    assert!(failed["authFailedAt"].is_string(), "{listed}");
    assert!(failed["authFailedReason"].as_str().unwrap_or_default().contains("invalid_grant"), "{listed}");
    drop(server);
}

#[test]
fn the_cli_connects_lists_and_disconnects_and_key_rotation_keeps_connections_usable() {
    let Some(peers) = peer_dir("SWITCHBOARD_PEERS") else { return };
    let provider = Provider::start(&peers, 3600);
    let app = app_files(&provider);
    let data = tempfile::tempdir().expect("data dir");
    let data_dir = data.path().to_str().expect("utf-8").to_owned();
    let resource_host = format!("127.0.0.1:{}", provider.resource().port().expect("port"));
    // The client id comes from the variables file, the secret from the
    // environment as SWITCHBOARD_VAR_<name>.
    let vars = tempfile::NamedTempFile::new().expect("vars");
    std::fs::write(vars.path(), format!("TESTAUTH_CLIENT_ID={CLIENT_ID}\n")).expect("write vars");
    let vars_path = vars.path().to_str().expect("utf-8").to_owned();
    let serve_envs = [
        ("SWITCHBOARD_DATA_DIR", data_dir.as_str()),
        ("SWITCHBOARD_VARS_FILE", vars_path.as_str()),
        ("SWITCHBOARD_VAR_TESTAUTH_CLIENT_SECRET", CLIENT_SECRET),
        ("SWITCHBOARD_ALLOW_NET", resource_host.as_str()),
        ("SWITCHBOARD_API_KEYS", "admin-key"),
        ("SWITCHBOARD_API_KEY", "admin-key"),
    ];
    let app_dir = app.path().to_str().expect("utf-8").to_owned();
    let server = Server::start(&[&app_dir], &serve_envs);
    let port = server.port;
    provider.allow_redirect(port);
    // The CLI finds the gateway at SWITCHBOARD_PUBLIC_URL.
    let base = format!("http://127.0.0.1:{port}");
    let mut envs = serve_envs.to_vec();
    envs.push(("SWITCHBOARD_PUBLIC_URL", base.as_str()));
    let auth = [("Authorization", "Bearer admin-key")];

    // Bad input, each named.
    let (status, _, _) = http(port, "GET", "/api/connections", &[], b"");
    assert_eq!(status, 401, "the API needs the key");
    let (status, _, body) = http(port, "GET", "/connections/unset/connect", &auth, b"");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("UNSET_CLIENT_ID") && body.contains("UNSET_CLIENT_SECRET"), "{body}");
    let (status, _, body) = http(port, "GET", "/connections/testauth/connect?visibility=everyone", &auth, b"");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("everyone"), "{body}");
    let (status, _, body) = http(port, "GET", "/auth/apps/callback?code=x", &[], b"");
    assert_eq!(status, 400, "{body}");

    // `switchboard connections connect` prints the URL and waits for the flow.
    let mut cli = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["connections", "connect", "testauth", "--wait", "60"])
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cli");
    let mut lines = BufReader::new(cli.stdout.take().expect("stdout")).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.trim().starts_with("http").then(|| line.trim().to_owned()))
        .expect("the CLI prints the consent URL");
    let (status, page) = consent(&url, &["grace"]);
    assert_eq!(status, 200, "{page}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(cli.wait().expect("cli exit").success(), "{rest:?}");
    let id = rest.iter().find_map(|line| line.strip_prefix("connected: ")).expect("the CLI reports the connection").to_owned();

    let listed = crate::harness::switchboard_with(&["connections", "list"], &envs, Duration::from_secs(30));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains(&id) && listed.stdout.contains("grace@example.test"), "{}", listed.stdout);
    let (_, used) = json_with(port, &format!("/s/use?id={id}"), &auth);
    assert_eq!(used["status"], 200, "{used}");
    // `switchboard run` uses the same stored connection, beside the running gateway.
    let payload = serde_json::json!({ "queryStringParameters": { "id": id } }).to_string();
    let ran = crate::harness::switchboard_with(&["run", &app_dir, "use-token", "--payload", &payload], &envs, Duration::from_secs(60));
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(ran.json()["data"]["status"], 200, "{}", ran.stdout);
    assert_eq!(ran.json()["data"]["leaked"], "[redacted]", "{}", ran.stdout);

    // Rotate the key with the gateway stopped; the connection still works after.
    drop(server);
    let key_before = std::fs::read_to_string(data.path().join("vault.key")).expect("key file");
    let rotated = crate::harness::switchboard_with(&["vault", "rotate-key"], &envs, Duration::from_secs(30));
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    assert!(rotated.stdout.contains("re-encrypted 1 connection(s)"), "{}", rotated.stdout);
    let key_after = std::fs::read_to_string(data.path().join("vault.key")).expect("key file");
    assert_ne!(key_before, key_after);
    // The old key no longer opens the vault: the gateway refuses to start.
    let mut wrong = envs.to_vec();
    wrong.push(("SWITCHBOARD_VAULT_KEY", key_before.trim()));
    let refused = crate::harness::switchboard_with(&["serve", &app_dir, "--listen", "127.0.0.1:0"], &wrong, Duration::from_secs(30));
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("sealed with vault key"), "{}", refused.stderr);
    let server = Server::start(&[&app_dir], &serve_envs);
    let port = server.port;
    let (_, used) = json_with(port, &format!("/s/use?id={id}"), &auth);
    assert_eq!(used["status"], 200, "the rotated vault still opens: {used}");
    let base = format!("http://127.0.0.1:{port}");
    let mut envs = serve_envs.to_vec();
    envs.push(("SWITCHBOARD_PUBLIC_URL", base.as_str()));

    let gone = crate::harness::switchboard_with(&["connections", "disconnect", &id], &envs, Duration::from_secs(30));
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert!(gone.stdout.contains("token revoked"), "{}", gone.stdout);
    let listed = crate::harness::switchboard_with(&["connections", "list", "--json"], &envs, Duration::from_secs(30));
    assert_eq!(serde_json::from_str::<Value>(&listed.stdout).expect("json")["connections"], Value::Array(vec![]));
    drop(server);
}

fn json_with(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = http(port, "GET", path, headers, b"");
    (status, serde_json::from_str(&body).unwrap_or_else(|_| Value::String(body)))
}

#[test]
fn apps_sharing_an_identifier_or_naming_undeclared_credentials_are_refused() {
    let first = crate::harness::app(&[("src/application-config.ts", crate::harness::APPLICATION), ("src/role.ts", ROLE)]);
    let second = crate::harness::app(&[("src/application-config.ts", crate::harness::APPLICATION), ("src/role.ts", ROLE)]);
    let run = crate::harness::switchboard_with(
        &["serve", first.path().to_str().expect("utf-8"), second.path().to_str().expect("utf-8"), "--listen", "127.0.0.1:0"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("same application"), "{}", run.stderr);

    // A provider may only take its credentials from the app's declared
    // server variables (not, say, the gateway's DATABASE_URL).
    let provider = "import { defineConnectionProvider } from 'twenty-sdk/define';\n\
        export default defineConnectionProvider({ universalIdentifier: 'af000000-0000-4000-8000-0000000000ac', name: 'sneaky', displayName: 'S', type: 'oauth',\n\
          oauth: { authorizationEndpoint: 'https://a.example/authorize', tokenEndpoint: 'https://a.example/token', scopes: [],\n\
            clientIdVariable: 'DATABASE_URL', clientSecretVariable: 'HOME' } });\n";
    let app =
        crate::harness::app(&[("src/application-config.ts", crate::harness::APPLICATION), ("src/role.ts", ROLE), ("src/p.ts", provider)]);
    let run = crate::harness::switchboard_with(
        &["serve", app.path().to_str().expect("utf-8"), "--listen", "127.0.0.1:0"],
        &[("SWITCHBOARD_VAR_DATABASE_URL", "postgres://secret")],
        Duration::from_secs(60),
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("DATABASE_URL") && run.stderr.contains("serverVariables"), "{}", run.stderr);
    assert!(!run.stderr.contains("postgres://secret"), "{}", run.stderr);
    // `check` names the file and field of each problem, plain-http endpoints included.
    let insecure = provider.replace("https://a.example/token", "http://a.example/token");
    let app =
        crate::harness::app(&[("src/application-config.ts", crate::harness::APPLICATION), ("src/role.ts", ROLE), ("src/p.ts", &insecure)]);
    let checked = crate::harness::switchboard(&["check", app.path().to_str().expect("utf-8")]);
    assert_eq!(checked.code, 1, "{checked:?}");
    let text = format!("{}{}", checked.stdout, checked.stderr);
    for expected in ["src/p.ts", "oauth.clientIdVariable", "oauth.clientSecretVariable", "oauth.tokenEndpoint", "must use https"] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }
}

/// Flips one character of the signed state's payload inside an authorize URL.
fn tamper_state(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .into_owned()
        .map(|(key, value)| {
            if key == "state" {
                let mut bytes = value.into_bytes();
                bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
                (key, String::from_utf8(bytes).expect("ascii"))
            } else {
                (key, value)
            }
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
