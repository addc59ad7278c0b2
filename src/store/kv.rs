//! Rows of the app key-value store (`kv` in `twenty-sdk/logic-function`):
//! JSON text per (app, scope, key). Validation of keys, scopes and sizes
//! belongs to the caller.

use super::{Error, SqliteStore};

impl SqliteStore {
    /// The JSON text stored under `key`, if any.
    pub async fn kv_get(&self, app: &str, scope: &str, key: &str) -> Result<Option<String>, Error> {
        sqlx::query_scalar("SELECT value FROM kv WHERE app = ? AND scope = ? AND key = ?")
            .bind(app.to_owned())
            .bind(scope.to_owned())
            .bind(key.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("reading a kv value"))
    }

    /// Stores `value` (JSON text) under `key`, replacing what was there.
    pub async fn kv_set(&self, app: &str, scope: &str, key: &str, value: &str, now_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO kv (app, scope, key, value, updated_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (app, scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(app.to_owned())
        .bind(scope.to_owned())
        .bind(key.to_owned())
        .bind(value.to_owned())
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(Error::query("storing a kv value"))?;
        Ok(())
    }

    /// Deletes `key`; false when it was not there.
    pub async fn kv_delete(&self, app: &str, scope: &str, key: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM kv WHERE app = ? AND scope = ? AND key = ?")
            .bind(app.to_owned())
            .bind(scope.to_owned())
            .bind(key.to_owned())
            .execute(self.pool())
            .await
            .map_err(Error::query("deleting a kv value"))?;
        Ok(done.rows_affected() > 0)
    }
}
