//! The HTTP side of the gateway: the health endpoint, the API-key check that
//! guards protected routes, the `/s/*` route triggers, the `/api` JSON
//! endpoints (runs, workflow actions, events, connections), the OAuth
//! callback, Twenty's webhook receiver and the embedded workspace's REST
//! and GraphQL APIs. [`router`] puts them together, with the API-key check
//! applied once over everything that needs it. `app` hands it the MCP
//! service for `/mcp` as a plain router; this module knows nothing of MCP.

pub mod api;
pub mod connections;
pub mod events;
pub mod guard;
pub mod library;
pub mod routes;
pub mod runs;
pub mod server;
pub mod workspace;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// An HTTP error with a JSON body `{"error": message}`: the one error type
/// of the HTTP adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// What `/healthz` reports: app count and a live tool counter.
#[derive(Clone)]
pub struct Health {
    pub apps: usize,
    pub tools: Arc<dyn Fn() -> usize + Send + Sync>,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health").field("apps", &self.apps).finish()
    }
}

/// `GET /healthz`.
fn health_router(health: Health) -> Router {
    Router::new().route(
        "/healthz",
        get(move || {
            let health = health.clone();
            async move {
                Json(json!({
                    "status": "ok",
                    "apps": health.apps,
                    "tools": (health.tools)(),
                    "runsNotRecorded": crate::store::runs_not_recorded(),
                }))
            }
        }),
    )
}

/// Everything `serve` answers over HTTP, as `app` builds it.
pub struct Parts {
    pub keys: ApiKeys,
    /// The `Host`/`Origin` allow-lists every request passes.
    pub allowed: guard::Allowed,
    pub health: Health,
    /// The MCP service, mounted at `/mcp` behind the key check.
    pub mcp: Router,
    pub routes: routes::RouteState,
    pub events: events::EventState,
    pub connections: connections::ConnectionsState,
    pub library: library::Served,
    /// The embedded workspace's REST and GraphQL APIs, which check their own
    /// tokens; absent when runs use a remote Twenty.
    pub workspace: Option<Router>,
    /// Largest body of a route, `/api` or event request.
    pub max_route_body_bytes: usize,
}

/// Largest body of a skills/agents API request.
const MAX_LIBRARY_BODY: usize = 64 * 1024;

/// The whole HTTP surface of `serve`. Routes that need an API key sit in
/// one router wrapped once by [`require_api_key`]; the rest check callers
/// their own way: the health check is open, `/s/*` routes follow each
/// route's `isAuthRequired`, the webhook checks its signature, the OAuth
/// callback its `state`, and the workspace APIs their tokens. A path that
/// matches no route gets 401 without a key and 404 with one. Every request
/// passes the `Host`/`Origin` guard and gets a span.
pub fn router(parts: Parts) -> Router {
    let route_body = axum::extract::DefaultBodyLimit::max(parts.max_route_body_bytes);
    let protected = Router::new()
        .nest_service("/mcp", parts.mcp)
        .merge(api::router(parts.routes.clone()).layer(route_body))
        .merge(
            Router::new().route("/api/events", axum::routing::post(events::post_events)).layer(route_body).with_state(parts.events.clone()),
        )
        .merge(connections::protected(parts.connections.clone()))
        .merge(library::router(parts.library).layer(axum::extract::DefaultBodyLimit::max(MAX_LIBRARY_BODY)))
        // A path that matches nothing is answered behind the key check too,
        // so a caller without a key cannot tell which protected paths exist.
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(axum::middleware::from_fn_with_state(parts.keys, require_api_key));
    let open = Router::new()
        .route("/s", axum::routing::any(routes::handle))
        .route("/s/{*rest}", axum::routing::any(routes::handle))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(parts.routes)
        .merge(health_router(parts.health))
        .merge(
            Router::new().route("/webhooks/twenty", axum::routing::post(events::post_webhook)).layer(route_body).with_state(parts.events),
        )
        .merge(connections::callback_router(parts.connections))
        .merge(parts.workspace.unwrap_or_default());
    protected.merge(open).layer(axum::middleware::from_fn_with_state(parts.allowed, guard::check)).layer(axum::middleware::from_fn(trace))
}

/// The API keys that may call protected routes; empty means no check.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys(pub Arc<Vec<String>>);

impl ApiKeys {
    /// Whether `presented` is one of the keys, compared in constant time.
    pub fn accepts(&self, presented: &str) -> bool {
        let mut matched = false;
        for key in self.0.iter() {
            matched |= constant_time_eq(presented.as_bytes(), key.as_bytes());
        }
        matched
    }
}

/// Compares in time independent of where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (index, byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(index % b.len().max(1)).copied().unwrap_or(0));
    }
    difference == 0
}

/// The key in `Authorization: Bearer <key>`, if the header has one.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
}

/// 401 with `WWW-Authenticate: Bearer` and a JSON error.
pub(crate) fn unauthorized(message: &str) -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, Json(json!({ "error": message }))).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"switchboard\""));
    response
}

/// A span per HTTP request, so the runs it starts nest in it, ending with
/// an `info` line of its status and duration. Only the method and the
/// path's first segment (`/s`, `/mcp`, `/api`, ...) are logged: the rest of a
/// path and the query may carry what callers sent.
pub async fn trace(request: Request, next: Next) -> Response {
    let span = tracing::info_span!("http", method = %request.method(), area = tracing::field::Empty);
    if span.is_disabled() {
        // Logging below `info` (the default): nothing to measure or say.
        return next.run(request).await;
    }
    if let Some(segment) = request.uri().path().split('/').nth(1) {
        span.record("area", format!("/{segment}").as_str());
    }
    let started = std::time::Instant::now();
    let response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    span.in_scope(|| {
        tracing::info!(status = response.status().as_u16(), duration_ms = started.elapsed().as_millis() as u64, "request finished");
    });
    response
}

/// Middleware: requires `Authorization: Bearer <key>` with a configured key.
pub async fn require_api_key(State(keys): State<ApiKeys>, request: Request, next: Next) -> Response {
    if keys.0.is_empty() {
        return next.run(request).await;
    }
    let Some(presented) = bearer_token(request.headers()) else {
        return unauthorized("missing Authorization: Bearer <API key>");
    };
    if keys.accepts(presented) { next.run(request).await } else { unauthorized("invalid API key") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison_is_exact() {
        assert!(constant_time_eq(b"secret-key", b"secret-key"));
        assert!(!constant_time_eq(b"secret-key", b"secret-kez"));
        assert!(!constant_time_eq(b"secret", b"secret-key"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
