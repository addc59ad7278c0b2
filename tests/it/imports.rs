//! Module resolution and loading: relative imports without extensions,
//! index files, `.js` naming `.ts`, JSON, ESM and CommonJS packages (with
//! esbuild's interop), package.json `exports` conditions, tsconfig `paths`
//! through `extends`, import cycles, Node's built-in modules, and clear
//! errors for what cannot load.

use crate::harness::*;
use serde_json::json;

#[test]
fn relative_package_json_and_builtin_imports_resolve() {
    let run = switchboard(&["run", path(&fixture("imports")), "uses-imports"]);
    assert_eq!(run.code, 0, "{run:?}");
    let data = &run.json()["data"];
    assert_eq!(data["shout"], "HI");
    assert_eq!(data["nested"], "from index.ts");
    assert_eq!(data["answer"], 42);
    assert_eq!(data["double"], 42);
    assert_eq!(data["triple"], 9);
    assert_eq!(data["response"], serde_json::json!({"__twentyHttpResponse": true, "body": "x", "status": 201}));
}

#[test]
fn a_commonjs_package_imported_from_node_mode_code_is_its_module_exports() {
    // The fixture's package.json says "type": "module", so its files read a
    // CommonJS default export as Node does.
    let run = switchboard(&["run", path(&fixture("imports")), "uses-cjs"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"], json!({"default": {"hello": "world"}, "hello": "world"}));
}

#[test]
fn missing_package_is_named() {
    let run = switchboard(&["run", path(&fixture("imports")), "uses-missing"]);
    assert_eq!(run.code, 1, "{run:?}");
    let message = run.json()["error"]["errorMessage"].as_str().expect("msg").to_owned();
    assert!(message.contains("cannot find package 'not-installed'") && message.contains("src/uses-missing.ts"), "{message}");
    assert!(message.contains("not installed in the app's node_modules"), "{message}");
}

#[test]
fn commonjs_packages_conditions_paths_and_cycles_load_as_esbuild_bundles_them() {
    let run = switchboard(&["run", path(&fixture("node-compat")), "packages"]);
    assert_eq!(run.code, 0, "{run:?}");
    let data = &run.json()["data"];
    assert_eq!(data["greet"], "Hello ada", "CommonJS requiring CommonJS");
    assert_eq!(data["version"], "2.1.0", "CommonJS requiring JSON");
    assert_eq!(data["chainDefaultIsExports"], true, "default import of CommonJS is module.exports");
    assert_eq!(data["flaggedDefault"], "default export of a transpiled module", "__esModule interop");
    assert_eq!(data["named"], "named export");
    assert_eq!(data["namespaceKeys"], json!(["default", "named"]));
    assert_eq!(data["dualImport"], "import", "import condition");
    assert_eq!(data["dualRequire"], "require", "require condition");
    assert_eq!(data["conditionsRoot"], "node", "node condition before default, browser skipped");
    assert_eq!(data["feature"], "feature x", "subpath pattern");
    assert_eq!(data["cycle"], "abab", "an import cycle through tsconfig paths");
    assert_eq!(data["cjsCycle"], "early/late", "a require cycle sees the partial exports, as Node");
    assert_eq!(data["resolved"], "/app/node_modules/cjs-chain/index.js", "require.resolve names the virtual path");
    let fs_error = data["fsError"].as_str().expect("fsError");
    assert!(fs_error.contains("fs.readFileSync is not available in the switchboard sandbox: app code has no filesystem"), "{fs_error}");
}

#[test]
fn node_builtins_give_what_node_gives() {
    let run = switchboard(&["run", path(&fixture("node-compat")), "builtins"]);
    assert_eq!(run.code, 0, "{run:?}");
    let data = &run.json()["data"];
    assert_eq!(data["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(data["md5"], "kAFQmDzST7DWlj99KOF/cg==");
    assert_eq!(data["hmac"], "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    assert_eq!(data["randomLength"], 16);
    assert_eq!(data["uuid"], true);
    assert_eq!(data["timingSafe"], true);
    assert_eq!(data["webcrypto"], "function");
    assert_eq!(data["join"], "/a/c/d.txt");
    assert_eq!(data["parsed"], json!({"root": "/", "dir": "/home/user", "base": "file.tar.gz", "ext": ".gz", "name": "file.tar"}));
    assert_eq!(data["relative"], "../../impl/bbb");
    assert_eq!(data["events"], json!([["one"], 42]));
    assert_eq!(data["eol"], "\n");
    assert_eq!(data["platform"], "linux");
    assert_eq!(data["formatted"], "Ada is 36 years and {\"a\":1}");
    assert_eq!(data["isDate"], true);
    assert_eq!(data["inspected"], "{ a: [ 1, 2 ] }");
    assert_eq!(data["base64"], "aGVsbG8gd29ybGQ=");
    assert_eq!(data["hex"], "hello");
    assert_eq!(data["sameBuffer"], true);
    assert_eq!(data["concat"], "ab");
    assert_eq!(data["readUInt32BE"], 16909060);
    assert_eq!(data["json"], json!({"type": "Buffer", "data": [104, 105]}));
    assert_eq!(data["query"], json!({"a": ["1", "3"], "b": "2"}));
    assert_eq!(data["stringified"], "x=1&x=2&y=z%20w");
    assert_eq!(data["fileUrl"], "file:///tmp/a%20b.txt");
    assert_eq!(data["filePath"], "/tmp/a b.txt");
    assert_eq!(data["legacyUrl"], "example.com:8080");
    assert_eq!(data["decoded"], "€");
    assert_eq!(data["assertion"], "AssertionError");
    assert_eq!(data["delayed"], 42);
    assert_eq!(data["nodeVersion"], true);
    assert_eq!(data["global"], true);
    let fs_message = data["fsMessage"].as_str().expect("fsMessage");
    assert!(fs_message.contains("fs.readFileSync is not available in the switchboard sandbox"), "{fs_message}");
}

/// A one-shot HTTP server on loopback that answers with the request's body
/// and method; returns its port.
fn echo_once() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while let Ok(read) = stream.read(&mut buffer) {
                request.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&request).to_string();
                let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
                let length = head
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase().strip_prefix("content-length:").map(|n| n.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if read == 0 || body.len() >= length {
                    let method = head.split_whitespace().next().unwrap_or_default().to_owned();
                    let seen = head.to_ascii_lowercase().contains("x-test: yes");
                    let reply = format!("{method} {body} {seen}");
                    let response = format!(
                        "HTTP/1.1 201 Created\r\ncontent-length: {}\r\nx-echo: {method}\r\nconnection: close\r\n\r\n{reply}",
                        reply.len()
                    );
                    let _ = stream.write_all(response.as_bytes());
                    break;
                }
            }
        }
    });
    port
}

#[test]
fn streams_zlib_streams_and_http_requests_through_the_allow_list() {
    let port = echo_once();
    let payload = format!(r#"{{"url":"http://127.0.0.1:{port}/echo","method":"POST","body":"hello"}}"#);
    let denied = switchboard(&["run", path(&fixture("node-compat")), "streams", "--payload", &payload]);
    assert_eq!(denied.code, 0, "{denied:?}");
    let data = denied.json()["data"].clone();
    assert_eq!(data["piped"], "ALPHA BETA GAMMA");
    assert_eq!(data["httpsAgent"], "function");
    assert!(data["server"].as_str().expect("server").contains("app code cannot listen for connections"), "{data}");
    let error = data["response"]["error"].as_str().expect("refused without --allow-net");
    assert!(error.contains("127.0.0.1"), "{error}");
    let allowed =
        switchboard(&["run", "--allow-net", &format!("127.0.0.1:{port}"), path(&fixture("node-compat")), "streams", "--payload", &payload]);
    assert_eq!(allowed.code, 0, "{allowed:?}");
    assert_eq!(allowed.json()["data"]["response"], json!({ "status": 201, "body": "POST hello true", "header": "POST" }));
}
