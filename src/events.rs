//! Database events: the one bus behind `POST /api/events` and Twenty's
//! webhooks. An event is checked, matched against every function's
//! `databaseEventTriggerSettings` (`*` wildcards, the `updatedFields`
//! filter), and queued in the store as one delivery per function before the
//! caller is answered. A dispatcher claims due deliveries, runs them (alone,
//! or up to 200 at a time for `batchMode`), and retries failed runs with
//! backoff, at most three times, as Twenty does. The delivery key (event key
//! and function) makes a re-delivered event a no-op. Jobs queued with
//! `enqueueJobs` (see `engine::jobs`) ride the same queue and dispatcher.

use crate::domain::{FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::engine::jobs::JOB_EVENT;
use crate::registry::Registry;
use crate::store::{Delivery, NewDelivery, Settle, SqliteStore, Store};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Most events handed to one `batchMode` run (Twenty's `MAX_EVENTS_PER_TRIGGER_JOB`).
pub const MAX_BATCH: usize = 200;
/// Retries after the first failed run (Twenty's `retryLimit`).
pub const MAX_RETRIES: u32 = 3;
/// Most events accepted in one request.
pub const MAX_EVENTS_PER_REQUEST: usize = 1000;

/// Most record events one cascade may publish by default: the events of an
/// outside event or write, of the runs those start, of their writes, and
/// so on. Depth alone bounds a cascade only to (writes per run)^depth.
pub const MAX_CASCADE_EVENTS: u32 = 1000;

/// How many events each recent cascade has published, in memory (a
/// restart starts every count afresh), and the most one may.
#[derive(Debug)]
pub struct Cascades {
    limit: std::sync::atomic::AtomicU32,
    counts: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

impl Default for Cascades {
    fn default() -> Self {
        Self { limit: std::sync::atomic::AtomicU32::new(MAX_CASCADE_EVENTS), counts: std::sync::Mutex::default() }
    }
}

impl Cascades {
    /// The most events one cascade may publish.
    pub fn limit(&self) -> u32 {
        self.limit.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_limit(&self, limit: u32) {
        self.limit.store(limit, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts `events` more for `origin`, or says how many it has published
    /// when that would exceed the limit.
    pub fn charge(&self, origin: &str, events: usize) -> Result<(), u32> {
        let limit = self.limit();
        let Ok(mut counts) = self.counts.lock() else { return Ok(()) };
        if counts.len() > 10_000 {
            let hour = std::time::Duration::from_secs(3600);
            counts.retain(|_, (_, seen)| seen.elapsed() < hour);
        }
        let entry = counts.entry(origin.to_owned()).or_insert((0, std::time::Instant::now()));
        let events = u32::try_from(events).unwrap_or(u32::MAX);
        if entry.0.saturating_add(events) > limit {
            return Err(entry.0);
        }
        entry.0 += events;
        entry.1 = std::time::Instant::now();
        Ok(())
    }
}

/// Why events were refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{pointer}: {message}")]
    Invalid { pointer: String, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Invalid { pointer: pointer.into(), message: message.into() }
}

/// One checked database event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Idempotency key: the caller's `id`, or a hash of the event.
    pub key: String,
    /// `object.action`.
    pub name: String,
    pub record_id: String,
    /// `{before, after, diff, updatedFields}` as given.
    pub properties: Map<String, Value>,
    pub object_metadata: Value,
    /// `userId`, `userWorkspaceId`, `workspaceMemberId` when given.
    pub actor: Map<String, Value>,
    /// How many record events led to this one: 0 from outside, one more
    /// for each write by a run an event started (see `workspace`).
    pub depth: u32,
    /// The key of the outside event or write the cascade began with: every
    /// event of one cascade shares it, and [`Cascades`] bounds their number.
    pub origin: String,
}

impl Event {
    fn action(&self) -> &str {
        self.name.split_once('.').map(|(_, action)| action).unwrap_or_default()
    }

    fn updated_fields(&self) -> Vec<&str> {
        self.properties
            .get("updatedFields")
            .and_then(Value::as_array)
            .map(|fields| fields.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The event as Twenty's record event (`ObjectRecordBaseEvent`).
    fn record_event(&self) -> Value {
        let mut event = Map::new();
        event.insert("recordId".into(), Value::String(self.record_id.clone()));
        for (name, value) in &self.actor {
            event.insert(name.clone(), value.clone());
        }
        event.insert("properties".into(), Value::Object(self.properties.clone()));
        Value::Object(event)
    }

    /// What a delivery keeps: the record event plus its name and metadata.
    fn stored(&self) -> Value {
        json!({ "name": self.name, "objectMetadata": self.object_metadata, "event": self.record_event(), "depth": self.depth, "origin": self.origin })
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn check_name(name: &str, pointer: &str) -> Result<(), Error> {
    match name.split_once('.') {
        Some((object, action)) if !object.is_empty() && !action.is_empty() && !action.contains('.') => Ok(()),
        _ => {
            Err(invalid(pointer, format!("{name:?} is not an event name of the form object.action (person.created, company.updated, ...)")))
        }
    }
}

fn optional_string(object: &Map<String, Value>, name: &str, pointer: &str) -> Result<Option<String>, Error> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(format!("{pointer}/{name}"), "must be a string")),
    }
}

fn check_properties(value: Option<&Value>, pointer: &str) -> Result<Map<String, Value>, Error> {
    let properties = match value {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(properties)) => properties.clone(),
        Some(_) => return Err(invalid(format!("{pointer}/properties"), "must be an object ({before, after, diff, updatedFields})")),
    };
    if let Some(fields) = properties.get("updatedFields")
        && !fields.as_array().is_some_and(|fields| fields.iter().all(Value::is_string))
    {
        return Err(invalid(format!("{pointer}/properties/updatedFields"), "must be an array of field names"));
    }
    if let Some(diff) = properties.get("diff")
        && !diff.is_object()
    {
        return Err(invalid(format!("{pointer}/properties/diff"), "must be an object"));
    }
    Ok(properties)
}

fn actor(object: &Map<String, Value>, pointer: &str) -> Result<Map<String, Value>, Error> {
    let mut actor = Map::new();
    for name in ["userId", "userWorkspaceId", "workspaceMemberId"] {
        if let Some(value) = optional_string(object, name, pointer)? {
            actor.insert(name.into(), Value::String(value));
        }
    }
    Ok(actor)
}

/// Reads `POST /api/events`: one event in Twenty's shape, or an array of them.
pub fn parse_events(body: &Value) -> Result<Vec<Event>, Error> {
    let (items, array) = match body {
        Value::Array(items) => (items.iter().collect::<Vec<_>>(), true),
        Value::Object(_) => (vec![body], false),
        _ => return Err(invalid("", "the body must be an event object or an array of events")),
    };
    if items.is_empty() {
        return Err(invalid("", "the array holds no events"));
    }
    if items.len() > MAX_EVENTS_PER_REQUEST {
        return Err(invalid("", format!("{} events in one request; the most is {MAX_EVENTS_PER_REQUEST}", items.len())));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let pointer = if array { format!("/{index}") } else { String::new() };
            let object = item.as_object().ok_or_else(|| invalid(pointer.clone(), "an event must be an object"))?;
            let name = optional_string(object, "name", &pointer)?
                .ok_or_else(|| invalid(format!("{pointer}/name"), "is required (object.action, e.g. person.created)"))?;
            check_name(&name, &format!("{pointer}/name"))?;
            let record_id =
                optional_string(object, "recordId", &pointer)?.ok_or_else(|| invalid(format!("{pointer}/recordId"), "is required"))?;
            let properties = check_properties(object.get("properties"), &pointer)?;
            let object_metadata = match object.get("objectMetadata") {
                None | Some(Value::Null) => default_metadata(&name),
                Some(value @ Value::Object(_)) => value.clone(),
                Some(_) => return Err(invalid(format!("{pointer}/objectMetadata"), "must be an object")),
            };
            let key = match optional_string(object, "id", &pointer)? {
                Some(id) => format!("id:{id}"),
                None => format!("sha256:{}", sha256_hex(item.to_string().as_bytes())),
            };
            let origin = key.clone();
            Ok(Event { key, name, record_id, properties, object_metadata, actor: actor(object, &pointer)?, depth: 0, origin })
        })
        .collect()
}

fn default_metadata(name: &str) -> Value {
    json!({ "nameSingular": name.split_once('.').map(|(object, _)| object).unwrap_or(name) })
}

/// Reads a Twenty webhook body: the documented `{event, data, timestamp}` or
/// the form newer servers send (`eventName`, `record`, `objectMetadata`,
/// `updatedFields`, ...). The key is a hash of the raw body, which Twenty
/// resends unchanged when it retries a delivery.
pub fn parse_webhook(raw: &[u8]) -> Result<Event, Error> {
    let body: Value = serde_json::from_slice(raw).map_err(|error| invalid("", format!("the body is not valid JSON: {error}")))?;
    let object = body.as_object().ok_or_else(|| invalid("", "the body must be a JSON object"))?;
    let (name_field, record_field) = if object.contains_key("eventName") { ("eventName", "record") } else { ("event", "data") };
    let name = optional_string(object, name_field, "")?
        .ok_or_else(|| invalid(format!("/{name_field}"), "is required (object.action, e.g. person.created)"))?;
    check_name(&name, &format!("/{name_field}"))?;
    let record = match object.get(record_field) {
        Some(Value::Object(record)) => record.clone(),
        _ => return Err(invalid(format!("/{record_field}"), "must be the record (an object)")),
    };
    let record_id = match record.get("id") {
        Some(Value::String(id)) => id.clone(),
        _ => return Err(invalid(format!("/{record_field}/id"), "is required (the record's id)")),
    };
    let mut properties = Map::new();
    let side = if name.ends_with(".destroyed") { "before" } else { "after" };
    properties.insert(side.into(), Value::Object(record));
    match object.get("updatedFields") {
        None | Some(Value::Null) => {}
        Some(fields @ Value::Array(list)) if list.iter().all(Value::is_string) => {
            properties.insert("updatedFields".into(), fields.clone());
        }
        Some(_) => return Err(invalid("/updatedFields", "must be an array of field names")),
    }
    let object_metadata = match object.get("objectMetadata") {
        Some(value @ Value::Object(_)) => value.clone(),
        _ => default_metadata(&name),
    };
    let key = format!("webhook:{}", sha256_hex(raw));
    Ok(Event { origin: key.clone(), key, name, record_id, properties, object_metadata, actor: actor(object, "")?, depth: 0 })
}

/// Whether a trigger's `eventName` pattern matches an event name.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let (Some((want_object, want_action)), Some((object, action))) = (pattern.split_once('.'), name.split_once('.')) else {
        return false;
    };
    (want_object == "*" || want_object == object) && (want_action == "*" || want_action == action)
}

/// Twenty's `updatedFields` filter: only for `updated` and `upserted` events;
/// an empty or missing list lets every update through.
fn fields_match(wanted: Option<&Vec<String>>, event: &Event) -> bool {
    let Some(wanted) = wanted.filter(|list| !list.is_empty()) else { return true };
    if !matches!(event.action(), "updated" | "upserted") {
        return true;
    }
    let updated = event.updated_fields();
    wanted.iter().any(|field| updated.contains(&field.as_str()))
}

/// What ingesting a set of events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ingested {
    /// Events received.
    pub events: usize,
    /// Deliveries newly queued (one per matching function).
    pub queued: u64,
    /// Deliveries already queued earlier (re-delivered events).
    pub duplicates: u64,
    /// Events no function listens to.
    pub unmatched: usize,
}

/// The bus: matching, queueing and dispatch.
#[derive(Debug, Clone)]
pub struct EventBus {
    store: Arc<SqliteStore>,
    registry: Registry,
    engine: Engine,
    wake: Arc<Notify>,
    retry_base_ms: u64,
}

impl EventBus {
    pub fn new(store: Arc<SqliteStore>, registry: Registry, engine: Engine, retry_base_ms: u64) -> Self {
        Self { store, registry, engine, wake: Arc::new(Notify::new()), retry_base_ms }
    }

    /// Matches and queues events; returns once the deliveries are durable.
    pub async fn ingest(&self, events: &[Event]) -> Result<Ingested, Error> {
        let (deliveries, unmatched) = self.deliveries(events, &|_, event| Some(event.clone()));
        let total = deliveries.len() as u64;
        let queued = self.store.enqueue(deliveries, crate::store::now_ms()).await?;
        if queued > 0 {
            self.wake();
        }
        Ok(Ingested { events: events.len(), queued, duplicates: total - queued, unmatched })
    }

    /// The deliveries `events` make (one per matching function), for the
    /// caller to queue, and how many events no function listens to. Each
    /// event is matched as each app may see it: `scope(app, event)` gives
    /// that app's copy, or `None` when the app may not see it at all (the
    /// workspace's record permissions).
    pub fn deliveries(&self, events: &[Event], scope: &dyn Fn(&str, &Event) -> Option<Event>) -> (Vec<NewDelivery>, usize) {
        let apps = self.registry.apps();
        let mut deliveries = Vec::new();
        let mut unmatched = 0;
        for event in events {
            let before = deliveries.len();
            for app in apps.iter() {
                let app_id = &app.app.manifest.application.universal_identifier;
                let mut scoped: Option<Option<Event>> = None;
                for function in &app.functions {
                    let Some(settings) = &function.manifest.database_event_trigger_settings else { continue };
                    if !settings.to_vec().iter().any(|trigger| name_matches(&trigger.event_name, &event.name)) {
                        continue;
                    }
                    // The app's own view decides, `updatedFields` included.
                    let Some(event) = scoped.get_or_insert_with(|| scope(app_id, event)).as_ref() else { continue };
                    let matched = settings.to_vec().into_iter().find(|trigger| {
                        name_matches(&trigger.event_name, &event.name) && fields_match(trigger.updated_fields.as_ref(), event)
                    });
                    let Some(trigger) = matched else { continue };
                    let function_id = &function.manifest.universal_identifier;
                    deliveries.push(NewDelivery {
                        key: format!("{}:{function_id}", event.key),
                        app: app_id.clone(),
                        function_id: function_id.clone(),
                        event_name: event.name.clone(),
                        batch: trigger.batch_mode == Some(true),
                        event: event.stored(),
                    });
                }
            }
            if deliveries.len() == before {
                unmatched += 1;
            }
        }
        (deliveries, unmatched)
    }

    /// Tells the dispatcher that deliveries were queued (by [`EventBus::ingest`]
    /// or by a caller that queued [`EventBus::deliveries`] itself).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs queued deliveries until `shutdown`, `concurrency` runs at a time,
    /// and then returns once the deliveries under way have settled.
    /// Deliveries a stopped process left running are queued again first.
    pub async fn dispatch(self, concurrency: usize, shutdown: CancellationToken) {
        match self.store.requeue_running().await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "re-queued event deliveries interrupted by a stop"),
            Err(error) => tracing::error!(%error, "cannot re-queue interrupted event deliveries"),
        }
        let slots = Arc::new(Semaphore::new(concurrency.max(1)));
        let running = TaskTracker::new();
        loop {
            // Once shutdown began: no new claims, and the runs under way settle.
            if shutdown.is_cancelled() {
                running.close();
                running.wait().await;
                return;
            }
            let free = slots.available_permits();
            let claimed = if free == 0 {
                Vec::new()
            } else {
                match self.store.claim(crate::store::now_ms(), free * MAX_BATCH).await {
                    Ok(claimed) => claimed,
                    Err(error) => {
                        tracing::error!(%error, "cannot claim event deliveries");
                        Vec::new()
                    }
                }
            };
            let busy = !claimed.is_empty();
            for group in group(claimed) {
                // Claimed groups not started before shutdown are queued again
                // on the next start, like deliveries a stop interrupted.
                let permit = tokio::select! {
                    permit = slots.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => return,
                    },
                    () = shutdown.cancelled() => break,
                };
                let bus = self.clone();
                running.spawn(async move {
                    bus.deliver(group).await;
                    drop(permit);
                    bus.wake.notify_one();
                });
            }
            if busy {
                continue;
            }
            let wait = if free == 0 {
                // Every slot is taken: nothing can start before a run ends,
                // and a finishing run wakes this loop.
                Duration::from_secs(1)
            } else {
                match self.store.next_due().await {
                    Ok(Some(due)) => Duration::from_millis(u64::try_from(due - crate::store::now_ms()).unwrap_or(0).clamp(1, 1000)),
                    _ => Duration::from_secs(1),
                }
            };
            tokio::select! {
                // The top of the loop ends it.
                () = shutdown.cancelled() => {}
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn deliver(&self, group: Vec<Delivery>) {
        let Some(first) = group.first() else { return };
        let ids: Vec<i64> = group.iter().map(|delivery| delivery.id).collect();
        // Deliveries are grouped by attempt count, so the group shares one.
        let attempts = first.attempts;
        let apps = self.registry.apps();
        let Some(app) = apps.iter().find(|app| app.find(&first.function_id).is_some()).cloned() else {
            tracing::warn!(function = %first.function_id, "an event delivery's function is no longer served; it is marked failed");
            self.settle(&ids, Settle::Failed).await;
            return;
        };
        if first.event_name == JOB_EVENT {
            return self.run_job(&app, first, ids).await;
        }
        let stored = |delivery: &Delivery, field: &str| delivery.event.get(field).cloned().unwrap_or(Value::Null);
        let workspace_id = Value::String(self.engine.context().workspace_id);
        let payload = if first.batch {
            json!({
                "name": first.event_name,
                "workspaceId": workspace_id,
                "objectMetadata": stored(first, "objectMetadata"),
                "events": group.iter().map(|delivery| stored(delivery, "event")).collect::<Vec<_>>(),
            })
        } else {
            let mut payload = Map::new();
            payload.insert("name".into(), Value::String(first.event_name.clone()));
            payload.insert("workspaceId".into(), workspace_id);
            payload.insert("objectMetadata".into(), stored(first, "objectMetadata"));
            if let Value::Object(event) = stored(first, "event") {
                payload.extend(event);
            }
            Value::Object(payload)
        };
        let mut context = self.engine.context();
        context.retry_count = attempts;
        context.max_retries = MAX_RETRIES;
        let record_ids: Vec<Value> =
            group.iter().map(|delivery| delivery.event.pointer("/event/recordId").cloned().unwrap_or(Value::Null)).collect();
        let cascade = crate::domain::Cascade {
            depth: group
                .iter()
                .filter_map(|delivery| delivery.event.get("depth").and_then(Value::as_u64))
                .max()
                .map_or(0, |depth| u32::try_from(depth).unwrap_or(u32::MAX)),
            origin: first.event.get("origin").and_then(Value::as_str).map(str::to_owned),
        };
        let invocation = Invocation {
            function: FunctionRef(first.function_id.clone()),
            trigger: TriggerKind::DatabaseEvent,
            payload: payload.to_string(),
            context,
            detail: json!({
                "event": first.event_name,
                "recordIds": record_ids,
                "attempt": attempts + 1,
                "batch": first.batch,
                "depth": cascade.depth,
                "origin": cascade.origin,
            }),
            cascade,
        };
        let backoff = self.backoff_ms(attempts);
        let decide = move |result: &crate::domain::ExecutionResult| {
            if result.status == crate::domain::ExecutionStatus::Success {
                Settle::Done
            } else if attempts >= MAX_RETRIES {
                Settle::Failed
            } else {
                Settle::Retry { at: crate::store::now_ms() + backoff }
            }
        };
        if let Err(error) = self.engine.invoke_settling(&app, invocation, ids.clone(), decide).await {
            // The run never started (no free runtime, or the function is
            // gone from the app): try again later; it counts as an attempt.
            tracing::warn!(%error, function = %first.function_id, "an event run could not start");
            let outcome = if attempts >= MAX_RETRIES { Settle::Failed } else { Settle::Retry { at: crate::store::now_ms() + backoff } };
            self.settle(&ids, outcome).await;
        }
    }

    /// Runs a job queued by `enqueueJobs`: its payload as given, retried up
    /// to the job's own `retryLimit`.
    async fn run_job(&self, app: &Arc<crate::registry::AppSnapshot>, delivery: &Delivery, ids: Vec<i64>) {
        let (attempts, limit) = (delivery.attempts, crate::engine::jobs::retry_limit(&delivery.event));
        let mut context = self.engine.context();
        context.retry_count = attempts;
        context.max_retries = limit;
        let invocation = Invocation {
            function: FunctionRef(delivery.function_id.clone()),
            trigger: TriggerKind::Job,
            payload: delivery.event.pointer("/job/payload").cloned().unwrap_or_else(|| json!({})).to_string(),
            context,
            detail: json!({ "jobId": delivery.event.pointer("/job/id"), "attempt": attempts + 1, "retryLimit": limit }),
            cascade: crate::domain::Cascade::default(),
        };
        let backoff = self.backoff_ms(attempts);
        let next = move |failed: bool| match failed {
            false => Settle::Done,
            true if attempts >= limit => Settle::Failed,
            true => Settle::Retry { at: crate::store::now_ms() + backoff },
        };
        let decide = move |result: &crate::domain::ExecutionResult| next(result.status != crate::domain::ExecutionStatus::Success);
        if let Err(error) = self.engine.invoke_settling(app, invocation, ids.clone(), decide).await {
            tracing::warn!(%error, function = %delivery.function_id, "a job could not start");
            self.settle(&ids, next(true)).await;
        }
    }

    /// Delay before retry number `attempts + 1`: the base, then 4× longer each time.
    fn backoff_ms(&self, attempts: u32) -> i64 {
        let factor = 4_u64.saturating_pow(attempts);
        i64::try_from(self.retry_base_ms.saturating_mul(factor)).unwrap_or(i64::MAX / 2)
    }

    async fn settle(&self, ids: &[i64], outcome: Settle) {
        if let Err(error) = self.store.settle(ids, outcome).await {
            tracing::error!(%error, "cannot settle event deliveries");
        }
    }
}

/// Splits claimed deliveries into runs: one per delivery, except that a
/// batch-mode function gets its deliveries of one event name (and one
/// attempt count, so retries are counted per delivery) together, at most
/// `MAX_BATCH` per run.
fn group(claimed: Vec<Delivery>) -> Vec<Vec<Delivery>> {
    let mut runs: Vec<Vec<Delivery>> = Vec::new();
    for delivery in claimed {
        if delivery.batch
            && let Some(run) = runs.iter_mut().find(|run| {
                run.len() < MAX_BATCH
                    && run[0].batch
                    && run[0].function_id == delivery.function_id
                    && run[0].event_name == delivery.event_name
                    && run[0].attempts == delivery.attempts
            })
        {
            run.push(delivery);
            continue;
        }
        runs.push(vec![delivery]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_with_wildcards() {
        assert!(name_matches("person.created", "person.created"));
        assert!(name_matches("*.created", "company.created"));
        assert!(name_matches("person.*", "person.deleted"));
        assert!(name_matches("*.*", "note.upserted"));
        assert!(!name_matches("person.created", "person.updated"));
        assert!(!name_matches("person.created", "company.created"));
        assert!(!name_matches("person", "person.created"));
    }

    fn event(name: &str, fields: &[&str]) -> Event {
        let body = json!({ "name": name, "recordId": "r1", "properties": { "updatedFields": fields } });
        parse_events(&body).expect("valid").remove(0)
    }

    #[test]
    fn updated_fields_filter_only_updates() {
        let wanted = vec!["email".to_owned()];
        assert!(fields_match(Some(&wanted), &event("person.updated", &["email", "name"])));
        assert!(!fields_match(Some(&wanted), &event("person.updated", &["name"])));
        assert!(!fields_match(Some(&wanted), &event("person.upserted", &["city"])));
        assert!(fields_match(Some(&wanted), &event("person.created", &[])), "not an update: no filter");
        assert!(fields_match(Some(&vec![]), &event("person.updated", &["name"])), "empty list: every update");
        assert!(fields_match(None, &event("person.updated", &["name"])));
    }

    #[test]
    fn bad_events_are_named_by_pointer() {
        let problem = |body: Value| parse_events(&body).expect_err("invalid").to_string();
        assert_eq!(problem(json!([{ "recordId": "1" }])), "/0/name: is required (object.action, e.g. person.created)");
        assert!(problem(json!({ "name": "person", "recordId": "1" })).starts_with("/name: \"person\" is not an event name"));
        assert_eq!(problem(json!([{ "name": "a.b", "recordId": "1" }, { "name": "a.b" }])), "/1/recordId: is required");
        assert_eq!(
            problem(json!({ "name": "a.b", "recordId": "1", "properties": { "updatedFields": "x" } })),
            "/properties/updatedFields: must be an array of field names"
        );
        assert_eq!(problem(json!({ "name": "a.b", "recordId": 7 })), "/recordId: must be a string");
        assert_eq!(problem(json!("text")), ": the body must be an event object or an array of events");
        assert_eq!(problem(json!([])), ": the array holds no events");
    }

    #[test]
    fn the_same_event_gets_the_same_key() {
        let body = json!({ "name": "person.created", "recordId": "r1", "properties": { "after": { "id": "r1" } } });
        let first = parse_events(&body).expect("valid");
        let second = parse_events(&body).expect("valid");
        assert_eq!(first[0].key, second[0].key);
        let with_id = parse_events(&json!({ "id": "evt-1", "name": "person.created", "recordId": "r1" })).expect("valid");
        assert_eq!(with_id[0].key, "id:evt-1");
    }

    #[test]
    fn both_webhook_forms_become_events() {
        let documented = br#"{"event":"person.created","data":{"id":"p1","name":"Ada"},"timestamp":"2026-11-26T00:00:00Z"}"#;
        let event = parse_webhook(documented).expect("documented form");
        assert_eq!((event.name.as_str(), event.record_id.as_str()), ("person.created", "p1"));
        assert_eq!(event.properties["after"]["name"], "Ada");
        let newer = br#"{"targetUrl":"http://x","eventName":"company.updated","objectMetadata":{"id":"m1","nameSingular":"company"},
            "workspaceId":"w","webhookId":"h","eventDate":"2026-11-26","record":{"id":"c1"},"updatedFields":["name"],"workspaceMemberId":"wm"}"#;
        let event = parse_webhook(newer).expect("newer form");
        assert_eq!(event.name, "company.updated");
        assert_eq!(event.updated_fields(), ["name"]);
        assert_eq!(event.object_metadata["id"], "m1");
        assert_eq!(event.actor["workspaceMemberId"], "wm");
        let destroyed = parse_webhook(br#"{"eventName":"company.destroyed","record":{"id":"c1"}}"#).expect("destroyed");
        assert!(destroyed.properties.contains_key("before"));
        assert!(parse_webhook(br#"{"eventName":"company.updated","record":{}}"#).expect_err("no id").to_string().starts_with("/record/id"));
        assert!(parse_webhook(b"not json").is_err());
    }

    fn delivery(id: i64, function: &str, name: &str, batch: bool) -> Delivery {
        Delivery {
            id,
            key: format!("k{id}"),
            app: "a".into(),
            function_id: function.into(),
            event_name: name.into(),
            batch,
            event: Value::Null,
            attempts: 0,
        }
    }

    #[test]
    fn batch_functions_get_their_events_together_up_to_the_cap() {
        let mut claimed = vec![delivery(1, "single", "person.created", false), delivery(2, "single", "person.created", false)];
        claimed.extend((10..260).map(|id| delivery(id, "batched", "person.created", true)));
        claimed.push(delivery(300, "batched", "person.updated", true));
        let mut retried = delivery(301, "batched", "person.created", true);
        retried.attempts = 2;
        claimed.push(retried);
        let runs = group(claimed);
        let sizes: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 1, 200, 50, 1, 1], "a retried delivery is not batched with first tries");
    }
}
