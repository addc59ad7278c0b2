//! Module resolution: relative imports without extensions, index files,
//! `.js` naming `.ts`, JSON, ESM packages by `exports`, and clear errors for
//! CommonJS and missing packages.

use crate::harness::*;

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
fn commonjs_package_gets_a_clear_error() {
    let run = switchboard(&["run", path(&fixture("imports")), "uses-cjs"]);
    assert_eq!(run.code, 1, "{run:?}");
    let message = run.json()["error"]["errorMessage"].as_str().expect("msg").to_owned();
    assert!(message.contains("package 'tiny-cjs'") && message.contains("is CommonJS"), "{message}");
}

#[test]
fn missing_package_is_named() {
    let run = switchboard(&["run", path(&fixture("imports")), "uses-missing"]);
    assert_eq!(run.code, 1, "{run:?}");
    let message = run.json()["error"]["errorMessage"].as_str().expect("msg").to_owned();
    assert!(message.contains("cannot find package 'not-installed'") && message.contains("src/uses-missing.ts"), "{message}");
}
