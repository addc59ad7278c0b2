//! The pool through the library: concurrent runs stay isolated when one run
//! loops forever and another exhausts its heap, and the pool recovers.

use crate::harness::*;
use std::collections::BTreeMap;
use switchboard::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use switchboard::engine::Engine;
use switchboard::registry::AppSnapshot;
use switchboard::sandbox::{Pool, PoolOptions, SandboxOptions};

fn invocation(engine: &Engine, function: &str, payload: &str) -> Invocation {
    Invocation {
        function: FunctionRef(function.to_owned()),
        trigger: TriggerKind::Manual,
        payload: payload.to_owned(),
        context: engine.context(),
        detail: serde_json::Value::Null,
    }
}

/// The limits fixture loaded into a pool with these options.
async fn limits_app(options: PoolOptions) -> (Pool, AppSnapshot, Engine) {
    let pool = Pool::new(options);
    let app = switchboard::catalog::load(&fixture("limits"), &pool).await.expect("fixture loads");
    let snapshot = AppSnapshot::new(app, &BTreeMap::new(), "http://127.0.0.1:7410").expect("snapshot");
    let engine = Engine::new(pool.clone(), "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c".to_owned());
    (pool, snapshot, engine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_runs_do_not_disturb_concurrent_ones() {
    let (pool, snapshot, engine) = limits_app(PoolOptions {
        sandbox: SandboxOptions { heap_limit: 48 * 1024 * 1024, ..SandboxOptions::default() },
        max_runtimes: 4,
        spares: 1,
        max_waiting: 64,
    })
    .await;

    let spin = tokio::spawn({
        let (engine, snapshot) = (engine.clone(), snapshot.clone());
        async move { engine.invoke(&snapshot, invocation(&engine, "spin", "{}")).await }
    });
    let hog = tokio::spawn({
        let (engine, snapshot) = (engine.clone(), snapshot.clone());
        async move { engine.invoke(&snapshot, invocation(&engine, "hog", "{}")).await }
    });
    let mut echoes = 0;
    while !spin.is_finished() {
        let result = engine.invoke(&snapshot, invocation(&engine, "echo", r#"{"n":1}"#)).await.expect("echo runs");
        assert_eq!(result.status, ExecutionStatus::Success, "{result:?}");
        assert_eq!(result.data["payload"]["n"], 1);
        echoes += 1;
    }
    assert!(echoes > 0);
    let spin = spin.await.expect("join").expect("spin ran");
    assert_eq!(spin.error.expect("error").error_type, "TimeoutError");
    let hog = hog.await.expect("join").expect("hog ran");
    assert_eq!(hog.error.expect("error").error_type, "MemoryLimitError");
    // Runtimes that hit a limit are dropped; the pool keeps serving.
    let after = engine.invoke(&snapshot, invocation(&engine, "echo", r#"{"n":2}"#)).await.expect("echo after");
    assert_eq!(after.data["payload"]["n"], 2);
    let stats = pool.stats();
    assert!(stats.live <= 4, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_answers_busy() {
    let (pool, snapshot, engine) =
        limits_app(PoolOptions { max_runtimes: 1, spares: 0, max_waiting: 0, ..PoolOptions::default() }).await;
    let spin = tokio::spawn({
        let (engine, snapshot) = (engine.clone(), snapshot.clone());
        async move { engine.invoke(&snapshot, invocation(&engine, "spin", "{}")).await }
    });
    // Wait until the spin holds the only runtime.
    while pool.stats().idle > 0 {
        tokio::task::yield_now().await;
    }
    let busy = engine.invoke(&snapshot, invocation(&engine, "echo", "{}")).await;
    let message = busy.expect_err("must be busy").to_string();
    assert!(message.contains("busy"), "{message}");
    spin.await.expect("join").expect("spin");
}
