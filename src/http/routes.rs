//! HTTP route triggers: the `/s/*` catch-all that matches each function's
//! `httpRouteTriggerSettings` (path-to-regexp `:param` syntax, method must
//! match), builds Twenty's `RoutePayload`, runs the function through the
//! engine and maps its result to a response as Twenty does (reference
//! twenty-apps.md §3.3).

use super::ApiKeys;
use crate::domain::{ExecutionStatus, FunctionRef, HttpMethod, Invocation, RequestContext, RequestContextHttp, RoutePayload, TriggerKind};
use crate::engine::Engine;
use crate::registry::{AppSnapshot, Registry};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Response headers a function may set on a `/s/` route (Twenty's list).
const ALLOWED_RESPONSE_HEADERS: &[&str] = &["content-type", "content-language", "content-disposition", "cache-control", "retry-after"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param {
        name: String,
        optional: bool,
    },
    /// `*` or `*name`: the rest of the path.
    Rest(String),
}

/// One function's route.
#[derive(Clone)]
struct Route {
    segments: Vec<Segment>,
    method: HttpMethod,
    auth: bool,
    forwarded: Vec<String>,
    app: Arc<AppSnapshot>,
    function: String,
}

fn compile(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|part| !part.is_empty())
        .map(|part| {
            if let Some(name) = part.strip_prefix(':') {
                match name.strip_suffix('?') {
                    Some(name) => Segment::Param { name: name.to_owned(), optional: true },
                    None => Segment::Param { name: name.to_owned(), optional: false },
                }
            } else if let Some(name) = part.strip_prefix('*') {
                Segment::Rest(if name.is_empty() { "0".to_owned() } else { name.to_owned() })
            } else {
                Segment::Literal(part.to_owned())
            }
        })
        .collect()
}

fn decode(part: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", part.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| part.to_owned())
}

/// Matches `path` against `segments`, returning the path parameters.
fn matches(segments: &[Segment], path: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let mut params = BTreeMap::new();
    let mut index = 0;
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Literal(literal) => {
                if parts.get(index).map(|part| decode(part)) != Some(literal.clone()) {
                    return None;
                }
                index += 1;
            }
            Segment::Param { name, optional } => match parts.get(index) {
                Some(part) => {
                    params.insert(name.clone(), decode(part));
                    index += 1;
                }
                None if *optional => {}
                None => return None,
            },
            Segment::Rest(name) => {
                if position + 1 != segments.len() || index >= parts.len() {
                    return None;
                }
                let rest: Vec<String> = parts[index..].iter().map(|part| decode(part)).collect();
                params.insert(name.clone(), rest.join("/"));
                index = parts.len();
            }
        }
    }
    (index == parts.len()).then_some(params)
}

fn method_of(method: &Method) -> Option<HttpMethod> {
    Some(match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => return None,
    })
}

fn method_name(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
    }
}

fn build_routes(apps: &[Arc<AppSnapshot>]) -> Vec<Route> {
    let mut routes = Vec::new();
    for app in apps {
        for function in &app.functions {
            if let Some(settings) = &function.manifest.http_route_trigger_settings {
                routes.push(Route {
                    segments: compile(&settings.path),
                    method: settings.http_method,
                    auth: settings.is_auth_required,
                    forwarded: settings
                        .forwarded_request_headers
                        .clone()
                        .unwrap_or_default()
                        .iter()
                        .map(|h| h.to_ascii_lowercase())
                        .collect(),
                    app: app.clone(),
                    function: function.manifest.universal_identifier.clone(),
                });
            }
        }
    }
    routes
}

/// The route table cached with the generation of the app list it came from.
type RouteCache = Arc<Mutex<Option<(u64, Arc<Vec<Route>>)>>>;

/// What the route handler needs.
#[derive(Clone)]
pub struct RouteState {
    pub engine: Engine,
    pub registry: Registry,
    pub keys: ApiKeys,
    /// Largest accepted request body (default 10 MB).
    pub max_body_bytes: usize,
    cache: RouteCache,
}

impl std::fmt::Debug for RouteState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteState").field("max_body_bytes", &self.max_body_bytes).finish()
    }
}

impl RouteState {
    pub fn new(engine: Engine, registry: Registry, keys: ApiKeys, max_body_bytes: usize) -> Self {
        Self { engine, registry, keys, max_body_bytes, cache: Arc::default() }
    }

    /// The routes of the current apps, rebuilt when the registry changes.
    fn routes(&self) -> Arc<Vec<Route>> {
        let (key, apps) = self.registry.generation();
        let Ok(mut cache) = self.cache.lock() else { return Arc::new(build_routes(&apps)) };
        match cache.as_ref() {
            Some((cached, routes)) if *cached == key => routes.clone(),
            _ => {
                let routes = Arc::new(build_routes(&apps));
                *cache = Some((key, routes.clone()));
                routes
            }
        }
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    super::ApiError::new(status, message).into_response()
}

/// Request headers never handed to app code, whatever a route's
/// `forwardedRequestHeaders` says: they carry the caller's credentials (an
/// API key is an administrator's), which app code must not be able to
/// replay against the gateway or anywhere else.
pub const WITHHELD_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization", "x-api-key"];

fn forwarded_headers(headers: &HeaderMap, forwarded: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in forwarded.iter().filter(|name| !WITHHELD_HEADERS.contains(&name.as_str())) {
        let values: Vec<&str> = headers.get_all(name.as_str()).iter().filter_map(|value| value.to_str().ok()).collect();
        if !values.is_empty() {
            out.insert(name.clone(), values.join(", "));
        }
    }
    out
}

fn query_parameters(query: Option<&str>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        out.entry(key.into_owned())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    out
}

fn body_value(bytes: &Bytes) -> (Value, Option<String>) {
    if bytes.is_empty() {
        return (Value::Null, None);
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let body = serde_json::from_str::<Value>(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (body, Some(text))
}

/// Checks the bearer key of an `isAuthRequired` route; the refusal to send otherwise.
fn authorize(keys: &ApiKeys, headers: &HeaderMap) -> Option<Response> {
    match super::bearer_token(headers) {
        None => Some(super::unauthorized("this route requires Authorization: Bearer <API key>")),
        Some(key) if keys.accepts(key) => None,
        Some(_) => Some(error(StatusCode::FORBIDDEN, "the API key is not valid for this route")),
    }
}

/// Turns a function's result into Twenty's route response.
fn respond(data: Value) -> Response {
    if data.get("__twentyHttpResponse") == Some(&Value::Bool(true)) {
        let status = data
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|code| u16::try_from(code).ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::OK);
        let mut response = respond(data.get("body").cloned().unwrap_or(Value::Null));
        *response.status_mut() = status;
        if let Some(Value::Object(headers)) = data.get("headers") {
            for (name, value) in headers {
                let lower = name.to_ascii_lowercase();
                if !ALLOWED_RESPONSE_HEADERS.contains(&lower.as_str()) {
                    continue;
                }
                let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(lower.as_bytes()), HeaderValue::from_str(&text)) {
                    response.headers_mut().insert(name, value);
                }
            }
        }
        return response;
    }
    match data {
        Value::Null => StatusCode::OK.into_response(),
        Value::String(text) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        other => axum::Json(other).into_response(),
    }
}

/// `ANY /s/*`: runs the function whose route matches.
pub async fn handle(State(state): State<RouteState>, request: Request) -> Response {
    let method = request.method().clone();
    let full_path = request.uri().path().to_owned();
    let path = full_path.strip_prefix("/s").unwrap_or(&full_path).to_owned();
    let query = request.uri().query().map(str::to_owned);
    let routes = state.routes();
    let candidates: Vec<(&Route, BTreeMap<String, String>)> =
        routes.iter().filter_map(|route| matches(&route.segments, &path).map(|params| (route, params))).collect();
    if candidates.is_empty() {
        return error(StatusCode::NOT_FOUND, format!("no route matches {method} {path}"));
    }
    let wanted = method_of(&method);
    let Some((route, params)) = candidates.iter().find(|(route, _)| Some(route.method) == wanted) else {
        let mut allow: Vec<&str> = candidates.iter().map(|(route, _)| method_name(route.method)).collect();
        allow.sort_unstable();
        allow.dedup();
        let mut response = error(StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}; use {}", allow.join(", ")));
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    };
    if route.auth
        && let Some(response) = authorize(&state.keys, request.headers())
    {
        return response;
    }
    let headers = forwarded_headers(request.headers(), &route.forwarded);
    let bytes = match axum::body::to_bytes(request.into_body(), state.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {} bytes", state.max_body_bytes)),
    };
    let (body, raw_body) = body_value(&bytes);
    let payload = RoutePayload {
        headers,
        query_string_parameters: query_parameters(query.as_deref()),
        path_parameters: params.clone(),
        body,
        raw_body,
        is_base64_encoded: false,
        request_context: RequestContext { http: RequestContextHttp { method: method.to_string(), path: full_path.clone() } },
        user_workspace_id: None,
    };
    let payload = match serde_json::to_string(&payload) {
        Ok(payload) => payload,
        Err(problem) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot build the payload: {problem}")),
    };
    let invocation = Invocation {
        function: FunctionRef(route.function.clone()),
        trigger: TriggerKind::HttpRoute,
        payload,
        context: state.engine.context(),
        detail: serde_json::json!({ "method": method.to_string(), "path": full_path }),
        cascade: Default::default(),
    };
    match state.engine.invoke(&route.app, invocation).await {
        Ok(result) if result.status == ExecutionStatus::Success => respond(result.data),
        Ok(result) => {
            let message = result.error.map(|e| e.error_message).unwrap_or_else(|| "the function failed".to_owned());
            error(StatusCode::INTERNAL_SERVER_ERROR, message)
        }
        Err(crate::engine::Error::Sandbox(problem)) => error(StatusCode::SERVICE_UNAVAILABLE, problem.to_string()),
        Err(problem) => error(StatusCode::INTERNAL_SERVER_ERROR, problem.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_to_regexp_parameters() {
        let route = compile("/items/:id/notes/:note?");
        let params = matches(&route, "/items/42/notes").expect("matches without the optional part");
        assert_eq!(params.get("id").map(String::as_str), Some("42"));
        let params = matches(&route, "/items/a%20b/notes/7").expect("matches with it");
        assert_eq!(params.get("id").map(String::as_str), Some("a b"));
        assert_eq!(params.get("note").map(String::as_str), Some("7"));
        assert!(matches(&route, "/items").is_none());
        assert!(matches(&route, "/items/1/notes/2/3").is_none());
        let rest = compile("/files/*path");
        assert_eq!(matches(&rest, "/files/a/b.txt").and_then(|p| p.get("path").cloned()).as_deref(), Some("a/b.txt"));
        assert!(matches(&compile("/"), "/").is_some());
    }

    #[test]
    fn query_repeats_join_with_commas() {
        let query = query_parameters(Some("a=1&b=x%20y&a=2"));
        assert_eq!(query.get("a").map(String::as_str), Some("1,2"));
        assert_eq!(query.get("b").map(String::as_str), Some("x y"));
    }
}
