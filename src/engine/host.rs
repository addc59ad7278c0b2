//! The host services one run may call from the sandbox — its app's
//! connections (answered by the vault), its key-value store and job queue
//! (kept in the store) and requests to the embedded workspace API (answered in-process by
//! a [`LocalApi`]) — run on the gateway's runtime, and the blanking of every access
//! token the vault has handed to the app's runs out of a run's logs, result
//! and error before anything is returned or recorded.

use crate::domain::{ExecutionResult, HttpReply};
use crate::sandbox::{Host, HostCall, HostError, HostFuture};
use crate::store::SqliteStore;
use crate::vault::{FetchRequest, Vault};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::Arc;

/// A request the sandbox sent to the embedded workspace API.
#[derive(Debug, Clone)]
pub struct LocalRequest {
    pub method: String,
    /// Path and query, e.g. `/rest/companies?limit=5`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Answers workspace API requests without the network (the HTTP router,
/// called in-process).
pub trait LocalApi: Send + Sync {
    fn call(&self, request: LocalRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = HttpReply> + Send>>;
}

pub(crate) struct RunHost {
    /// Present when the app declares connection providers.
    pub(crate) vault: Option<Vault>,
    pub(crate) store: Arc<SqliteStore>,
    /// The application's universalIdentifier: a run sees only its app's
    /// connections and keys.
    pub(crate) app: String,
    /// The universalIdentifiers of the app's functions (a job runs one of them).
    pub(crate) functions: Arc<[String]>,
    pub(crate) runtime: tokio::runtime::Handle,
    /// Present when the run's requests to the embedded workspace API are
    /// answered in-process.
    pub(crate) local_api: Option<Arc<dyn LocalApi>>,
}

/// Largest kv key, in bytes.
const MAX_KV_KEY: usize = 512;
/// Largest kv value, as JSON bytes.
const MAX_KV_VALUE: usize = 1024 * 1024;

fn host_error(error: crate::vault::Error) -> HostError {
    use crate::vault::Error as E;
    let error_type = match &error {
        E::AuthFailed { .. } => "AppConnectionAuthFailedError",
        E::UnknownConnection(_) => "AppConnectionNotFoundError",
        E::HostNotAllowed { .. } => "NotAllowedError",
        E::BadRequest(_) => "TypeError",
        _ => "AppConnectionError",
    };
    HostError { error_type: error_type.to_owned(), message: error.to_string() }
}

fn text(input: &Value, field: &str) -> Result<String, HostError> {
    input
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| HostError { error_type: "TypeError".to_owned(), message: format!("`{field}` must be a string") })
}

fn type_error(message: String) -> HostError {
    HostError { error_type: "TypeError".to_owned(), message }
}

/// The kv scope a call names: Twenty 2.43's `WORKSPACE` (default) and
/// `SERVER`, or the documented `INSTALL` and `GLOBAL` for the same two.
fn kv_scope(input: &Value) -> Result<&'static str, HostError> {
    match input.get("scope") {
        None | Some(Value::Null) => Ok("WORKSPACE"),
        Some(Value::String(scope)) => match scope.as_str() {
            "WORKSPACE" | "INSTALL" => Ok("WORKSPACE"),
            "SERVER" | "GLOBAL" => Ok("SERVER"),
            other => Err(type_error(format!("kv: scope \"{other}\" must be WORKSPACE or SERVER (also spelled INSTALL or GLOBAL)"))),
        },
        Some(other) => Err(type_error(format!("kv: scope must be a string, got {other}"))),
    }
}

fn kv_key(input: &Value) -> Result<String, HostError> {
    let key = text(input, "key").map_err(|_| type_error("kv: the key must be a string".to_owned()))?;
    if key.is_empty() || key.len() > MAX_KV_KEY {
        return Err(type_error(format!("kv: the key must be 1 to {MAX_KV_KEY} bytes, got {}", key.len())));
    }
    Ok(key)
}

fn store_error(error: crate::store::Error) -> HostError {
    HostError { error_type: "KeyValueStoreError".to_owned(), message: error.to_string() }
}

/// What a kv call does with its key.
enum KvOp {
    Get,
    Set,
    Delete,
}

async fn kv(store: &SqliteStore, app: &str, op: KvOp, input: &Value) -> Result<Value, HostError> {
    let (scope, key) = (kv_scope(input)?, kv_key(input)?);
    match op {
        KvOp::Get => match store.kv_get(app, scope, &key).await.map_err(store_error)? {
            Some(text) => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            None => Ok(Value::Null),
        },
        KvOp::Set => {
            let value = input.get("value").cloned().unwrap_or(Value::Null);
            let text = value.to_string();
            if text.len() > MAX_KV_VALUE {
                return Err(type_error(format!(
                    "kv.set(\"{key}\"): the value is {} bytes of JSON, over the limit of {MAX_KV_VALUE}",
                    text.len()
                )));
            }
            store.kv_set(app, scope, &key, &text, crate::store::now_ms()).await.map_err(store_error)?;
            Ok(Value::Null)
        }
        KvOp::Delete => Ok(Value::Bool(store.kv_delete(app, scope, &key).await.map_err(store_error)?)),
    }
}

fn decode_body(input: &Value) -> Result<Option<Vec<u8>>, HostError> {
    if let Some(text) = input.get("bodyText").and_then(Value::as_str) {
        return Ok(Some(text.as_bytes().to_vec()));
    }
    match input.get("body").and_then(Value::as_str) {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map(Some)
            .map_err(|_| HostError { error_type: "TypeError".to_owned(), message: "fetch: the request body could not be read".to_owned() }),
        None => Ok(None),
    }
}

fn header_pairs(input: &Value) -> Vec<(String, String)> {
    input
        .get("headers")
        .and_then(Value::as_array)
        .map(|pairs| pairs.iter().filter_map(|pair| Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

/// A reply as the sandbox reads it. Text bodies (JSON, mostly) cross as
/// text: decoding base64 costs the sandbox more than the request itself.
fn reply_json(reply: &HttpReply) -> Value {
    let mut value = json!({
        "status": reply.status,
        "statusText": reply.status_text,
        "headers": reply.headers.iter().map(|(name, value)| json!([name, value])).collect::<Vec<_>>(),
    });
    value["bodyText"] = match std::str::from_utf8(&reply.body) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => {
            value["body"] = Value::String(base64::engine::general_purpose::STANDARD.encode(&reply.body));
            Value::Null
        }
    };
    value
}

async fn dispatch(host: HostParts, call: HostCall) -> Result<Value, HostError> {
    let HostParts { vault, store, app, functions, local_api } = host;
    let service = call.service();
    let connections = || {
        vault.clone().ok_or_else(|| HostError {
            error_type: "UnavailableError".to_owned(),
            message: format!(
                "{service} is not available here: connections are served by `switchboard serve` and `switchboard mcp` to apps that declare a connection provider"
            ),
        })
    };
    match call {
        HostCall::KvGet(input) => kv(&store, &app, KvOp::Get, &input).await,
        HostCall::KvSet(input) => kv(&store, &app, KvOp::Set, &input).await,
        HostCall::KvDelete(input) => kv(&store, &app, KvOp::Delete, &input).await,
        HostCall::JobsEnqueue(input) => super::jobs::enqueue(&store, &app, &functions, &input).await,
        HostCall::JobsGet(input) => super::jobs::status(&store, &app, &input).await,
        HostCall::WorkspaceRequest(input) => {
            let Some(api) = local_api else {
                return Err(HostError {
                    error_type: "TypeError".to_owned(),
                    message: "the workspace API is not served in-process here".to_owned(),
                });
            };
            let request = LocalRequest {
                method: text(&input, "method")?,
                path: text(&input, "path")?,
                headers: header_pairs(&input),
                body: decode_body(&input)?.unwrap_or_default(),
            };
            Ok(reply_json(&api.call(request).await))
        }
        HostCall::ConnectionsList(input) => connections()?.list_for_run(&app, &input).await.map_err(host_error),
        HostCall::ConnectionsGet(input) => connections()?.get_for_run(&app, &text(&input, "id")?).await.map_err(host_error),
        HostCall::ConnectionsReportAuthFailure(input) => {
            let vault = connections()?;
            let reason = input.get("reason").and_then(Value::as_str);
            vault.report_failure(&app, &text(&input, "connectionId")?, reason).await.map_err(host_error)?;
            Ok(Value::Null)
        }
        HostCall::ConnectionsFetch(input) => {
            let vault = connections()?;
            let request = FetchRequest {
                connection_id: text(&input, "connectionId")?,
                url: text(&input, "url")?,
                method: text(&input, "method")?,
                headers: header_pairs(&input),
                body: decode_body(&input)?,
            };
            let response = vault.fetch(&app, request).await.map_err(host_error)?;
            Ok(reply_json(&response))
        }
    }
}

/// What one host call needs, moved onto the gateway's runtime.
struct HostParts {
    vault: Option<Vault>,
    store: Arc<SqliteStore>,
    app: String,
    functions: Arc<[String]>,
    local_api: Option<Arc<dyn LocalApi>>,
}

impl Host for RunHost {
    fn call(&self, call: HostCall) -> HostFuture {
        let parts = HostParts {
            vault: self.vault.clone(),
            store: self.store.clone(),
            app: self.app.clone(),
            functions: self.functions.clone(),
            local_api: self.local_api.clone(),
        };
        // Every service runs on the gateway's runtime, the workspace API
        // included: the store's pool returns connections by spawning on the
        // current runtime, and a sandbox thread's runtime stands still
        // between runs.
        // Aborted when the run stops waiting for it (its runtime was
        // stopped or dropped), so a request cannot outlive its run.
        let task = AbortOnDrop(self.runtime.spawn(dispatch(parts, call)));
        Box::pin(async move {
            let mut task = task;
            (&mut task.0)
                .await
                .unwrap_or_else(|error| Err(HostError { error_type: "AppConnectionError".to_owned(), message: error.to_string() }))
        })
    }
}

/// A spawned host call, aborted if nobody awaits it any more.
struct AbortOnDrop(tokio::task::JoinHandle<Result<Value, HostError>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Blanks every token in `tokens` out of the result's logs, data and error.
pub(crate) fn redact(result: &mut ExecutionResult, tokens: &[String]) {
    let tokens: Vec<&String> = tokens.iter().filter(|token| !token.is_empty()).collect();
    if tokens.is_empty() {
        return;
    }
    let clean = |text: &mut String| {
        for token in &tokens {
            if text.contains(token.as_str()) {
                *text = text.replace(token.as_str(), "[redacted]");
            }
        }
    };
    clean(&mut result.logs);
    if let Some(error) = result.error.as_mut() {
        clean(&mut error.error_type);
        clean(&mut error.error_message);
        clean(&mut error.stack_trace);
    }
    let mut data = result.data.to_string();
    if tokens.iter().any(|token| data.contains(token.as_str())) {
        clean(&mut data);
        result.data = serde_json::from_str(&data).unwrap_or(Value::String("[redacted]".to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handed_out_tokens_leave_no_trace_in_a_result() {
        let tokens = vec!["tok-SECRET-1".to_owned()];
        // The error's type is the app's `error.name`: it may hold a token too.
        let mut result = ExecutionResult::failure("tok-SECRET-1", "bad tok-SECRET-1", "log tok-SECRET-1 here".to_owned(), 1);
        result.data = json!({ "nested": ["tok-SECRET-1", 1] });
        redact(&mut result, &tokens);
        let text = serde_json::to_string(&result).expect("json");
        assert!(!text.contains("tok-SECRET-1"), "{text}");
        assert_eq!(result.data, json!({ "nested": ["[redacted]", 1] }));
    }
}
