//! Connection endpoints: start a connect flow
//! (`GET /connections/{provider}/connect`), receive the provider's redirect
//! (`GET /auth/apps/callback`), poll a flow, list connections and
//! disconnect one (`/api/connections`). Everything but the callback needs
//! an API key when keys are configured; the callback is authenticated by
//! its signed, single-use `state`.

use super::{ApiError, ApiKeys, bearer_token};
use crate::vault::{Error, Vault};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

/// What the connection handlers share.
#[derive(Debug, Clone)]
pub struct ConnectionsState {
    pub keys: ApiKeys,
    /// Holds the vault, and runs the providers' `onConnectLogicFunction` /
    /// `onDisconnectLogicFunction`.
    pub engine: crate::engine::Engine,
    pub registry: crate::registry::Registry,
}

impl ConnectionsState {
    fn vault(&self) -> Result<&Vault, ApiError> {
        self.engine.vault().ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "connections are not served here"))
    }
}

/// Starts the provider's `onConnect`/`onDisconnect` function, if it declares
/// one, with Twenty's payload `{connectionProviderId,
/// connectionProviderName, connectedAccountId}`; not awaited (as in Twenty).
fn run_hook(state: &ConnectionsState, app_id: &str, provider_name: &str, connection_id: &str, hook: &'static str) {
    let apps = state.registry.apps();
    let Some(app) = apps.iter().find(|app| app.app.manifest.application.universal_identifier == app_id).cloned() else { return };
    let Some(provider) = app.app.manifest.connection_providers.iter().find(|provider| provider.name == provider_name) else { return };
    let Some(function) = provider.extra.get(hook).and_then(|value| value.get("universalIdentifier")).and_then(|id| id.as_str()) else {
        return;
    };
    let invocation = crate::domain::Invocation {
        function: crate::domain::FunctionRef(function.to_owned()),
        trigger: crate::domain::TriggerKind::Manual,
        payload: json!({
            "connectionProviderId": provider.universal_identifier,
            "connectionProviderName": provider.name,
            "connectedAccountId": connection_id,
        })
        .to_string(),
        context: state.engine.context(),
        detail: json!({ "hook": hook, "connection": connection_id }),
        cascade: Default::default(),
    };
    let engine = state.engine.clone();
    tokio::spawn(async move {
        if let Err(error) = engine.invoke(&app, invocation).await {
            tracing::warn!(%error, hook, "a connection hook could not run");
        }
    });
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let status = match &error {
            Error::UnknownProvider { .. } | Error::UnknownConnection(_) => StatusCode::NOT_FOUND,
            Error::AmbiguousProvider { .. } | Error::BadRequest(_) | Error::BadState(_) | Error::Refused { .. } => StatusCode::BAD_REQUEST,
            Error::NotConfigured { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Http(_) => StatusCode::BAD_GATEWAY,
            Error::AuthFailed { .. } | Error::HostNotAllowed { .. } => StatusCode::FORBIDDEN,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(%error, "connections");
        }
        ApiError::new(status, error.to_string())
    }
}

/// Routes that need an API key (the caller wraps them).
pub fn protected(state: ConnectionsState) -> Router {
    Router::new()
        .route("/connections/{provider}/connect", get(connect))
        .route("/api/connections", get(list))
        .route("/api/connections/{id}", axum::routing::delete(disconnect))
        .route("/api/connections/flows/{id}", get(flow))
        .with_state(state)
}

/// The OAuth redirect target; open to anyone holding a valid `state`.
pub fn callback_router(state: ConnectionsState) -> Router {
    Router::new().route("/auth/apps/callback", get(callback)).with_state(state)
}

#[derive(Debug, Deserialize)]
pub struct ConnectQuery {
    visibility: Option<String>,
    app: Option<String>,
    format: Option<String>,
}

/// `GET /connections/{provider}/connect?visibility=user|workspace[&app=ID][&format=json]`:
/// redirects to the provider (302), or with `format=json` answers
/// `{"url", "flowId"}` for clients that open the URL themselves.
async fn connect(
    State(state): State<ConnectionsState>,
    Path(provider): Path<String>,
    Query(query): Query<ConnectQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = if state.keys.0.is_empty() { None } else { bearer_token(&headers) };
    let requester = crate::vault::requester(key);
    let visibility = query.visibility.as_deref().unwrap_or("user");
    let json_answer = query.format.as_deref() == Some("json");
    let started = state.vault()?.start(&provider, query.app.as_deref(), visibility, &requester, !json_answer).await?;
    if json_answer {
        return Ok(Json(json!({ "url": started.url.as_str(), "flowId": started.flow_id })).into_response());
    }
    // A browser flow is bound to this browser: the callback must bring the
    // cookie back, so a forwarded link cannot complete it elsewhere.
    let cookie = started
        .binding
        .map(|binding| format!("{}={binding}; Path=/auth/apps/callback; Max-Age=600; HttpOnly; SameSite=Lax", crate::vault::BINDING_COOKIE))
        .unwrap_or_default();
    Ok((
        StatusCode::FOUND,
        [(header::LOCATION, started.url.to_string()), (header::CACHE_CONTROL, "no-store".to_owned()), (header::SET_COOKIE, cookie)],
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let body = format!("<!doctype html><meta charset=\"utf-8\"><title>{0}</title><h1>{0}</h1><p>{1}</p>", escape(title), escape(text));
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// `GET /auth/apps/callback?state=...&code=...` (or `&error=...`).
async fn callback(State(state): State<ConnectionsState>, Query(query): Query<CallbackQuery>, headers: HeaderMap) -> Response {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::vault::BINDING_COOKIE)
        .map(|(_, value)| value.to_owned());
    let Some(signed) = query.state.as_deref().filter(|value| !value.is_empty()) else {
        return page(StatusCode::BAD_REQUEST, "Connection failed", "The callback has no state parameter; nothing was stored.");
    };
    let error = query.error.as_deref().map(|code| (code, query.error_description.as_deref()));
    let vault = match state.vault() {
        Ok(vault) => vault,
        Err(error) => return page(error.status, "Connection failed", &error.message),
    };
    match vault.callback(signed, query.code.as_deref(), error, cookie.as_deref()).await {
        Ok(connection) => {
            run_hook(&state, &connection.app, &connection.provider, &connection.id, "onConnectLogicFunction");
            let who = connection.handle.as_ref().map(|handle| format!(" as {handle}")).unwrap_or_default();
            let text = format!("Connected {}{who} (connection {}). You can close this window.", connection.provider, connection.id);
            page(StatusCode::OK, "Connected", &text)
        }
        Err(error) => {
            let api: ApiError = error.into();
            page(api.status, "Connection failed", &api.message)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    provider: Option<String>,
}

/// `GET /api/connections[?provider=NAME]`: no tokens, ever.
async fn list(State(state): State<ConnectionsState>, Query(query): Query<ListQuery>) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(json!({ "connections": state.vault()?.list(query.provider.as_deref()).await? })))
}

/// `DELETE /api/connections/{id}`: revokes at the provider (RFC 7009) when
/// it has a revocation endpoint, then deletes.
async fn disconnect(State(state): State<ConnectionsState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let done = state.vault()?.disconnect(&id).await?;
    run_hook(&state, &done.app, &done.provider, &id, "onDisconnectLogicFunction");
    Ok(Json(json!({ "deleted": id, "revoked": done.revoked, "note": done.revocation_note })))
}

/// `GET /api/connections/flows/{id}`: `pending`, `exchanging`, `done` or `failed`.
async fn flow(State(state): State<ConnectionsState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    state.vault()?.flow(&id).await?.map(Json).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no connect flow {id}")))
}
