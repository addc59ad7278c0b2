//! Cron scheduling with an injected clock: fires at the pattern's times,
//! hands an empty payload, and skips a fire while the previous one of the
//! same function still runs. `switchboard cron` lists upcoming fires.

use crate::harness::*;
use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard::domain::ExecutionStatus;
use switchboard::engine::Engine;
use switchboard::registry::{AppSnapshot, Registry};
use switchboard::sandbox::{Pool, PoolOptions};
use switchboard::store::{Retention, RunFilter, RunStatus, SqliteStore, Store, StoreOptions, SyncMode};
use switchboard::triggers::cron::{CronFire, CronOutcome, ManualClock, run};

async fn next_fire(reports: &mut tokio::sync::mpsc::UnboundedReceiver<CronFire>) -> CronFire {
    tokio::time::timeout(Duration::from_secs(20), reports.recv()).await.expect("a fire in time").expect("scheduler running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_on_schedule_and_never_overlaps() {
    let pool = Pool::new(PoolOptions { max_runtimes: 4, ..PoolOptions::default() });
    let app = switchboard::catalog::load(&fixture("cron"), &pool).await.expect("fixture loads");
    let registry = Registry::new(vec![AppSnapshot::new(app, &BTreeMap::new(), "http://127.0.0.1:7410").expect("snapshot")]);
    let data = tempfile::tempdir().expect("data dir");
    let store = open_store(data.path()).await;
    let engine = Engine::new(pool, "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c".to_owned()).with_store(store.clone(), 65536);
    let start = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 30).single().expect("time");
    let clock = ManualClock::new(start);
    let (sender, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(run(engine, registry, Arc::new(clock.clone()), Some(sender), shutdown.clone(), false));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let first_minute = Utc.with_ymd_and_hms(2026, 11, 26, 10, 1, 0).single().expect("time");
    clock.set(first_minute);
    let fire = next_fire(&mut reports).await;
    assert_eq!(fire.name, "tick", "tick returns at once; slow takes 3 s");
    assert_eq!(fire.scheduled, first_minute);
    let CronOutcome::Ran(result) = fire.outcome else { panic!("tick should have run: {:?}", fire.outcome) };
    assert_eq!(result.status, ExecutionStatus::Success);
    assert_eq!(result.data, serde_json::json!({ "payload": {} }), "cron payload is {{}}");

    let second_minute = Utc.with_ymd_and_hms(2026, 11, 26, 10, 2, 0).single().expect("time");
    clock.set(second_minute);
    let mut seen = BTreeMap::new();
    while seen.len() < 3 {
        let fire = next_fire(&mut reports).await;
        let kind = match &fire.outcome {
            CronOutcome::Ran(_) => "ran",
            CronOutcome::Skipped => "skipped",
            CronOutcome::Failed(_) => "failed",
        };
        seen.insert(format!("{} {}", fire.name, fire.scheduled.format("%H:%M")), kind);
    }
    assert_eq!(seen.get("tick 10:02"), Some(&"ran"), "{seen:?}");
    assert_eq!(seen.get("slow 10:02"), Some(&"skipped"), "the 10:01 run is still going: {seen:?}");
    assert_eq!(seen.get("slow 10:01"), Some(&"ran"), "{seen:?}");
    shutdown.cancel();
    let skipped = store.runs(&RunFilter { status: Some(RunStatus::Skipped), limit: 10, ..Default::default() }).await.expect("runs");
    assert_eq!(skipped.runs.len(), 1, "the skipped fire is in the run history");
    assert_eq!(skipped.runs[0].function, "slow");
    assert_eq!(skipped.runs[0].trigger, switchboard::domain::TriggerKind::Cron);
    assert_eq!(skipped.runs[0].detail["scheduled"], "2026-11-26T10:02:00Z");
}

async fn open_store(dir: &std::path::Path) -> Arc<SqliteStore> {
    let options =
        StoreOptions { dir: dir.to_owned(), sync: SyncMode::Normal, retention: Retention { max_age_ms: 1 << 45, max_count: 1000 } };
    Arc::new(SqliteStore::open(&options).await.expect("store"))
}

/// Starts the scheduler at 10:07:30 after a stop whose last `tick` fire was
/// at 10:00; returns the fires reported in the first moments.
async fn restart_after_downtime(catch_up: bool) -> (Vec<CronFire>, Arc<SqliteStore>, tempfile::TempDir) {
    let pool = Pool::new(PoolOptions { max_runtimes: 4, ..PoolOptions::default() });
    let app = switchboard::catalog::load(&fixture("cron"), &pool).await.expect("fixture loads");
    let registry = Registry::new(vec![AppSnapshot::new(app, &BTreeMap::new(), "http://127.0.0.1:7410").expect("snapshot")]);
    let data = tempfile::tempdir().expect("data dir");
    let store = open_store(data.path()).await;
    let last = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).single().expect("time");
    store.set_cron_fire("aaaaaaaa-1111-4111-8111-aaaaaaaaaa10", last.timestamp_millis()).await.expect("seed");
    let engine = Engine::new(pool, "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c".to_owned()).with_store(store.clone(), 65536);
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 10, 7, 30).single().expect("time"));
    let (sender, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(run(engine, registry, Arc::new(clock), Some(sender), shutdown.clone(), catch_up));
    let mut fires = Vec::new();
    while let Ok(Some(fire)) = tokio::time::timeout(Duration::from_millis(1500), reports.recv()).await {
        fires.push(fire);
    }
    shutdown.cancel();
    (fires, store, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_missed_fire_is_caught_up_never_a_burst() {
    let (fires, store, _data) = restart_after_downtime(true).await;
    let caught: Vec<String> = fires.iter().map(|fire| format!("{} {}", fire.name, fire.scheduled.format("%H:%M"))).collect();
    assert_eq!(caught, ["tick 10:07"], "seven fires were missed; only the latest runs, and slow never fired before");
    let recorded = store.runs(&RunFilter { limit: 10, ..Default::default() }).await.expect("runs");
    assert_eq!(recorded.runs.len(), 1);
    assert_eq!(recorded.runs[0].detail["catchUp"], true);
    assert_eq!(
        store.last_cron_fire("aaaaaaaa-1111-4111-8111-aaaaaaaaaa10").await.expect("read"),
        Some(Utc.with_ymd_and_hms(2026, 11, 26, 10, 7, 0).single().expect("time").timestamp_millis())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_can_be_switched_off() {
    let (fires, _store, _data) = restart_after_downtime(false).await;
    assert!(fires.is_empty(), "SWITCHBOARD_CRON_CATCH_UP=none: nothing until the next scheduled time: {fires:?}");
}

#[test]
fn cron_command_lists_next_fires() {
    let run = switchboard(&["cron", path(&fixture("cron"))]);
    assert_eq!(run.code, 0, "{run:?}");
    let listing = run.json();
    let slow = listing.as_array().expect("array").iter().find(|e| e["name"] == "slow").expect("slow listed").clone();
    assert_eq!(slow["pattern"], "* * * * *");
    assert_eq!(slow["timezone"], "Europe/Paris");
    let next: Vec<&str> = slow["next"].as_array().expect("next").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(next.len(), 3);
    assert!(next.iter().all(|at| at.ends_with(":00Z") && at.len() == 20), "{next:?}");
}

#[test]
fn bad_time_zone_is_named() {
    let dir = app(&[
        ("src/app.ts", APPLICATION),
        ("src/role.ts", ROLE),
        (
            "src/c.ts",
            &function(
                "universalIdentifier: '55555555-5555-4555-8555-555555555551', name: 'c', cronTriggerSettings: { pattern: '0 * * * *', timezone: 'Mars/Olympus' } as any",
                "() => 1",
            ),
        ),
    ]);
    let run = switchboard(&["check", path(dir.path())]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("src/c.ts: cronTriggerSettings.timezone: \"Mars/Olympus\" is not an IANA time zone name"),
        "{}",
        run.stderr
    );
}
