//! Payload shapes each trigger hands to `handler(payload, context)`, as
//! Twenty builds them (reference: twenty-apps.md §3.3–3.7). Tool and workflow
//! payloads are the call's argument object as it is, so they have no type here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// HTTP route payload (AWS HTTP API v2-like), `RoutePayload` in the SDK.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutePayload {
    /// Only the route's `forwardedRequestHeaders`, lower-cased.
    pub headers: BTreeMap<String, String>,
    pub query_string_parameters: BTreeMap<String, String>,
    pub path_parameters: BTreeMap<String, String>,
    /// Parsed JSON body, `{ "raw": text }` for non-JSON, or null.
    pub body: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
    /// Always false.
    pub is_base64_encoded: bool,
    pub request_context: RequestContext,
    pub user_workspace_id: Option<String>,
}

/// `requestContext` of a route payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestContext {
    pub http: RequestContextHttp,
}

/// `requestContext.http`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestContextHttp {
    pub method: String,
    pub path: String,
}

/// Cron payload: always an empty object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronPayload {}

/// `properties` of a record event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordEventProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_fields: Option<Vec<String>>,
}

/// Database event payload (one record), `DatabaseEventPayload` in the SDK.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseEventPayload {
    /// `<objectNameSingular>.<operation>`.
    pub name: String,
    pub workspace_id: String,
    pub object_metadata: Value,
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_workspace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_member_id: Option<String>,
    pub properties: RecordEventProperties,
}

/// Database event payload with `batchMode: true` (at most 200 events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseEventBatchPayload {
    pub name: String,
    pub workspace_id: String,
    pub object_metadata: Value,
    pub events: Vec<Value>,
}

/// Pre- and post-install hook payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    pub new_version: String,
}

/// Uninstall hook payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UninstallPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
