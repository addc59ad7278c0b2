//! The SQLite store: one database file (WAL) under the data directory,
//! migrated on open. Run records go through one writer task that commits
//! whatever has queued up in a single multi-row insert (group commit), so a
//! busy gateway pays one commit per batch, not per run. A caller either
//! waits for its record to be committed (`record`) or hands it over and goes
//! on (`record_deferred`); reads of run history first wait for what was
//! handed over before them, so this process always reads its own writes.

use super::{
    Delivery, DeliveryProgress, DeliveryState, Error, JsonText, LibraryLabel, LibraryVersion, NewDelivery, QueueCounts, Retention,
    RunFilter, RunPage, RunRecord, RunStatus, Settle, Store,
};
use crate::domain::{ExecutionError, TriggerKind};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, QueryBuilder, Row, Sqlite};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Most runs committed in one insert (15 bound values each, well under
/// SQLite's limit on bound parameters).
const MAX_BATCH: usize = 256;

/// How long the writer waits for more deferred records to share a commit
/// with the first one. Each commit wakes SQLite's thread and rewrites the
/// pages it touches, so a busy gateway commits a few hundred batches a
/// second instead of one per run. Anything someone waits on (a committed
/// record, a flush) is written at once.
const LINGER: Duration = Duration::from_millis(5);

/// Records waiting for the writer at most; past that, handing one over
/// waits for room, so a writer that falls behind slows runs down instead of
/// growing memory without bound.
const MAX_QUEUED: usize = 8192;

/// When SQLite syncs to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// Committed data survives a killed process; the last commits may be
    /// lost if the machine loses power (WAL with `synchronous=NORMAL`).
    #[default]
    Normal,
    /// Every commit is synced to disk before it is acknowledged.
    Full,
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The data directory; the database is `switchboard.db` inside it.
    pub dir: PathBuf,
    pub sync: SyncMode,
    /// Applied at open and then every ten minutes.
    pub retention: Retention,
}

type Ack = oneshot::Sender<Result<(), Error>>;

/// What the writer task is given.
enum Write {
    /// A record, with the deliveries to settle in the same transaction, and
    /// whom to tell once it is committed (nobody for a deferred record).
    /// The writer takes the record out when it commits the batch.
    Run(Option<Box<RunRecord>>, Option<(Vec<i64>, Settle)>, Option<Ack>),
    /// Answered once everything handed over before it is committed.
    Flush(Ack),
}

impl Write {
    /// Nobody waits for it to be committed.
    fn deferred(&self) -> bool {
        matches!(self, Write::Run(_, _, None))
    }
}

/// The SQLite implementation of `Store`.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::Sender<Write>,
    /// Cuts the writer's linger short: someone waits on a write.
    urgent: Arc<Notify>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating and migrating) the store. Must run inside tokio.
    pub async fn open(options: &StoreOptions) -> Result<Self, Error> {
        let path = options.dir.join("switchboard.db");
        let shown = path.display().to_string();
        std::fs::create_dir_all(&options.dir)
            .map_err(|error| Error::Open { path: options.dir.display().to_string(), message: error.to_string() })?;
        let connect = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.sync {
                SyncMode::Normal => SqliteSynchronous::Normal,
                SyncMode::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(Duration::from_secs(10))
            // A checkpoint copies the log into the database and syncs it.
            // A background task does that twice a second without blocking
            // writers; the committing writer checkpoints only past 16,000
            // pages (64 MB), which bounds the log and, having little left
            // to copy, lets the log start over.
            .pragma("wal_autocheckpoint", "16000");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(connect.clone())
            .await
            .map_err(|error| Error::Open { path: shown.clone(), message: error.to_string() })?;
        MIGRATOR.run(&pool).await.map_err(|error| Error::Migrate { path: shown.clone(), message: error.to_string() })?;
        // The run writer keeps a connection of its own, so recording never
        // waits for the pool.
        let connection = connect.connect().await.map_err(|error| Error::Open { path: shown, message: error.to_string() })?;
        let (writer, queue) = mpsc::channel(MAX_QUEUED);
        let urgent = Arc::new(Notify::new());
        let store = Self { pool: pool.clone(), writer, urgent: urgent.clone(), path };
        prune(&pool, options.retention, super::now_ms()).await?;
        tokio::spawn(write_loop(connection, queue, urgent));
        tokio::spawn(checkpoint_loop(pool.clone()));
        tokio::spawn(prune_loop(pool, options.retention));
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Hands the writer a write and waits until it is committed, cutting
    /// short a linger in progress.
    async fn write_waited(&self, write: impl FnOnce(Ack) -> Write) -> Result<(), Error> {
        let (ack, done) = oneshot::channel();
        self.writer.send(write(ack)).await.map_err(|_| Error::WriterGone)?;
        self.urgent.notify_one();
        done.await.map_err(|_| Error::WriterGone)?
    }
}

/// Run records this process could not commit (a full disk, say), for
/// `/healthz`: the runs themselves went ahead and were answered.
static RUNS_NOT_RECORDED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many run records this process has failed to commit.
pub fn runs_not_recorded() -> u64 {
    RUNS_NOT_RECORDED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Commits queued run records in batches until every sender is gone.
async fn write_loop(mut connection: SqliteConnection, mut queue: mpsc::Receiver<Write>, urgent: Arc<Notify>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.recv().await {
        // While nobody waits on the batch, let LINGER pass before taking
        // what has queued up. The writer does not listen to the queue
        // meanwhile, so the records arriving in that time wake nobody; a
        // write someone waits on ends the linger through `urgent`.
        if first.deferred() {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = urgent.notified() => {}
            }
        }
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let runs = batch.iter().filter(|write| matches!(write, Write::Run(Some(_), _, _))).count();
        let outcome = commit_batch(&mut connection, &mut batch).await;
        if outcome.is_err() {
            RUNS_NOT_RECORDED.fetch_add(runs as u64, std::sync::atomic::Ordering::Relaxed);
        }
        if let Err(error) = &outcome {
            let deferred = batch.iter().filter(|write| write.deferred()).count();
            if deferred > 0 {
                tracing::error!(%error, runs = deferred, "run records could not be committed");
            }
        }
        for write in batch.drain(..) {
            let answer = |ack: Ack| {
                let _ = ack.send(match &outcome {
                    Ok(()) => Ok(()),
                    Err(error) => Err(Error::Query { what: "recording runs", message: error.to_string() }),
                });
            };
            match write {
                Write::Run(_, _, Some(ack)) => answer(ack),
                Write::Run(_, _, None) => {}
                // Everything before it has been written or logged as lost.
                Write::Flush(ack) => {
                    let _ = ack.send(Ok(()));
                }
            }
        }
    }
}

/// Inserts a batch of run records and applies their settlements in one
/// transaction. The records are taken out of the batch and moved into the
/// statement's arguments.
async fn commit_batch(connection: &mut SqliteConnection, batch: &mut [Write]) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let runs: Vec<RunRecord> = batch
        .iter_mut()
        .filter_map(|write| match write {
            Write::Run(run, _, _) => run.take().map(|run| *run),
            Write::Flush(_) => None,
        })
        .collect();
    let settlements: Vec<&(Vec<i64>, Settle)> = batch
        .iter()
        .filter_map(|write| match write {
            Write::Run(_, settle, _) => settle.as_ref(),
            Write::Flush(_) => None,
        })
        .collect();
    if runs.is_empty() {
        return Ok(());
    }
    if settlements.is_empty() {
        // One statement commits by itself: one trip to SQLite's thread
        // instead of three (BEGIN, INSERT, COMMIT). Measured: a one-record
        // commit went from about 220 to about 100 microseconds.
        return insert_runs(connection, runs).await;
    }
    let mut tx = connection.begin().await?;
    insert_runs(&mut tx, runs).await?;
    for (ids, outcome) in settlements {
        settle_query(ids, outcome).build().execute(&mut *tx).await?;
    }
    tx.commit().await
}

fn settle_query(ids: &[i64], outcome: &Settle) -> QueryBuilder<Sqlite> {
    let mut update: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE deliveries SET attempts = attempts + 1, ");
    match outcome {
        Settle::Done => update.push("state = 'done'"),
        Settle::Failed => update.push("state = 'failed'"),
        Settle::Retry { at } => update.push("state = 'pending', next_at = ").push_bind(*at),
    };
    update.push(" WHERE id IN (");
    let mut list = update.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    update.push(")");
    update
}

/// Applies the retention every ten minutes until the pool is closed.
async fn prune_loop(pool: SqlitePool, retention: Retention) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    while !pool.is_closed() {
        tick.tick().await;
        if let Err(error) = prune(&pool, retention, super::now_ms()).await {
            tracing::warn!(%error, "pruning run history failed");
        }
    }
}

/// Queues deliveries inside an open transaction; a re-delivered key adds
/// nothing. Returns how many were added.
pub(super) async fn insert_deliveries(
    connection: &mut sqlx::SqliteConnection,
    deliveries: &[NewDelivery],
    now_ms: i64,
) -> Result<u64, Error> {
    let mut added = 0;
    for chunk in deliveries.chunks(MAX_BATCH) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR IGNORE INTO deliveries (key, app, function_id, event_name, batch, event, state, attempts, next_at, created_at) ",
        );
        insert.push_values(chunk, |mut row, delivery| {
            row.push_bind(delivery.key.clone())
                .push_bind(delivery.app.clone())
                .push_bind(delivery.function_id.clone())
                .push_bind(delivery.event_name.clone())
                .push_bind(delivery.batch)
                .push_bind(delivery.event.to_string())
                .push_bind(DeliveryState::Pending.as_str())
                .push_bind(0_i64)
                .push_bind(now_ms)
                .push_bind(now_ms);
        });
        added += insert.build().execute(&mut *connection).await.map_err(Error::query("queueing events"))?.rows_affected();
    }
    Ok(added)
}

/// Checkpoints the log in the background, without blocking writers, until
/// the pool is closed.
async fn checkpoint_loop(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A failure is logged when it starts, then once a minute while it lasts
    // (a full disk would otherwise log twice a second).
    let (mut failing, mut last_logged) = (0_u64, None::<std::time::Instant>);
    while !pool.is_closed() {
        tick.tick().await;
        match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            Ok(_) if failing > 0 => {
                tracing::warn!(failures = failing, "checkpointing the store works again");
                (failing, last_logged) = (0, None);
            }
            Ok(_) => {}
            Err(error) => {
                failing += 1;
                if last_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                    tracing::warn!(%error, failures = failing, "checkpointing the store failed (repeats are logged once a minute)");
                    last_logged = Some(std::time::Instant::now());
                }
            }
        }
    }
}

/// Rows in the insert statements the writer uses. A batch goes in with the
/// smallest that holds it; the rows it does not fill are left unbound, which
/// SQLite (and sqlx, which clears a statement's bindings before binding)
/// takes as NULL, and are filtered out. So SQLite compiles five statements
/// once and reuses them instead of compiling one for every batch size (a
/// 40-row insert cost about as many instructions as the rest of recording
/// its runs), and their text is built once too.
const INSERT_ROWS: [usize; 5] = [1, 4, 16, 64, MAX_BATCH];

/// The columns a run's insert fills, in the order `insert_runs` binds them.
macro_rules! inserted_columns {
    () => {
        "id, app, function, function_id, trigger, detail, payload, status, data, error, logs, duration_ms, started_at, ended_at"
    };
}
const INSERTED_COLUMNS: &str = inserted_columns!();

/// The insert for a batch of up to `rows` runs (at most `MAX_BATCH`).
fn insert_sql(rows: usize) -> &'static str {
    static SQL: std::sync::LazyLock<[String; INSERT_ROWS.len()]> = std::sync::LazyLock::new(|| {
        let row = format!("({})", vec!["?"; INSERTED_COLUMNS.split(',').count()].join(", "));
        let values = |rows: usize| vec![row.as_str(); rows].join(", ");
        INSERT_ROWS.map(|rows| {
            if rows == 1 {
                format!("INSERT INTO runs ({INSERTED_COLUMNS}) VALUES {}", values(1))
            } else {
                // The id is never NULL in a real row.
                format!("INSERT INTO runs ({INSERTED_COLUMNS}) SELECT * FROM (VALUES {}) WHERE column1 IS NOT NULL", values(rows))
            }
        })
    });
    let index = INSERT_ROWS.iter().position(|&held| held >= rows).unwrap_or(INSERT_ROWS.len() - 1);
    &SQL[index]
}

async fn insert_runs(connection: &mut SqliteConnection, runs: Vec<RunRecord>) -> Result<(), sqlx::Error> {
    let mut runs = runs.into_iter().peekable();
    while runs.peek().is_some() {
        let rows = runs.len().min(MAX_BATCH);
        let mut insert = sqlx::query(insert_sql(rows));
        for run in runs.by_ref().take(rows) {
            insert = insert
                .bind(run.id)
                .bind(run.app)
                .bind(run.function)
                .bind(run.function_id)
                .bind(run.trigger.as_str())
                .bind(JsonText::from_value(&run.detail).into_string())
                .bind(run.payload.into_string())
                .bind(run.status.as_str())
                .bind(run.data.into_string())
                .bind(run.error.as_ref().and_then(|error| serde_json::to_string(error).ok()))
                .bind(run.logs)
                .bind(i64::try_from(run.duration_ms).unwrap_or(i64::MAX))
                .bind(run.started_at)
                .bind(run.ended_at);
        }
        insert.execute(&mut *connection).await?;
    }
    Ok(())
}

async fn prune(pool: &SqlitePool, retention: Retention, now_ms: i64) -> Result<u64, Error> {
    // Runs end in roughly the order they are recorded: everything before
    // the oldest run that is still young enough goes. One record with a
    // wrong clock can only make this keep too much, never delete too much.
    let cutoff = now_ms.saturating_sub(retention.max_age_ms);
    let old = sqlx::query(
        "DELETE FROM runs WHERE seq < COALESCE((SELECT MIN(seq) FROM runs WHERE ended_at >= ?), (SELECT MAX(seq) + 1 FROM runs))",
    )
    .bind(cutoff)
    .execute(pool)
    .await
    .map_err(Error::query("pruning old runs"))?
    .rows_affected();
    let surplus = sqlx::query("DELETE FROM runs WHERE seq <= (SELECT seq FROM runs ORDER BY seq DESC LIMIT 1 OFFSET ?)")
        .bind(i64::try_from(retention.max_count).unwrap_or(i64::MAX))
        .execute(pool)
        .await
        .map_err(Error::query("pruning surplus runs"))?
        .rows_affected();
    // Connect flows are useful for minutes; a day later they only take room.
    sqlx::query("DELETE FROM oauth_flows WHERE created_at < ?")
        .bind(now_ms.saturating_sub(24 * 3600 * 1000))
        .execute(pool)
        .await
        .map_err(Error::query("pruning connect flows"))?;
    // Finished deliveries are kept as long as runs are, so a re-delivered
    // event within that window is still recognised.
    sqlx::query("DELETE FROM deliveries WHERE state IN ('done', 'failed') AND created_at < ?")
        .bind(now_ms.saturating_sub(retention.max_age_ms))
        .execute(pool)
        .await
        .map_err(Error::query("pruning deliveries"))?;
    Ok(old + surplus)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn run_from(row: &SqliteRow) -> Result<RunRecord, sqlx::Error> {
    let error: Option<String> = row.try_get("error")?;
    Ok(RunRecord {
        id: row.try_get("id")?,
        app: row.try_get("app")?,
        function: row.try_get("function")?,
        function_id: row.try_get("function_id")?,
        trigger: TriggerKind::parse(row.try_get("trigger")?).unwrap_or(TriggerKind::Manual),
        detail: json(row.try_get("detail")?),
        payload: JsonText::from_text(row.try_get("payload")?),
        status: RunStatus::parse(row.try_get("status")?).unwrap_or(RunStatus::Error),
        data: JsonText::from_text(row.try_get("data")?),
        error: error.and_then(|text| serde_json::from_str::<ExecutionError>(&text).ok()),
        logs: row.try_get("logs")?,
        duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
    })
}

const RUN_COLUMNS: &str = concat!("seq, ", inserted_columns!());

impl Store for SqliteStore {
    async fn record(&self, run: RunRecord) -> Result<(), Error> {
        self.write_waited(|ack| Write::Run(Some(Box::new(run)), None, Some(ack))).await
    }

    async fn record_deferred(&self, run: RunRecord) -> Result<(), Error> {
        self.writer.send(Write::Run(Some(Box::new(run)), None, None)).await.map_err(|_| Error::WriterGone)
    }

    async fn flush(&self) -> Result<(), Error> {
        self.write_waited(Write::Flush).await
    }

    async fn record_settling(&self, run: RunRecord, ids: Vec<i64>, outcome: Settle) -> Result<(), Error> {
        self.write_waited(|ack| Write::Run(Some(Box::new(run)), Some((ids, outcome)), Some(ack))).await
    }

    async fn runs(&self, filter: &RunFilter) -> Result<RunPage, Error> {
        self.flush().await?;
        let before = match &filter.cursor {
            Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| Error::BadCursor(cursor.clone()))?),
            None => None,
        };
        let limit = filter.limit.clamp(1, 1000);
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {RUN_COLUMNS} FROM runs WHERE 1 = 1"));
        if let Some(function) = &filter.function {
            // A universalIdentifier is turned into the function's name, so
            // the one index (by name) serves both.
            let name: Option<String> = sqlx::query_scalar("SELECT function FROM runs WHERE function_id = ? ORDER BY seq DESC LIMIT 1")
                .bind(function.clone())
                .fetch_optional(&self.pool)
                .await
                .map_err(Error::query("listing runs"))?;
            match name {
                Some(name) => query.push(" AND function = ").push_bind(name).push(" AND function_id = ").push_bind(function.clone()),
                None => query.push(" AND function = ").push_bind(function.clone()),
            };
        }
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(trigger) = filter.trigger {
            query.push(" AND trigger = ").push_bind(trigger.as_str());
        }
        if let Some(before) = before {
            query.push(" AND seq < ").push_bind(before);
        }
        query.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::try_from(limit + 1).unwrap_or(1001));
        let rows = query.build().fetch_all(&self.pool).await.map_err(Error::query("listing runs"))?;
        let mut runs = Vec::with_capacity(limit);
        let mut last_seq = None;
        for row in rows.iter().take(limit) {
            runs.push(run_from(row).map_err(Error::query("reading a run"))?);
            last_seq = Some(row.try_get::<i64, _>("seq").map_err(Error::query("reading a run"))?);
        }
        let next_cursor = if rows.len() > limit { last_seq.map(|seq| seq.to_string()) } else { None };
        Ok(RunPage { runs, next_cursor })
    }

    async fn run(&self, id: &str) -> Result<Option<RunRecord>, Error> {
        self.flush().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?")))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::query("reading a run"))?;
        row.as_ref().map(run_from).transpose().map_err(Error::query("reading a run"))
    }

    async fn prune_runs(&self, retention: Retention, now_ms: i64) -> Result<u64, Error> {
        prune(&self.pool, retention, now_ms).await
    }

    async fn enqueue(&self, deliveries: Vec<NewDelivery>, now_ms: i64) -> Result<u64, Error> {
        if deliveries.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await.map_err(Error::query("queueing events"))?;
        let added = insert_deliveries(&mut tx, &deliveries, now_ms).await?;
        tx.commit().await.map_err(Error::query("queueing events"))?;
        Ok(added)
    }

    async fn claim(&self, now_ms: i64, limit: usize) -> Result<Vec<Delivery>, Error> {
        let rows = sqlx::query(
            "UPDATE deliveries SET state = 'running' WHERE id IN \
             (SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?) \
             RETURNING id, key, app, function_id, event_name, batch, event, attempts",
        )
        .bind(now_ms)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(Error::query("claiming deliveries"))?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                Ok(Delivery {
                    id: row.try_get("id")?,
                    key: row.try_get("key")?,
                    app: row.try_get("app")?,
                    function_id: row.try_get("function_id")?,
                    event_name: row.try_get("event_name")?,
                    batch: row.try_get("batch")?,
                    event: json(row.try_get("event")?),
                    attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Error::query("claiming deliveries"))?;
        claimed.sort_by_key(|delivery| delivery.id);
        Ok(claimed)
    }

    async fn settle(&self, ids: &[i64], outcome: Settle) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        settle_query(ids, &outcome).build().execute(&self.pool).await.map_err(Error::query("settling deliveries"))?;
        Ok(())
    }

    async fn requeue_running(&self) -> Result<u64, Error> {
        Ok(sqlx::query("UPDATE deliveries SET state = 'pending' WHERE state = 'running'")
            .execute(&self.pool)
            .await
            .map_err(Error::query("requeueing deliveries"))?
            .rows_affected())
    }

    async fn next_due(&self) -> Result<Option<i64>, Error> {
        sqlx::query_scalar("SELECT MIN(next_at) FROM deliveries WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await
            .map_err(Error::query("reading the queue"))
    }

    async fn queue_counts(&self) -> Result<QueueCounts, Error> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
            .fetch_all(&self.pool)
            .await
            .map_err(Error::query("counting deliveries"))?;
        let mut counts = QueueCounts::default();
        for row in rows {
            let state: String = row.try_get("state").map_err(Error::query("counting deliveries"))?;
            let n = u64::try_from(row.try_get::<i64, _>("n").map_err(Error::query("counting deliveries"))?).unwrap_or(0);
            match DeliveryState::parse(&state) {
                DeliveryState::Pending => counts.pending = n,
                DeliveryState::Running => counts.running = n,
                DeliveryState::Done => counts.done = n,
                DeliveryState::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    async fn delivery_state(&self, key: &str) -> Result<Option<DeliveryState>, Error> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM deliveries WHERE key = ?")
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::query("reading a delivery"))?;
        Ok(state.as_deref().map(DeliveryState::parse))
    }

    async fn delivery_progress(&self, key: &str) -> Result<Option<DeliveryProgress>, Error> {
        let row: Option<(String, i64, i64, String)> =
            sqlx::query_as("SELECT state, attempts, next_at, event FROM deliveries WHERE key = ?")
                .bind(key.to_owned())
                .fetch_optional(&self.pool)
                .await
                .map_err(Error::query("reading a delivery"))?;
        Ok(row.map(|(state, attempts, next_at, event)| DeliveryProgress {
            state: DeliveryState::parse(&state),
            attempts: u32::try_from(attempts).unwrap_or(0),
            next_at,
            event: json(&event),
        }))
    }

    async fn last_cron_fire(&self, function_id: &str) -> Result<Option<i64>, Error> {
        sqlx::query_scalar("SELECT last_fire FROM cron_fires WHERE function_id = ?")
            .bind(function_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::query("reading cron fires"))
    }

    async fn library_sync(&self, kind: &str, name: &str, hash: &str, content: &str, source: &str, now_ms: i64) -> Result<i64, Error> {
        // IMMEDIATE takes the write lock first, so two loaders (a CLI and a
        // gateway) cannot both pick the same next version number.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(Error::query("versioning"))?;
        let newest: Option<(i64, String)> =
            sqlx::query_as("SELECT version, hash FROM library_versions WHERE kind = ? AND name = ? ORDER BY version DESC LIMIT 1")
                .bind(kind.to_owned())
                .bind(name.to_owned())
                .fetch_optional(&mut *tx)
                .await
                .map_err(Error::query("versioning"))?;
        if let Some((version, newest_hash)) = &newest
            && newest_hash == hash
        {
            return Ok(*version);
        }
        let version = newest.map(|(version, _)| version + 1).unwrap_or(1);
        sqlx::query("INSERT INTO library_versions (kind, name, version, hash, content, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(kind.to_owned())
            .bind(name.to_owned())
            .bind(version)
            .bind(hash.to_owned())
            .bind(content.to_owned())
            .bind(source.to_owned())
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(Error::query("versioning"))?;
        tx.commit().await.map_err(Error::query("versioning"))?;
        Ok(version)
    }

    async fn library_versions(&self, kind: &str, name: &str) -> Result<Vec<LibraryVersion>, Error> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT version, hash, content, source, created_at FROM library_versions WHERE kind = ? AND name = ? ORDER BY version",
        )
        .bind(kind.to_owned())
        .bind(name.to_owned())
        .fetch_all(&self.pool)
        .await
        .map_err(Error::query("reading versions"))?;
        Ok(rows
            .into_iter()
            .map(|(version, hash, content, source, created_at)| LibraryVersion { version, hash, content, source, created_at })
            .collect())
    }

    async fn library_names(&self, kind: &str) -> Result<Vec<String>, Error> {
        sqlx::query_scalar("SELECT DISTINCT name FROM library_versions WHERE kind = ? ORDER BY name")
            .bind(kind.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(Error::query("reading versions"))
    }

    async fn library_labels(&self, kind: &str, name: &str) -> Result<Vec<LibraryLabel>, Error> {
        let rows: Vec<(String, i64, bool)> =
            sqlx::query_as("SELECT label, version, protected FROM library_labels WHERE kind = ? AND name = ? ORDER BY label")
                .bind(kind.to_owned())
                .bind(name.to_owned())
                .fetch_all(&self.pool)
                .await
                .map_err(Error::query("reading labels"))?;
        Ok(rows.into_iter().map(|(label, version, protected)| LibraryLabel { label, version, protected }).collect())
    }

    async fn library_set_label(&self, kind: &str, name: &str, label: &LibraryLabel, now_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO library_labels (kind, name, label, version, protected, updated_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (kind, name, label) DO UPDATE SET version = excluded.version, protected = excluded.protected, updated_at = excluded.updated_at",
        )
        .bind(kind.to_owned())
        .bind(name.to_owned())
        .bind(label.label.clone())
        .bind(label.version)
        .bind(label.protected)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(Error::query("setting a label"))?;
        Ok(())
    }

    async fn set_cron_fire(&self, function_id: &str, at_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO cron_fires (function_id, last_fire) VALUES (?, ?) \
             ON CONFLICT (function_id) DO UPDATE SET last_fire = MAX(last_fire, excluded.last_fire)",
        )
        .bind(function_id.to_owned())
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(Error::query("recording a cron fire"))?;
        Ok(())
    }
}
