//! Run history over HTTP: `GET /api/runs?function=&status=&trigger=&limit=&cursor=`
//! (newest first, `{runs, nextCursor}`) and `GET /api/runs/{id}`. Both sit
//! behind the API-key middleware like the rest of `/api`.

use super::ApiError;
use super::routes::RouteState;
use crate::domain::TriggerKind;
use crate::store::{RunFilter, RunRecord, RunStatus, Store};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

const PARAMETERS: &[&str] = &["function", "status", "trigger", "limit", "cursor"];

fn filter(query: &BTreeMap<String, String>) -> Result<RunFilter, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, message);
    if let Some(unknown) = query.keys().find(|key| !PARAMETERS.contains(&key.as_str())) {
        return Err(bad(format!("unknown query parameter {unknown:?}; use {}", PARAMETERS.join(", "))));
    }
    let status = match query.get("status") {
        Some(text) => {
            Some(RunStatus::parse(text).ok_or_else(|| bad(format!("query parameter status: {text:?} is not SUCCESS, ERROR or SKIPPED")))?)
        }
        None => None,
    };
    let trigger = match query.get("trigger") {
        Some(text) => Some(TriggerKind::parse(text).ok_or_else(|| {
            bad(format!("query parameter trigger: {text:?} is not manual, http_route, cron, database_event, tool or workflow_action"))
        })?),
        None => None,
    };
    let limit = match query.get("limit") {
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=1000).contains(&limit) => limit,
            _ => return Err(bad(format!("query parameter limit: {text:?} is not a whole number from 1 to 1000"))),
        },
        None => 50,
    };
    Ok(RunFilter { function: query.get("function").cloned(), status, trigger, limit, cursor: query.get("cursor").cloned() })
}

/// `GET /api/runs`.
pub async fn list(State(state): State<RouteState>, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let Some(store) = state.engine.store() else {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no store is attached").into_response();
    };
    let filter = match filter(&query) {
        Ok(filter) => filter,
        Err(problem) => return problem.into_response(),
    };
    match store.runs(&filter).await {
        Ok(page) => {
            let runs: Vec<serde_json::Value> = page.runs.iter().map(RunRecord::to_json).collect();
            Json(serde_json::json!({ "runs": runs, "nextCursor": page.next_cursor })).into_response()
        }
        Err(problem @ crate::store::Error::BadCursor(_)) => {
            ApiError::new(StatusCode::BAD_REQUEST, format!("query parameter cursor: {problem}")).into_response()
        }
        Err(problem) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, problem.to_string()).into_response(),
    }
}

/// `GET /api/runs/{id}`.
pub async fn one(State(state): State<RouteState>, Path(id): Path<String>) -> Response {
    let Some(store) = state.engine.store() else {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no store is attached").into_response();
    };
    match store.run(&id).await {
        Ok(Some(run)) => Json(run.to_json()).into_response(),
        Ok(None) => ApiError::new(StatusCode::NOT_FOUND, format!("no run {id:?}")).into_response(),
        Err(problem) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, problem.to_string()).into_response(),
    }
}
