//! What a running function may ask of the vault: its app's connections with
//! a valid access token (refreshed before expiry; a refused refresh sets
//! `authFailedAt`), reporting an auth failure, and `fetch` with the token
//! attached here, outside the sandbox, only to the provider's allowed hosts.

use super::{Error, Vault, expiry, iso, oauth};
use crate::store::{ConnectionRow, TokenUpdate};
use serde_json::Value;
use std::sync::Arc;

/// Largest response body a connection fetch hands back to the sandbox.
const MAX_FETCH_BODY: usize = 10 * 1024 * 1024;

/// A request a function makes through one of its connections.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub connection_id: String,
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// Refresh this long before expiry, but never earlier than half the
/// token's lifetime.
const REFRESH_MARGIN_MS: i64 = 30_000;

fn needs_refresh(row: &ConnectionRow, now: i64) -> bool {
    match row.expires_at {
        Some(expires) => now >= expires - REFRESH_MARGIN_MS.min((expires - row.issued_at).max(0) / 2),
        None => false,
    }
}

impl Vault {
    pub(super) fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.inner.refreshing.lock() {
            Ok(mut locks) => locks.entry(id.to_owned()).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    /// The connection `id` of `app`, or UnknownConnection (also for another
    /// app's connection: apps never see each other's).
    async fn row_of(&self, app: &str, id: &str) -> Result<ConnectionRow, Error> {
        self.inner.store.connection(id).await?.filter(|row| row.app == app).ok_or_else(|| Error::UnknownConnection(id.to_owned()))
    }

    /// A valid access token for `row`, refreshing it first when it is about
    /// to expire. Concurrent callers share one refresh.
    async fn access_token(&self, row: ConnectionRow) -> Result<(String, ConnectionRow), Error> {
        let failed = |row: &ConnectionRow| Error::AuthFailed {
            id: row.id.clone(),
            reason: row.auth_failed_reason.clone().unwrap_or_else(|| "unknown".to_owned()),
        };
        if row.auth_failed_at.is_some() {
            return Err(failed(&row));
        }
        let cipher = &self.inner.cipher;
        if !needs_refresh(&row, crate::store::now_ms()) {
            return Ok((cipher.open_text(&format!("{}/access", row.id), &row.access_token)?, row));
        }
        let lock = self.lock_for(&row.id);
        let _guard = lock.lock().await;
        let row = self.inner.store.connection(&row.id).await?.ok_or_else(|| Error::UnknownConnection(row.id.clone()))?;
        if row.auth_failed_at.is_some() {
            return Err(failed(&row));
        }
        let now = crate::store::now_ms();
        if !needs_refresh(&row, now) {
            return Ok((cipher.open_text(&format!("{}/access", row.id), &row.access_token)?, row));
        }
        let provider = self.provider_of(&row)?;
        let Some(sealed) = &row.refresh_token else {
            let reason = "the access token expired and the provider gave no refresh token".to_owned();
            self.inner.store.mark_auth_failed(&row.id, now, &reason).await?;
            return Err(Error::AuthFailed { id: row.id.clone(), reason });
        };
        let refresh_token = cipher.open_text(&format!("{}/refresh", row.id), sealed)?;
        match oauth::refresh(&provider, &self.inner.http, &self.inner.callback, refresh_token).await? {
            Ok(tokens) => {
                let update = TokenUpdate {
                    access_token: cipher.seal_text(&format!("{}/access", row.id), &tokens.access)?,
                    refresh_token: tokens
                        .refresh
                        .as_deref()
                        .map(|token| cipher.seal_text(&format!("{}/refresh", row.id), token))
                        .transpose()?,
                    expires_at: tokens.expires_in.map(|lifetime| expiry(now, lifetime)),
                    issued_at: now,
                    key_id: cipher.key_id().to_owned(),
                };
                self.inner.store.update_tokens(&row.id, &update, now).await?;
                tracing::info!(connection = %row.id, "access token refreshed");
                let row = self.inner.store.connection(&row.id).await?.ok_or_else(|| Error::UnknownConnection(row.id.clone()))?;
                Ok((tokens.access, row))
            }
            Err(failure) if failure.transient => Err(Error::Http(failure.to_string())),
            Err(failure) => {
                let reason = format!("refresh failed: {failure}");
                self.inner.store.mark_auth_failed(&row.id, now, &reason).await?;
                tracing::warn!(connection = %row.id, %reason, "connection needs to be reconnected");
                Err(Error::AuthFailed { id: row.id.clone(), reason })
            }
        }
    }

    /// `listConnections(filter)` for a run of `app`: Twenty's AppConnection
    /// objects; a connection whose refresh fails is listed with
    /// `authFailedAt` set and no token. Returns the tokens handed out.
    pub async fn list_for_run(&self, app: &str, filter: &Value) -> Result<Value, Error> {
        let field = |name: &str| filter.get(name).and_then(Value::as_str);
        let rows: Vec<ConnectionRow> = self
            .inner
            .store
            .connections(Some(app))
            .await?
            .into_iter()
            .filter(|row| field("providerName").is_none_or(|wanted| row.provider == wanted))
            .filter(|row| field("visibility").is_none_or(|wanted| row.visibility == wanted))
            .filter(|row| field("userWorkspaceId").is_none_or(|wanted| row.user_workspace_id.as_deref() == Some(wanted)))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.id.clone();
            match self.access_token(row).await {
                Ok((token, row)) => {
                    out.push(app_connection(&row, Some(&token)));
                    self.remember(app, &token);
                }
                // One connection that cannot give a token (refused refresh,
                // provider down, ...) is listed without one; the others
                // are still usable.
                Err(error) => {
                    tracing::warn!(connection = %id, %error, "listed without a token");
                    if let Some(row) = self.inner.store.connection(&id).await? {
                        out.push(app_connection(&row, None));
                    }
                }
            }
        }
        Ok(Value::Array(out))
    }

    /// `getConnection(id)` for a run of `app`.
    pub async fn get_for_run(&self, app: &str, id: &str) -> Result<Value, Error> {
        let row = self.row_of(app, id).await?;
        let (token, row) = self.access_token(row).await?;
        self.remember(app, &token);
        Ok(app_connection(&row, Some(&token)))
    }

    /// `reportConnectionAuthFailure({connectionId, reason})`.
    pub async fn report_failure(&self, app: &str, id: &str, reason: Option<&str>) -> Result<(), Error> {
        let row = self.row_of(app, id).await?;
        let reason = reason.unwrap_or("reported by a logic function");
        Ok(self.inner.store.mark_auth_failed(&row.id, crate::store::now_ms(), reason).await?)
    }

    /// Sends `request` with the connection's token as a bearer token, if the
    /// URL's host is one the provider allows. Redirects are not followed
    /// (the token must not travel on to another host).
    pub async fn fetch(&self, app: &str, request: FetchRequest) -> Result<crate::domain::HttpReply, Error> {
        let row = self.row_of(app, &request.connection_id).await?;
        let provider = self.provider_of(&row)?;
        let url =
            url::Url::parse(&request.url).map_err(|error| Error::BadRequest(format!("fetch: invalid URL {:?}: {error}", request.url)))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::BadRequest("fetch with a connection: the URL may not carry a user name or password".to_owned()));
        }
        let shown = oauth::host_and_port(&url);
        let not_allowed = |allowed: String| Error::HostNotAllowed {
            id: row.id.clone(),
            host: shown.clone().unwrap_or_else(|| url.scheme().to_owned()),
            provider: provider.name.clone(),
            allowed,
            variable: provider.name.to_ascii_uppercase().replace('-', "_"),
        };
        // The token travels only over TLS, except to this machine.
        let secure = url.scheme() == "https" || (url.scheme() == "http" && crate::domain::is_loopback(&url));
        if !secure || !provider.allows(&url) {
            return Err(not_allowed(provider.allowed_hosts.join(", ")));
        }
        // The sandbox's network allow-list applies too: a connection does
        // not open hosts the operator has not opened.
        if !oauth::host_listed(&self.inner.allow_net, &url) {
            return Err(not_allowed(format!(
                "{} (and SWITCHBOARD_ALLOW_NET: {})",
                provider.allowed_hosts.join(", "),
                if self.inner.allow_net.is_empty() { "none".to_owned() } else { self.inner.allow_net.join(", ") }
            )));
        }
        let (token, _) = self.access_token(row).await?;
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::BadRequest(format!("fetch: invalid method {:?}", request.method)))?;
        let mut builder = self.inner.http.request(method, url);
        for (name, value) in &request.headers {
            // The gateway sets the credentials; bodies come back as sent
            // (no decompression), so no content encoding is asked for.
            let skip = ["authorization", "host", "accept-encoding", "cookie", "proxy-authorization"];
            if !skip.iter().any(|skipped| name.eq_ignore_ascii_case(skipped)) {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        builder = builder.bearer_auth(&token);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(|error| Error::Http(error.without_url().to_string()))?;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| value.to_str().ok().map(|value| (name.as_str().to_owned(), value.to_owned())))
            .collect();
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|error| Error::Http(error.without_url().to_string()))? {
            if body.len() + chunk.len() > MAX_FETCH_BODY {
                return Err(Error::BadRequest(format!("fetch: the response body is over {MAX_FETCH_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(crate::domain::HttpReply {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or_default().to_owned(),
            headers,
            body,
        })
    }
}

/// Twenty's AppConnection: its fields of the row plus `accessToken`.
pub(super) fn app_connection(row: &ConnectionRow, token: Option<&str>) -> Value {
    serde_json::json!({
        "id": row.id,
        "providerName": row.provider,
        "name": row.name,
        "handle": row.handle,
        "visibility": row.visibility,
        "userWorkspaceId": row.user_workspace_id,
        "workspaceMemberId": Value::Null,
        "accessToken": token,
        "scopes": row.scopes,
        "authFailedAt": iso(row.auth_failed_at),
        "authFailedReason": row.auth_failed_reason,
    })
}
