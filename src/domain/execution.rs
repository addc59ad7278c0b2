//! What one run is and what it produced: the `Invocation` every trigger
//! builds, the context handed to the handler, and Twenty's execution result
//! `{data, logs, duration, status, error?}`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Second argument of every handler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionContext {
    pub workspace_id: String,
    pub user_workspace_id: Option<String>,
    pub workspace_member_id: Option<String>,
    pub retry_count: u32,
    pub max_retries: u32,
}

/// `status` of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExecutionStatus {
    Success,
    Error,
    Idle,
}

/// `error` of a failed result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionError {
    /// `Error`, `TypeError`, `TimeoutError`, `MemoryLimitError`, ...
    pub error_type: String,
    pub error_message: String,
    pub stack_trace: String,
}

/// Twenty's `LogicFunctionExecuteResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionResult {
    /// The handler's return value as JSON (null when it returned nothing or failed).
    pub data: Value,
    /// Log lines `<ISO time> <LEVEL> <text>`, joined with newlines.
    pub logs: String,
    /// Milliseconds.
    pub duration: u64,
    pub status: ExecutionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExecutionError>,
}

impl ExecutionResult {
    /// A failed result with no data.
    pub fn failure(error_type: &str, message: impl Into<String>, logs: String, duration: u64) -> Self {
        Self {
            data: Value::Null,
            logs,
            duration,
            status: ExecutionStatus::Error,
            error: Some(ExecutionError { error_type: error_type.to_owned(), error_message: message.into(), stack_trace: String::new() }),
        }
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    Manual,
    HttpRoute,
    Cron,
    DatabaseEvent,
    Tool,
    WorkflowAction,
    /// A job another run queued with `enqueueJobs`.
    Job,
}

impl TriggerKind {
    /// The spelling used in run records, filters and output (`http_route`, `cron`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::HttpRoute => "http_route",
            Self::Cron => "cron",
            Self::DatabaseEvent => "database_event",
            Self::Tool => "tool",
            Self::WorkflowAction => "workflow_action",
            Self::Job => "job",
        }
    }

    /// Reads a trigger kind as records spell it (`http_route`, `cron`, ...), in any case.
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(Value::String(text.to_ascii_lowercase())).ok()
    }
}

/// How a caller names a function: its `name` or its universalIdentifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef(pub String);

/// One request to run a function, whatever triggered it.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub function: FunctionRef,
    pub trigger: TriggerKind,
    /// JSON text of the payload.
    pub payload: String,
    pub context: ExecutionContext,
    /// What the trigger knew (route, cron fire time, event, attempt, ...),
    /// kept in the run's record; `null` when there is nothing to add.
    pub detail: Value,
    /// Where the run stands in a cascade of record events (the default for
    /// runs no record event started).
    pub cascade: Cascade,
}

/// Where a run stands in a cascade of record events: how many events led
/// to it and the cascade's origin (none for runs no event started). Its
/// run tokens carry it, so the events its writes cause are one deeper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cascade {
    pub depth: u32,
    pub origin: Option<String>,
}

/// An HTTP answer the host hands back to a run (a `fetch` with a
/// connection, a request to the workspace API); the sandbox rebuilds it
/// into a `Response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub status_text: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}
