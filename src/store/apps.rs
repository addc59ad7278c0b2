//! Rows binding an application's universalIdentifier to the folder it was
//! first served from, so that another folder that declares the same id
//! cannot silently take over the first one's stored data; the version
//! each application was last installed at (its install hooks ran); and the
//! removal of an app's state on uninstall.

use super::{Error, SqliteStore};

impl SqliteStore {
    /// Binds `app` to `root` if it is not bound yet, or (with `rebind`)
    /// whatever it was bound to; otherwise returns the folder it is bound
    /// to when that is another one.
    pub async fn bind_app_root(&self, app: &str, root: &str, rebind: bool, now_ms: i64) -> Result<Option<String>, Error> {
        let bound: Option<String> = sqlx::query_scalar("SELECT root FROM app_roots WHERE app = ?")
            .bind(app.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("reading an app's folder"))?;
        match bound {
            Some(bound) if bound == root => return Ok(None),
            Some(bound) if !rebind => return Ok(Some(bound)),
            _ => {}
        }
        sqlx::query(
            "INSERT INTO app_roots (app, root, bound_at) VALUES (?, ?, ?) \
             ON CONFLICT (app) DO UPDATE SET root = excluded.root, bound_at = excluded.bound_at",
        )
        .bind(app.to_owned())
        .bind(root.to_owned())
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(Error::query("recording an app's folder"))?;
        Ok(None)
    }

    /// The version `app` was last installed at, if any.
    pub async fn installed_version(&self, app: &str) -> Result<Option<String>, Error> {
        sqlx::query_scalar("SELECT version FROM app_versions WHERE app = ?")
            .bind(app.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("reading an app's installed version"))
    }

    /// Records that `app` is installed at `version`.
    pub async fn record_installed_version(&self, app: &str, version: &str, now_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO app_versions (app, version, installed_at) VALUES (?, ?, ?) \
             ON CONFLICT (app) DO UPDATE SET version = excluded.version, installed_at = excluded.installed_at",
        )
        .bind(app.to_owned())
        .bind(version.to_owned())
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(Error::query("recording an app's installed version"))?;
        Ok(())
    }

    /// Forgets that `app` is installed (its uninstall hook ran); returns
    /// whether it was.
    pub async fn forget_installed_version(&self, app: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM app_versions WHERE app = ?")
            .bind(app.to_owned())
            .execute(self.pool())
            .await
            .map_err(Error::query("forgetting an app's installed version"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes everything stored for `app` but its run history: key-value
    /// entries, connections (with their tokens) and pending OAuth flows,
    /// queued event deliveries and jobs, its installed version and its
    /// folder binding, in one transaction. Returns the rows deleted per table.
    pub async fn purge_app(&self, app: &str) -> Result<Vec<(&'static str, u64)>, Error> {
        let mut tx = self.pool().begin().await.map_err(Error::query("purging an app"))?;
        let mut deleted = Vec::new();
        for (table, statement) in [
            ("kv", "DELETE FROM kv WHERE app = ?"),
            ("connections", "DELETE FROM connections WHERE app = ?"),
            ("oauth_flows", "DELETE FROM oauth_flows WHERE app = ?"),
            ("deliveries", "DELETE FROM deliveries WHERE app = ?"),
            ("app_versions", "DELETE FROM app_versions WHERE app = ?"),
            ("app_roots", "DELETE FROM app_roots WHERE app = ?"),
        ] {
            let done = sqlx::query(statement).bind(app.to_owned()).execute(&mut *tx).await.map_err(Error::query("purging an app"))?;
            deleted.push((table, done.rows_affected()));
        }
        tx.commit().await.map_err(Error::query("purging an app"))?;
        Ok(deleted)
    }
}
