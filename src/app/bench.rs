//! `switchboard bench`: boot time of a runtime, the cold first call of a
//! function in a pre-booted spare, warm latency percentiles, throughput at
//! a given concurrency, and resident memory per warm runtime. Prints one
//! JSON object; the scripts in `benches/` put a baseline beside it.
//! [`records`] measures workspace record throughput the same way.

pub mod records;

use crate::app::{CliResult, pool_options};
use crate::config::Settings;
use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::sandbox::Pool;
use anyhow::anyhow;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub payload: String,
    pub iterations: usize,
    pub concurrency: usize,
    pub vars: Vec<String>,
}

/// Resident set size of this process in bytes (Linux).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs the benchmark and prints its JSON report.
pub async fn run(root: &Path, function: &str, options: BenchOptions, settings: &Settings) -> CliResult {
    let mut settings = settings.clone();
    let memory_runtimes = 4usize;
    settings.max_runtimes = settings.max_runtimes.max(options.concurrency + memory_runtimes + 2);
    // The memory figure binds `memory_runtimes` more runtimes to the app.
    settings.max_runtimes_per_app = settings.max_runtimes;
    let pool = Pool::new(pool_options(&settings));
    let snapshot = crate::app::snapshot(root, &settings, &options.vars, &pool).await?;
    let engine = Engine::new(pool.clone(), settings.workspace_id.clone());
    let invocation = || Invocation {
        function: FunctionRef(function.to_owned()),
        trigger: TriggerKind::Manual,
        payload: options.payload.clone(),
        context: engine.context(),
        detail: serde_json::Value::Null,
        cascade: Default::default(),
    };

    let mut boots = Vec::new();
    for _ in 0..3 {
        boots.push(pool.measure_boot().await?);
    }
    boots.sort();

    pool.wait_for_spares().await;
    let request = engine.prepare(&snapshot, invocation())?;
    let started = Instant::now();
    let cold = pool.run_cold(&snapshot.app.code, request).await?;
    let cold_time = started.elapsed();
    if cold.status != ExecutionStatus::Success {
        eprintln!("{}", serde_json::to_string_pretty(&cold)?);
        return Err(anyhow!("the function did not succeed on its first call; fix it before benchmarking").into());
    }

    for _ in 0..50 {
        engine.invoke(&snapshot, invocation()).await?;
    }
    let mut latencies = Vec::with_capacity(options.iterations);
    for _ in 0..options.iterations {
        let started = Instant::now();
        let result = engine.invoke(&snapshot, invocation()).await?;
        latencies.push(started.elapsed());
        if result.status != ExecutionStatus::Success {
            return Err(anyhow!("a warm call failed: {:?}", result.error).into());
        }
    }
    latencies.sort();

    let per_caller = options.iterations.div_ceil(options.concurrency);
    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..options.concurrency {
        let engine = engine.clone();
        let snapshot = snapshot.clone();
        let make = invocation();
        callers.push(tokio::spawn(async move {
            for _ in 0..per_caller {
                engine.invoke(&snapshot, make.clone()).await?;
            }
            Ok::<_, crate::engine::Error>(())
        }));
    }
    for caller in callers {
        caller.await??;
    }
    let throughput = (per_caller * options.concurrency) as f64 / started.elapsed().as_secs_f64();

    // Memory: RSS growth from adding warm runtimes bound to this app.
    pool.wait_for_spares().await;
    let before = rss_bytes();
    for _ in 0..memory_runtimes {
        let request = engine.prepare(&snapshot, invocation())?;
        pool.run_cold(&snapshot.app.code, request).await?;
    }
    pool.wait_for_spares().await;
    let after = rss_bytes();
    // Each added runtime also causes one new spare to boot, so the growth
    // covers `memory_runtimes` bound runtimes (spares were already counted).
    let rss_per_runtime = match (before, after) {
        (Some(before), Some(after)) => after.saturating_sub(before) as f64 / memory_runtimes as f64 / (1024.0 * 1024.0),
        _ => f64::NAN,
    };

    let micros = |d: Duration| (d.as_secs_f64() * 1e6 * 10.0).round() / 10.0;
    let millis = |d: Duration| (d.as_secs_f64() * 1e3 * 100.0).round() / 100.0;
    let report = json!({
        "function": function,
        "iterations": options.iterations,
        "concurrency": options.concurrency,
        "boot_ms": millis(boots[1]),
        "cold_ms": millis(cold_time),
        "warm_p50_us": micros(percentile(&latencies, 0.50)),
        "warm_p90_us": micros(percentile(&latencies, 0.90)),
        "warm_p99_us": micros(percentile(&latencies, 0.99)),
        "throughput_per_s": throughput.round(),
        "rss_mb_per_runtime": (rss_per_runtime * 100.0).round() / 100.0,
        "rss_mb_total": after.map(|bytes| (bytes as f64 / 1048576.0 * 10.0).round() / 10.0),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
