//! The contract suite every `Store` implementation must pass. Each check
//! takes a fresh, empty store; an implementation's tests call `all` (the
//! SQLite one below does; a Postgres one would do the same against a fresh
//! schema).

#[cfg(test)]
pub(crate) mod suite {
    use crate::domain::{ExecutionError, TriggerKind};
    use crate::store::{DeliveryState, Error, LibraryLabel, NewDelivery, Retention, RunFilter, RunRecord, RunStatus, Settle, Store};
    use serde_json::json;
    use std::future::Future;

    fn run(n: i64, function: &str, trigger: TriggerKind, status: RunStatus) -> RunRecord {
        RunRecord {
            id: format!("run-{n}"),
            app: "app-1".into(),
            function: function.into(),
            function_id: format!("id-{function}"),
            trigger,
            detail: json!({"n": n}),
            payload: json!({"input": n, "text": "naïve ✓"}).into(),
            status,
            data: if status == RunStatus::Success { json!({"ok": n}) } else { json!(null) }.into(),
            error: (status == RunStatus::Error).then(|| ExecutionError {
                error_type: "TypeError".into(),
                error_message: format!("boom {n}"),
                stack_trace: String::new(),
            }),
            logs: format!("2026-11-26T00:00:00.000Z INFO line {n}"),
            duration_ms: 5,
            started_at: 1_000 + n,
            ended_at: 1_005 + n,
        }
    }

    fn delivery(key: &str, function: &str, batch: bool) -> NewDelivery {
        NewDelivery {
            key: key.into(),
            app: "app-1".into(),
            function_id: function.into(),
            event_name: "person.created".into(),
            batch,
            event: json!({"recordId": key}),
        }
    }

    /// Runs every check, each on a store from `fresh`.
    pub(crate) async fn all<S, F, Fut>(fresh: F)
    where
        S: Store,
        F: Fn() -> Fut,
        Fut: Future<Output = S>,
    {
        records_round_trip(&fresh().await).await;
        listing_filters_and_pages(&fresh().await).await;
        concurrent_records_all_land(fresh().await).await;
        deferred_records_are_read_back(&fresh().await).await;
        retention_prunes_by_age_and_count(&fresh().await).await;
        queue_is_idempotent_and_claims_once(&fresh().await).await;
        retries_and_failures_settle(&fresh().await).await;
        interrupted_deliveries_are_requeued(&fresh().await).await;
        cron_fires_only_move_forward(&fresh().await).await;
        library_versions_and_labels(&fresh().await).await;
        records_and_settlements_land_together(&fresh().await).await;
    }

    async fn records_and_settlements_land_together(store: &impl Store) {
        store.enqueue(vec![delivery("a:f", "f", false), delivery("b:f", "f", false)], 0).await.expect("enqueue");
        let claimed = store.claim(0, 10).await.expect("claim");
        let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
        store.record_settling(run(1, "f", TriggerKind::DatabaseEvent, RunStatus::Success), ids.clone(), Settle::Done).await.expect("write");
        assert!(store.run("run-1").await.expect("read").is_some());
        assert_eq!(store.delivery_state("a:f").await.expect("state"), Some(DeliveryState::Done));
        assert_eq!(store.delivery_state("b:f").await.expect("state"), Some(DeliveryState::Done));
        store.enqueue(vec![delivery("c:f", "f", false)], 0).await.expect("enqueue");
        let claimed = store.claim(0, 10).await.expect("claim");
        store
            .record_settling(run(2, "f", TriggerKind::DatabaseEvent, RunStatus::Error), vec![claimed[0].id], Settle::Retry { at: 99 })
            .await
            .expect("write");
        assert_eq!(store.next_due().await.expect("due"), Some(99));
        assert_eq!(store.claim(99, 10).await.expect("claim")[0].attempts, 1);
    }

    async fn library_versions_and_labels(store: &impl Store) {
        assert_eq!(store.library_sync("skill", "s", "h1", "{\"v\":1}", "a.md", 10).await.expect("sync"), 1);
        assert_eq!(store.library_sync("skill", "s", "h1", "{\"v\":1}", "a.md", 20).await.expect("sync"), 1, "same hash, same version");
        assert_eq!(store.library_sync("skill", "s", "h2", "{\"v\":2}", "a.md", 30).await.expect("sync"), 2);
        assert_eq!(store.library_sync("skill", "s", "h1", "{\"v\":1}", "a.md", 40).await.expect("sync"), 3, "going back is a new version");
        assert_eq!(store.library_sync("agent", "s", "h1", "{}", "s.md", 40).await.expect("sync"), 1, "kinds are separate");
        let versions = store.library_versions("skill", "s").await.expect("versions");
        assert_eq!(versions.iter().map(|v| (v.version, v.hash.as_str())).collect::<Vec<_>>(), [(1, "h1"), (2, "h2"), (3, "h1")]);
        assert_eq!(versions[1].content, "{\"v\":2}");
        assert_eq!(versions[1].created_at, 30);
        assert_eq!(store.library_names("skill").await.expect("names"), ["s"]);
        let production = LibraryLabel { label: "production".into(), version: 2, protected: true };
        store.library_set_label("skill", "s", &production, 50).await.expect("label");
        store.library_set_label("skill", "s", &LibraryLabel { version: 1, ..production.clone() }, 60).await.expect("move");
        let labels = store.library_labels("skill", "s").await.expect("labels");
        assert_eq!(labels, [LibraryLabel { label: "production".into(), version: 1, protected: true }]);
        assert!(store.library_labels("agent", "s").await.expect("labels").is_empty());
    }

    async fn records_round_trip(store: &impl Store) {
        let ok = run(1, "greet", TriggerKind::Tool, RunStatus::Success);
        let failed = run(2, "greet", TriggerKind::HttpRoute, RunStatus::Error);
        store.record(ok.clone()).await.expect("record");
        store.record(failed.clone()).await.expect("record");
        assert_eq!(store.run("run-1").await.expect("read"), Some(ok));
        assert_eq!(store.run("run-2").await.expect("read"), Some(failed));
        assert_eq!(store.run("run-404").await.expect("read"), None);
    }

    async fn listing_filters_and_pages(store: &impl Store) {
        for n in 0..25 {
            let function = if n % 2 == 0 { "even" } else { "odd" };
            let trigger = if n % 5 == 0 { TriggerKind::Cron } else { TriggerKind::Manual };
            let status = if n % 3 == 0 { RunStatus::Error } else { RunStatus::Success };
            store.record(run(n, function, trigger, status)).await.expect("record");
        }
        let all = store.runs(&RunFilter { limit: 100, ..Default::default() }).await.expect("list");
        assert_eq!(all.runs.len(), 25);
        assert_eq!(all.runs[0].id, "run-24", "newest first");
        assert_eq!(all.next_cursor, None);
        let evens = store.runs(&RunFilter { function: Some("even".into()), limit: 100, ..Default::default() }).await.expect("list");
        assert_eq!(evens.runs.len(), 13);
        let by_id = store.runs(&RunFilter { function: Some("id-odd".into()), limit: 100, ..Default::default() }).await.expect("list");
        assert_eq!(by_id.runs.len(), 12, "a function is also found by its universalIdentifier");
        let errors = store.runs(&RunFilter { status: Some(RunStatus::Error), limit: 100, ..Default::default() }).await.expect("list");
        assert_eq!(errors.runs.len(), 9);
        let crons = store
            .runs(&RunFilter { trigger: Some(TriggerKind::Cron), function: Some("odd".into()), limit: 100, ..Default::default() })
            .await
            .expect("list");
        assert_eq!(crons.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["run-15", "run-5"]);
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.runs(&RunFilter { limit: 7, cursor: cursor.clone(), ..Default::default() }).await.expect("page");
            assert!(page.runs.len() <= 7);
            seen.extend(page.runs.into_iter().map(|r| r.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, all.runs.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), "pages cover every run once, in order");
        let bad = store.runs(&RunFilter { limit: 5, cursor: Some("not-a-cursor".into()), ..Default::default() }).await;
        assert!(matches!(bad, Err(Error::BadCursor(_))), "{bad:?}");
    }

    async fn concurrent_records_all_land<S: Store>(store: S) {
        let store = std::sync::Arc::new(store);
        let mut tasks = Vec::new();
        for n in 0..300 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.record(run(n, "many", TriggerKind::Tool, RunStatus::Success)).await }));
        }
        for task in tasks {
            task.await.expect("join").expect("record");
        }
        let page = store.runs(&RunFilter { limit: 1000, ..Default::default() }).await.expect("list");
        assert_eq!(page.runs.len(), 300);
    }

    async fn deferred_records_are_read_back(store: &impl Store) {
        for n in 0..120 {
            store.record_deferred(run(n, "later", TriggerKind::HttpRoute, RunStatus::Success)).await.expect("hand over");
        }
        // A read right after the hand-over sees every record (no sleeping).
        let page = store.runs(&RunFilter { limit: 1000, ..Default::default() }).await.expect("list");
        assert_eq!(page.runs.len(), 120);
        let order: Vec<String> = page.runs.iter().map(|run| run.id.clone()).collect();
        assert_eq!(order, (0..120).rev().map(|n| format!("run-{n}")).collect::<Vec<_>>(), "kept in the order handed over");
        // Records committed together come back whole, whatever share of the
        // batch they were written in.
        for n in [0, 63, 64, 119] {
            assert_eq!(
                store.run(&format!("run-{n}")).await.expect("read"),
                Some(run(n, "later", TriggerKind::HttpRoute, RunStatus::Success))
            );
        }
        store.record_deferred(run(500, "later", TriggerKind::Tool, RunStatus::Error)).await.expect("hand over");
        assert!(store.run("run-500").await.expect("read").is_some());
        // A smaller batch after a larger one (through the same statement
        // when the writer takes each hand-over in one batch, as it usually
        // does) brings back none of the earlier rows: the rows it does not
        // fill are empty, not left over.
        for n in 200..270 {
            store.record_deferred(run(n, "later", TriggerKind::HttpRoute, RunStatus::Success)).await.expect("hand over");
        }
        let page = store.runs(&RunFilter { limit: 1000, ..Default::default() }).await.expect("list");
        assert_eq!(page.runs.len(), 191);
        store.flush().await.expect("flush with nothing queued");
    }

    async fn retention_prunes_by_age_and_count(store: &impl Store) {
        for n in 0..20 {
            store.record(run(n, "f", TriggerKind::Manual, RunStatus::Success)).await.expect("record");
        }
        // ended_at is 1005 + n: an age limit of 10 ms at "now" 1020 keeps n >= 5.
        let gone = store.prune_runs(Retention { max_age_ms: 10, max_count: 1000 }, 1020).await.expect("prune");
        assert_eq!(gone, 5);
        let gone = store.prune_runs(Retention { max_age_ms: 1_000_000, max_count: 4 }, 1020).await.expect("prune");
        assert_eq!(gone, 11);
        let left = store.runs(&RunFilter { limit: 100, ..Default::default() }).await.expect("list");
        assert_eq!(left.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["run-19", "run-18", "run-17", "run-16"]);
    }

    async fn queue_is_idempotent_and_claims_once(store: &impl Store) {
        let added = store
            .enqueue(vec![delivery("e1:f", "f", false), delivery("e2:f", "f", false), delivery("e1:f", "f", false)], 100)
            .await
            .expect("enqueue");
        assert_eq!(added, 2, "a repeated key in one call counts once");
        assert_eq!(store.enqueue(vec![delivery("e1:f", "f", false)], 100).await.expect("enqueue"), 0, "re-delivered");
        assert_eq!(store.next_due().await.expect("due"), Some(100));
        assert!(store.claim(99, 10).await.expect("claim").is_empty(), "nothing is due before its time");
        let claimed = store.claim(100, 10).await.expect("claim");
        assert_eq!(claimed.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["e1:f", "e2:f"]);
        assert_eq!(claimed[0].event, json!({"recordId": "e1:f"}));
        assert_eq!(claimed[0].attempts, 0);
        assert!(store.claim(100, 10).await.expect("claim").is_empty(), "a claimed delivery is not claimed again");
        store.settle(&[claimed[0].id, claimed[1].id], Settle::Done).await.expect("settle");
        assert_eq!(store.delivery_state("e1:f").await.expect("state"), Some(DeliveryState::Done));
        assert_eq!(store.enqueue(vec![delivery("e1:f", "f", false)], 200).await.expect("enqueue"), 0, "done is remembered");
        let counts = store.queue_counts().await.expect("counts");
        assert_eq!((counts.pending, counts.running, counts.done, counts.failed), (0, 0, 2, 0));
        assert_eq!(store.next_due().await.expect("due"), None);
    }

    async fn retries_and_failures_settle(store: &impl Store) {
        store.enqueue(vec![delivery("r:f", "f", true)], 0).await.expect("enqueue");
        let first = store.claim(0, 10).await.expect("claim");
        assert!(first[0].batch);
        store.settle(&[first[0].id], Settle::Retry { at: 500 }).await.expect("settle");
        assert_eq!(store.delivery_state("r:f").await.expect("state"), Some(DeliveryState::Pending));
        assert!(store.claim(499, 10).await.expect("claim").is_empty(), "the retry waits for its backoff");
        let second = store.claim(500, 10).await.expect("claim");
        assert_eq!(second[0].attempts, 1);
        store.settle(&[second[0].id], Settle::Failed).await.expect("settle");
        assert_eq!(store.delivery_state("r:f").await.expect("state"), Some(DeliveryState::Failed));
        assert_eq!(store.queue_counts().await.expect("counts").failed, 1);
    }

    async fn interrupted_deliveries_are_requeued(store: &impl Store) {
        store.enqueue(vec![delivery("i1:f", "f", false), delivery("i2:f", "f", false)], 0).await.expect("enqueue");
        assert_eq!(store.claim(0, 1).await.expect("claim").len(), 1);
        assert_eq!(store.queue_counts().await.expect("counts").running, 1);
        assert_eq!(store.requeue_running().await.expect("requeue"), 1);
        let again = store.claim(0, 10).await.expect("claim");
        assert_eq!(again.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["i1:f", "i2:f"]);
    }

    async fn cron_fires_only_move_forward(store: &impl Store) {
        assert_eq!(store.last_cron_fire("f").await.expect("read"), None);
        store.set_cron_fire("f", 60_000).await.expect("write");
        store.set_cron_fire("f", 30_000).await.expect("write");
        assert_eq!(store.last_cron_fire("f").await.expect("read"), Some(60_000));
        store.set_cron_fire("f", 120_000).await.expect("write");
        assert_eq!(store.last_cron_fire("f").await.expect("read"), Some(120_000));
    }
}

#[cfg(test)]
mod sqlite_passes {
    use crate::store::{Retention, SqliteStore, StoreOptions, SyncMode};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_store_meets_the_contract() {
        let dirs = std::sync::Mutex::new(Vec::new());
        super::suite::all(|| async {
            let dir = tempfile::tempdir().expect("tempdir");
            let options = StoreOptions {
                dir: dir.path().join("data"),
                sync: SyncMode::Normal,
                retention: Retention { max_age_ms: i64::MAX / 2, max_count: u64::MAX / 2 },
            };
            let store = SqliteStore::open(&options).await.expect("open");
            if let Ok(mut dirs) = dirs.lock() {
                dirs.push(dir);
            }
            store
        })
        .await;
    }

    #[tokio::test]
    async fn an_unusable_data_dir_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").expect("write");
        let options = StoreOptions { dir: file.clone(), sync: SyncMode::Full, retention: Retention { max_age_ms: 1, max_count: 1 } };
        let error = SqliteStore::open(&options).await.expect_err("a file is not a directory").to_string();
        assert!(error.contains(&file.display().to_string()), "{error}");
    }
}
