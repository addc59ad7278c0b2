//! Connections: the OAuth connections an app's functions act through, and
//! the vault that keeps their tokens. It owns the connect flow (a signed,
//! expiring, single-use `state` bound to whoever started it, PKCE, the code
//! exchange), refresh before expiry and the `authFailedAt` bookkeeping when
//! refresh fails, revocation on disconnect, and `fetch` on a function's
//! behalf with the token attached outside the sandbox. Tokens are sealed
//! with AES-256-GCM (`cipher`) before they reach the store and are never
//! logged, listed or put in an error message.

mod cipher;
mod oauth;
mod runtime;

pub use cipher::{Cipher, KeySource, encode_key, key_file, load as load_key, parse_key, write_key_file};
pub use oauth::Provider;
pub use runtime::FetchRequest;

use crate::store::{ConnectionRow, FlowRow, SqliteStore};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How long a connect flow may take, from the redirect to the callback.
const FLOW_TTL_MS: i64 = 10 * 60 * 1000;

/// What can go wrong with connections.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("vault key: {0}")]
    Key(String),
    #[error("vault: {0}")]
    Crypto(String),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error("{0}")]
    Provider(String),
    #[error("unknown connection provider \"{name}\"; known: {known}")]
    UnknownProvider { name: String, known: String },
    #[error("connection provider \"{name}\" is declared by several apps ({apps}); add ?app=<universalIdentifier>")]
    AmbiguousProvider { name: String, apps: String },
    #[error(
        "connection provider \"{provider}\" is not configured: set the server variables {id_variable} and {secret_variable} \
         (in the variables file, with --var, or in the environment)"
    )]
    NotConfigured { provider: String, id_variable: String, secret_variable: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid OAuth state: {0}; nothing was stored (start the connection again)")]
    BadState(String),
    #[error("the provider \"{provider}\" refused: {code}{}", description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused { provider: String, code: String, description: Option<String> },
    #[error("cannot reach the provider: {0}")]
    Http(String),
    #[error("no connection {0}")]
    UnknownConnection(String),
    #[error("connection {id} requires the user to reconnect (authFailedAt is set: {reason})")]
    AuthFailed { id: String, reason: String },
    #[error(
        "fetch with connection {id}: {host} is not among the hosts provider \"{provider}\" allows ({allowed}); set SWITCHBOARD_CONNECTION_HOSTS_{variable}"
    )]
    HostNotAllowed { id: String, host: String, provider: String, allowed: String, variable: String },
}

/// Who started a connect flow: a fingerprint of the API key used (never
/// the key), or `anonymous` on a gateway without keys.
pub fn requester(api_key: Option<&str>) -> String {
    use sha2::Digest;
    match api_key {
        Some(key) => {
            let digest = sha2::Sha256::digest(key.as_bytes());
            format!("key:{}", digest[..8].iter().map(|byte| format!("{byte:02x}")).collect::<String>())
        }
        None => "anonymous".to_owned(),
    }
}

/// A started connect flow: where to send the user, and the id to poll.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: url::Url,
    pub flow_id: String,
    /// For a browser flow: the cookie value the callback must bring back.
    pub binding: Option<String>,
}

/// The cookie that ties a browser's connect flow to its callback.
pub const BINDING_COOKIE: &str = "switchboard_connect";

/// Result of a disconnect.
#[derive(Debug, Clone)]
pub struct Disconnected {
    /// The application's universalIdentifier and the provider's name.
    pub app: String,
    pub provider: String,
    /// True when the provider confirmed the revocation.
    pub revoked: bool,
    /// Why revocation failed or was skipped, if it did not happen.
    pub revocation_note: Option<String>,
}

/// The connections service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<SqliteStore>,
    cipher: Cipher,
    /// Client for token requests (no redirects).
    http: reqwest::Client,
    callback: String,
    providers: RwLock<Arc<Vec<Arc<Provider>>>>,
    refreshing: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The sandbox's network allow-list: `fetch` with a connection must pass
    /// it as well as the provider's hosts.
    allow_net: Vec<String>,
    /// Tokens handed to each app's runs lately (app → tokens, newest last),
    /// blanked from every later run of that app too: a runtime is reused,
    /// so code may print a token it kept after the run that fetched it.
    handed: std::sync::Mutex<HashMap<String, Vec<String>>>,
    lock: std::sync::Mutex<Option<std::fs::File>>,
}

/// Tokens remembered per app for blanking.
const HANDED_PER_APP: usize = 256;

/// Makes aws-lc-rs rustls' process-wide crypto provider (the one deno's
/// TLS stack already uses), which reqwest's TLS needs. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn http_client() -> Result<reqwest::Client, Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| Error::Http(error.to_string()))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Vault {
    /// A vault over `store`, sealing with `cipher`; OAuth redirects come
    /// back to `<public_url>/auth/apps/callback`.
    pub fn new(store: Arc<SqliteStore>, cipher: Cipher, public_url: &str, allow_net: Vec<String>) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                cipher,
                http: http_client()?,
                callback: format!("{}/auth/apps/callback", public_url.trim_end_matches('/')),
                providers: RwLock::new(Arc::default()),
                refreshing: std::sync::Mutex::default(),
                allow_net,
                handed: std::sync::Mutex::default(),
                lock: std::sync::Mutex::default(),
            }),
        })
    }

    /// Remembers a token handed to a run of `app`.
    pub(crate) fn remember(&self, app: &str, token: &str) {
        if let Ok(mut handed) = self.inner.handed.lock() {
            let tokens = handed.entry(app.to_owned()).or_default();
            if !tokens.iter().any(|known| known == token) {
                tokens.push(token.to_owned());
                if tokens.len() > HANDED_PER_APP {
                    tokens.remove(0);
                }
            }
        }
    }

    /// Tokens handed to `app`'s runs lately, to blank from its results.
    pub fn handed_tokens(&self, app: &str) -> Vec<String> {
        self.inner.handed.lock().ok().and_then(|handed| handed.get(app).cloned()).unwrap_or_default()
    }

    /// Keeps `lock` (the data directory's vault lock) as long as the vault lives.
    pub fn hold(&self, lock: std::fs::File) {
        if let Ok(mut held) = self.inner.lock.lock() {
            *held = Some(lock);
        }
    }

    /// Replaces the providers (on start and on every app reload).
    pub fn set_providers(&self, providers: Vec<Provider>) {
        if let Ok(mut current) = self.inner.providers.write() {
            *current = Arc::new(providers.into_iter().map(Arc::new).collect());
        }
    }

    fn providers(&self) -> Arc<Vec<Arc<Provider>>> {
        self.inner.providers.read().map(|providers| providers.clone()).unwrap_or_default()
    }

    /// The provider `name`, of app `app` when given.
    pub fn provider(&self, name: &str, app: Option<&str>) -> Result<Arc<Provider>, Error> {
        let providers = self.providers();
        let matching: Vec<&Arc<Provider>> =
            providers.iter().filter(|provider| provider.name == name && app.is_none_or(|app| provider.app == app)).collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::UnknownProvider {
                name: name.to_owned(),
                known: if providers.is_empty() {
                    "none (no served app declares defineConnectionProvider)".to_owned()
                } else {
                    providers.iter().map(|provider| provider.name.clone()).collect::<Vec<_>>().join(", ")
                },
            }),
            several => Err(Error::AmbiguousProvider {
                name: name.to_owned(),
                apps: several.iter().map(|provider| provider.app.clone()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    fn provider_of(&self, row: &ConnectionRow) -> Result<Arc<Provider>, Error> {
        self.provider(&row.provider, Some(&row.app))
    }

    /// Starts a connect flow for `requester`: stores the single-use flow
    /// (with the sealed PKCE verifier) and returns the provider URL. A
    /// `browser` flow also gets a cookie value the callback must bring back,
    /// so a link forwarded to another browser cannot complete it.
    pub async fn start(
        &self,
        provider: &str,
        app: Option<&str>,
        visibility: &str,
        requester: &str,
        browser: bool,
    ) -> Result<Started, Error> {
        use sha2::Digest;
        if !matches!(visibility, "user" | "workspace") {
            return Err(Error::BadRequest(format!("visibility \"{visibility}\" must be user or workspace")));
        }
        let provider = self.provider(provider, app)?;
        let nonce = uuid::Uuid::new_v4().to_string();
        let now = crate::store::now_ms();
        let expires_at = now + FLOW_TTL_MS;
        // The state names only the flow and its expiry; everything else
        // stays in the flow row.
        let payload = b64(json!({ "n": nonce, "e": expires_at }).to_string().as_bytes());
        let state = format!("{payload}.{}", b64(&self.inner.cipher.sign(payload.as_bytes())?));
        let (url, verifier) = oauth::authorize_url(&provider, &self.inner.callback, state)?;
        let verifier = verifier.map(|verifier| self.inner.cipher.seal_text(&format!("{nonce}/verifier"), &verifier)).transpose()?;
        let binding = browser.then(|| format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()));
        let binding_hash = binding.as_ref().map(|value| format!("{:x}", sha2::Sha256::digest(value.as_bytes())));
        self.inner
            .store
            .insert_flow(&FlowRow {
                nonce: nonce.clone(),
                app: provider.app.clone(),
                provider: provider.name.clone(),
                visibility: visibility.to_owned(),
                requester: requester.to_owned(),
                binding_hash,
                verifier,
                key_id: self.inner.cipher.key_id().to_owned(),
                expires_at,
                status: "pending".to_owned(),
                connection_id: None,
                error: None,
                created_at: now,
            })
            .await?;
        Ok(Started { url, flow_id: nonce, binding })
    }

    /// Checks a `state` value's signature (constant time) and expiry;
    /// returns the flow's nonce.
    fn verify_state(&self, state: &str) -> Result<String, Error> {
        let malformed = || Error::BadState("malformed".to_owned());
        let (payload, signature) = state.split_once('.').ok_or_else(malformed)?;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).map_err(|_| malformed())?;
        if !self.inner.cipher.verify(payload.as_bytes(), &signature) {
            return Err(Error::BadState("the signature does not match (tampered, or signed with another vault key)".to_owned()));
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
        let claims: Value = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        if claims.get("e").and_then(Value::as_i64).unwrap_or(0) <= crate::store::now_ms() {
            return Err(Error::BadState("expired".to_owned()));
        }
        claims.get("n").and_then(Value::as_str).map(str::to_owned).ok_or_else(malformed)
    }

    /// Handles the provider's redirect: `state` plus `code`, or the
    /// provider's `error`; `cookie` is the browser's binding cookie, if it
    /// sent one. Returns the new connection.
    pub async fn callback(
        &self,
        state: &str,
        code: Option<&str>,
        error: Option<(&str, Option<&str>)>,
        cookie: Option<&str>,
    ) -> Result<ConnectionRow, Error> {
        use sha2::Digest;
        let nonce = self.verify_state(state)?;
        let flow = self
            .inner
            .store
            .claim_flow(&nonce, crate::store::now_ms())
            .await?
            .ok_or_else(|| Error::BadState("already used or expired".to_owned()))?;
        let bound = match (&flow.binding_hash, cookie) {
            (None, _) => true,
            // Hashes are compared, so timing says nothing about the cookie.
            (Some(expected), Some(cookie)) => format!("{:x}", sha2::Sha256::digest(cookie.as_bytes())) == *expected,
            (Some(_), None) => false,
        };
        let outcome = if !bound {
            Err(Error::BadState("this connect link was started in another browser".to_owned()))
        } else {
            match (error, code) {
                (Some((code, description)), _) => Err(Error::Refused {
                    provider: flow.provider.clone(),
                    code: code.to_owned(),
                    description: description.map(str::to_owned),
                }),
                (None, Some(code)) => self.complete(&flow, code).await,
                (None, None) => Err(Error::BadRequest("the callback has neither code nor error".to_owned())),
            }
        };
        let finished = match &outcome {
            Ok(connection) => self.inner.store.finish_flow(&nonce, Some(&connection.id), None).await,
            Err(error) => self.inner.store.finish_flow(&nonce, None, Some(&error.to_string())).await,
        };
        if let Err(error) = finished {
            // The connection (if any) is stored; only the flow's status is stale.
            tracing::error!(%error, "a connect flow's outcome could not be recorded");
        }
        outcome
    }

    async fn complete(&self, flow: &FlowRow, code: &str) -> Result<ConnectionRow, Error> {
        let provider = self.provider(&flow.provider, Some(&flow.app))?;
        let verifier =
            flow.verifier.as_deref().map(|sealed| self.inner.cipher.open_text(&format!("{}/verifier", flow.nonce), sealed)).transpose()?;
        let tokens = oauth::exchange(&provider, &self.inner.http, &self.inner.callback, code.to_owned(), verifier)
            .await?
            .map_err(|failure| refused(&provider, failure))?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = crate::store::now_ms();
        let cipher = &self.inner.cipher;
        let row = ConnectionRow {
            id: id.clone(),
            app: provider.app.clone(),
            provider: provider.name.clone(),
            name: tokens.handle.clone().unwrap_or_else(|| provider.display_name.clone()),
            handle: tokens.handle.clone(),
            visibility: flow.visibility.clone(),
            user_workspace_id: Some(user_workspace_id(&flow.requester)),
            scopes: tokens.scopes.clone().unwrap_or_else(|| provider.scopes.clone()),
            access_token: cipher.seal_text(&format!("{id}/access"), &tokens.access)?,
            refresh_token: tokens.refresh.as_deref().map(|token| cipher.seal_text(&format!("{id}/refresh"), token)).transpose()?,
            expires_at: tokens.expires_in.map(|lifetime| expiry(now, lifetime)),
            issued_at: now,
            key_id: cipher.key_id().to_owned(),
            auth_failed_at: None,
            auth_failed_reason: None,
            created_at: now,
            updated_at: now,
        };
        self.inner.store.insert_connection(&row).await?;
        tracing::info!(connection = %id, provider = %provider.name, "connection created");
        Ok(row)
    }

    /// A flow's progress, for `switchboard connections connect` to poll.
    pub async fn flow(&self, id: &str) -> Result<Option<Value>, Error> {
        Ok(self.inner.store.flow(id).await?.map(|flow| {
            json!({
                "id": flow.nonce,
                "provider": flow.provider,
                "status": flow.status,
                "connectionId": flow.connection_id,
                "error": flow.error,
                "expiresAt": crate::store::rfc3339(flow.expires_at),
            })
        }))
    }

    /// Every connection (public view: no tokens), optionally one provider's.
    pub async fn list(&self, provider: Option<&str>) -> Result<Vec<Value>, Error> {
        let rows = self.inner.store.connections(None).await?;
        Ok(rows.iter().filter(|row| provider.is_none_or(|name| row.provider == name)).map(public_view).collect())
    }

    /// Deletes a connection after revoking its token at the provider's
    /// `revokeEndpoint`, when there is one. The connection is deleted even
    /// when revocation fails; the note says why.
    pub async fn disconnect(&self, id: &str) -> Result<Disconnected, Error> {
        // No refresh may rotate the tokens while they are being revoked.
        let lock = self.lock_for(id);
        let _guard = lock.lock().await;
        let row = self.inner.store.connection(id).await?.ok_or_else(|| Error::UnknownConnection(id.to_owned()))?;
        let mut result = Disconnected { app: row.app.clone(), provider: row.provider.clone(), revoked: false, revocation_note: None };
        match self.provider_of(&row) {
            Ok(provider) => {
                let (token, is_refresh) = match &row.refresh_token {
                    Some(sealed) => (self.inner.cipher.open_text(&format!("{id}/refresh"), sealed), true),
                    None => (self.inner.cipher.open_text(&format!("{id}/access"), &row.access_token), false),
                };
                match token {
                    Ok(token) => match oauth::revoke(&provider, &self.inner.http, token, is_refresh).await {
                        Ok(Some(Ok(()))) => result.revoked = true,
                        Ok(Some(Err(failure))) => result.revocation_note = Some(format!("revocation failed: {failure}")),
                        Ok(None) => result.revocation_note = Some("the provider has no revokeEndpoint".to_owned()),
                        Err(error) => result.revocation_note = Some(format!("revocation failed: {error}")),
                    },
                    Err(error) => result.revocation_note = Some(error.to_string()),
                }
            }
            Err(error) => result.revocation_note = Some(format!("not revoked: {error}")),
        }
        self.inner.store.delete_connection(id).await?;
        if let Ok(mut locks) = self.inner.refreshing.lock() {
            locks.remove(id);
        }
        tracing::info!(connection = %id, revoked = result.revoked, "connection deleted");
        Ok(result)
    }
}

/// Checks that stored connections were sealed with `cipher`'s key, so a
/// wrong `SWITCHBOARD_VAULT_KEY` is reported at start, not at first use.
pub async fn check_key(store: &SqliteStore, cipher: &Cipher) -> Result<(), Error> {
    match store.connection_sealed_otherwise(cipher.key_id()).await? {
        Some((id, key_id)) => Err(Error::Key(format!(
            "connection {id} was sealed with vault key {key_id}, but the key in use is {}; start with the key it was sealed with",
            cipher.key_id()
        ))),
        None => Ok(()),
    }
}

/// Unix milliseconds `lifetime` after `now`, saturating on absurd lifetimes.
fn expiry(now: i64, lifetime: std::time::Duration) -> i64 {
    now.saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX))
}

/// The user a connection belongs to, as Twenty's `userWorkspaceId` (a UUID
/// derived from the requester fingerprint).
fn user_workspace_id(requester: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("switchboard:requester:{requester}").as_bytes()).to_string()
}

/// A failed code exchange: the provider's own error code when it gave one,
/// else a failure to reach or read it.
fn refused(provider: &Provider, failure: oauth::Failure) -> Error {
    match failure.code {
        Some(code) => Error::Refused { provider: provider.name.clone(), code, description: failure.description },
        None => Error::Http(failure.description.unwrap_or_else(|| "no answer".to_owned())),
    }
}

fn iso(ms: Option<i64>) -> Value {
    ms.map(|ms| Value::String(crate::store::rfc3339(ms))).unwrap_or(Value::Null)
}

/// Twenty's AppConnection fields, without `accessToken`, plus the app and
/// timestamps: what listings show.
fn public_view(row: &ConnectionRow) -> Value {
    let mut view = runtime::app_connection(row, None);
    if let Value::Object(fields) = &mut view {
        fields.shift_remove("accessToken");
        fields.insert("applicationId".into(), json!(row.app));
        fields.insert("expiresAt".into(), iso(row.expires_at));
        fields.insert("createdAt".into(), json!(crate::store::rfc3339(row.created_at)));
        fields.insert("updatedAt".into(), json!(crate::store::rfc3339(row.updated_at)));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn expired_tampered_and_unknown_states_are_refused_and_store_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = crate::store::StoreOptions {
            dir: dir.path().to_owned(),
            sync: crate::store::SyncMode::Normal,
            retention: crate::store::Retention { max_age_ms: i64::MAX / 4, max_count: 1000 },
        };
        let store = Arc::new(SqliteStore::open(&options).await.expect("store"));
        let vault = Vault::new(store.clone(), Cipher::new([3; 32]).expect("cipher"), "http://127.0.0.1:1", vec![]).expect("vault");
        let sign = |claims: Value| {
            let payload = b64(claims.to_string().as_bytes());
            format!("{payload}.{}", b64(&vault.inner.cipher.sign(payload.as_bytes()).expect("sign")))
        };
        let expired = sign(json!({ "n": "flow-1", "e": crate::store::now_ms() - 1 }));
        let error = vault.callback(&expired, Some("code"), None, None).await.expect_err("expired").to_string();
        assert!(error.contains("expired") && error.contains("nothing was stored"), "{error}");
        let unknown = sign(json!({ "n": "no-such-flow", "e": crate::store::now_ms() + 60_000 }));
        let error = vault.callback(&unknown, Some("code"), None, None).await.expect_err("unknown").to_string();
        assert!(error.contains("already used or expired"), "{error}");
        let foreign = Cipher::new([4; 32]).expect("cipher");
        let payload = b64(json!({ "n": "flow-1", "e": crate::store::now_ms() + 60_000 }).to_string().as_bytes());
        let forged = format!("{payload}.{}", b64(&foreign.sign(payload.as_bytes()).expect("sign")));
        let error = vault.callback(&forged, Some("code"), None, None).await.expect_err("forged").to_string();
        assert!(error.contains("signature"), "{error}");
        assert!(store.connections(None).await.expect("list").is_empty());
    }
}
