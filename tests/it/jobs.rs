//! `enqueueJobs`, `enqueueJob` and `getJobs` on the durable queue (run by
//! `serve`'s dispatcher, recorded with trigger `job`, retried up to each
//! job's `retryLimit`, a repeated `jobId` queued once); `twenty-sdk/billing`
//! recorded in the run's logs and charging nothing; `runAgent`'s error; and
//! `switchboard install` / `uninstall --purge`.

use crate::harness::*;
use crate::install::HOOK_FILES;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const KEY: &str = "jobs-key";

/// The jobs fixture in a temporary folder, with the real twenty-sdk
/// installed (for `twenty-sdk/billing`).
fn jobs_app(sdk: &Path) -> tempfile::TempDir {
    let dir = fixture_copy(
        "jobs",
        &["package.json", "src/app.ts", "src/role.ts", "src/enqueue.ts", "src/worker.ts", "src/status.ts", "src/billing.ts"],
    );
    // twenty-sdk/billing and what it imports (the sandbox reads nothing
    // outside the app folder, so a link would not do).
    let modules = dir.path().join("node_modules");
    std::fs::create_dir_all(modules.join("twenty-sdk")).expect("mkdir");
    std::fs::copy(sdk.join("twenty-sdk/package.json"), modules.join("twenty-sdk/package.json")).expect("copy");
    copy_tree(&sdk.join("twenty-sdk/dist/billing"), &modules.join("twenty-sdk/dist/billing"));
    copy_tree(&sdk.join("uuid"), &modules.join("uuid"));
    copy_tree(&sdk.join("@sniptt/guards"), &modules.join("@sniptt/guards"));
    dir
}

fn execute(server: &Server, function: &str) -> Value {
    let auth = format!("Bearer {KEY}");
    let (status, _, body) = http(server.port, "POST", &format!("/api/functions/{function}/execute"), &[("Authorization", &auth)], b"{}");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

#[test]
fn jobs_run_on_the_durable_queue_with_retries_and_dedup() {
    let Some(sdk) = peer_dir("SWITCHBOARD_TWENTY_SDK") else { return };
    let app = jobs_app(&sdk);
    let server = Server::start(&[path(app.path())], &[("SWITCHBOARD_API_KEYS", KEY), ("SWITCHBOARD_EVENT_RETRY_MS", "50")]);
    let queued = execute(&server, "enqueue");
    assert_eq!(queued["status"], "SUCCESS", "{queued}");
    let data = &queued["data"];
    assert_eq!(data["first"]["jobIds"], json!(["job-a", "job-b"]));
    assert_eq!(data["first"]["enqueuedJobsCount"], 2);
    assert_eq!(data["flaky"]["jobId"], "job-flaky");
    assert_eq!(data["byPayloadCount"], 1);
    let refused: Vec<&str> = data["refused"].as_array().expect("refused").iter().filter_map(Value::as_str).collect();
    assert_eq!(refused.len(), 4);
    assert!(refused[0].starts_with("TypeError") && refused[0].contains("no logic function of this app"), "{refused:?}");
    assert!(refused[1].contains("retryLimit must be a whole number from 0 to 10"), "{refused:?}");
    assert!(refused[2].contains("delayMs"), "{refused:?}");
    assert!(refused[3].contains("give `jobs`"), "{refused:?}");

    // a, b, p, and flaky twice (its first attempt fails, its one retry passes).
    wait_for_runs(&server, KEY, "trigger=job", |runs| runs.len() >= 5);
    std::thread::sleep(Duration::from_millis(300));
    let runs = crate::harness::runs(&server, KEY, "trigger=job");
    assert_eq!(runs.len(), 5, "job-a is queued once however often it is enqueued: {runs:#?}");
    let failed: Vec<&Value> = runs.iter().filter(|run| run["status"] == "ERROR").collect();
    assert_eq!(failed.len(), 1, "{runs:#?}");
    assert_eq!(failed[0]["detail"]["jobId"], "job-flaky");
    assert_eq!(failed[0]["detail"]["attempt"], 1);

    let status = execute(&server, "status");
    assert_eq!(
        status["data"],
        json!([
            { "jobId": "job-a", "state": "COMPLETED", "attemptsMade": 1, "enqueuedAt": "number" },
            { "jobId": "job-b", "state": "COMPLETED", "attemptsMade": 1, "enqueuedAt": "number" },
            { "jobId": "job-flaky", "state": "COMPLETED", "attemptsMade": 2, "enqueuedAt": "number" },
        ]),
        "unknown job ids are left out"
    );
}

#[test]
fn billing_is_recorded_and_charges_nothing_and_run_agent_says_why_it_cannot_run() {
    let Some(sdk) = peer_dir("SWITCHBOARD_TWENTY_SDK") else { return };
    let app = jobs_app(&sdk);
    let run = switchboard(&["run", path(app.path()), "billing"]);
    assert_eq!(run.code, 0, "{run:?}");
    let result = run.json();
    assert_eq!(result["data"]["availability"], json!({ "hasAvailableCredits": true }));
    assert!(result["data"]["agent"].as_str().expect("agent").contains("needs Twenty's AI server"), "{result}");
    let logs = result["logs"].as_str().expect("logs");
    assert!(logs.contains("chargeCredits: 1500 micro-credits x 2 for render-pdf"), "{logs}");
}

#[test]
fn install_and_uninstall_run_the_hooks_and_purge_deletes_the_state() {
    let app = fixture_copy("install-hooks", &HOOK_FILES);
    std::fs::write(
        app.path().join("src/uninstall.ts"),
        "import { defineUninstallLogicFunction } from 'twenty-sdk/define';\n\
         export default defineUninstallLogicFunction({ universalIdentifier: '99999999-9999-4999-8999-999999999913', name: 'uninstall', \
         handler: (payload) => ({ ran: 'uninstall', ...payload }) });\n",
    )
    .expect("write");
    std::fs::write(
        app.path().join("src/remember.ts"),
        function(
            "universalIdentifier: '99999999-9999-4999-8999-999999999914', name: 'remember'",
            "async (p) => { const { kv } = await import('twenty-sdk/logic-function'); if (p.set) await kv.set('k', 'v'); return kv.get('k'); }",
        ),
    )
    .expect("write");
    let data = tempfile::tempdir().expect("data");
    let env = [("SWITCHBOARD_DATA_DIR", path(data.path()))];
    let limit = Duration::from_secs(60);
    let first = switchboard_with(&["install", path(app.path())], &env, limit);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stdout.contains("installed Install hooks 1.0.0; ran preInstallLogicFunction, postInstallLogicFunction"), "{first:?}");
    let again = switchboard_with(&["install", path(app.path())], &env, limit);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("already installed"), "{again:?}");
    let set = switchboard_with(&["run", path(app.path()), "remember", "--payload", r#"{"set":true}"#], &env, limit);
    assert_eq!(set.json()["data"], "v", "{set:?}");

    let uninstall = switchboard_with(&["uninstall", path(app.path())], &env, limit);
    assert_eq!(uninstall.code, 0, "{uninstall:?}");
    assert!(uninstall.stdout.contains("ran the uninstall hook of Install hooks 1.0.0"), "{uninstall:?}");
    let kept = switchboard_with(&["run", path(app.path()), "remember"], &env, limit);
    assert_eq!(kept.json()["data"], "v", "without --purge the state stays: {kept:?}");
    let listed = switchboard_with(&["runs", "--json", "--function", "uninstall"], &env, limit);
    assert_eq!(listed.json()["runs"][0]["data"], json!({ "ran": "uninstall", "version": "1.0.0" }), "{listed:?}");

    // Installed again, then uninstalled with --purge: the kv entry is gone.
    assert_eq!(switchboard_with(&["install", path(app.path())], &env, limit).code, 0);
    let purge = switchboard_with(&["uninstall", path(app.path()), "--purge"], &env, limit);
    assert_eq!(purge.code, 0, "{purge:?}");
    assert!(purge.stdout.contains("purged the stored state of Install hooks") && purge.stdout.contains("kv 1"), "{purge:?}");
    let gone = switchboard_with(&["run", path(app.path()), "remember"], &env, limit);
    assert_eq!(gone.json()["data"], Value::Null, "{gone:?}");
    let not_installed = switchboard_with(&["uninstall", path(app.path())], &env, limit);
    assert!(not_installed.stdout.contains("is not installed"), "{not_installed:?}");
}
