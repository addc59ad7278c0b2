//! The durable state of the gateway: run history, the database-event
//! delivery queue, cron bookkeeping, skill/agent versions, the connections
//! vault (ciphertext only: `vault` encrypts), the apps' key-value store and
//! the embedded workspace's records.
//! `Store` is the contract; `SqliteStore` (one
//! file under the data directory, through sqlx, with migrations) is the
//! implementation today, and a Postgres one must pass the same contract
//! suite (`contract.rs`). Nothing here knows about sandboxes or HTTP: callers
//! hand in plain records and get plain records back.

mod apps;
mod connections;
mod contract;
mod kv;
mod records;
mod sqlite;

pub use connections::{ConnectionRow, FlowRow, TokenUpdate};
pub use records::{Deleted, RecordQuery, RecordTx, SqlValue};
pub use sqlite::{SqliteStore, StoreOptions, SyncMode, runs_not_recorded};

use crate::domain::{ExecutionError, TriggerKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot open the store at {path}: {message}")]
    Open { path: String, message: String },
    #[error("cannot migrate the store at {path}: {message}")]
    Migrate { path: String, message: String },
    #[error("store query failed ({what}): {message}")]
    Query { what: &'static str, message: String },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("invalid cursor {0:?}: use the nextCursor value of an earlier page")]
    BadCursor(String),
}

impl Error {
    fn query(what: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |error| Self::Query { what, message: error.to_string() }
    }
}

/// How a recorded run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum RunStatus {
    Success,
    Error,
    /// Never started: a cron fire while the previous fire still ran.
    Skipped,
}

impl RunStatus {
    /// The stored (and displayed) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Error => "ERROR",
            Self::Skipped => "SKIPPED",
        }
    }

    /// Reads a status as typed by a user, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "SUCCESS" => Some(Self::Success),
            "ERROR" => Some(Self::Error),
            "SKIPPED" => Some(Self::Skipped),
            _ => None,
        }
    }
}

/// A JSON document kept as its text. A run's payload and result are
/// recorded as the text they arrived in (or were printed as once): building
/// a `Value` only to print it again for the database cost a route call about
/// a twentieth of its instructions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonText(Box<serde_json::value::RawValue>);

impl JsonText {
    /// Takes `text` as it is when it is JSON, else records it as a JSON string.
    pub fn from_text(text: &str) -> Self {
        match serde_json::from_str::<&serde_json::value::RawValue>(text) {
            Ok(raw) => Self(raw.to_owned()),
            Err(_) => Self::from_value(text),
        }
    }

    /// Prints `value` once.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Self {
        // Printing a `Value` cannot fail: its map keys are strings.
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => Self(raw),
            Err(_) => Self(serde_json::value::RawValue::NULL.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The document as a `Value`.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    /// The text, without copying it.
    pub fn into_string(self) -> String {
        String::from(Box::<str>::from(self.0))
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<Value> for JsonText {
    fn from(value: Value) -> Self {
        Self::from_value(&value)
    }
}

/// One recorded run, whatever triggered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: String,
    /// The application's universalIdentifier.
    pub app: String,
    /// The function's name.
    pub function: String,
    /// The function's universalIdentifier.
    pub function_id: String,
    pub trigger: TriggerKind,
    /// What the trigger knew: route and method, cron pattern and fire time,
    /// event name and delivery attempt, tool name, ...
    pub detail: Value,
    /// The payload, or `{"truncated": true, "bytes": N}` past the capture cap.
    pub payload: JsonText,
    pub status: RunStatus,
    pub data: JsonText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExecutionError>,
    pub logs: String,
    pub duration_ms: u64,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Unix milliseconds.
    pub ended_at: i64,
}

impl RunRecord {
    /// The run as `/api/runs` and `switchboard runs --json` show it: times in
    /// RFC 3339 UTC.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("startedAt".into(), rfc3339(self.started_at).into());
            object.insert("endedAt".into(), rfc3339(self.ended_at).into());
        }
        value
    }
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default()
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// A function name or universalIdentifier.
    pub function: Option<String>,
    pub status: Option<RunStatus>,
    pub trigger: Option<TriggerKind>,
    pub limit: usize,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPage {
    pub runs: Vec<RunRecord>,
    /// Present when older runs remain.
    pub next_cursor: Option<String>,
}

/// How long run history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Runs that ended longer ago than this are deleted.
    pub max_age_ms: i64,
    /// At most this many runs are kept (the newest).
    pub max_count: u64,
}

/// One event to hand to one function, as queued.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// Unique per event and function: a re-delivered event adds nothing.
    pub key: String,
    pub app: String,
    pub function_id: String,
    pub event_name: String,
    /// The function takes events in batches.
    pub batch: bool,
    /// The event as Twenty's payload carries it (JSON).
    pub event: Value,
}

/// A queued delivery claimed for running.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub key: String,
    pub app: String,
    pub function_id: String,
    pub event_name: String,
    pub batch: bool,
    pub event: Value,
    /// Runs already made for it (0 on the first claim).
    pub attempts: u32,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Running,
    Done,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// Where one delivery stands (see [`Store::delivery_progress`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryProgress {
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_at: i64,
    pub event: Value,
}

/// What happened to a claimed delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    Done,
    /// Try again at this time (unix ms).
    Retry {
        at: i64,
    },
    Failed,
}

/// Counts of deliveries per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

/// One stored version of a skill or agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryVersion {
    pub version: i64,
    pub hash: String,
    /// The item as JSON.
    pub content: String,
    pub source: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A label pointing at a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryLabel {
    pub label: String,
    pub version: i64,
    pub protected: bool,
}

/// The contract every store implementation satisfies; `contract.rs` checks it.
pub trait Store: Send + Sync + 'static {
    /// Records a run; returns once it is durable.
    fn record(&self, run: RunRecord) -> impl Future<Output = Result<(), Error>> + Send;
    /// Hands a run record to the store and returns without waiting for its
    /// commit (only for room, when the writer is far behind); it is
    /// committed shortly after, with others. Reads through this store see
    /// it. A crash before the commit loses it.
    fn record_deferred(&self, run: RunRecord) -> impl Future<Output = Result<(), Error>> + Send;
    /// Returns once every record handed over before it has been written
    /// (a record that failed is logged, not reported here).
    fn flush(&self) -> impl Future<Output = Result<(), Error>> + Send;
    /// Records a run and settles the deliveries it ran for, atomically:
    /// after a crash either both happened or neither did.
    fn record_settling(&self, run: RunRecord, ids: Vec<i64>, outcome: Settle) -> impl Future<Output = Result<(), Error>> + Send;
    /// Runs matching `filter`, newest first.
    fn runs(&self, filter: &RunFilter) -> impl Future<Output = Result<RunPage, Error>> + Send;
    /// One run by id.
    fn run(&self, id: &str) -> impl Future<Output = Result<Option<RunRecord>, Error>> + Send;
    /// Deletes runs past `retention`; returns how many went.
    fn prune_runs(&self, retention: Retention, now_ms: i64) -> impl Future<Output = Result<u64, Error>> + Send;
    /// Queues deliveries; those whose key is already queued are ignored.
    /// Returns how many were new. Durable when it returns.
    fn enqueue(&self, deliveries: Vec<NewDelivery>, now_ms: i64) -> impl Future<Output = Result<u64, Error>> + Send;
    /// Claims up to `limit` pending deliveries due by `now_ms`, oldest first.
    fn claim(&self, now_ms: i64, limit: usize) -> impl Future<Output = Result<Vec<Delivery>, Error>> + Send;
    /// Settles claimed deliveries after a run.
    fn settle(&self, ids: &[i64], outcome: Settle) -> impl Future<Output = Result<(), Error>> + Send;
    /// Puts deliveries left running by a stopped process back in the queue.
    fn requeue_running(&self) -> impl Future<Output = Result<u64, Error>> + Send;
    /// When the earliest pending delivery is due (unix ms).
    fn next_due(&self) -> impl Future<Output = Result<Option<i64>, Error>> + Send;
    /// Deliveries per state.
    fn queue_counts(&self) -> impl Future<Output = Result<QueueCounts, Error>> + Send;
    /// The state of the delivery with this key.
    fn delivery_state(&self, key: &str) -> impl Future<Output = Result<Option<DeliveryState>, Error>> + Send;
    /// The delivery with this key: its state, attempts so far, when it is
    /// next due (unix ms) and its stored event.
    fn delivery_progress(&self, key: &str) -> impl Future<Output = Result<Option<DeliveryProgress>, Error>> + Send;
    /// The last cron fire recorded for a function (unix ms).
    fn last_cron_fire(&self, function_id: &str) -> impl Future<Output = Result<Option<i64>, Error>> + Send;
    /// Records a cron fire of a function.
    fn set_cron_fire(&self, function_id: &str, at_ms: i64) -> impl Future<Output = Result<(), Error>> + Send;
    /// Records `content` as the next version of a skill or agent unless the
    /// newest version has the same hash; returns the version that holds it.
    fn library_sync(
        &self,
        kind: &str,
        name: &str,
        hash: &str,
        content: &str,
        source: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<i64, Error>> + Send;
    /// Every version of a skill or agent, oldest first.
    fn library_versions(&self, kind: &str, name: &str) -> impl Future<Output = Result<Vec<LibraryVersion>, Error>> + Send;
    /// Names with at least one version, sorted.
    fn library_names(&self, kind: &str) -> impl Future<Output = Result<Vec<String>, Error>> + Send;
    /// The labels of a skill or agent, by label name.
    fn library_labels(&self, kind: &str, name: &str) -> impl Future<Output = Result<Vec<LibraryLabel>, Error>> + Send;
    /// Points a label at a version (creating it), setting its protection.
    fn library_set_label(
        &self,
        kind: &str,
        name: &str,
        label: &LibraryLabel,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
