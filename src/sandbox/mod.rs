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

mod availability;
mod ciphers;
mod commonjs;
mod embedded;
mod invocation;
mod loader;
mod pool;
mod resolve;
mod runtime;
mod spin;
mod worker;
mod zlib;

pub use loader::{AppCode, AppKey, parse};
pub use pool::{AppRuntimes, DEFAULT_IDLE_SPIN_MICROS, DEFAULT_RUNTIME_MIB, Pool, PoolOptions, PoolStats};
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
    pub run_env: RunVars,
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

/// Variables of one run on top of `env` (the workspace tokens minted for
/// it). Their values are made the first time the run reads one of them:
/// most handlers never look, and then nothing is minted and no token enters
/// the sandbox. Clones share the values, so the caller can learn afterwards
/// which tokens the run was handed.
#[derive(Clone, Default)]
pub struct RunVars(Option<Arc<RunVarsInner>>);

struct RunVarsInner {
    names: &'static [&'static str],
    values: std::sync::OnceLock<Vec<String>>,
    make: Option<Box<dyn Fn() -> Vec<String> + Send + Sync>>,
}

impl RunVars {
    /// Variables `names` whose values `make` returns, in the same order,
    /// when the run first reads one.
    pub fn new(names: &'static [&'static str], make: impl Fn() -> Vec<String> + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(RunVarsInner { names, values: std::sync::OnceLock::new(), make: Some(Box::new(make)) })))
    }

    /// Variables whose values are known already.
    pub fn fixed(names: &'static [&'static str], values: Vec<String>) -> Self {
        Self(Some(Arc::new(RunVarsInner { names, values: std::sync::OnceLock::from(values), make: None })))
    }

    pub fn names(&self) -> &'static [&'static str] {
        self.0.as_ref().map_or(&[], |inner| inner.names)
    }

    /// The values, made now if no one asked before.
    pub fn values(&self) -> &[String] {
        let Some(inner) = &self.0 else { return &[] };
        inner.values.get_or_init(|| inner.make.as_ref().map(|make| make()).unwrap_or_default())
    }

    /// The values if they were made (or given), without making them.
    pub fn made(&self) -> &[String] {
        self.0.as_ref().and_then(|inner| inner.values.get()).map_or(&[], Vec::as_slice)
    }
}

impl std::fmt::Debug for RunVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The names only: the values are secrets.
        f.debug_struct("RunVars").field("names", &self.names()).field("made", &!self.made().is_empty()).finish()
    }
}

/// A failed host call, rethrown in the sandbox as an error named `error_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub error_type: String,
    pub message: String,
}

/// What a host call returns: a JSON value, or an error for the caller.
pub type HostFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, HostError>> + Send>>;

/// One call app code makes to the host through `__switchboard_host(service,
/// input)`, by service. The wire form is `{"service": "kv.get", "input":
/// {...}}`; each service checks its own input and names the field it
/// refuses.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(tag = "service", content = "input")]
pub enum HostCall {
    #[serde(rename = "kv.get")]
    KvGet(Value),
    #[serde(rename = "kv.set")]
    KvSet(Value),
    #[serde(rename = "kv.delete")]
    KvDelete(Value),
    #[serde(rename = "jobs.enqueue")]
    JobsEnqueue(Value),
    #[serde(rename = "jobs.get")]
    JobsGet(Value),
    /// A request to the embedded workspace API.
    #[serde(rename = "workspace.request")]
    WorkspaceRequest(Value),
    #[serde(rename = "connections.list")]
    ConnectionsList(Value),
    #[serde(rename = "connections.get")]
    ConnectionsGet(Value),
    #[serde(rename = "connections.reportAuthFailure")]
    ConnectionsReportAuthFailure(Value),
    #[serde(rename = "connections.fetch")]
    ConnectionsFetch(Value),
}

impl HostCall {
    /// The call of `service` with `input`; a service the host does not
    /// offer is a `TypeError` for the caller.
    pub fn parse(service: &str, input: Value) -> Result<Self, HostError> {
        serde_json::from_value(serde_json::json!({ "service": service, "input": input }))
            .map_err(|_| HostError { error_type: "TypeError".to_owned(), message: format!("unknown host service {service}") })
    }

    /// The service's name, as app code calls it.
    pub fn service(&self) -> &'static str {
        match self {
            Self::KvGet(_) => "kv.get",
            Self::KvSet(_) => "kv.set",
            Self::KvDelete(_) => "kv.delete",
            Self::JobsEnqueue(_) => "jobs.enqueue",
            Self::JobsGet(_) => "jobs.get",
            Self::WorkspaceRequest(_) => "workspace.request",
            Self::ConnectionsList(_) => "connections.list",
            Self::ConnectionsGet(_) => "connections.get",
            Self::ConnectionsReportAuthFailure(_) => "connections.reportAuthFailure",
            Self::ConnectionsFetch(_) => "connections.fetch",
        }
    }
}

/// Services a run asks of the host. The engine implements it per run, so
/// the sandbox never sees store or vault types.
pub trait Host: Send + Sync {
    fn call(&self, call: HostCall) -> HostFuture;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn host_calls_are_parsed_by_service_and_unknown_ones_refused() {
        let input = json!({ "key": "k", "scope": "SERVER" });
        let call = HostCall::parse("kv.get", input.clone()).expect("kv.get");
        assert_eq!(call, HostCall::KvGet(input));
        assert_eq!(call.service(), "kv.get");
        let call = HostCall::parse("connections.reportAuthFailure", Value::Null).expect("report");
        assert_eq!(call.service(), "connections.reportAuthFailure");
        let error = HostCall::parse("fs.readFile", json!({ "path": "/etc/passwd" })).expect_err("unknown");
        assert_eq!(error, HostError { error_type: "TypeError".to_owned(), message: "unknown host service fs.readFile".to_owned() });
    }
}
