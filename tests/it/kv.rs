//! `kv` from `twenty-sdk/logic-function`: values kept in the store per app
//! and scope, surviving across processes, with bad keys, scopes and sizes
//! refused by name.

use crate::harness::{ROLE, app, function, switchboard_with};
use serde_json::{Value, json};
use std::time::Duration;

fn kv_app(id: &str) -> tempfile::TempDir {
    let config = format!(
        "import {{ defineApplication }} from 'twenty-sdk/define';\nexport default defineApplication({{ universalIdentifier: '{id}', displayName: 'KV', description: 'kv' }});\n"
    );
    let handler = function(
        "universalIdentifier: '77777777-7777-4777-8777-777777777771', name: 'kv'",
        "async ({ op, key, value, scope }) => {\n\
           const options = scope === undefined ? undefined : { scope };\n\
           if (op === 'set') { await kv.set(key, value, options); return { done: true }; }\n\
           if (op === 'get') return { value: await kv.get(key, options) };\n\
           return { deleted: await kv.delete(key, options) };\n\
         }",
    );
    let handler = format!("import {{ kv }} from 'twenty-sdk/logic-function';\n{handler}");
    app(&[("src/application-config.ts", config.as_str()), ("src/role.ts", ROLE), ("src/kv.ts", handler.as_str())])
}

fn call(app_dir: &std::path::Path, data: &std::path::Path, payload: Value) -> Value {
    let file = tempfile::NamedTempFile::new().expect("payload file");
    std::fs::write(file.path(), payload.to_string()).expect("write payload");
    let run = switchboard_with(
        &["run", app_dir.to_str().expect("utf-8"), "kv", "--payload-file", file.path().to_str().expect("utf-8")],
        &[("SWITCHBOARD_DATA_DIR", data.to_str().expect("utf-8"))],
        Duration::from_secs(60),
    );
    run.json()
}

#[test]
fn values_persist_per_app_and_scope_and_bad_input_is_named() {
    let first = kv_app("78787878-7878-4878-8878-787878787801");
    let other = kv_app("78787878-7878-4878-8878-787878787802");
    let data = tempfile::tempdir().expect("data");
    let dir = first.path();
    let d = data.path();

    assert_eq!(call(dir, d, json!({ "op": "set", "key": "count", "value": { "n": 1, "tags": ["a"] } }))["status"], "SUCCESS");
    // A later process reads it back: the value is in the store.
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "count" }))["data"]["value"], json!({ "n": 1, "tags": ["a"] }));
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "count", "scope": "INSTALL" }))["data"]["value"], json!({ "n": 1, "tags": ["a"] }));
    // Scopes are separate key spaces; GLOBAL is SERVER.
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "count", "scope": "SERVER" }))["data"]["value"], Value::Null);
    call(dir, d, json!({ "op": "set", "key": "count", "value": 7, "scope": "GLOBAL" }));
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "count", "scope": "SERVER" }))["data"]["value"], json!(7));
    // Another app never sees this app's keys.
    assert_eq!(call(other.path(), d, json!({ "op": "get", "key": "count" }))["data"]["value"], Value::Null);
    // Delete says whether there was something to delete.
    assert_eq!(call(dir, d, json!({ "op": "delete", "key": "count" }))["data"]["deleted"], true);
    assert_eq!(call(dir, d, json!({ "op": "delete", "key": "count" }))["data"]["deleted"], false);
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "count" }))["data"]["value"], Value::Null);

    let bad_scope = call(dir, d, json!({ "op": "get", "key": "k", "scope": "USER" }));
    assert_eq!(bad_scope["error"]["errorType"], "TypeError", "{bad_scope}");
    assert!(bad_scope["error"]["errorMessage"].as_str().unwrap_or_default().contains("\"USER\""), "{bad_scope}");
    let empty_key = call(dir, d, json!({ "op": "set", "key": "", "value": 1 }));
    assert!(empty_key["error"]["errorMessage"].as_str().unwrap_or_default().contains("1 to 512 bytes"), "{empty_key}");
    let huge = call(dir, d, json!({ "op": "set", "key": "big", "value": "x".repeat(1024 * 1024 + 10) }));
    assert_eq!(huge["error"]["errorType"], "TypeError", "{huge}");
    assert!(huge["error"]["errorMessage"].as_str().unwrap_or_default().contains("kv.set(\"big\")"), "{huge}");
    assert_eq!(call(dir, d, json!({ "op": "get", "key": "big" }))["data"]["value"], Value::Null, "nothing was stored");
}
