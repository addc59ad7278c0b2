//! Connections at the top: opening the vault for `serve`/`mcp` (key, key
//! check, providers resolved from the served apps and the gateway's server
//! variables), the `switchboard connections` commands, which talk to a
//! running gateway over HTTP, and `switchboard vault rotate-key`, which works
//! on the store directly.

use super::{CliError, CliResult, exit};
use crate::config::Settings;
use crate::registry::AppSnapshot;
use crate::vault::{Provider, Vault};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Every provider the served apps declare, with client credentials from
/// `given` variables or, failing that, the environment.
pub(crate) fn providers<A: Borrow<AppSnapshot>>(
    apps: &[A],
    settings: &Settings,
    given: &BTreeMap<String, String>,
) -> Result<Vec<Provider>, crate::vault::Error> {
    let mut out = Vec::new();
    for app in apps.iter().map(Borrow::borrow) {
        let application = &app.app.manifest.application;
        for manifest in &app.app.manifest.connection_providers {
            let mut vars = BTreeMap::new();
            for field in ["clientIdVariable", "clientSecretVariable"] {
                let Some(name) = manifest.oauth.as_ref().and_then(|oauth| oauth.get(field)).and_then(Value::as_str) else { continue };
                // Only declared server variables are read (resolve refuses
                // others): the app names them, the operator gives values.
                if let Some(value) = given.get(name).cloned().or_else(|| Settings::server_variable_from_env(name)) {
                    vars.insert(name.to_owned(), value);
                }
            }
            let provider = Provider::resolve(
                &application.universal_identifier,
                manifest,
                &application.server_variables,
                &vars,
                settings.connection_hosts.get(&manifest.name),
            )?;
            if !provider.is_configured() {
                eprintln!(
                    "warning: connection provider {} cannot connect until the server variables {} and {} are set",
                    provider.name, provider.client_id_variable, provider.client_secret_variable
                );
            }
            out.push(provider);
        }
    }
    Ok(out)
}

/// The vault key in use and where it came from, finishing a rotation that
/// committed but stopped before moving the new key file into place.
async fn open_cipher(
    settings: &Settings,
    store: &Arc<crate::store::SqliteStore>,
) -> Result<(crate::vault::Cipher, crate::vault::KeySource)> {
    let (cipher, source) = crate::vault::load_key(settings.vault_key.as_ref().map(|key| key.0.as_str()), &settings.data_dir)?;
    let Err(error) = crate::vault::check_key(store, &cipher).await else { return Ok((cipher, source)) };
    let crate::vault::KeySource::File(path) = source else { return Err(error.into()) };
    let staged = path.with_extension("key.new");
    let Ok(text) = std::fs::read_to_string(&staged) else { return Err(error.into()) };
    let staged_cipher = crate::vault::Cipher::new(crate::vault::parse_key(&text, &staged.display().to_string())?)?;
    crate::vault::check_key(store, &staged_cipher).await?;
    std::fs::rename(&staged, &path).with_context(|| format!("cannot move {} to {}", staged.display(), path.display()))?;
    eprintln!("finished an interrupted key rotation: {} is now the vault key", path.display());
    Ok((staged_cipher, crate::vault::KeySource::File(path)))
}

/// Locks the data directory's vault: shared by gateways, exclusive for a
/// key rotation, so a key is never rotated under a running gateway.
fn lock_vault(settings: &Settings, exclusive: bool) -> Result<std::fs::File> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    let path = settings.data_dir.join("vault.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let locked = if exclusive { file.try_lock() } else { file.try_lock_shared() };
    match locked {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) if exclusive => {
            bail!("a gateway is running on {}; stop it before rotating the vault key", settings.data_dir.display())
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!("the vault key of {} is being rotated; start the gateway when that is done", settings.data_dir.display())
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Opens the vault over `store` for `apps`.
pub(crate) async fn open_vault<A: Borrow<AppSnapshot>>(
    settings: &Settings,
    store: Arc<crate::store::SqliteStore>,
    apps: &[A],
    given: &BTreeMap<String, String>,
) -> Result<Vault> {
    let lock = lock_vault(settings, false)?;
    let (cipher, _) = open_cipher(settings, &store).await?;
    let vault = Vault::new(store, cipher, &settings.public_url, settings.allow_net.clone())?;
    vault.hold(lock);
    vault.set_providers(providers(apps, settings, given)?);
    Ok(vault)
}

/// `switchboard connections ...`.
#[derive(Debug, Clone)]
pub enum ConnectionsAction {
    Connect { provider: String, visibility: String, app: Option<String>, wait_seconds: u64 },
    List { json: bool },
    Disconnect { id: String },
}

fn client(settings: &Settings) -> Result<reqwest::Client> {
    crate::vault::install_crypto_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(key) = &settings.api_key {
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", key.0))
            .context("SWITCHBOARD_API_KEY is not a valid header value")?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// `text` without control characters, for printing what a server or a
/// provider said.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || *c == '\n').collect()
}

/// Sends a request to the gateway; an error status becomes its `error` text.
async fn call(request: reqwest::RequestBuilder, base: &str) -> Result<std::result::Result<Value, (u16, String)>> {
    let response = request
        .send()
        .await
        .with_context(|| format!("cannot reach the gateway at {base} (is `switchboard serve` running? set SWITCHBOARD_PUBLIC_URL)"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(Ok(body))
    } else {
        let message = body.get("error").and_then(Value::as_str).map(printable).unwrap_or_else(|| status.to_string());
        Ok(Err((status.as_u16(), message)))
    }
}

/// Runs a `connections` command against the gateway at `SWITCHBOARD_PUBLIC_URL`.
pub async fn connections(action: ConnectionsAction, settings: &Settings) -> CliResult {
    let base = settings.public_url.clone();
    let http = client(settings)?;
    match action {
        ConnectionsAction::List { json } => {
            let body = match call(http.get(format!("{base}/api/connections")), &base).await? {
                Ok(body) => body,
                Err((_, message)) => {
                    eprintln!("error: {message}");
                    return Err(CliError::Told(exit::FAILED));
                }
            };
            let list = body.get("connections").and_then(Value::as_array).cloned().unwrap_or_default();
            if json {
                println!("{}", serde_json::to_string_pretty(&body)?);
            } else if list.is_empty() {
                println!("no connections");
            } else {
                println!("{:<38} {:<14} {:<10} {:<28} STATUS", "ID", "PROVIDER", "VISIBILITY", "HANDLE");
                for connection in &list {
                    let text = |name: &str| connection.get(name).and_then(Value::as_str).unwrap_or("-").to_owned();
                    let status = match connection.get("authFailedAt").and_then(Value::as_str) {
                        Some(at) => format!("reconnect needed since {at}"),
                        None => "ok".to_owned(),
                    };
                    println!("{:<38} {:<14} {:<10} {:<28} {status}", text("id"), text("providerName"), text("visibility"), text("handle"));
                }
            }
            Ok(())
        }
        ConnectionsAction::Disconnect { id } => match call(http.delete(format!("{base}/api/connections/{id}")), &base).await? {
            Ok(body) => {
                let revoked = body.get("revoked").and_then(Value::as_bool) == Some(true);
                println!("disconnected {id}{}", if revoked { " (token revoked at the provider)" } else { "" });
                if let Some(note) = body.get("note").and_then(Value::as_str) {
                    eprintln!("note: {note}");
                }
                Ok(())
            }
            Err((_, message)) => {
                eprintln!("error: {message}");
                Err(CliError::Told(exit::FAILED))
            }
        },
        ConnectionsAction::Connect { provider, visibility, app, wait_seconds } => {
            let mut query = vec![("visibility", visibility), ("format", "json".to_owned())];
            if let Some(app) = app {
                query.push(("app", app));
            }
            let started = match call(http.get(format!("{base}/connections/{provider}/connect")).query(&query), &base).await? {
                Ok(body) => body,
                Err((_, message)) => {
                    eprintln!("error: {message}");
                    return Err(CliError::Told(exit::FAILED));
                }
            };
            let (Some(url), Some(flow)) = (started.get("url").and_then(Value::as_str), started.get("flowId").and_then(Value::as_str))
            else {
                return Err(anyhow!("the gateway's answer has no url/flowId").into());
            };
            println!("Open this URL in a browser to connect {provider}:\n\n  {url}\n");
            if wait_seconds == 0 {
                return Ok(());
            }
            eprintln!("waiting up to {wait_seconds} s for the provider to send you back (Ctrl-C to stop waiting)...");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(wait_seconds);
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let status = match call(http.get(format!("{base}/api/connections/flows/{flow}")), &base).await? {
                    Ok(body) => body,
                    Err((_, message)) => {
                        eprintln!("error: {message}");
                        return Err(CliError::Told(exit::FAILED));
                    }
                };
                match status.get("status").and_then(Value::as_str) {
                    Some("done") => {
                        println!("connected: {}", status.get("connectionId").and_then(Value::as_str).unwrap_or_default());
                        return Ok(());
                    }
                    Some("failed") => {
                        eprintln!("error: {}", printable(status.get("error").and_then(Value::as_str).unwrap_or("the connection failed")));
                        return Err(CliError::Told(exit::FAILED));
                    }
                    _ => {}
                }
            }
            eprintln!("error: no answer from the provider within {wait_seconds} s; the link stays valid for 10 minutes");
            Err(CliError::Told(exit::FAILED))
        }
    }
}

/// `switchboard vault rotate-key`: re-encrypts every stored token under a
/// new key in one transaction. With the key in a file, the new key is
/// written beside it first and moved into place after the commit; with
/// `SWITCHBOARD_VAULT_KEY`, give the new key in `SWITCHBOARD_VAULT_NEW_KEY`
/// and switch the variable afterwards.
pub async fn rotate_key(settings: &Settings) -> CliResult {
    use crate::vault::{Cipher, KeySource};
    let _lock = match lock_vault(settings, true) {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Err(CliError::Told(exit::USAGE));
        }
    };
    let store = super::open_store(settings).await?;
    let (old, source) = open_cipher(settings, &store).await?;
    let new_key = match (&settings.vault_new_key, &source) {
        (Some(text), _) => crate::vault::parse_key(&text.0, "SWITCHBOARD_VAULT_NEW_KEY")?,
        (None, KeySource::File(_)) => Cipher::generate(),
        (None, KeySource::Environment) => {
            eprintln!("error: the key comes from SWITCHBOARD_VAULT_KEY; give the new one in SWITCHBOARD_VAULT_NEW_KEY");
            return Err(CliError::Told(exit::USAGE));
        }
    };
    let new = Cipher::new(new_key)?;
    if new.key_id() == old.key_id() {
        eprintln!("error: the new key is the key in use");
        return Err(CliError::Told(exit::USAGE));
    }
    let staged = match &source {
        KeySource::File(path) => {
            // The stored tokens open with the current key (checked above),
            // so a leftover staged key from a rotation that never committed
            // holds nothing and can go.
            let staged = path.with_extension("key.new");
            let _ = std::fs::remove_file(&staged);
            crate::vault::write_key_file(&staged, &new_key)?;
            Some((staged, path.clone()))
        }
        KeySource::Environment => None,
    };
    let outcome =
        store.reencrypt_connections(new.key_id(), |aad, sealed| old.open(aad, sealed).and_then(|plain| new.seal(aad, &plain))).await?;
    let count = match outcome {
        Ok(count) => count,
        Err(error) => {
            if let Some((staged, _)) = &staged {
                let _ = std::fs::remove_file(staged);
            }
            eprintln!("error: nothing was changed: {error}");
            return Err(CliError::Told(exit::FAILED));
        }
    };
    match staged {
        Some((staged, path)) => {
            std::fs::rename(&staged, &path)
                .with_context(|| format!("re-encrypted, but cannot move {} to {}", staged.display(), path.display()))?;
            println!("re-encrypted {count} connection(s) under key {} (written to {})", new.key_id(), path.display());
        }
        None => println!("re-encrypted {count} connection(s) under key {}; now set SWITCHBOARD_VAULT_KEY to the new key", new.key_id()),
    }
    Ok(())
}
