//! The embedded workspace: Twenty-compatible records kept in the store, for
//! the standard objects and the objects apps declare. It owns the record
//! operations both APIs (REST in `http::workspace`, GraphQL in
//! [`graphql`]) are built on — find with filter, order and cursor pages;
//! create (one or many, in one transaction), update, soft delete, restore,
//! destroy — with every name and value checked, the caller's permissions
//! applied (objects refused with 403, unreadable fields left out,
//! unwritable fields refused), and a database event for every change,
//! queued in the change's own transaction. Events carry a depth: a write made by a run that an event
//! started publishes events one level deeper, and past
//! [`MAX_EVENT_DEPTH`] its events are dropped with a warning, so functions
//! that react to their own writes cannot loop forever. A cascade (an outside event or write and
//! everything it leads to) also publishes at most `SWITCHBOARD_MAX_CASCADE_EVENTS` events (default 1000).

pub mod access;
pub mod filter;
pub mod graphql;
pub mod model;
mod standard;
pub mod values;

use crate::events::{Event, EventBus};
use crate::registry::AppSnapshot;
use crate::store::{Deleted, RecordQuery, SqliteStore};
use access::{Claims, Operation, Permissions, Principal, TokenKey};
use base64::Engine as _;
use model::{Model, Object};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// Most levels of record events that lead to further record events.
pub const MAX_EVENT_DEPTH: u32 = 5;
/// Records per page when none is asked for (Twenty's `QUERY_DEFAULT_LIMIT_RECORDS`).
pub const DEFAULT_PAGE: i64 = 60;
/// Most records per page (Twenty's `QUERY_MAX_RECORDS`).
pub const MAX_PAGE: i64 = 200;

/// What a workspace call can fail with; each maps to an HTTP status and a
/// GraphQL error code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error(transparent)]
    Model(#[from] model::Error),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error("the GraphQL schema cannot be built from the data model: {0}")]
    Schema(String),
}

impl Error {
    /// Twenty's GraphQL error code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) | Self::Model(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Store(_) | Self::Schema(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// One app as the workspace knows it.
#[derive(Debug, Clone)]
struct AppAccess {
    name: String,
    permissions: Arc<Permissions>,
}

/// Arguments of a find.
#[derive(Debug, Clone, Default)]
pub struct Find {
    pub filter: Option<Value>,
    pub order_by: Option<Value>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub offset: Option<i64>,
}

/// One page of records.
#[derive(Debug, Clone)]
pub struct Page {
    pub records: Vec<Value>,
    pub cursors: Vec<String>,
    pub total: i64,
    pub has_next: bool,
    pub has_previous: bool,
}

impl Page {
    pub fn page_info(&self) -> Value {
        json!({
            "hasNextPage": self.has_next,
            "hasPreviousPage": self.has_previous,
            "startCursor": self.cursors.first(),
            "endCursor": self.cursors.last(),
        })
    }
}

/// The embedded workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<SqliteStore>,
    model: RwLock<Arc<Model>>,
    schema: RwLock<Arc<async_graphql::dynamic::Schema>>,
    apps: RwLock<Arc<HashMap<String, AppAccess>>>,
    key: TokenKey,
    events: OnceLock<EventBus>,
    /// Record writes of this process, one at a time: a write reads and
    /// writes in one immediate transaction, and waiting here is cheaper
    /// than waiting on SQLite's lock.
    writes: tokio::sync::Mutex<()>,
    cascades: crate::events::Cascades,
}

pub use crate::domain::Cascade;

impl crate::engine::RunTokens for Workspace {
    fn mint(&self, app: &str, application: bool, cascade: Cascade, lifetime: std::time::Duration) -> String {
        Workspace::mint(self, app, application, None, cascade, lifetime)
    }
}

fn model_of(apps: &[Arc<AppSnapshot>]) -> Result<Model, Error> {
    Ok(Model::build(apps.iter().map(|app| {
        let manifest = &app.app.manifest;
        (manifest.application.universal_identifier.as_str(), manifest.objects.as_slice(), manifest.fields.as_slice())
    }))?)
}

fn access_of(apps: &[Arc<AppSnapshot>]) -> HashMap<String, AppAccess> {
    apps.iter()
        .map(|app| {
            let manifest = &app.app.manifest;
            let role = manifest
                .application
                .default_role_universal_identifier
                .as_ref()
                .and_then(|id| manifest.roles.iter().find(|role| &role.universal_identifier == id));
            (
                manifest.application.universal_identifier.clone(),
                AppAccess { name: manifest.application.display_name.clone(), permissions: Arc::new(Permissions::of_role(role)) },
            )
        })
        .collect()
}

/// Whether a filter mentions `deletedAt` anywhere (then soft-deleted
/// records are included, as in Twenty).
fn mentions_deleted(filter: &Value) -> bool {
    match filter {
        Value::Object(entries) => entries.iter().any(|(key, value)| key == "deletedAt" || mentions_deleted(value)),
        Value::Array(items) => items.iter().any(mentions_deleted),
        _ => false,
    }
}

/// The field names a filter or an orderBy list uses, at every level.
fn field_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(entries) => {
            for (key, inner) in entries {
                match key.as_str() {
                    "and" | "or" | "not" => field_names(inner, names),
                    _ => names.push(key.clone()),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| field_names(item, names)),
        _ => {}
    }
}

/// Refuses a filter or ordering on a field the role may not read: the
/// records it selects would tell the field's values.
fn check_readable(object: &Object, permissions: &Permissions, uses: &[Option<&Value>]) -> Result<(), Error> {
    let hidden = permissions.hidden_fields(object);
    if hidden.is_empty() {
        return Ok(());
    }
    let mut names = Vec::new();
    for value in uses.iter().flatten() {
        field_names(value, &mut names);
    }
    match names.iter().find(|name| hidden.contains(name)) {
        Some(name) => Err(Error::Forbidden(format!(
            "the application role may not read field {name} of {} records, so it may not filter or order by it",
            object.name_singular
        ))),
        None => Ok(()),
    }
}

/// A cursor: the record's values of the ordering's keys, `id` last.
fn cursor(values: Vec<Value>) -> String {
    base64::engine::general_purpose::STANDARD.encode(json!({ "values": values }).to_string())
}

/// Reads a cursor given as `argument` (`after`, `before`) for an ordering
/// of `keys` keys.
fn read_cursor(text: &str, argument: &str, keys: usize) -> Result<Vec<Value>, Error> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|value| value.get("values").and_then(Value::as_array).cloned())
        .filter(|values| values.len() == keys && values.iter().all(|value| !value.is_object() && !value.is_array()))
        .ok_or_else(|| {
            Error::BadRequest(format!("{argument}: invalid cursor {text:?}; use a cursor from an earlier page of the same ordering"))
        })
}

fn parse_record(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl Workspace {
    pub fn new(store: Arc<SqliteStore>, apps: &[Arc<AppSnapshot>]) -> Result<Self, Error> {
        let model = model_of(apps)?;
        let schema = graphql::build(&model).map_err(|error| Error::Schema(error.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                model: RwLock::new(Arc::new(model)),
                schema: RwLock::new(Arc::new(schema)),
                apps: RwLock::new(Arc::new(access_of(apps))),
                key: TokenKey::random(),
                events: OnceLock::new(),
                writes: tokio::sync::Mutex::new(()),
                cascades: crate::events::Cascades::default(),
            }),
        })
    }

    /// Takes the served apps' objects and roles again (after a reload);
    /// keeps the previous model when the new declarations do not fit.
    pub fn set_apps(&self, apps: &[Arc<AppSnapshot>]) -> Result<(), Error> {
        let model = model_of(apps)?;
        let schema = graphql::build(&model).map_err(|error| Error::Schema(error.to_string()))?;
        if let Ok(mut current) = self.inner.model.write() {
            *current = Arc::new(model);
        }
        if let Ok(mut current) = self.inner.schema.write() {
            *current = Arc::new(schema);
        }
        if let Ok(mut current) = self.inner.apps.write() {
            *current = Arc::new(access_of(apps));
        }
        Ok(())
    }

    /// Publishes record events to `bus` from now on.
    pub fn set_events(&self, bus: EventBus) {
        let _ = self.inner.events.set(bus);
    }

    /// The GraphQL schema of the current data model.
    pub fn schema(&self) -> Option<Arc<async_graphql::dynamic::Schema>> {
        self.inner.schema.read().map(|schema| schema.clone()).ok()
    }

    pub fn model(&self) -> Arc<Model> {
        self.inner.model.read().map(|model| model.clone()).unwrap_or_default()
    }

    /// A token for a run of `app`, valid for `lifetime`.
    pub fn mint(&self, app: &str, application: bool, user: Option<String>, cascade: Cascade, lifetime: std::time::Duration) -> String {
        let exp = crate::store::now_ms() + i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX / 4);
        let Cascade { depth, origin } = cascade;
        self.inner.key.mint(&Claims { app: app.to_owned(), application, user, exp, depth, origin })
    }

    /// Sets the most record events one cascade may publish.
    pub fn set_cascade_limit(&self, limit: u32) {
        self.inner.cascades.set_limit(limit);
    }

    /// The principal a run token stands for.
    pub fn verify(&self, token: &str) -> Result<Principal, Error> {
        let claims = self.inner.key.verify(token, crate::store::now_ms())?;
        let known = self.inner.apps.read().map(|apps| apps.contains_key(&claims.app)).unwrap_or(false);
        if !known {
            return Err(Error::Unauthenticated(format!("the token's application {} is not served any more", claims.app)));
        }
        Ok(Principal::App(claims))
    }

    /// What `principal` may do. A person's token carries the intersection
    /// of the person's and the app's permissions; the gateway's only people
    /// are API-key holders, who may do everything, so it is the app's.
    pub fn permissions(&self, principal: &Principal) -> Arc<Permissions> {
        match principal {
            Principal::Admin => Arc::new(Permissions::admin()),
            Principal::App(claims) => self.app_permissions(&claims.app),
        }
    }

    /// The application role of `app` (nothing for an app not served).
    fn app_permissions(&self, app: &str) -> Arc<Permissions> {
        self.inner.apps.read().ok().and_then(|apps| apps.get(app).map(|app| app.permissions.clone())).unwrap_or_default()
    }

    fn actor(&self, principal: &Principal) -> Value {
        match principal {
            Principal::Admin => json!({ "source": "API", "workspaceMemberId": null, "name": "API key", "context": {} }),
            Principal::App(claims) => {
                let name =
                    self.inner.apps.read().ok().and_then(|apps| apps.get(&claims.app).map(|app| app.name.clone())).unwrap_or_default();
                json!({ "source": "APPLICATION", "workspaceMemberId": null, "name": name, "context": {} })
            }
        }
    }

    /// The object named by its singular name.
    pub fn object(&self, singular: &str) -> Result<Object, Error> {
        let model = self.model();
        model.object(singular).cloned().ok_or_else(|| Error::BadRequest(format!("object '{singular}' not found")))
    }

    /// The object named by its plural name (REST paths), with Twenty's hint.
    pub fn object_by_plural(&self, plural: &str) -> Result<Object, Error> {
        let model = self.model();
        if let Some(object) = model.by_plural(plural) {
            return Ok(object.clone());
        }
        let hint = match model.object(plural) {
            Some(object) => format!("Did you mean '{}'?", object.name_plural),
            None => format!("objects: {}", model.plural_names()),
        };
        Err(Error::BadRequest(format!("object '{plural}' not found. {hint}")))
    }

    /// A record as `permissions` may see it.
    fn visible(&self, object: &Object, permissions: &Permissions, mut record: Value) -> Value {
        if let Value::Object(fields) = &mut record {
            for hidden in permissions.hidden_fields(object) {
                fields.remove(&hidden);
            }
        }
        record
    }

    /// Finds records of `object` for `principal`.
    pub async fn find(&self, principal: &Principal, object: &Object, args: Find) -> Result<Page, Error> {
        self.find_counted(principal, object, args, true).await
    }

    /// [`Workspace::find`], counting every match only when `count` (a
    /// single-record lookup has no use for the total).
    async fn find_counted(&self, principal: &Principal, object: &Object, args: Find, count: bool) -> Result<Page, Error> {
        let permissions = self.permissions(principal);
        permissions.require(object, Operation::Read)?;
        check_readable(object, &permissions, &[args.filter.as_ref(), args.order_by.as_ref()])?;
        let filter = args.filter.clone().unwrap_or(Value::Object(Map::new()));
        let condition = filter::compile(object, &filter)?;
        let terms = filter::order_terms(object, args.order_by.as_ref())?;
        let limit = |value: Option<i64>, name: &str| -> Result<Option<i64>, Error> {
            match value {
                Some(count) if count < 0 => Err(Error::BadRequest(format!("{name}: {count} is invalid, give a count of 0 or more"))),
                other => Ok(other.map(|count| count.min(MAX_PAGE))),
            }
        };
        let (first, last) = (limit(args.first, "first")?, limit(args.last, "last")?);
        let mut query = RecordQuery {
            object: object.name_singular.clone(),
            condition: condition.sql,
            binds: condition.binds,
            order: String::new(),
            limit: None,
            offset: 0,
            deleted: if mentions_deleted(&filter) { Deleted::Any } else { Deleted::Without },
        };
        let total = if count { Some(self.inner.store.records_count(&query).await?) } else { None };
        // Forward from `after` (or the start), or backward from `before`
        // (or the end) for `last`: a keyset seek past the cursor's values,
        // one record more than the page to know whether another follows.
        let backwards = args.before.is_some() || (last.is_some() && first.is_none() && args.after.is_none());
        let size = if backwards { last.or(first) } else { first }.unwrap_or(DEFAULT_PAGE);
        let from =
            if backwards { args.before.as_deref().map(|text| (text, "before")) } else { args.after.as_deref().map(|text| (text, "after")) };
        if let Some((text, argument)) = from {
            let values = read_cursor(text, argument, terms.len())?;
            let mut binds = Vec::new();
            let seek = filter::seek(&terms, &values, !backwards, &mut binds);
            query.condition = if query.condition.is_empty() { seek } else { format!("({}) AND ({seek})", query.condition) };
            query.binds.extend(binds);
        } else if !backwards {
            query.offset = args.offset.unwrap_or(0).max(0);
        }
        query.order = filter::order_sql(&terms, backwards);
        query.limit = Some(size + 1);
        let mut rows: Vec<Value> = self.inner.store.records_find(&query).await?.iter().map(|row| parse_record(row)).collect();
        let more = rows.len() as i64 > size;
        rows.truncate(usize::try_from(size).unwrap_or(0));
        if backwards {
            rows.reverse();
        }
        let cursors = rows.iter().map(|row| cursor(filter::cursor_values(&terms, row))).collect();
        let total = total.unwrap_or(rows.len() as i64);
        Ok(Page {
            records: rows.into_iter().map(|row| self.visible(object, &permissions, row)).collect(),
            cursors,
            total,
            has_next: !backwards && more,
            has_previous: backwards && more,
        })
    }

    /// One record by id (soft-deleted ones too, as Twenty's findOne with
    /// an id filter does only when asked; here: only live ones).
    pub async fn find_one(&self, principal: &Principal, object: &Object, filter: &Value) -> Result<Option<Value>, Error> {
        let page =
            self.find_counted(principal, object, Find { filter: Some(filter.clone()), first: Some(1), ..Find::default() }, false).await?;
        Ok(page.records.into_iter().next())
    }

    /// Refuses fields of `input` the role may not update.
    fn check_writable(&self, object: &Object, permissions: &Permissions, input: &Map<String, Value>) -> Result<(), Error> {
        for name in input.keys() {
            if let Some(field) = object.field(name)
                && !permissions.can_update_field(object, field)
            {
                return Err(Error::Forbidden(format!(
                    "the application role may not update field {name} of {} records",
                    object.name_singular
                )));
            }
        }
        Ok(())
    }

    /// Creates records (one transaction: all or none); `at` names the input
    /// (`data`), each item adding its index when there are several.
    pub async fn create(
        &self,
        principal: &Principal,
        object: &Object,
        inputs: &[Value],
        at: &str,
        many: bool,
    ) -> Result<Vec<Value>, Error> {
        let permissions = self.permissions(principal);
        permissions.require(object, Operation::Update)?;
        if inputs.len() as i64 > MAX_PAGE {
            return Err(Error::BadRequest(format!("{at}: {} records in one call; the most is {MAX_PAGE}", inputs.len())));
        }
        let now = values::now();
        let actor = self.actor(principal);
        let mut records = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            let here = if many { format!("{at}[{index}]") } else { at.to_owned() };
            let given = values::check_input(object, input, &here, true)?;
            self.check_writable(object, &permissions, &given)?;
            let mut record = Map::new();
            for field in &object.fields {
                record.insert(field.name.clone(), field.initial(&now));
            }
            for (name, value) in given {
                match (record.get_mut(&name), value) {
                    (Some(Value::Object(target)), Value::Object(subs)) => target.extend(subs),
                    (_, value) => {
                        record.insert(name, value);
                    }
                }
            }
            if record.get("id").is_none_or(Value::is_null) {
                record.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
            }
            record.insert("createdAt".into(), Value::String(now.clone()));
            record.insert("updatedAt".into(), Value::String(now.clone()));
            record.insert("deletedAt".into(), Value::Null);
            record.insert("createdBy".into(), actor.clone());
            record.insert("updatedBy".into(), actor.clone());
            if record.get("position").is_none_or(Value::is_null) {
                record.insert("position".into(), json!(-(crate::store::now_ms() as f64) - index as f64 / 1000.0));
            }
            let record = Value::Object(record);
            check_size(&record, &here)?;
            records.push(record);
        }
        let _writing = self.inner.writes.lock().await;
        let mut tx = self.inner.store.records_begin().await?;
        for record in &records {
            let id = record.get("id").and_then(Value::as_str).unwrap_or_default();
            if !tx.put(&object.name_singular, id, &record.to_string(), None, true).await? {
                return Err(Error::BadRequest(format!("a {} record with id {id} already exists", object.name_singular)));
            }
        }
        let events = records.iter().map(|record| (record.clone(), properties_created(record))).collect::<Vec<_>>();
        let deliveries = self.deliveries_for(principal, object, "created", &events);
        let queued = tx.enqueue(&deliveries, crate::store::now_ms()).await? > 0;
        tx.commit().await?;
        drop(_writing);
        self.wake_events(queued);
        Ok(records.into_iter().map(|record| self.visible(object, &permissions, record)).collect())
    }

    /// The ids of live or deleted records a filter selects, inside `tx`.
    async fn select(
        &self,
        tx: &mut crate::store::RecordTx,
        object: &Object,
        filter: &Value,
        deleted: Deleted,
    ) -> Result<Vec<Value>, Error> {
        let condition = filter::compile(object, filter)?;
        let query = RecordQuery {
            object: object.name_singular.clone(),
            condition: condition.sql,
            binds: condition.binds,
            order: "id ASC".to_owned(),
            limit: None,
            offset: 0,
            deleted: if deleted == Deleted::Without && mentions_deleted(filter) { Deleted::Any } else { deleted },
        };
        Ok(tx.find(&query).await?.iter().map(|row| parse_record(row)).collect())
    }

    /// Changes records selected by `target` (an id or a filter) with
    /// `change`; one transaction; returns the records after the change.
    async fn change(
        &self,
        principal: &Principal,
        object: &Object,
        target: Target<'_>,
        operation: Operation,
        action: &'static str,
        change: &(dyn Fn(&Value) -> Option<Value> + Sync),
    ) -> Result<Vec<Value>, Error> {
        let permissions = self.permissions(principal);
        permissions.require(object, operation)?;
        if let Target::Filter(filter) = target {
            check_readable(object, &permissions, &[Some(filter)])?;
            if filter::compile(object, filter)?.sql == "1" {
                return Err(Error::BadRequest(format!(
                    "filter: an empty filter would change every {} record; give a condition",
                    object.name_singular
                )));
            }
        }
        let deleted = match action {
            "restored" => Deleted::Only,
            "destroyed" => Deleted::Any,
            _ => Deleted::Without,
        };
        let _writing = self.inner.writes.lock().await;
        let mut tx = self.inner.store.records_begin().await?;
        let before = match target {
            Target::Id(id) => {
                let found = tx.get(&object.name_singular, id).await?.map(|row| parse_record(&row));
                let live = |record: &Value| record.get("deletedAt").is_some_and(Value::is_null);
                match found {
                    Some(record) if deleted == Deleted::Any || (deleted == Deleted::Only) != live(&record) => vec![record],
                    _ => return Err(Error::NotFound(format!("Record not found: no {} record has id {id}", object.name_singular))),
                }
            }
            Target::Filter(filter) => self.select(&mut tx, object, filter, deleted).await?,
        };
        let mut changed = Vec::new();
        for record in before {
            let id = record.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            match change(&record) {
                Some(after) => {
                    check_size(&after, "data")?;
                    let deleted_at = after.get("deletedAt").and_then(Value::as_str);
                    tx.put(&object.name_singular, &id, &after.to_string(), deleted_at, false).await?;
                    changed.push((record, Some(after)));
                }
                None => {
                    tx.remove(&object.name_singular, &id).await?;
                    changed.push((record, None));
                }
            }
        }
        let events = changed
            .iter()
            .map(|(before, after)| match after {
                Some(after) => (after.clone(), properties_changed(before, after)),
                None => (before.clone(), json!({ "before": before })),
            })
            .collect::<Vec<_>>();
        let deliveries = self.deliveries_for(principal, object, action, &events);
        let queued = tx.enqueue(&deliveries, crate::store::now_ms()).await? > 0;
        tx.commit().await?;
        drop(_writing);
        self.wake_events(queued);
        Ok(changed.into_iter().map(|(before, after)| self.visible(object, &permissions, after.unwrap_or(before))).collect())
    }

    /// Updates records with `input` (composite values merge by subfield).
    pub async fn update(&self, principal: &Principal, object: &Object, target: Target<'_>, input: &Value) -> Result<Vec<Value>, Error> {
        let permissions = self.permissions(principal);
        let given = values::check_input(object, input, "data", false)?;
        self.check_writable(object, &permissions, &given)?;
        let (now, actor) = (values::now(), self.actor(principal));
        let change = move |record: &Value| {
            let mut after = record.clone();
            if let Value::Object(fields) = &mut after {
                for (name, value) in &given {
                    match (fields.get_mut(name), value) {
                        (Some(Value::Object(target)), Value::Object(subs)) => target.extend(subs.clone()),
                        (_, value) => {
                            fields.insert(name.clone(), value.clone());
                        }
                    }
                }
                fields.insert("updatedAt".into(), Value::String(now.clone()));
                fields.insert("updatedBy".into(), actor.clone());
            }
            Some(after)
        };
        self.change(principal, object, target, Operation::Update, "updated", &change).await
    }

    /// Soft-deletes records (sets `deletedAt`).
    pub async fn soft_delete(&self, principal: &Principal, object: &Object, target: Target<'_>) -> Result<Vec<Value>, Error> {
        let now = values::now();
        let change = move |record: &Value| {
            let mut after = record.clone();
            after["deletedAt"] = Value::String(now.clone());
            Some(after)
        };
        self.change(principal, object, target, Operation::SoftDelete, "deleted", &change).await
    }

    /// Restores soft-deleted records.
    pub async fn restore(&self, principal: &Principal, object: &Object, target: Target<'_>) -> Result<Vec<Value>, Error> {
        let change = |record: &Value| {
            let mut after = record.clone();
            after["deletedAt"] = Value::Null;
            Some(after)
        };
        self.change(principal, object, target, Operation::SoftDelete, "restored", &change).await
    }

    /// Removes records for good.
    pub async fn destroy(&self, principal: &Principal, object: &Object, target: Target<'_>) -> Result<Vec<Value>, Error> {
        self.change(principal, object, target, Operation::Destroy, "destroyed", &|_| None).await
    }

    /// The event deliveries of one event per changed record (record,
    /// properties), to be queued in the change's transaction; none when
    /// events are not published here or the change was made by a run
    /// already [`MAX_EVENT_DEPTH`] events deep.
    fn deliveries_for(
        &self,
        principal: &Principal,
        object: &Object,
        action: &str,
        changes: &[(Value, Value)],
    ) -> Vec<crate::store::NewDelivery> {
        let Some(bus) = self.inner.events.get() else { return Vec::new() };
        if changes.is_empty() {
            return Vec::new();
        }
        let depth = principal.depth() + 1;
        let name = format!("{}.{action}", object.name_singular);
        if depth > MAX_EVENT_DEPTH {
            tracing::warn!(
                event = %name,
                records = changes.len(),
                "record events not published: this change was made by a run {} record events deep (the most is {MAX_EVENT_DEPTH}); a function may be reacting to its own writes",
                depth - 1
            );
            return Vec::new();
        }
        let origin = principal.origin().map_or_else(|| format!("change:{}", uuid::Uuid::new_v4()), str::to_owned);
        if let Err(published) = self.inner.cascades.charge(&origin, changes.len()) {
            tracing::warn!(
                event = %name,
                records = changes.len(),
                "record events not published: their cascade has published {published} events already (the most is {}, SWITCHBOARD_MAX_CASCADE_EVENTS); a function may be reacting to its own writes",
                self.inner.cascades.limit()
            );
            return Vec::new();
        }
        let metadata = object.metadata();
        let events: Vec<Event> = changes
            .iter()
            .map(|(record, properties)| Event {
                key: format!("record:{}", uuid::Uuid::new_v4()),
                name: name.clone(),
                record_id: record.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
                properties: match properties {
                    Value::Object(properties) => properties.clone(),
                    _ => Map::new(),
                },
                object_metadata: metadata.clone(),
                actor: Map::new(),
                depth,
                origin: origin.clone(),
            })
            .collect();
        // Each receiving app sees the event as its role lets it read the
        // records: not at all without read access, without hidden fields.
        let scope = |app: &str, event: &Event| -> Option<Event> {
            let permissions = self.app_permissions(app);
            if !permissions.can(object, Operation::Read) {
                return None;
            }
            let hidden = permissions.hidden_fields(object);
            let mut event = event.clone();
            if !hidden.is_empty() {
                for side in ["before", "after", "diff"] {
                    if let Some(Value::Object(fields)) = event.properties.get_mut(side) {
                        fields.retain(|name, _| !hidden.contains(name));
                    }
                }
                if let Some(Value::Array(names)) = event.properties.get_mut("updatedFields") {
                    names.retain(|name| name.as_str().is_none_or(|name| !hidden.iter().any(|hidden| hidden == name)));
                }
            }
            Some(event)
        };
        bus.deliveries(&events, &scope).0
    }

    /// Wakes the event dispatcher after a commit that queued deliveries.
    fn wake_events(&self, queued: bool) {
        if let (true, Some(bus)) = (queued, self.inner.events.get()) {
            bus.wake();
        }
    }
}

/// Which records a change applies to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Id(&'a str),
    Filter(&'a Value),
}

fn check_size(record: &Value, at: &str) -> Result<(), Error> {
    let size = record.to_string().len();
    if size > values::MAX_RECORD_BYTES {
        return Err(Error::BadRequest(format!("{at}: the record is {size} bytes of JSON, over the limit of {}", values::MAX_RECORD_BYTES)));
    }
    Ok(())
}

fn properties_created(record: &Value) -> Value {
    json!({ "after": record })
}

/// `{before, after, diff, updatedFields}` of an update-shaped event.
fn properties_changed(before: &Value, after: &Value) -> Value {
    let mut diff = Map::new();
    if let (Value::Object(old), Value::Object(new)) = (before, after) {
        for (name, value) in new {
            if matches!(name.as_str(), "updatedAt" | "updatedBy") {
                continue;
            }
            let previous = old.get(name).unwrap_or(&Value::Null);
            if previous != value {
                diff.insert(name.clone(), json!({ "before": previous, "after": value }));
            }
        }
    }
    let updated: Vec<Value> = diff.keys().cloned().map(Value::String).collect();
    json!({ "before": before, "after": after, "diff": diff, "updatedFields": updated })
}
