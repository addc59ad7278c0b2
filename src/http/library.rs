//! Skills and agents over HTTP, the same operations as the CLI:
//! `GET /api/{skills|agents}`, `GET …/{name}?version=REF`,
//! `GET …/{name}/versions`, `GET …/{name}/diff?from=A&to=B` and
//! `PUT …/{name}/labels/{label}` with `{"version", "force"?, "protect"?}`.

use super::ApiError;
pub use crate::library::Served;
use crate::library::{Catalog, Error, Kind};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

type Params = Query<BTreeMap<String, String>>;

fn catalog(served: &Served) -> Result<Arc<Catalog>, ApiError> {
    served.get().ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no skills or agents are loaded"))
}

fn failure(error: Error) -> Response {
    let status = match &error {
        Error::Unknown { .. } | Error::UnknownVersion { .. } => StatusCode::NOT_FOUND,
        Error::Protected { .. } => StatusCode::CONFLICT,
        Error::BadLabel(_) | Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::Write { .. } | Error::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, error.to_string()).into_response()
}

async fn list(served: Served, kind: Kind) -> Response {
    let catalog = match catalog(&served) {
        Ok(catalog) => catalog,
        Err(response) => return response.into_response(),
    };
    let mut items = Vec::new();
    for entry in catalog.of(kind) {
        let labels = match catalog.labels(kind, &entry.item.name).await {
            Ok(labels) => labels,
            Err(error) => return failure(error),
        };
        let labels: BTreeMap<String, i64> = labels.into_iter().map(|label| (label.label, label.version)).collect();
        items.push(json!({
            "name": entry.item.name,
            "description": entry.item.description,
            "version": entry.version,
            "labels": labels,
            "source": entry.source,
        }));
    }
    Json(Value::Array(items)).into_response()
}

async fn show(served: Served, kind: Kind, name: String, params: BTreeMap<String, String>) -> Response {
    let catalog = match catalog(&served) {
        Ok(catalog) => catalog,
        Err(response) => return response.into_response(),
    };
    match catalog.resolve(kind, &name, params.get("version").map(String::as_str)).await {
        Ok(resolved) => {
            let markdown = resolved.item.to_markdown();
            let mut value = serde_json::to_value(&resolved).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("markdown".into(), Value::String(markdown));
            }
            Json(value).into_response()
        }
        Err(error) => failure(error),
    }
}

async fn versions(served: Served, kind: Kind, name: String) -> Response {
    let catalog = match catalog(&served) {
        Ok(catalog) => catalog,
        Err(response) => return response.into_response(),
    };
    match catalog.versions(kind, &name).await {
        Ok(versions) => Json(versions).into_response(),
        Err(error) => failure(error),
    }
}

async fn diff(served: Served, kind: Kind, name: String, params: BTreeMap<String, String>) -> Response {
    let (Some(from), Some(to)) = (params.get("from"), params.get("to")) else {
        return ApiError::new(StatusCode::BAD_REQUEST, "query parameters from and to are required (version numbers or labels)")
            .into_response();
    };
    let catalog = match catalog(&served) {
        Ok(catalog) => catalog,
        Err(response) => return response.into_response(),
    };
    match catalog.diff(kind, &name, from, to).await {
        Ok(diff) => Json(json!({ "from": from, "to": to, "diff": diff })).into_response(),
        Err(error) => failure(error),
    }
}

async fn label(served: Served, kind: Kind, name: String, label: String, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {error}")).into_response(),
    };
    let version = match request.get("version") {
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) => text.clone(),
        _ => return ApiError::new(StatusCode::BAD_REQUEST, "body /version: required, a version number or label").into_response(),
    };
    let flag = |key: &str| request.get(key).and_then(Value::as_bool).unwrap_or(false);
    let catalog = match catalog(&served) {
        Ok(catalog) => catalog,
        Err(response) => return response.into_response(),
    };
    match catalog.set_label(kind, &name, &version, &label, flag("force"), flag("protect")).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(error) => failure(error),
    }
}

fn routes_for(kind: Kind) -> Router<Served> {
    let base = format!("/api/{}", kind.plural());
    Router::new()
        .route(&base, get(move |State(served): State<Served>| list(served, kind)))
        .route(
            &format!("{base}/{{name}}"),
            get(move |State(served): State<Served>, Path(name): Path<String>, Query(params): Params| show(served, kind, name, params)),
        )
        .route(
            &format!("{base}/{{name}}/versions"),
            get(move |State(served): State<Served>, Path(name): Path<String>| versions(served, kind, name)),
        )
        .route(
            &format!("{base}/{{name}}/diff"),
            get(move |State(served): State<Served>, Path(name): Path<String>, Query(params): Params| diff(served, kind, name, params)),
        )
        .route(
            &format!("{base}/{{name}}/labels/{{label}}"),
            put(move |State(served): State<Served>, Path((name, label_name)): Path<(String, String)>, body: Bytes| {
                label(served, kind, name, label_name, body)
            }),
        )
}

/// The `/api/skills` and `/api/agents` routes (wrap them with the API-key middleware).
pub fn router(served: Served) -> Router {
    routes_for(Kind::Skill).merge(routes_for(Kind::Agent)).with_state(served)
}
