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
        cascade: Default::default(),
    }
}

/// The limits fixture loaded into a pool with these options.
async fn limits_app(options: PoolOptions) -> (Pool, AppSnapshot, Engine) {
    let pool = Pool::new(options);
    let app = switchboard::catalog::load(&fixture("limits"), &pool).await.expect("fixture loads");
    let snapshot = AppSnapshot::new(app, &BTreeMap::new(), "http://127.0.0.1:7410").expect("snapshot");
    let engine = Engine::new(pool.clone(), WORKSPACE.to_owned());
    (pool, snapshot, engine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_runs_do_not_disturb_concurrent_ones() {
    let (pool, snapshot, engine) = limits_app(PoolOptions {
        sandbox: SandboxOptions { heap_limit: 48 * 1024 * 1024, ..SandboxOptions::default() },
        max_runtimes: 4,
        spares: 1,
        max_waiting: 64,
        ..PoolOptions::default()
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
    let (pool, snapshot, engine) = limits_app(PoolOptions { max_runtimes: 1, spares: 0, max_waiting: 0, ..PoolOptions::default() }).await;
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

/// An app whose functions count, in one global, how many runs its runtime
/// has made: `slow` after a 300 ms timer, `tick` at once.
fn counting_app() -> tempfile::TempDir {
    let count = "globalThis.runs = (globalThis.runs ?? 0) + 1";
    app(&[
        ("src/application-config.ts", APPLICATION),
        ("src/role.ts", ROLE),
        (
            "src/slow.ts",
            &function(
                "universalIdentifier: '44444444-4444-4444-8444-444444444451', name: 'slow', timeoutSeconds: 10",
                &format!("async () => {{ await new Promise((resolve) => setTimeout(resolve, 300)); return {count}; }}"),
            ),
        ),
        (
            "src/tick.ts",
            &function("universalIdentifier: '44444444-4444-4444-8444-444444444452', name: 'tick'", &format!("async () => {count}")),
        ),
    ])
}

const WORKSPACE: &str = "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c";

/// A pool of one runtime (no spare) and an engine over it.
fn one_runtime() -> (Pool, Engine) {
    let pool = Pool::new(PoolOptions { max_runtimes: 1, spares: 0, max_waiting: 64, ..PoolOptions::default() });
    let engine = Engine::new(pool.clone(), WORKSPACE.to_owned());
    (pool, engine)
}

type Call = tokio::task::JoinHandle<Result<switchboard::domain::ExecutionResult, switchboard::engine::Error>>;

/// Starts a call of `function` in the background.
fn spawn_call(
    engine: &Engine,
    snapshot: &AppSnapshot,
    function: &'static str,
    cancel: Option<tokio_util::sync::CancellationToken>,
) -> Call {
    let (engine, snapshot) = (engine.clone(), snapshot.clone());
    tokio::spawn(async move { engine.invoke_cancellable(&snapshot, invocation(&engine, function, "{}"), cancel).await })
}

async fn load(pool: &Pool, dir: &std::path::Path) -> AppSnapshot {
    let app = switchboard::catalog::load(dir, pool).await.expect("app loads");
    AppSnapshot::new(app, &BTreeMap::new(), "http://127.0.0.1:7410").expect("snapshot")
}

/// Waits until the pool's counters satisfy `done`.
async fn until(pool: &Pool, done: impl Fn(switchboard::sandbox::PoolStats) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(pool.stats()) {
        assert!(std::time::Instant::now() < deadline, "pool never reached the state: {:?}", pool.stats());
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_calls_run_in_arrival_order_and_a_cancelled_one_never_runs() {
    let (pool, engine) = one_runtime();
    let dir = counting_app();
    let snapshot = load(&pool, dir.path()).await;
    let call = |function, cancel| spawn_call(&engine, &snapshot, function, cancel);

    let slow = call("slow", None);
    until(&pool, |stats| stats.busy == 1).await;
    let mut ticks = Vec::new();
    let cancel = tokio_util::sync::CancellationToken::new();
    for index in 0..5 {
        if index == 2 {
            let cancelled = call("tick", Some(cancel.clone()));
            until(&pool, |stats| stats.waiting == 3).await;
            cancel.cancel();
            let result = cancelled.await.expect("join").expect("answered");
            assert_eq!(result.error.expect("cancelled").error_type, "CancelledError");
            until(&pool, |stats| stats.waiting == 2).await;
        }
        ticks.push(call("tick", None));
        until(&pool, |stats| stats.waiting == index + 1).await;
    }
    assert!(!slow.is_finished(), "the queue was built while the slow run held the only runtime");

    let slow = slow.await.expect("join").expect("slow ran");
    assert_eq!(slow.data, 1, "{slow:?}");
    for (index, tick) in ticks.into_iter().enumerate() {
        let result = tick.await.expect("join").expect("tick ran");
        // One runtime ran them one after another, first come first served;
        // the cancelled call took no turn.
        assert_eq!(result.data, index + 2, "tick {index}: {result:?}");
    }
    assert_eq!(pool.stats().waiting, 0);
    assert_eq!(pool.stats().live, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_given_up_while_waiting_leaves_the_pool_whole() {
    let (pool, engine) = one_runtime();
    let dir = counting_app();
    let snapshot = load(&pool, dir.path()).await;
    let slow = spawn_call(&engine, &snapshot, "slow", None);
    until(&pool, |stats| stats.busy == 1).await;
    // The caller stops waiting (its future is dropped), as an HTTP handler
    // does when its client hangs up.
    let gave_up =
        tokio::time::timeout(std::time::Duration::from_millis(50), engine.invoke(&snapshot, invocation(&engine, "tick", "{}"))).await;
    assert!(gave_up.is_err(), "the tick had to wait for the slow run: {gave_up:?}");
    assert_eq!(pool.stats().waiting, 0);
    assert_eq!(slow.await.expect("join").expect("slow").data, 1);
    // The dropped call never ran, and the runtime is free again.
    let next = engine.invoke(&snapshot, invocation(&engine, "tick", "{}")).await.expect("tick");
    assert_eq!(next.data, 2, "{next:?}");
    let stats = pool.stats();
    assert_eq!((stats.live, stats.idle, stats.waiting), (1, 1, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_for_another_app_gets_a_runtime_when_one_comes_free() {
    let (pool, engine) = one_runtime();
    let (first_dir, second_dir) = (counting_app(), counting_app());
    let first = load(&pool, first_dir.path()).await;
    let second = load(&pool, second_dir.path()).await;
    let call = |snapshot, function| spawn_call(&engine, snapshot, function, None);
    let slow = call(&first, "slow");
    until(&pool, |stats| stats.busy == 1).await;
    let other = call(&second, "tick");
    until(&pool, |stats| stats.waiting == 1).await;
    let same = call(&first, "tick");
    until(&pool, |stats| stats.waiting == 2).await;
    assert_eq!(slow.await.expect("join").expect("slow").data, 1);
    // The other app's call was first in line: the first app's runtime made
    // room for a runtime of its own, which never ran the first app's code.
    assert_eq!(other.await.expect("join").expect("other app").data, 1);
    let same = same.await.expect("join").expect("same app");
    assert_eq!(same.status, ExecutionStatus::Success, "{same:?}");
    assert_eq!(same.data, 1, "a fresh runtime for the first app again: {same:?}");
    assert!(pool.stats().live <= 1, "{:?}", pool.stats());
}

/// A call that is the only one in flight polls for its answer on its own
/// thread. A run that needs the gateway's tokio runtime meanwhile (here the
/// server it fetches from) is served by the other thread, and a lone call
/// can still be cancelled (from another thread) while it polls. On a
/// single thread the call does not keep it, so the same run finishes there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_call_polls_without_starving_the_runtime() {
    lone_calls_finish_and_cancel().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_lone_call_on_a_single_thread_lets_it_serve() {
    lone_calls_finish_and_cancel().await;
}

async fn lone_calls_finish_and_cancel() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/", axum::routing::get(|| async { "pong" }))).await });
    let (_pool, snapshot, engine) = limits_app(PoolOptions {
        sandbox: SandboxOptions { allow_net: vec![format!("127.0.0.1:{port}")], ..SandboxOptions::default() },
        max_runtimes: 1,
        spares: 0,
        idle_spin: std::time::Duration::from_millis(50),
        ..PoolOptions::default()
    })
    .await;

    let payload = serde_json::json!({ "url": format!("http://127.0.0.1:{port}/") }).to_string();
    for _ in 0..2 {
        let result = engine.invoke(&snapshot, invocation(&engine, "fetchit", &payload)).await.expect("fetchit runs");
        assert_eq!(result.status, ExecutionStatus::Success, "{result:?}");
        assert_eq!(result.data, serde_json::json!({ "status": 200, "body": "pong" }));
    }

    let cancel = tokio_util::sync::CancellationToken::new();
    let canceller = std::thread::spawn({
        let cancel = cancel.clone();
        move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            cancel.cancel();
        }
    });
    let result = engine.invoke_cancellable(&snapshot, invocation(&engine, "sleepy", "{}"), Some(cancel)).await.expect("sleepy runs");
    canceller.join().expect("canceller");
    assert_eq!(result.error.expect("error").error_type, "CancelledError");
}
