//! Many apps on one gateway: more apps than the concurrency bound all get
//! answered; `GET /api/pool` shows no runtime beyond the memory bound and
//! no growth in threads after repeated evictions, runs stopped by a limit,
//! and reloads; a reload releases every runtime of the app's old version.

use crate::harness::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const KEY: &str = "pool-key";

/// An app answering `GET /s/app<n>` with its number; app 0 also has a
/// function that allocates until the heap limit stops it.
fn numbered_app(dir: &Path, n: usize) {
    let id = |last: usize| format!("55555555-5555-4555-8555-{:06}{:06}", n, last);
    let files = [
        (
            "src/app.ts".to_owned(),
            format!(
                "import {{ defineApplication }} from 'twenty-sdk/define';\nexport default defineApplication({{ universalIdentifier: '{}', displayName: 'App {n}', defaultRoleUniversalIdentifier: '{}' }});\n",
                id(1),
                id(2)
            ),
        ),
        (
            "src/role.ts".to_owned(),
            format!(
                "import {{ defineApplicationRole }} from 'twenty-sdk/define';\nexport default defineApplicationRole({{ universalIdentifier: '{}', label: 'Role' }});\n",
                id(2)
            ),
        ),
        (
            "src/answer.ts".to_owned(),
            function(
                &format!(
                    "universalIdentifier: '{}', name: 'answer{n}', httpRouteTriggerSettings: {{ path: '/app{n}', httpMethod: 'GET', isAuthRequired: false }}",
                    id(3)
                ),
                &format!("() => ({{ app: {n} }})"),
            ),
        ),
        (
            "src/hog.ts".to_owned(),
            function(
                &format!(
                    "universalIdentifier: '{}', name: 'hog{n}', httpRouteTriggerSettings: {{ path: '/hog{n}', httpMethod: 'GET', isAuthRequired: false }}",
                    id(4)
                ),
                "() => { const keep = []; for (;;) keep.push(new Array(100000).fill(7)); }",
            ),
        ),
    ];
    for (relative, text) in files {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// `count` numbered apps, each in a temporary folder.
fn numbered_apps(count: usize) -> Vec<tempfile::TempDir> {
    (0..count)
        .map(|n| {
            let dir = tempfile::tempdir().expect("app");
            numbered_app(dir.path(), n);
            dir
        })
        .collect()
}

fn pool(server: &Server) -> Value {
    let (status, _, body) = http(server.port, "GET", "/api/pool", &[("Authorization", &format!("Bearer {KEY}"))], b"");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

fn answer(server: &Server, n: usize) {
    let (status, _, body) = http(server.port, "GET", &format!("/s/app{n}"), &[], b"");
    assert_eq!(status, 200, "app {n}: {body}");
    assert_eq!(serde_json::from_str::<Value>(&body).expect("json")["app"], n, "{body}");
}

/// Polls `/api/pool` until `done` holds (a guard against hangs, not a timing assertion).
fn until(server: &Server, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let now = pool(server);
        if done(&now) {
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the pool never got to {what}: {now:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn more_apps_than_the_bounds_are_all_served_and_churn_leaves_nothing_behind() {
    const APPS: usize = 6;
    const MAX_RUNTIMES: u64 = 3;
    let dirs = numbered_apps(APPS);
    let mut args: Vec<&str> = dirs.iter().map(|dir| path(dir.path())).collect();
    args.push("--watch");
    let server = Server::start(
        &args,
        &[
            ("SWITCHBOARD_API_KEYS", KEY),
            ("SWITCHBOARD_CONCURRENCY", "1"),
            ("SWITCHBOARD_MAX_RUNTIMES", "3"),
            ("SWITCHBOARD_SPARE_RUNTIMES", "1"),
            ("SWITCHBOARD_HEAP_MB", "16"),
            ("SWITCHBOARD_RECORD_RUNS", "off"),
        ],
    );
    // Warm-up: every app once (each evicts another's runtime).
    for n in 0..APPS {
        answer(&server, n);
    }
    let warm = until(&server, "a settled state", |pool| pool["runtimes"]["booting"] == 0 && pool["runtimes"]["busy"] == 0);
    let warm_threads = warm["threads"].as_u64().expect("threads");

    // Churn: round-robin over more apps than runtimes, runs stopped by the
    // heap limit, and reloads of one app.
    for round in 0..10 {
        for n in 0..APPS {
            answer(&server, n);
        }
        if round % 3 == 0 {
            let (status, _, body) = http(server.port, "GET", "/s/hog1", &[], b"");
            assert!(status >= 500 || body.contains("MemoryLimitError"), "{status} {body}");
        }
        if round % 4 == 0 {
            let file = dirs[2].path().join("src/answer.ts");
            let text = std::fs::read_to_string(&file).expect("read");
            std::fs::write(&file, format!("{text}\n// edit {round}\n")).expect("write");
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    for n in 0..APPS {
        answer(&server, n);
    }
    let after = until(&server, "a settled state", |pool| {
        pool["runtimes"]["booting"] == 0
            && pool["runtimes"]["busy"] == 0
            && pool["apps"].as_array().is_some_and(|apps| apps.iter().all(|app| app["served"] == true))
    });
    assert!(after["runtimes"]["alive"].as_u64().expect("alive") <= MAX_RUNTIMES, "{after:#}");
    assert!(after["evictions"].as_u64().expect("evictions") > 0, "{after:#}");
    assert!(after["discarded"].as_u64().expect("discarded") > 0, "runs stopped by the heap limit drop their runtime: {after:#}");
    let threads = after["threads"].as_u64().expect("threads");
    assert!(threads <= warm_threads + 2, "threads grew from {warm_threads} to {threads}: {after:#}");
    let per_app: u64 = after["apps"].as_array().expect("apps").iter().map(|app| app["idle"].as_u64().unwrap_or(0)).sum();
    assert!(per_app <= MAX_RUNTIMES, "{after:#}");
}

#[test]
fn with_room_for_every_app_each_keeps_its_runtime_and_nothing_boots_on_the_way() {
    const APPS: usize = 5;
    let dirs = numbered_apps(APPS);
    let args: Vec<&str> = dirs.iter().map(|dir| path(dir.path())).collect();
    let server =
        Server::start(&args, &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_CONCURRENCY", "1"), ("SWITCHBOARD_RECORD_RUNS", "off")]);
    for n in 0..APPS {
        answer(&server, n);
    }
    let warm = until(&server, "spares refilled", |pool| pool["runtimes"]["booting"] == 0 && pool["runtimes"]["spares"] == 2);
    for _ in 0..20 {
        for n in 0..APPS {
            answer(&server, n);
        }
    }
    let after = pool(&server);
    // Every call found its app's warm runtime: no eviction, no boot.
    assert_eq!(after["evictions"], 0, "{after:#}");
    assert_eq!(after["boots"], warm["boots"], "{after:#}");
    assert_eq!(after["apps"].as_array().expect("apps").len(), APPS, "{after:#}");
    assert_eq!(after["bounds"]["concurrency"], 1);
}
