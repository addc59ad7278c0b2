//! Jobs: the runs a function queues with `twenty-sdk/logic-function`'s
//! `enqueueJobs` (and the deprecated `enqueueJob`), and their state for
//! `getJobs`. A job is a delivery on the durable event queue, keyed by its
//! app and job id (so a repeated `jobId` adds nothing, as in Twenty), due
//! after `delayMs`, retried up to its own `retryLimit`; the event dispatcher
//! runs it like any other delivery and records the run with trigger `job`.

use crate::sandbox::HostError;
use crate::store::{DeliveryProgress, DeliveryState, NewDelivery, SqliteStore, Store};
use serde_json::{Map, Value, json};

/// The `event_name` that marks a delivery as a job.
pub const JOB_EVENT: &str = "@job";
/// Twenty's bounds: `retryLimit` 0–10 (default 0), `delayMs` up to 7 days.
const MAX_RETRY_LIMIT: u64 = 10;
const MAX_DELAY_MS: u64 = 7 * 24 * 3600 * 1000;
/// Most jobs one call may queue, and the largest payload (JSON bytes).
const MAX_JOBS_PER_CALL: usize = 1000;
const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Longest caller-chosen job id.
const MAX_JOB_ID: usize = 200;

fn type_error(message: String) -> HostError {
    HostError { error_type: "TypeError".to_owned(), message }
}

fn bounded(input: &Value, name: &str, max: u64) -> Result<u64, HostError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(value) => value
            .as_u64()
            .filter(|number| *number <= max)
            .ok_or_else(|| type_error(format!("enqueueJobs: {name} must be a whole number from 0 to {max}, got {value}"))),
    }
}

fn key(app: &str, job_id: &str) -> String {
    format!("job:{app}:{job_id}")
}

/// A queued job's retry limit, as its delivery stores it.
pub fn retry_limit(event: &Value) -> u32 {
    event.pointer("/job/retryLimit").and_then(Value::as_u64).and_then(|limit| u32::try_from(limit).ok()).unwrap_or(0)
}

/// `jobs.enqueue`: checks the input, queues one delivery per job and
/// answers Twenty's `EnqueueJobsResult`.
pub(crate) async fn enqueue(store: &SqliteStore, app: &str, functions: &[String], input: &Value) -> Result<Value, HostError> {
    let function = input
        .get("logicFunctionUniversalIdentifier")
        .and_then(Value::as_str)
        .ok_or_else(|| type_error("enqueueJobs: logicFunctionUniversalIdentifier must be a string".to_owned()))?;
    if !functions.iter().any(|id| id == function) {
        return Err(type_error(format!(
            "enqueueJobs: no logic function of this app has universalIdentifier {function:?} (a job runs a function of the same app)"
        )));
    }
    let retry_limit = bounded(input, "retryLimit", MAX_RETRY_LIMIT)?;
    let delay_ms = bounded(input, "delayMs", MAX_DELAY_MS)?;
    let jobs: Vec<(Option<String>, Value)> = match (input.get("jobs"), input.get("payloads")) {
        (Some(Value::Array(jobs)), _) => jobs
            .iter()
            .enumerate()
            .map(|(index, job)| {
                let id = match job.get("jobId") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_JOB_ID => Some(id.clone()),
                    Some(_) => {
                        return Err(type_error(format!("enqueueJobs: jobs[{index}].jobId must be a string of 1 to {MAX_JOB_ID} bytes")));
                    }
                };
                Ok((id, job.get("payload").cloned().unwrap_or_else(|| json!({}))))
            })
            .collect::<Result<_, _>>()?,
        (None | Some(Value::Null), Some(Value::Array(payloads))) => payloads.iter().map(|payload| (None, payload.clone())).collect(),
        _ => return Err(type_error("enqueueJobs: give `jobs` ([{payload, jobId?}]) or `payloads` (an array)".to_owned())),
    };
    if jobs.len() > MAX_JOBS_PER_CALL {
        return Err(type_error(format!("enqueueJobs: {} jobs in one call, over the limit of {MAX_JOBS_PER_CALL}", jobs.len())));
    }
    let now = crate::store::now_ms();
    let mut ids = Vec::with_capacity(jobs.len());
    let mut deliveries = Vec::with_capacity(jobs.len());
    for (index, (id, payload)) in jobs.into_iter().enumerate() {
        if !payload.is_object() {
            return Err(type_error(format!("enqueueJobs: the payload of job {index} must be an object")));
        }
        if payload.to_string().len() > MAX_PAYLOAD_BYTES {
            return Err(type_error(format!("enqueueJobs: the payload of job {index} is over {MAX_PAYLOAD_BYTES} bytes of JSON")));
        }
        let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        deliveries.push(NewDelivery {
            key: key(app, &id),
            app: app.to_owned(),
            function_id: function.to_owned(),
            event_name: JOB_EVENT.to_owned(),
            batch: false,
            event: json!({ "job": { "id": id, "payload": payload, "retryLimit": retry_limit, "enqueuedAt": now } }),
        });
        ids.push(id);
    }
    let due = now.saturating_add(i64::try_from(delay_ms).unwrap_or(0));
    store
        .enqueue(deliveries, due)
        .await
        .map_err(|error| HostError { error_type: "JobQueueError".to_owned(), message: error.to_string() })?;
    Ok(json!({ "enqueued": true, "logicFunctionUniversalIdentifier": function, "enqueuedJobsCount": ids.len(), "jobIds": ids }))
}

/// `jobs.get`: Twenty's `JobStatusResult` for each known job id of the app.
pub(crate) async fn status(store: &SqliteStore, app: &str, input: &Value) -> Result<Value, HostError> {
    let Some(Value::Array(ids)) = input.get("jobIds") else {
        return Err(type_error("getJobs: jobIds must be an array of strings".to_owned()));
    };
    let now = crate::store::now_ms();
    let mut found = Vec::new();
    for id in ids.iter().take(MAX_JOBS_PER_CALL) {
        let Some(id) = id.as_str() else { return Err(type_error("getJobs: jobIds must be an array of strings".to_owned())) };
        let progress = store
            .delivery_progress(&key(app, id))
            .await
            .map_err(|error| HostError { error_type: "JobQueueError".to_owned(), message: error.to_string() })?;
        let Some(DeliveryProgress { state, attempts, next_at, event }) = progress else { continue };
        let state = match state {
            DeliveryState::Done => "COMPLETED",
            DeliveryState::Failed => "FAILED",
            DeliveryState::Running => "ACTIVE",
            DeliveryState::Pending if next_at > now => "DELAYED",
            DeliveryState::Pending => "WAITING",
        };
        let mut job = Map::new();
        job.insert("jobId".into(), Value::from(id));
        job.insert("state".into(), Value::from(state));
        job.insert("attemptsMade".into(), Value::from(attempts));
        job.insert("enqueuedAt".into(), event.pointer("/job/enqueuedAt").cloned().unwrap_or(Value::Null));
        found.push(Value::Object(job));
    }
    Ok(Value::Array(found))
}
