//! The embedded workspace over HTTP, in Twenty's shapes: the REST API at
//! `/rest/...` (list with `filter`, `order_by`, `limit`, cursors and
//! `depth`; get, create, batch create, update, update by filter, delete —
//! a destroy unless `soft_delete=true` — and restore) and the GraphQL API at
//! `/graphql`. Every call needs `Authorization: Bearer` with a run's token
//! or a gateway API key. REST errors are `{statusCode, error, messages}`;
//! GraphQL errors carry `extensions.code`. The same router answers the
//! sandbox's in-process requests ([`LocalApi`]).

use super::ApiKeys;
use crate::workspace::access::Principal;
use crate::workspace::graphql::Caller;
use crate::workspace::{Error, Find, Page, Target, Workspace, filter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// What the workspace endpoints share.
#[derive(Debug, Clone)]
pub struct WorkspaceState {
    pub workspace: Workspace,
    pub keys: ApiKeys,
}

/// The routes, with their state.
pub fn router(state: WorkspaceState, max_body: usize) -> axum::Router {
    axum::Router::new()
        .route("/rest/{*path}", axum::routing::any(rest))
        .route("/graphql", axum::routing::post(graphql))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// A REST error in Twenty's shape.
struct RestError(StatusCode, String);

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let name = match self.0 {
            StatusCode::BAD_REQUEST => "BadRequestException",
            StatusCode::UNAUTHORIZED => "UnauthorizedException",
            StatusCode::FORBIDDEN => "ForbiddenException",
            StatusCode::NOT_FOUND => "NotFoundException",
            StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowedException",
            _ => "InternalServerErrorException",
        };
        (self.0, Json(json!({ "statusCode": self.0.as_u16(), "error": name, "messages": [self.1] }))).into_response()
    }
}

impl From<Error> for RestError {
    fn from(error: Error) -> Self {
        let status = match &error {
            Error::BadRequest(_) | Error::Model(_) => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Store(_) | Error::Schema(_) => {
                tracing::error!(%error, "a workspace request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self(status, error.to_string())
    }
}

fn bad(message: impl Into<String>) -> RestError {
    RestError(StatusCode::BAD_REQUEST, message.into())
}

/// The caller behind `Authorization: Bearer`: a gateway API key is an
/// administrator; anything else must be a run's token.
fn principal(state: &WorkspaceState, headers: &HeaderMap) -> Result<Principal, Error> {
    let Some(token) = super::bearer_token(headers) else {
        return Err(Error::Unauthenticated(
            "missing Authorization: Bearer <token> (a run's TWENTY_APP_ACCESS_TOKEN, or a key from SWITCHBOARD_API_KEYS)".to_owned(),
        ));
    };
    if !state.keys.0.is_empty() && state.keys.accepts(token) {
        return Ok(Principal::Admin);
    }
    state.workspace.verify(token)
}

fn normal_uuid(text: &str) -> Option<String> {
    uuid::Uuid::parse_str(text).ok().map(|id| id.hyphenated().to_string())
}

fn capitalized(name: &str) -> String {
    crate::workspace::model::pascal(name)
}

async fn rest(
    State(state): State<WorkspaceState>,
    method: Method,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match rest_inner(&state, method, &path, &query, &headers, &body).await {
        Ok((status, value)) => (status, Json(value)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn body_json(body: &Bytes) -> Result<Value, RestError> {
    if body.is_empty() {
        return Err(bad("the request body is empty; send the record as JSON"));
    }
    serde_json::from_slice(body).map_err(|error| bad(format!("the request body is not valid JSON: {error}")))
}

fn query_filter(query: &HashMap<String, String>) -> Result<Option<Value>, RestError> {
    query
        .get("filter")
        .filter(|text| !text.trim().is_empty())
        .map(|text| filter::parse_rest_filter(text))
        .transpose()
        .map_err(RestError::from)
}

async fn rest_inner(
    state: &WorkspaceState,
    method: Method,
    path: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(StatusCode, Value), RestError> {
    let principal = principal(state, headers)?;
    let workspace = &state.workspace;
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|segment| !segment.is_empty()).collect();
    let invalid_path = || {
        bad(format!(
            "Query path '/rest/{path}' invalid. Valid examples: /rest/companies/id or /rest/companies or /rest/batch/companies or /rest/restore/companies/id"
        ))
    };
    let (mode, plural, id) = match segments.as_slice() {
        ["batch", plural] => ("batch", *plural, None),
        ["restore", plural] => ("restore", *plural, None),
        ["restore", plural, id] => ("restore", *plural, Some(*id)),
        [plural] => ("", *plural, None),
        [plural, id] => ("", *plural, Some(*id)),
        _ => return Err(invalid_path()),
    };
    // Ids are stored lower-case and hyphenated; any UUID spelling finds them.
    let id = match id {
        Some(id) => Some(normal_uuid(id).ok_or_else(|| bad(format!("'{id}' is not a valid UUID")))?),
        None => None,
    };
    let id = id.as_deref();
    let object = workspace.object_by_plural(plural)?;
    let (singular, plural_name) = (capitalized(&object.name_singular), capitalized(&object.name_plural));
    let depth = match query.get("depth").map(String::as_str) {
        None | Some("0") => 0,
        Some("1") => 1,
        Some(other) => return Err(bad(format!("'depth={other}' parameter invalid. Allowed values are 0, 1"))),
    };
    let one = |records: Vec<Value>| records.into_iter().next().unwrap_or(Value::Null);
    match (method.as_str(), mode, id) {
        ("GET", "", None) => {
            let limit = match query.get("limit") {
                None => None,
                Some(text) => match text.parse::<i64>() {
                    Ok(0) => None,
                    Ok(count) if count > 0 => Some(count),
                    _ => return Err(bad(format!("limit '{text}' is invalid. Should be an integer"))),
                },
            };
            let order_by = query.get("order_by").map(|text| filter::parse_rest_order(text)).transpose()?;
            let before = query.get("ending_before").cloned();
            let args = Find {
                filter: query_filter(query)?,
                order_by,
                first: if before.is_some() { None } else { limit },
                last: if before.is_some() { Some(limit.unwrap_or(crate::workspace::DEFAULT_PAGE)) } else { None },
                after: query.get("starting_after").cloned(),
                before,
                offset: None,
            };
            let page = workspace.find(&principal, &object, args).await?;
            let Page { records, .. } = &page;
            let records = with_relations(workspace, &principal, &object, records.clone(), depth).await?;
            let mut data = Map::new();
            data.insert(object.name_plural.clone(), Value::Array(records));
            Ok((StatusCode::OK, json!({ "data": data, "totalCount": page.total, "pageInfo": page.page_info() })))
        }
        ("GET", "", Some(id)) => {
            let found = workspace.find_one(&principal, &object, &json!({ "id": { "eq": id } })).await?;
            let Some(record) = found else {
                return Err(RestError(StatusCode::NOT_FOUND, format!("Record not found: no {} record has id {id}", object.name_singular)));
            };
            let record = one(with_relations(workspace, &principal, &object, vec![record], depth).await?);
            Ok((StatusCode::OK, json!({ "data": { object.name_singular.clone(): record } })))
        }
        ("POST", "", None) => {
            let input = body_json(body)?;
            let created = workspace.create(&principal, &object, &[input], "body", false).await?;
            Ok((StatusCode::CREATED, json!({ "data": { format!("create{singular}"): one(created) } })))
        }
        ("POST", "batch", None) => {
            let Value::Array(inputs) = body_json(body)? else { return Err(bad("a batch body must be a JSON array of records")) };
            if inputs.len() as i64 > crate::workspace::MAX_PAGE {
                return Err(bad(format!("{} records in one batch; the most is {}", inputs.len(), crate::workspace::MAX_PAGE)));
            }
            let created = workspace.create(&principal, &object, &inputs, "body", true).await?;
            Ok((StatusCode::CREATED, json!({ "data": { format!("create{plural_name}"): created } })))
        }
        ("PATCH" | "PUT", "", target) => {
            let input = body_json(body)?;
            match target {
                Some(id) => {
                    let updated = workspace.update(&principal, &object, Target::Id(id), &input).await?;
                    Ok((StatusCode::OK, json!({ "data": { format!("update{singular}"): one(updated) } })))
                }
                None => {
                    let filter = query_filter(query)?.ok_or_else(|| bad("updating many records needs ?filter=..."))?;
                    let updated = workspace.update(&principal, &object, Target::Filter(&filter), &input).await?;
                    Ok((StatusCode::OK, json!({ "data": { format!("update{plural_name}"): updated } })))
                }
            }
        }
        ("PATCH", "restore", target) => match target {
            Some(id) => {
                let restored = workspace.restore(&principal, &object, Target::Id(id)).await?;
                Ok((StatusCode::OK, json!({ "data": { format!("restore{singular}"): one(restored) } })))
            }
            None => {
                let filter = query_filter(query)?.ok_or_else(|| bad("restoring many records needs ?filter=..."))?;
                let restored = workspace.restore(&principal, &object, Target::Filter(&filter)).await?;
                Ok((StatusCode::OK, json!({ "data": { format!("restore{plural_name}"): restored } })))
            }
        },
        ("DELETE", "", target) => {
            let soft = query.get("soft_delete").map(String::as_str) == Some("true");
            let filter = match target {
                Some(_) => None,
                None => Some(query_filter(query)?.ok_or_else(|| bad("deleting many records needs ?filter=..."))?),
            };
            let selected = match (target, &filter) {
                (Some(id), _) => Target::Id(id),
                (None, Some(filter)) => Target::Filter(filter),
                (None, None) => return Err(invalid_path()),
            };
            let removed = if soft {
                workspace.soft_delete(&principal, &object, selected).await?
            } else {
                workspace.destroy(&principal, &object, selected).await?
            };
            let ids: Vec<Value> = removed.iter().map(|record| json!({ "id": record.get("id") })).collect();
            match target {
                Some(_) => Ok((StatusCode::OK, json!({ "data": { format!("delete{singular}"): ids.into_iter().next() } }))),
                None => {
                    let verb = if soft { "delete" } else { "destroy" };
                    Ok((StatusCode::OK, json!({ "data": { format!("{verb}{plural_name}"): ids } })))
                }
            }
        }
        _ => Err(RestError(StatusCode::METHOD_NOT_ALLOWED, format!("{method} /rest/{path} is not an operation of the REST API"))),
    }
}

/// `depth=1`: each many-to-one relation's record is embedded beside its id.
async fn with_relations(
    workspace: &Workspace,
    principal: &Principal,
    object: &crate::workspace::model::Object,
    mut records: Vec<Value>,
    depth: u8,
) -> Result<Vec<Value>, Error> {
    if depth == 0 {
        return Ok(records);
    }
    for field in &object.fields {
        let Some((relation, target)) = &field.relation else { continue };
        let target = workspace.object(target)?;
        if !workspace.permissions(principal).can(&target, crate::workspace::access::Operation::Read) {
            continue;
        }
        for record in &mut records {
            let related = match record.get(&field.name).and_then(Value::as_str) {
                Some(id) => workspace.find_one(principal, &target, &json!({ "id": { "eq": id } })).await?,
                None => None,
            };
            record[relation.as_str()] = related.unwrap_or(Value::Null);
        }
    }
    Ok(records)
}

async fn graphql(State(state): State<WorkspaceState>, headers: HeaderMap, body: Bytes) -> Response {
    let principal = match principal(&state, &headers) {
        Ok(principal) => principal,
        Err(error) => return graphql_error(StatusCode::UNAUTHORIZED, &error.to_string(), "UNAUTHENTICATED"),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return graphql_error(
                StatusCode::BAD_REQUEST,
                &format!("the body must be a GraphQL request {{\"query\": ..., \"variables\": ...}}: {error}"),
                "BAD_USER_INPUT",
            );
        }
    };
    if let Err(error) = crate::workspace::graphql::screen_query(&request.query) {
        return graphql_error(StatusCode::BAD_REQUEST, &error.to_string(), "BAD_USER_INPUT");
    }
    let Some(schema) = state.workspace.schema() else {
        return graphql_error(StatusCode::INTERNAL_SERVER_ERROR, "the GraphQL schema is not available", "INTERNAL_SERVER_ERROR");
    };
    let caller = Caller { workspace: state.workspace.clone(), principal };
    let response = schema.execute(request.data(caller)).await;
    Json(response).into_response()
}

fn graphql_error(status: StatusCode, message: &str, code: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

/// The workspace router called in-process for the sandbox's requests.
#[derive(Clone)]
pub struct InProcess(pub axum::Router);

impl crate::engine::LocalApi for InProcess {
    fn call(
        &self,
        request: crate::engine::LocalRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = crate::domain::HttpReply> + Send>> {
        use tower::ServiceExt as _;
        let router = self.0.clone();
        Box::pin(async move {
            let failed = |status: StatusCode, message: String| crate::domain::HttpReply {
                status: status.as_u16(),
                status_text: status.canonical_reason().unwrap_or_default().to_owned(),
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: json!({ "statusCode": status.as_u16(), "error": "BadRequestException", "messages": [message] })
                    .to_string()
                    .into_bytes(),
            };
            let mut builder = axum::http::Request::builder().method(request.method.as_str()).uri(&request.path);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let built = match builder.body(axum::body::Body::from(request.body)) {
                Ok(built) => built,
                Err(error) => return failed(StatusCode::BAD_REQUEST, format!("the request could not be read: {error}")),
            };
            let Ok(response) = router.oneshot(built).await;
            let status = response.status();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
                .collect();
            match axum::body::to_bytes(response.into_body(), usize::MAX).await {
                Ok(body) => crate::domain::HttpReply {
                    status: status.as_u16(),
                    status_text: status.canonical_reason().unwrap_or_default().to_owned(),
                    headers,
                    body: body.to_vec(),
                },
                Err(error) => failed(StatusCode::INTERNAL_SERVER_ERROR, format!("the response could not be read: {error}")),
            }
        })
    }
}
