//! Rows of the connections vault and of the connect flows waiting for their
//! OAuth callback. Token columns hold ciphertext made by `vault`; this file
//! stores and returns bytes and never sees a token in clear.

use super::{Error, SqliteStore};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// One stored connection (token fields encrypted).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionRow {
    pub id: String,
    /// The application's universalIdentifier.
    pub app: String,
    pub provider: String,
    pub name: String,
    pub handle: Option<String>,
    /// `user` or `workspace`.
    pub visibility: String,
    pub user_workspace_id: Option<String>,
    pub scopes: Vec<String>,
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    /// Unix milliseconds; `None` when the provider gave no lifetime.
    pub expires_at: Option<i64>,
    pub issued_at: i64,
    /// Which vault key encrypted the token fields.
    pub key_id: String,
    pub auth_failed_at: Option<i64>,
    pub auth_failed_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// New tokens for a connection, after a refresh.
#[derive(Debug, Clone)]
pub struct TokenUpdate {
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    pub expires_at: Option<i64>,
    pub issued_at: i64,
    pub key_id: String,
}

/// One connect flow: created by `/connections/{provider}/connect`, claimed
/// once by the callback.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRow {
    pub nonce: String,
    pub app: String,
    pub provider: String,
    pub visibility: String,
    pub requester: String,
    /// SHA-256 (hex) of the browser cookie the callback must present, for
    /// flows started by a browser redirect.
    pub binding_hash: Option<String>,
    /// The PKCE verifier, encrypted.
    pub verifier: Option<Vec<u8>>,
    pub key_id: String,
    pub expires_at: i64,
    /// `pending`, `exchanging`, `done` or `failed`.
    pub status: String,
    pub connection_id: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
}

fn connection_row(row: &SqliteRow) -> Result<ConnectionRow, sqlx::Error> {
    let scopes: String = row.try_get("scopes")?;
    Ok(ConnectionRow {
        id: row.try_get("id")?,
        app: row.try_get("app")?,
        provider: row.try_get("provider")?,
        name: row.try_get("name")?,
        handle: row.try_get("handle")?,
        visibility: row.try_get("visibility")?,
        user_workspace_id: row.try_get("user_workspace_id")?,
        scopes: serde_json::from_str(&scopes).unwrap_or_default(),
        access_token: row.try_get("access_token")?,
        refresh_token: row.try_get("refresh_token")?,
        expires_at: row.try_get("expires_at")?,
        issued_at: row.try_get("issued_at")?,
        key_id: row.try_get("key_id")?,
        auth_failed_at: row.try_get("auth_failed_at")?,
        auth_failed_reason: row.try_get("auth_failed_reason")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn flow_row(row: &SqliteRow) -> Result<FlowRow, sqlx::Error> {
    Ok(FlowRow {
        nonce: row.try_get("nonce")?,
        app: row.try_get("app")?,
        provider: row.try_get("provider")?,
        visibility: row.try_get("visibility")?,
        requester: row.try_get("requester")?,
        binding_hash: row.try_get("binding_hash")?,
        verifier: row.try_get("verifier")?,
        key_id: row.try_get("key_id")?,
        expires_at: row.try_get("expires_at")?,
        status: row.try_get("status")?,
        connection_id: row.try_get("connection_id")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
    })
}

impl SqliteStore {
    pub async fn insert_connection(&self, row: &ConnectionRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO connections (id, app, provider, name, handle, visibility, user_workspace_id, scopes, access_token, \
             refresh_token, expires_at, issued_at, key_id, auth_failed_at, auth_failed_reason, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id.clone())
        .bind(row.app.clone())
        .bind(row.provider.clone())
        .bind(row.name.clone())
        .bind(row.handle.clone())
        .bind(row.visibility.clone())
        .bind(row.user_workspace_id.clone())
        .bind(serde_json::to_string(&row.scopes).unwrap_or_else(|_| "[]".to_owned()))
        .bind(row.access_token.clone())
        .bind(row.refresh_token.clone())
        .bind(row.expires_at)
        .bind(row.issued_at)
        .bind(row.key_id.clone())
        .bind(row.auth_failed_at)
        .bind(row.auth_failed_reason.clone())
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(self.pool())
        .await
        .map_err(Error::query("storing a connection"))?;
        Ok(())
    }

    /// Connections, oldest first; only `app`'s when given.
    pub async fn connections(&self, app: Option<&str>) -> Result<Vec<ConnectionRow>, Error> {
        let rows = match app {
            Some(app) => {
                sqlx::query("SELECT * FROM connections WHERE app = ? ORDER BY created_at, id")
                    .bind(app.to_owned())
                    .fetch_all(self.pool())
                    .await
            }
            None => sqlx::query("SELECT * FROM connections ORDER BY created_at, id").fetch_all(self.pool()).await,
        }
        .map_err(Error::query("listing connections"))?;
        rows.iter().map(connection_row).collect::<Result<_, _>>().map_err(Error::query("reading a connection"))
    }

    /// A connection sealed with a key other than `key_id`, as (id, its key id).
    pub async fn connection_sealed_otherwise(&self, key_id: &str) -> Result<Option<(String, String)>, Error> {
        sqlx::query_as("SELECT id, key_id FROM connections WHERE key_id != ? LIMIT 1")
            .bind(key_id.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("checking the vault key"))
    }

    pub async fn connection(&self, id: &str) -> Result<Option<ConnectionRow>, Error> {
        let row = sqlx::query("SELECT * FROM connections WHERE id = ?")
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("reading a connection"))?;
        row.as_ref().map(connection_row).transpose().map_err(Error::query("reading a connection"))
    }

    /// Stores refreshed tokens and clears any earlier auth failure.
    pub async fn update_tokens(&self, id: &str, update: &TokenUpdate, now_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE connections SET access_token = ?, refresh_token = COALESCE(?, refresh_token), expires_at = ?, issued_at = ?, \
             key_id = ?, auth_failed_at = NULL, auth_failed_reason = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(update.access_token.clone())
        .bind(update.refresh_token.clone())
        .bind(update.expires_at)
        .bind(update.issued_at)
        .bind(update.key_id.clone())
        .bind(now_ms)
        .bind(id.to_owned())
        .execute(self.pool())
        .await
        .map_err(Error::query("storing refreshed tokens"))?;
        Ok(())
    }

    pub async fn mark_auth_failed(&self, id: &str, at_ms: i64, reason: &str) -> Result<(), Error> {
        sqlx::query("UPDATE connections SET auth_failed_at = ?, auth_failed_reason = ?, updated_at = ? WHERE id = ?")
            .bind(at_ms)
            .bind(reason.to_owned())
            .bind(at_ms)
            .bind(id.to_owned())
            .execute(self.pool())
            .await
            .map_err(Error::query("marking a connection failed"))?;
        Ok(())
    }

    /// Deletes a connection; false when there was none.
    pub async fn delete_connection(&self, id: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM connections WHERE id = ?")
            .bind(id.to_owned())
            .execute(self.pool())
            .await
            .map_err(Error::query("deleting a connection"))?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn insert_flow(&self, flow: &FlowRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO oauth_flows (nonce, app, provider, visibility, requester, binding_hash, verifier, key_id, expires_at, status, \
             connection_id, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(flow.nonce.clone())
        .bind(flow.app.clone())
        .bind(flow.provider.clone())
        .bind(flow.visibility.clone())
        .bind(flow.requester.clone())
        .bind(flow.binding_hash.clone())
        .bind(flow.verifier.clone())
        .bind(flow.key_id.clone())
        .bind(flow.expires_at)
        .bind(flow.status.clone())
        .bind(flow.connection_id.clone())
        .bind(flow.error.clone())
        .bind(flow.created_at)
        .execute(self.pool())
        .await
        .map_err(Error::query("storing a connect flow"))?;
        Ok(())
    }

    /// Takes a pending, unexpired flow for its callback, exactly once: one
    /// statement moves it to `exchanging` and returns it, so a second claim
    /// of the same nonce finds nothing. (The sealed PKCE verifier is wiped
    /// when the flow is finished.)
    pub async fn claim_flow(&self, nonce: &str, now_ms: i64) -> Result<Option<FlowRow>, Error> {
        let row = sqlx::query(
            "UPDATE oauth_flows SET status = 'exchanging' WHERE nonce = ? AND status = 'pending' AND expires_at > ? RETURNING *",
        )
        .bind(nonce.to_owned())
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await
        .map_err(Error::query("claiming a connect flow"))?;
        row.as_ref().map(flow_row).transpose().map_err(Error::query("reading a connect flow"))
    }

    /// Records how a claimed flow ended.
    pub async fn finish_flow(&self, nonce: &str, connection_id: Option<&str>, error: Option<&str>) -> Result<(), Error> {
        sqlx::query("UPDATE oauth_flows SET status = ?, connection_id = ?, error = ?, verifier = NULL WHERE nonce = ?")
            .bind(if error.is_some() { "failed" } else { "done" })
            .bind(connection_id.map(str::to_owned))
            .bind(error.map(str::to_owned))
            .bind(nonce.to_owned())
            .execute(self.pool())
            .await
            .map_err(Error::query("finishing a connect flow"))?;
        Ok(())
    }

    pub async fn flow(&self, nonce: &str) -> Result<Option<FlowRow>, Error> {
        let row = sqlx::query("SELECT * FROM oauth_flows WHERE nonce = ?")
            .bind(nonce.to_owned())
            .fetch_optional(self.pool())
            .await
            .map_err(Error::query("reading a connect flow"))?;
        row.as_ref().map(flow_row).transpose().map_err(Error::query("reading a connect flow"))
    }

    /// Re-encrypts every token with `recrypt(aad, ciphertext)` in one
    /// transaction and stamps `key_id`: either every row moves to the new
    /// key or none does. Flows still pending lose their verifier (they must
    /// be started again). Returns how many connections were re-encrypted.
    pub async fn reencrypt_connections<E>(
        &self,
        key_id: &str,
        mut recrypt: impl FnMut(&str, &[u8]) -> Result<Vec<u8>, E>,
    ) -> Result<Result<u64, E>, Error> {
        let mut transaction = self.pool().begin().await.map_err(Error::query("re-encrypting connections"))?;
        let rows = sqlx::query("SELECT * FROM connections")
            .fetch_all(&mut *transaction)
            .await
            .map_err(Error::query("re-encrypting connections"))?;
        let mut count = 0;
        for row in &rows {
            let row = connection_row(row).map_err(Error::query("reading a connection"))?;
            let access = match recrypt(&format!("{}/access", row.id), &row.access_token) {
                Ok(bytes) => bytes,
                Err(error) => return Ok(Err(error)),
            };
            let refresh = match row.refresh_token.as_deref().map(|bytes| recrypt(&format!("{}/refresh", row.id), bytes)).transpose() {
                Ok(bytes) => bytes,
                Err(error) => return Ok(Err(error)),
            };
            sqlx::query("UPDATE connections SET access_token = ?, refresh_token = ?, key_id = ? WHERE id = ?")
                .bind(access)
                .bind(refresh)
                .bind(key_id.to_owned())
                .bind(row.id.clone())
                .execute(&mut *transaction)
                .await
                .map_err(Error::query("re-encrypting connections"))?;
            count += 1;
        }
        sqlx::query(
            "UPDATE oauth_flows SET verifier = NULL, status = 'failed', error = 'the vault key was rotated' WHERE status = 'pending'",
        )
        .execute(&mut *transaction)
        .await
        .map_err(Error::query("re-encrypting connections"))?;
        transaction.commit().await.map_err(Error::query("re-encrypting connections"))?;
        Ok(Ok(count))
    }
}
