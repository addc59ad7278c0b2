//! The JSON API under `/api`: the served apps (`GET /api/apps`, with the
//! files left out of each), the runtime pool (`GET /api/pool`), manual runs (`POST /api/functions/{name}/execute`,
//! answering what `switchboard run` prints) and workflow actions
//! (`GET /api/workflow-actions`, `POST /api/workflow-actions/{name}`) so
//! Twenty's workflows or any workflow engine can call the functions.

use super::ApiError;
use super::routes::RouteState;
use crate::domain::{ExecutionResult, ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::registry::{AppSnapshot, FunctionEntry};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

fn find(state: &RouteState, name: &str) -> Option<(Arc<AppSnapshot>, FunctionEntry)> {
    state.registry.apps().iter().find_map(|app| app.find(name).map(|function| (app.clone(), function.clone())))
}

fn parse_body(bytes: &Bytes) -> Result<String, ApiError> {
    if bytes.is_empty() {
        return Ok("{}".to_owned());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(_) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Err(problem) => Err(ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {problem}"))),
    }
}

async fn invoke(
    state: &RouteState,
    app: &AppSnapshot,
    function: &FunctionEntry,
    trigger: TriggerKind,
    payload: String,
    detail: Value,
) -> Result<ExecutionResult, ApiError> {
    let invocation = Invocation {
        function: FunctionRef(function.manifest.universal_identifier.clone()),
        trigger,
        payload,
        context: state.engine.context(),
        detail,
        cascade: Default::default(),
    };
    state.engine.invoke(app, invocation).await.map_err(|problem| match problem {
        crate::engine::Error::Sandbox(problem) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, problem.to_string()),
        problem => ApiError::new(StatusCode::BAD_REQUEST, problem.to_string()),
    })
}

/// `POST /api/functions/{name}/execute`: the execution result, whatever its status.
async fn execute(State(state): State<RouteState>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some((app, function)) = find(&state, &name) else {
        return error(StatusCode::NOT_FOUND, format!("unknown function \"{name}\""));
    };
    let payload = match parse_body(&body) {
        Ok(payload) => payload,
        Err(problem) => return problem.into_response(),
    };
    match invoke(&state, &app, &function, TriggerKind::Manual, payload, serde_json::json!({ "via": "POST /api/functions/{name}/execute" }))
        .await
    {
        Ok(result) => Json(result).into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// Twenty's workflow InputSchema node as JSON Schema.
fn input_schema_to_json_schema(node: &Value) -> Value {
    let mut out = Map::new();
    match node.get("type").and_then(Value::as_str) {
        Some(kind @ ("string" | "number" | "boolean")) => {
            out.insert("type".into(), json!(kind));
        }
        Some("array") => {
            out.insert("type".into(), json!("array"));
            if let Some(items) = node.get("items") {
                out.insert("items".into(), input_schema_to_json_schema(items));
            }
        }
        Some("object") => {
            out.insert("type".into(), json!("object"));
            if let Some(Value::Object(properties)) = node.get("properties") {
                let converted: Map<String, Value> = properties.iter().map(|(k, v)| (k.clone(), input_schema_to_json_schema(v))).collect();
                out.insert("properties".into(), Value::Object(converted));
            }
        }
        Some("record") => {
            out.insert("type".into(), json!("string"));
            out.insert("description".into(), json!("Id of the linked record"));
        }
        Some("records") => {
            out.insert("type".into(), json!("array"));
            out.insert("items".into(), json!({ "type": "string", "description": "Id of the linked record" }));
        }
        _ => {}
    }
    if let Some(values) = node.get("enum") {
        out.insert("enum".into(), values.clone());
    }
    if let Some(label) = node.get("label") {
        out.insert("title".into(), label.clone());
    }
    Value::Object(out)
}

fn schema_pair(schema: Option<&Vec<Value>>) -> (Value, Value) {
    match schema {
        None => (Value::Null, Value::Null),
        Some(nodes) => {
            let json_schema = match nodes.as_slice() {
                [single] => input_schema_to_json_schema(single),
                many => json!({ "type": "array", "prefixItems": many.iter().map(input_schema_to_json_schema).collect::<Vec<_>>() }),
            };
            (Value::Array(nodes.clone()), json_schema)
        }
    }
}

/// `GET /api/workflow-actions`.
async fn list_actions(State(state): State<RouteState>) -> Response {
    let mut actions = Vec::new();
    for app in state.registry.apps().iter() {
        for function in &app.functions {
            let Some(settings) = &function.manifest.workflow_action_trigger_settings else { continue };
            let (input, input_json) = schema_pair(settings.input_schema.as_ref());
            let (output, output_json) = schema_pair(settings.output_schema.as_ref());
            actions.push(json!({
                "name": function.name,
                "universalIdentifier": function.manifest.universal_identifier,
                "label": settings.label.clone().unwrap_or_else(|| function.name.clone()),
                "icon": settings.icon,
                "description": function.manifest.description,
                "inputSchema": input,
                "outputSchema": output,
                "inputJsonSchema": input_json,
                "outputJsonSchema": output_json,
            }));
        }
    }
    Json(json!({ "workflowActions": actions })).into_response()
}

/// `POST /api/workflow-actions/{name}`: runs the action with the step input.
async fn run_action(State(state): State<RouteState>, Path(name): Path<String>, body: Bytes) -> Response {
    let Some((app, function)) = find(&state, &name) else {
        return error(StatusCode::NOT_FOUND, format!("unknown workflow action \"{name}\""));
    };
    if function.manifest.workflow_action_trigger_settings.is_none() {
        return error(StatusCode::NOT_FOUND, format!("\"{name}\" is not a workflow action (it has no workflowActionTriggerSettings)"));
    }
    let payload = match parse_body(&body) {
        Ok(payload) => payload,
        Err(problem) => return problem.into_response(),
    };
    match invoke(
        &state,
        &app,
        &function,
        TriggerKind::WorkflowAction,
        payload,
        serde_json::json!({ "via": "POST /api/workflow-actions/{name}" }),
    )
    .await
    {
        Ok(result) if result.status == ExecutionStatus::Success => Json(json!({ "data": result.data })).into_response(),
        Ok(result) => {
            let error = result.error.map(|e| json!({ "errorType": e.error_type, "errorMessage": e.error_message }));
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": error }))).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

/// `GET /api/apps`: each served app with its functions, and the files left
/// out of it with the reason (a file that cannot load disables only what
/// it defines).
async fn list_apps(State(state): State<RouteState>) -> Response {
    let apps: Vec<Value> = state
        .registry
        .apps()
        .iter()
        .map(|app| {
            let application = &app.app.manifest.application;
            let disabled: Vec<Value> = app
                .app
                .disabled
                .iter()
                .map(|problem| json!({ "file": problem.file, "field": problem.field, "message": problem.message }))
                .collect();
            json!({
                "universalIdentifier": application.universal_identifier,
                "displayName": application.display_name,
                "functions": app.function_names(),
                "disabled": disabled,
            })
        })
        .collect();
    Json(json!({ "apps": apps })).into_response()
}

/// A number of this process's `/proc/self/status` (`Threads`, `VmRSS` in kB).
fn process_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field) && line[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].split_whitespace().next()?.parse().ok()
}

/// `GET /api/pool`: the runtimes alive (per app, idle or busy), spares,
/// boots, evictions, the bounds, the pool's memory estimate, and the
/// process's threads and RSS.
async fn pool(State(state): State<RouteState>) -> Response {
    let pool = state.engine.pool();
    let (stats, options) = (pool.stats(), pool.options());
    let apps = state.registry.apps();
    let by_app: Vec<Value> = pool
        .by_app()
        .into_iter()
        .map(|entry| {
            let served = apps.iter().find(|app| app.app.code.key() == entry.app);
            json!({
                "universalIdentifier": served.map(|app| app.app.manifest.application.universal_identifier.clone()),
                "displayName": served.map(|app| app.app.manifest.application.display_name.clone()),
                "served": served.is_some(),
                "idle": entry.idle,
                "busy": entry.busy,
            })
        })
        .collect();
    Json(json!({
        "runtimes": {
            "alive": stats.live,
            "idle": stats.idle,
            "busy": stats.busy,
            "spares": stats.spares,
            "booting": stats.booting,
        },
        "waiting": stats.waiting,
        "boots": stats.boots,
        "evictions": stats.evictions,
        "discarded": stats.discarded,
        "apps": by_app,
        "bounds": {
            "concurrency": options.concurrency,
            "maxRuntimes": options.max_runtimes,
            "spares": options.spares,
            "minWarmPerApp": options.min_warm_per_app,
            "maxRuntimesPerApp": options.max_per_app,
        },
        "memory": {
            "runtimeMiB": options.runtime_mib,
            "estimateMiB": stats.live * options.runtime_mib,
            "budgetMiB": options.max_runtimes * options.runtime_mib,
            "processRssMiB": process_status("VmRSS").map(|kib| kib / 1024),
        },
        "threads": process_status("Threads"),
    }))
    .into_response()
}

/// The `/api` routes (wrap them with the API-key middleware).
pub fn router(state: RouteState) -> Router {
    Router::new()
        .route("/api/apps", get(list_apps))
        .route("/api/pool", get(pool))
        .route("/api/functions/{name}/execute", post(execute))
        .route("/api/workflow-actions", get(list_actions))
        .route("/api/workflow-actions/{name}", post(run_action))
        .route("/api/runs", get(super::runs::list))
        .route("/api/runs/{id}", get(super::runs::one))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_input_schema_becomes_json_schema() {
        let converted = input_schema_to_json_schema(&json!({
            "type": "object",
            "properties": {
                "employees": { "type": "number", "label": "Employees" },
                "company": { "type": "record", "objectUniversalIdentifier": "x" },
                "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] } },
                "anything": { "type": "unknown" }
            }
        }));
        assert_eq!(
            converted,
            json!({
                "type": "object",
                "properties": {
                    "employees": { "type": "number", "title": "Employees" },
                    "company": { "type": "string", "description": "Id of the linked record" },
                    "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] } },
                    "anything": {}
                }
            })
        );
    }
}
