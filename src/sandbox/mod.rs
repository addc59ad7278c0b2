//! The sandbox: deno_core runtimes (QuickJS by default) that run an app's
//! code with the web platform and nothing else — no filesystem beyond the
//! app's own modules, no subprocess, no host environment, network only to
//! allow-listed hosts. Runtimes live on their own threads, are booted ahead
//! of need by a pool, are bound to one app for life, and are dropped after a
//! run that hit a limit.
//!
//! Design notes: values cross the boundary as JSON text (payload in, result
//! out) so results follow `JSON.stringify` exactly as in Twenty's Node
//! runner. The host talks to a runtime through a handful of ops (`op_sb_*`) and
//! non-writable globals installed by `js/bootstrap.js`; services a run may
//! call (connections) come in through the narrow [`Host`] trait. This module knows
//! nothing of stores or vaults; it imports only `domain`.

mod embedded;
mod loader;
mod pool;
mod runtime;
mod worker;

pub use loader::{AppCode, AppKey, parse};
pub use pool::{DEFAULT_IDLE_SPIN_MICROS, Pool, PoolOptions, PoolStats};
pub use runtime::SandboxOptions;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One call of a handler inside an app's runtime.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Absolute path of the module whose export holds the handler.
    pub module: PathBuf,
    /// Dotted path of the handler inside the module, e.g. `default.config.handler`.
    pub handler_name: String,
    /// JSON text of the payload.
    pub payload: String,
    /// The execution context object.
    pub context: Value,
    /// `process.env` for this run, apart from `run_env`. Usually the same
    /// map run after run, so a runtime is given it again only when it changes.
    pub env: Arc<BTreeMap<String, String>>,
    /// Variables of this run only (tokens minted for it), set over `env`.
    pub run_env: Vec<(&'static str, String)>,
    /// Wall-clock limit, enforced by terminating execution.
    pub timeout: Duration,
    /// Cancelling it stops the run (result `CancelledError`).
    pub cancel: Option<tokio_util::sync::CancellationToken>,
    /// Services this run may call (connections); `None` when it has none.
    pub host: Option<HostHandle>,
    /// A base URL (the run's `TWENTY_API_URL`) whose `/rest/` and
    /// `/graphql` requests the host answers in-process through the
    /// `workspace.request` host call instead of the network.
    pub local_api: Option<String>,
}

/// A failed host call, rethrown in the sandbox as an error named `error_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub error_type: String,
    pub message: String,
}

/// What a host call returns: a JSON value, or an error for the caller.
pub type HostFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, HostError>> + Send>>;

/// Services a run asks of the host through `__switchboard_host(name,
/// input)`. The engine implements it per run, so the sandbox never sees
/// store or vault types.
pub trait Host: Send + Sync {
    fn call(&self, name: &str, input: Value) -> HostFuture;
}

/// A shared [`Host`].
#[derive(Clone)]
pub struct HostHandle(pub Arc<dyn Host>);

impl std::fmt::Debug for HostHandle {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("HostHandle")
    }
}

/// What evaluating one entity file produced: the description reported by
/// the bootstrap (`kind`, `success`, `errors`, `warnings`, `handlerType`,
/// `config`), or the load error.
#[derive(Debug, Clone)]
pub struct EntityReport {
    pub file: PathBuf,
    pub outcome: Result<Value, String>,
}

/// Host-side failures of the sandbox. A user function failing is not one of
/// these: it is an `ExecutionResult` with status ERROR.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot open the app folder {path}: {source}")]
    AppRoot { path: PathBuf, source: std::io::Error },
    #[error("cannot start a JavaScript runtime: {0}")]
    Boot(String),
    #[error("invalid network allow-list: {0}")]
    Permissions(String),
    #[error("a runtime thread stopped unexpectedly")]
    WorkerGone,
    #[error("busy: all {runtimes} runtimes are in use and {waiting} calls are already waiting")]
    Busy { runtimes: usize, waiting: usize },
}
