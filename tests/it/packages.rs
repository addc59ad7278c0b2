//! Real npm packages in the sandbox, as published: handlebars (CommonJS
//! requiring CommonJS, with `__esModule` interop), uuid (ES modules chosen
//! by package.json `exports` conditions) and @sniptt/guards (CommonJS),
//! installed by scripts/install-test-peers.sh. Results are the ones Node 22
//! gives for the same calls.

use crate::harness::*;
use serde_json::json;

#[test]
fn handlebars_uuid_and_guards_run_as_in_node() {
    let Some(peers) = peer_dir("SWITCHBOARD_PEERS") else { return };
    let modules = peers.join("npm-packages/node_modules");
    assert!(modules.join("handlebars/package.json").is_file(), "run scripts/install-test-peers.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("npm-packages"), dir.path());
    copy_tree(&modules, &dir.path().join("node_modules"));
    let run = switchboard(&["run", path(dir.path()), "render", "--payload", r#"{"name":"grace","items":["x","y"]}"#]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["data"],
        json!({
            "html": "Hello GRACE! [0:x] [1:y] <b> &lt;i&gt;",
            "precompiled": "string",
            "uuid": "b26a20d5-4cd2-57db-933f-503d70f7580d",
            "valid": true,
            "guards": [true, false],
        })
    );
}
