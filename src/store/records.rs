//! Rows of the embedded workspace: each record as JSON text per (object,
//! id). Queries arrive compiled (a WHERE condition over `json_extract` with
//! its bound values, an ORDER BY list) from `workspace`, which owns the
//! filter grammar and checks every name in it; this file only runs them.
//! Writes go through [`RecordTx`], an immediate transaction, so a
//! multi-record change lands whole or not at all, together with the event
//! deliveries it causes.

use super::{Error, SqliteStore};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};

/// A value bound into a compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Real(f64),
    Int(i64),
}

/// Which rows a query sees by their soft-delete state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Without,
    Only,
    Any,
}

/// A compiled record query over one object.
#[derive(Debug, Clone)]
pub struct RecordQuery {
    pub object: String,
    /// A SQL condition over `data` (`json_extract(data, '$.name') = ?`), or empty.
    pub condition: String,
    pub binds: Vec<SqlValue>,
    /// A SQL ORDER BY list, or empty.
    pub order: String,
    pub limit: Option<i64>,
    pub offset: i64,
    pub deleted: Deleted,
}

impl RecordQuery {
    fn where_clause(&self) -> String {
        let mut parts = vec!["object = ?".to_owned()];
        match self.deleted {
            Deleted::Without => parts.push("deleted_at IS NULL".to_owned()),
            Deleted::Only => parts.push("deleted_at IS NOT NULL".to_owned()),
            Deleted::Any => {}
        }
        if !self.condition.is_empty() {
            parts.push(format!("({})", self.condition));
        }
        parts.join(" AND ")
    }
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
type Scalar<'q, T> = sqlx::query::QueryScalar<'q, Sqlite, T, sqlx::sqlite::SqliteArguments>;

fn bind_all<'q, T>(mut query: Scalar<'q, T>, object: &str, binds: &[SqlValue]) -> Scalar<'q, T> {
    query = query.bind(object.to_owned());
    for value in binds {
        query = match value {
            SqlValue::Text(text) => query.bind(text.clone()),
            SqlValue::Real(number) => query.bind(*number),
            SqlValue::Int(number) => query.bind(*number),
        };
    }
    query
}

/// An open write transaction over records.
#[derive(Debug)]
pub struct RecordTx(Transaction<'static, Sqlite>);

impl SqliteStore {
    /// Starts an immediate transaction: reads inside it see no other writer.
    pub async fn records_begin(&self) -> Result<RecordTx, Error> {
        Ok(RecordTx(self.pool().begin_with("BEGIN IMMEDIATE").await.map_err(Error::query("starting a record transaction"))?))
    }

    /// The JSON text of the records `query` selects, in its order.
    pub async fn records_find(&self, query: &RecordQuery) -> Result<Vec<String>, Error> {
        let mut connection = self.pool().acquire().await.map_err(Error::query("reading records"))?;
        find(&mut connection, query).await
    }

    /// How many records `query` selects, ignoring its limit and offset.
    pub async fn records_count(&self, query: &RecordQuery) -> Result<i64, Error> {
        let sql = format!("SELECT COUNT(*) FROM records WHERE {}", query.where_clause());
        bind_all(sqlx::query_scalar(AssertSqlSafe(sql)), &query.object, &query.binds)
            .fetch_one(self.pool())
            .await
            .map_err(Error::query("counting records"))
    }
}

async fn find(connection: &mut sqlx::SqliteConnection, query: &RecordQuery) -> Result<Vec<String>, Error> {
    let mut sql = format!("SELECT data FROM records WHERE {}", query.where_clause());
    if !query.order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&query.order);
    }
    sql.push_str(&format!(" LIMIT {} OFFSET {}", query.limit.unwrap_or(-1), query.offset.max(0)));
    bind_all(sqlx::query_scalar(AssertSqlSafe(sql)), &query.object, &query.binds)
        .fetch_all(connection)
        .await
        .map_err(Error::query("reading records"))
}

impl RecordTx {
    /// The JSON text of the records `query` selects.
    pub async fn find(&mut self, query: &RecordQuery) -> Result<Vec<String>, Error> {
        find(&mut self.0, query).await
    }

    /// The JSON text of one record, deleted or not.
    pub async fn get(&mut self, object: &str, id: &str) -> Result<Option<String>, Error> {
        sqlx::query_scalar("SELECT data FROM records WHERE object = ? AND id = ?")
            .bind(object.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(Error::query("reading a record"))
    }

    /// Writes a record whole; false when `create` and the id is taken.
    pub async fn put(&mut self, object: &str, id: &str, data: &str, deleted_at: Option<&str>, create: bool) -> Result<bool, Error> {
        let query: Query<'_> = if create {
            sqlx::query("INSERT INTO records (object, id, data, deleted_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        } else {
            sqlx::query("UPDATE records SET data = ?3, deleted_at = ?4 WHERE object = ?1 AND id = ?2")
        };
        let done = query
            .bind(object.to_owned())
            .bind(id.to_owned())
            .bind(data.to_owned())
            .bind(deleted_at.map(str::to_owned))
            .execute(&mut *self.0)
            .await
            .map_err(Error::query("writing a record"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a record for good.
    pub async fn remove(&mut self, object: &str, id: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM records WHERE object = ? AND id = ?")
            .bind(object.to_owned())
            .bind(id.to_owned())
            .execute(&mut *self.0)
            .await
            .map_err(Error::query("destroying a record"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Queues event deliveries in this transaction: they are durable
    /// exactly when the record change is.
    pub async fn enqueue(&mut self, deliveries: &[super::NewDelivery], now_ms: i64) -> Result<u64, Error> {
        super::sqlite::insert_deliveries(&mut self.0, deliveries, now_ms).await
    }

    pub async fn commit(self) -> Result<(), Error> {
        self.0.commit().await.map_err(Error::query("committing records"))
    }
}
