//! `Engine::invoke`: the one path every run takes, whatever triggered it.
//! It resolves the function, checks the payload, builds the execution
//! context, runs the handler in the app's sandbox and, when a store is
//! attached, records the run as it hands back its result (the record is
//! committed just after, or before, as `Recording` says). With a store,
//! a run gets host services (`host`): the app's key-value store, and for an
//! app with connection providers the vault's connections, whose tokens are
//! blanked from what the run returns.

mod host;
pub mod jobs;

pub use host::{LocalApi, LocalRequest};

use crate::domain::{Cascade, ExecutionContext, ExecutionResult, ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::registry::AppSnapshot;
use crate::sandbox::{Pool, RunRequest, RunVars};
use crate::store::{JsonText, RunRecord, RunStatus, Settle, SqliteStore, Store};
use serde_json::Value;
use std::sync::Arc;
use tracing::Instrument;

/// Why a run could not be started. A function that ran and failed is an
/// `ExecutionResult` with status ERROR, not one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("unknown function \"{name}\"; this app has: {available}")]
    UnknownFunction { name: String, available: String },
    #[error("the payload is not valid JSON: {0}")]
    InvalidPayload(String),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::Error),
}

/// The functions an app serves, and the files left out of it (a function
/// asked for may be defined in one of them).
fn available(app: &AppSnapshot) -> String {
    let mut text = app.function_names().join(", ");
    if !app.app.disabled.is_empty() {
        let files: Vec<String> = app.app.disabled.iter().map(ToString::to_string).collect();
        text.push_str(&format!(" ({} file(s) disabled: {})", files.len(), files.join("; ")));
    }
    text
}

/// Runs invocations in a pool of sandboxes.
#[derive(Debug, Clone)]
pub struct Engine {
    pool: Pool,
    workspace_id: String,
    recorder: Option<Recorder>,
    vault: Option<crate::vault::Vault>,
    workspace: Option<WorkspaceAccess>,
}

/// A base URL answered in-process, and what answers it.
type LocalTarget = (String, Arc<dyn LocalApi>);

/// A run's `process.env` apart from its tokens.
type RunEnv = Arc<std::collections::BTreeMap<String, String>>;

/// The `process.env` names of a run's workspace credentials, in the order
/// of the values `Engine::workspace_env` makes for them.
const TOKEN_NAMES: &[&str] = &["TWENTY_APP_ACCESS_TOKEN", "TWENTY_APP_APPLICATION_ACCESS_TOKEN", "TWENTY_API_KEY"];

/// Mints the workspace credentials of one run. The embedded workspace
/// implements it; the engine knows nothing else of the workspace.
pub trait RunTokens: Send + Sync {
    /// A signed token for `app` (the application's own when `application`
    /// is set, else the user-facing one) carrying the run's place in a
    /// cascade of record events, valid for `lifetime`.
    fn mint(&self, app: &str, application: bool, cascade: Cascade, lifetime: std::time::Duration) -> String;
}

/// Where runs reach workspace records.
#[derive(Clone)]
pub enum WorkspaceAccess {
    /// The embedded workspace: each run gets tokens minted for it, and its
    /// requests to `url` are answered in-process by `api`.
    Embedded { tokens: Arc<dyn RunTokens>, url: String, api: Arc<dyn LocalApi> },
    /// A Twenty server: runs get its URL and the configured API key.
    Remote { url: String, api_key: String },
}

impl std::fmt::Debug for WorkspaceAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded { url, .. } => f.debug_struct("Embedded").field("url", url).finish(),
            Self::Remote { url, .. } => f.debug_struct("Remote").field("url", url).finish(),
        }
    }
}

/// Where runs are recorded, and how much of each is kept.
#[derive(Debug, Clone)]
struct Recorder {
    store: Arc<SqliteStore>,
    capture_bytes: usize,
    mode: Recording,
}

/// Whether and how runs are recorded (`SWITCHBOARD_RECORD_RUNS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recording {
    /// A run's record goes to the store's writer as the run ends and is
    /// committed with others right after, while the answer goes out (`on`).
    /// A crash in that moment can lose the last records; queued event
    /// deliveries are never settled before their record is committed.
    #[default]
    Background,
    /// The answer waits until the run's record is committed (`sync`).
    Committed,
    /// No run history (`off`); the store still keeps the event queue and
    /// cron bookkeeping.
    Off,
}

impl Recording {
    /// This mode for a process that ends with its run: records committed
    /// before the answer, unless there are none.
    pub fn committed_unless_off(self) -> Self {
        if self == Self::Off { Self::Off } else { Self::Committed }
    }
}

/// Query-string keys whose values never reach a run record.
const SECRET_QUERY_KEYS: &[&str] =
    &["token", "access_token", "refresh_token", "key", "api_key", "apikey", "secret", "signature", "sig", "password", "code"];

/// Header names whose values never reach a run record.
const SECRET_HEADERS: &[&str] =
    &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-twenty-webhook-signature"];

impl Engine {
    pub fn new(pool: Pool, workspace_id: String) -> Self {
        Self { pool, workspace_id, recorder: None, vault: None, workspace: None }
    }

    /// Gives runs workspace records: the embedded workspace or a Twenty server.
    pub fn with_workspace(mut self, access: WorkspaceAccess) -> Self {
        self.workspace = Some(access);
        self
    }

    /// How runs reach workspace records, if they do.
    pub fn workspace(&self) -> Option<&WorkspaceAccess> {
        self.workspace.as_ref()
    }

    /// Gives runs of apps with connection providers the vault's services.
    pub fn with_vault(mut self, vault: crate::vault::Vault) -> Self {
        self.vault = Some(vault);
        self
    }

    /// The vault, if connections are served.
    pub fn vault(&self) -> Option<&crate::vault::Vault> {
        self.vault.as_ref()
    }

    /// Records every run in `store`, keeping at most `capture_bytes` of each
    /// payload, result and log.
    pub fn with_store(mut self, store: Arc<SqliteStore>, capture_bytes: usize) -> Self {
        self.recorder = Some(Recorder { store, capture_bytes, mode: Recording::Committed });
        self
    }

    /// Sets how runs are recorded (`with_store` starts with `Committed`:
    /// the record is committed before the result is handed back); the store
    /// stays attached for the event queue and cron bookkeeping when
    /// recording is off.
    pub fn recording(mut self, mode: Recording) -> Self {
        if let Some(recorder) = &mut self.recorder {
            recorder.mode = mode;
        }
        self
    }

    /// The store runs are recorded in, if any.
    pub fn store(&self) -> Option<&Arc<SqliteStore>> {
        self.recorder.as_ref().map(|recorder| &recorder.store)
    }

    /// The pool this engine runs in.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A context for a run with no user behind it.
    pub fn context(&self) -> ExecutionContext {
        ExecutionContext {
            workspace_id: self.workspace_id.clone(),
            user_workspace_id: None,
            workspace_member_id: None,
            retry_count: 0,
            max_retries: 0,
        }
    }

    /// Checks an invocation and turns it into a sandbox request.
    pub fn prepare(&self, app: &AppSnapshot, invocation: Invocation) -> Result<RunRequest, Error> {
        Ok(self.prepare_with_host(app, invocation)?.0)
    }

    /// Runs a prepared request and blanks handed-out tokens from its result.
    async fn run_request(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<ExecutionResult, Error> {
        let (mut request, vault) = self.prepare_with_host(app, invocation)?;
        request.cancel = cancel;
        // A server variable that takes a token's name when no workspace
        // hands tokens out, and (after the run) the tokens the run read.
        let mut secrets: Vec<String> = TOKEN_NAMES.iter().filter_map(|name| request.env.get(*name).cloned()).collect();
        let tokens = request.run_env.clone();
        let mut result = self.pool.run(&app.app.code, request).await?;
        secrets.extend(tokens.made().iter().cloned());
        if let Some(vault) = vault {
            secrets.extend(vault.handed_tokens(&app.app.manifest.application.universal_identifier));
        }
        secrets.sort_unstable();
        secrets.dedup();
        host::redact(&mut result, &secrets);
        Ok(result)
    }

    /// Like [`Engine::prepare`], also returning the vault when the run gets
    /// connection services (its result is then checked for tokens).
    fn prepare_with_host(&self, app: &AppSnapshot, invocation: Invocation) -> Result<(RunRequest, Option<crate::vault::Vault>), Error> {
        let function = app
            .find(&invocation.function.0)
            .ok_or_else(|| Error::UnknownFunction { name: invocation.function.0.clone(), available: available(app) })?;
        serde_json::from_str::<serde::de::IgnoredAny>(&invocation.payload).map_err(|error| Error::InvalidPayload(error.to_string()))?;
        let context = serde_json::to_value(&invocation.context).map_err(|error| Error::InvalidPayload(error.to_string()))?;
        let app_id = &app.app.manifest.application.universal_identifier;
        let (env, run_env, local_api) = self.workspace_env(app, &invocation, function.manifest.timeout());
        let run_host = match (&self.recorder, tokio::runtime::Handle::try_current()) {
            (Some(recorder), Ok(runtime)) => Some(host::RunHost {
                vault: self.vault.clone().filter(|_| !app.app.manifest.connection_providers.is_empty()),
                store: recorder.store.clone(),
                app: app_id.clone(),
                functions: app.function_ids.clone(),
                runtime,
                local_api: local_api.as_ref().map(|(_, api)| api.clone()),
            }),
            _ => None,
        };
        let vault = run_host.as_ref().and_then(|run_host| run_host.vault.clone());
        let request_has_host = run_host.as_ref().is_some_and(|run_host| run_host.local_api.is_some());
        let request = RunRequest {
            module: function.module.clone(),
            handler_name: function.manifest.handler_name.clone(),
            payload: invocation.payload,
            context,
            env,
            run_env,
            timeout: function.manifest.timeout(),
            cancel: None,
            host: run_host.map(|run_host| crate::sandbox::HostHandle(Arc::new(run_host))),
            local_api: local_api.filter(|_| request_has_host).map(|(url, _)| url),
        };
        Ok((request, vault))
    }

    /// The run's environment with its workspace access: tokens minted for
    /// the run when it reads one (embedded; they expire a minute after the
    /// run's timeout) or the remote Twenty's URL and key. With the embedded API
    /// served, also the base URL the host answers in-process and the API that
    /// answers it.
    fn workspace_env(
        &self,
        app: &AppSnapshot,
        invocation: &Invocation,
        timeout: std::time::Duration,
    ) -> (RunEnv, RunVars, Option<LocalTarget>) {
        let Some(access) = &self.workspace else { return (app.env.clone(), RunVars::default(), None) };
        match access {
            WorkspaceAccess::Remote { url, api_key } => {
                // With the tokens, so results are scrubbed of the key.
                let tokens = RunVars::fixed(TOKEN_NAMES, vec![api_key.clone(); TOKEN_NAMES.len()]);
                (env_with_api_url(app, url), tokens, None)
            }
            WorkspaceAccess::Embedded { tokens: minter, url, api } => {
                let app_id = &app.app.manifest.application.universal_identifier;
                let cascade = invocation.cascade.clone();
                // Minted when the run first reads one, so they outlive the
                // run by at least the margin.
                let lifetime = timeout + std::time::Duration::from_secs(60);
                let (minter, app_id) = (minter.clone(), app_id.clone());
                let tokens = RunVars::new(TOKEN_NAMES, move || {
                    let user_token = minter.mint(&app_id, false, cascade.clone(), lifetime);
                    let application_token = minter.mint(&app_id, true, cascade.clone(), lifetime);
                    vec![user_token.clone(), application_token, user_token]
                });
                (env_with_api_url(app, url), tokens, Some((url.clone(), api.clone())))
            }
        }
    }

    /// Runs one invocation to its result.
    pub async fn invoke(&self, app: &AppSnapshot, invocation: Invocation) -> Result<ExecutionResult, Error> {
        self.invoke_cancellable(app, invocation, None).await
    }

    /// Runs one invocation; cancelling `cancel` stops it with `CancelledError`.
    pub async fn invoke_cancellable(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<ExecutionResult, Error> {
        Ok(self.invoke_recorded(app, invocation, cancel).await?.0)
    }

    /// Runs one invocation and returns its result with the id of its run
    /// record (`None` when no store is attached or recording failed; the
    /// failure is logged, and the result is returned all the same).
    pub async fn invoke_recorded(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<(ExecutionResult, Option<String>), Error> {
        let (result, record) = self.run_for_record(app, invocation, cancel).await?;
        let id = match (record, &self.recorder) {
            (Some(record), Some(recorder)) => recorder.write(record).await,
            _ => None,
        };
        Ok((result, id))
    }

    /// Runs one invocation made for queued event deliveries, then writes its
    /// record and the deliveries' new state (`decide` picks it from the
    /// result) in one transaction, so a crash cannot leave a recorded run
    /// whose deliveries still look pending.
    pub async fn invoke_settling(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        ids: Vec<i64>,
        decide: impl FnOnce(&ExecutionResult) -> Settle,
    ) -> Result<ExecutionResult, Error> {
        let (result, record) = self.run_for_record(app, invocation, None).await?;
        let outcome = decide(&result);
        let written = match (record, &self.recorder) {
            (Some(record), Some(recorder)) => recorder.store.record_settling(record, ids, outcome).await,
            (_, Some(recorder)) => recorder.store.settle(&ids, outcome).await,
            (_, None) => Ok(()),
        };
        if let Err(error) = written {
            tracing::error!(%error, "a delivery's run could not be recorded and settled");
        }
        Ok(result)
    }

    /// Runs an invocation; returns the result and, when runs are recorded,
    /// the record to write.
    async fn run_for_record(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<(ExecutionResult, Option<RunRecord>), Error> {
        // The run's id names its record and its span, so every log line
        // made while it runs carries it.
        let run_id = uuid::Uuid::now_v7().to_string();
        let span = tracing::info_span!(
            "run",
            run_id = %run_id,
            app = %app.app.manifest.application.universal_identifier,
            function = %invocation.function.0,
            trigger = invocation.trigger.as_str(),
        );
        let Some(recorder) = self.recorder.as_ref().filter(|recorder| recorder.mode != Recording::Off) else {
            return Ok((self.run_in_span(span, app, invocation, cancel).await?, None));
        };
        let (trigger, detail, function) = (invocation.trigger, invocation.detail.clone(), invocation.function.clone());
        let payload = recorder.payload(trigger, &invocation.payload);
        let started_at = crate::store::now_ms();
        let result = self.run_in_span(span, app, invocation, cancel).await?;
        let ended_at = crate::store::now_ms();
        let status = if result.status == ExecutionStatus::Success { RunStatus::Success } else { RunStatus::Error };
        let mut record = recorder.record_for(run_id, app, &function, trigger, detail, payload, status, started_at, ended_at);
        record.data = recorder.capture_value(&result.data);
        record.error = result.error.clone();
        record.logs = recorder.capture_text(&result.logs);
        record.duration_ms = result.duration;
        Ok((result, Some(record)))
    }

    /// Runs an invocation inside its span and ends the span with the
    /// `run finished` line.
    async fn run_in_span(
        &self,
        span: tracing::Span,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<ExecutionResult, Error> {
        let result = self.run_request(app, invocation, cancel).instrument(span.clone()).await?;
        span.in_scope(|| log_finished(&result));
        Ok(result)
    }

    /// Records a run that was not started (a cron fire that would overlap
    /// the previous one); returns the record's id.
    pub async fn record_skipped(
        &self,
        app: &AppSnapshot,
        function: &FunctionRef,
        trigger: TriggerKind,
        detail: Value,
        reason: &str,
    ) -> Option<String> {
        let recorder = self.recorder.as_ref().filter(|recorder| recorder.mode != Recording::Off)?;
        let now = crate::store::now_ms();
        let id = uuid::Uuid::now_v7().to_string();
        let mut record = recorder.record_for(id, app, function, trigger, detail, JsonText::from_text("{}"), RunStatus::Skipped, now, now);
        record.error = Some(crate::domain::ExecutionError {
            error_type: "SkippedError".to_owned(),
            error_message: reason.to_owned(),
            stack_trace: String::new(),
        });
        recorder.write(record).await
    }
}

/// The line a run ends with, inside its span: how it ended and how long
/// it took (never its data, logs or error message, which may hold what the
/// app was given). The error's type is the app's own `error.name`, so it
/// is logged only when it looks like a class name (`TypeError`), else as
/// `Error`.
fn log_finished(result: &ExecutionResult) {
    match &result.error {
        None => tracing::info!(status = "SUCCESS", duration_ms = result.duration, "run finished"),
        Some(error) => {
            let name = error.error_type.as_str();
            let plain = (1..=64).contains(&name.len())
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let error_type = if plain { name } else { "Error" };
            tracing::info!(status = "ERROR", duration_ms = result.duration, error_type, "run finished");
        }
    }
}

impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn record_for(
        &self,
        id: String,
        app: &AppSnapshot,
        function: &FunctionRef,
        trigger: TriggerKind,
        detail: Value,
        payload: JsonText,
        status: RunStatus,
        started_at: i64,
        ended_at: i64,
    ) -> RunRecord {
        let entry = app.find(&function.0);
        RunRecord {
            id,
            app: app.app.manifest.application.universal_identifier.clone(),
            function: entry.map(|f| f.name.clone()).unwrap_or_else(|| function.0.clone()),
            function_id: entry.map(|f| f.manifest.universal_identifier.clone()).unwrap_or_else(|| function.0.clone()),
            trigger,
            detail,
            payload,
            status,
            data: JsonText::from_text("null"),
            error: None,
            logs: String::new(),
            duration_ms: 0,
            started_at,
            ended_at,
        }
    }

    async fn write(&self, record: RunRecord) -> Option<String> {
        let id = record.id.clone();
        let written = match self.mode {
            Recording::Background => self.store.record_deferred(record).await,
            Recording::Committed | Recording::Off => self.store.record(record).await,
        };
        match written {
            Ok(()) => Some(id),
            Err(error) => {
                tracing::error!(%error, "a run could not be recorded");
                None
            }
        }
    }

    fn payload(&self, trigger: TriggerKind, text: &str) -> JsonText {
        recorded_payload(trigger, text, self.capture_bytes)
    }

    fn capture_value(&self, value: &Value) -> JsonText {
        let text = JsonText::from_value(value);
        let bytes = text.as_str().len();
        if bytes > self.capture_bytes { truncated(bytes) } else { text }
    }

    fn capture_text(&self, text: &str) -> String {
        if text.len() <= self.capture_bytes {
            return text.to_owned();
        }
        let mut end = self.capture_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}\n[{} more bytes not kept]", &text[..end], text.len() - end)
    }
}

/// The app's variables with `TWENTY_API_URL` at `url`. The snapshot's own
/// map when it says so already (the embedded workspace is served at the
/// gateway's public URL, which the snapshot sets): no copy per run, and a
/// runtime sees the same map run after run.
fn env_with_api_url(app: &AppSnapshot, url: &str) -> RunEnv {
    if app.env.get("TWENTY_API_URL").is_some_and(|held| held == url) {
        return app.env.clone();
    }
    let mut env = (*app.env).clone();
    env.insert("TWENTY_API_URL".into(), url.to_owned());
    Arc::new(env)
}

/// A payload recorded whole can be replayed; a truncated one cannot.
pub fn replayable_payload(payload: &JsonText) -> Option<String> {
    let value = payload.to_value();
    let truncated = value.get("truncated").and_then(Value::as_bool) == Some(true) && value.get("bytes").is_some();
    (!truncated).then(|| payload.as_str().to_owned())
}

/// The payload as recorded: capped, with secret headers and query keys
/// of HTTP routes blanked. Kept as the text it came in unless something
/// must be blanked.
fn recorded_payload(trigger: TriggerKind, text: &str, capture_bytes: usize) -> JsonText {
    if text.len() > capture_bytes {
        return truncated(text.len());
    }
    if trigger != TriggerKind::HttpRoute || !RouteKeys::has_secrets(text) {
        return JsonText::from_text(text);
    }
    let mut value: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    let redact = |field: &str, value: &mut Value, secret: &dyn Fn(&str) -> bool| {
        if let Some(map) = value.get_mut(field).and_then(Value::as_object_mut) {
            for (name, value) in map.iter_mut() {
                if secret(name) {
                    *value = Value::String("[redacted]".to_owned());
                }
            }
        }
    };
    redact("headers", &mut value, &secret_header);
    redact("queryStringParameters", &mut value, &secret_query_key);
    JsonText::from(value)
}

/// What a run record keeps of a payload or result past the capture cap.
fn truncated(bytes: usize) -> JsonText {
    JsonText::from(serde_json::json!({ "truncated": true, "bytes": bytes }))
}

fn secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

fn secret_query_key(name: &str) -> bool {
    SECRET_QUERY_KEYS.iter().any(|secret| secret.eq_ignore_ascii_case(name))
}

/// The names under a route payload's `headers` and `queryStringParameters`,
/// read without building the payload.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteKeys<'a> {
    #[serde(borrow, default)]
    headers: Names<'a>,
    #[serde(borrow, default)]
    query_string_parameters: Names<'a>,
}

/// The names of a JSON object's members, without their values.
type Names<'a> = Option<std::collections::HashMap<std::borrow::Cow<'a, str>, serde::de::IgnoredAny>>;

impl RouteKeys<'_> {
    /// Whether the route payload `text` holds a value that must not be
    /// recorded (also when it cannot be read this way: then the careful
    /// path decides).
    fn has_secrets(text: &str) -> bool {
        let Ok(keys) = serde_json::from_str::<RouteKeys<'_>>(text) else { return true };
        let any = |names: &Names<'_>, secret: fn(&str) -> bool| names.as_ref().is_some_and(|names| names.keys().any(|name| secret(name)));
        any(&keys.headers, secret_header) || any(&keys.query_string_parameters, secret_query_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_payloads_are_kept_as_sent_unless_a_secret_is_in_them() {
        let plain = r#"{"headers":{"user-agent":"wrk"},"queryStringParameters":{"page":"2"},"body":null}"#;
        assert_eq!(recorded_payload(TriggerKind::HttpRoute, plain, 1024).as_str(), plain);
        let secret = r#"{"headers":{"Authorization":"Bearer x","accept":"*/*"},"queryStringParameters":{"Token":"t","page":"2"}}"#;
        let recorded = recorded_payload(TriggerKind::HttpRoute, secret, 1024).to_value();
        assert_eq!(recorded["headers"], serde_json::json!({"Authorization": "[redacted]", "accept": "*/*"}));
        assert_eq!(recorded["queryStringParameters"], serde_json::json!({"Token": "[redacted]", "page": "2"}));
        // Names are matched whatever their case, also when escaped.
        let escaped = r#"{"headers":{"\u0041uthorization":"Bearer x"},"queryStringParameters":{}}"#;
        let recorded = recorded_payload(TriggerKind::HttpRoute, escaped, 1024).to_value();
        assert_eq!(recorded["headers"], serde_json::json!({"Authorization": "[redacted]"}));
        let mixed = r#"{"headers":{"X-Api-KEY":"k"},"queryStringParameters":{"sig":"s"}}"#;
        let recorded = recorded_payload(TriggerKind::HttpRoute, mixed, 1024).to_value();
        assert_eq!(recorded["headers"], serde_json::json!({"X-Api-KEY": "[redacted]"}));
        assert_eq!(recorded["queryStringParameters"], serde_json::json!({"sig": "[redacted]"}));
        // A secret word as a value or inside a name is no secret name.
        let lookalike = r#"{"headers":{"x-token-id":"token"},"queryStringParameters":{"keys":"code"}}"#;
        assert_eq!(recorded_payload(TriggerKind::HttpRoute, lookalike, 1024).as_str(), lookalike);
        // Only route payloads are read for secrets; every payload is capped.
        assert_eq!(recorded_payload(TriggerKind::Manual, secret, 1024).as_str(), secret);
        let capped = recorded_payload(TriggerKind::Manual, secret, 10).to_value();
        assert_eq!(capped, serde_json::json!({"truncated": true, "bytes": secret.len()}));
        assert_eq!(replayable_payload(&recorded_payload(TriggerKind::Manual, secret, 10)), None);
        // Text that is not JSON is recorded as a string.
        assert_eq!(recorded_payload(TriggerKind::Manual, "not json", 1024).to_value(), serde_json::json!("not json"));
    }
}
