//! The app manifest as Twenty's CLI (`twenty dev:build`, SDK 2.43) writes it:
//! camelCase keys, one bucket per entity kind. Unknown keys are kept in
//! `extra` so nothing an app declares is lost on the way through.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A value that Twenty accepts either alone or as a list (e.g.
/// `databaseEventTriggerSettings` on Twenty's main branch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// All values as a slice-like list.
    pub fn to_vec(&self) -> Vec<&T> {
        match self {
            Self::One(value) => vec![value],
            Self::Many(values) => values.iter().collect(),
        }
    }
}

/// The whole manifest. Data-model and UI buckets are kept as raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub application: ApplicationManifest,
    #[serde(default)]
    pub objects: Vec<Value>,
    #[serde(default)]
    pub fields: Vec<Value>,
    #[serde(default)]
    pub indexes: Vec<Value>,
    #[serde(default)]
    pub permission_flags: Vec<Value>,
    #[serde(default)]
    pub roles: Vec<RoleManifest>,
    #[serde(default)]
    pub skills: Vec<SkillManifest>,
    #[serde(default)]
    pub agents: Vec<AgentManifest>,
    #[serde(default)]
    pub connection_providers: Vec<ConnectionProviderManifest>,
    #[serde(default)]
    pub logic_functions: Vec<LogicFunctionManifest>,
    #[serde(default)]
    pub front_components: Vec<Value>,
    #[serde(default)]
    pub public_assets: Vec<Value>,
    #[serde(default)]
    pub views: Vec<Value>,
    #[serde(default)]
    pub view_fields: Vec<Value>,
    #[serde(default)]
    pub navigation_menu_items: Vec<Value>,
    #[serde(default)]
    pub page_layouts: Vec<Value>,
    #[serde(default)]
    pub page_layout_tabs: Vec<Value>,
    #[serde(default)]
    pub page_layout_widgets: Vec<Value>,
    #[serde(default)]
    pub command_menu_items: Vec<Value>,
    #[serde(default)]
    pub timeline_activity_types: Vec<Value>,
    #[serde(default)]
    pub settings_menu_items: Vec<Value>,
}

/// `defineApplication(...)` plus what the build fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationManifest {
    pub universal_identifier: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, ApplicationVariable>")]
    pub application_variables: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, ServerVariable>")]
    pub server_variables: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role_universal_identifier: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Type of an application or server variable; values reach `process.env` as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VariableType {
    #[default]
    Text,
    Boolean,
    Number,
    Numeric,
    Date,
    DateTime,
    Select,
    MultiSelect,
    Array,
    RawJson,
    RichText,
}

/// One entry of `applicationVariables`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationVariable {
    pub universal_identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub variable_type: Option<VariableType>,
    #[serde(default)]
    pub is_secret: bool,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub is_deprecated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// One entry of `serverVariables`: filled in by whoever runs the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerVariable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub is_secret: bool,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub is_deprecated: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub variable_type: Option<VariableType>,
}

/// `defineApplicationRole` / `defineRole`, with the build's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleManifest {
    pub universal_identifier: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub object_permissions: Vec<Value>,
    #[serde(default)]
    pub field_permissions: Vec<Value>,
    #[serde(default)]
    pub row_level_permission_predicate_groups: Vec<Value>,
    #[serde(default)]
    pub row_level_permission_predicates: Vec<Value>,
    #[serde(default)]
    pub permission_flag_universal_identifiers: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `defineSkill`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillManifest {
    pub universal_identifier: String,
    pub name: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub content: String,
}

/// `defineAgent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentManifest {
    pub universal_identifier: String,
    pub name: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_universal_identifier: Option<String>,
}

/// `defineConnectionProvider`; the `oauth` block is kept as declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProviderManifest {
    pub universal_identifier: String,
    pub name: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub provider_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Query parameters of the authorization request the gateway sets itself;
/// `oauth.authorizationParams` may not override them.
pub const RESERVED_AUTHORIZATION_PARAMS: &[&str] =
    &["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];

/// What is wrong with a connection provider's `oauth` block, as (field,
/// message) pairs: endpoints must be absolute https URLs (plain http only
/// on loopback), the content type one of Twenty's two, no reserved
/// authorization parameter, and both credential variables declared among
/// the app's `serverVariables`. Twenty checks none of this before run time.
pub fn connection_provider_problems(oauth: Option<&Value>, server_variables: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(oauth) = oauth.and_then(Value::as_object) else {
        return vec![("oauth".to_owned(), "an oauth provider needs an oauth block".to_owned())];
    };
    let mut problems = Vec::new();
    for (field, required) in [("authorizationEndpoint", true), ("tokenEndpoint", true), ("revokeEndpoint", false)] {
        let message = match oauth.get(field) {
            None | Some(Value::Null) if !required => continue,
            None | Some(Value::Null) => "is missing".to_owned(),
            Some(value) => match value.as_str().map(url::Url::parse) {
                Some(Ok(url)) if url.scheme() == "https" => continue,
                Some(Ok(url)) if url.scheme() == "http" && is_loopback(&url) => continue,
                Some(Ok(url)) if url.scheme() == "http" => format!("{value} must use https (plain http is allowed only on loopback)"),
                _ => format!("{value} is not an absolute https URL"),
            },
        };
        problems.push((format!("oauth.{field}"), message));
    }
    match oauth.get("tokenRequestContentType") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind == "json" || kind == "form-urlencoded" => {}
        Some(other) => {
            problems.push(("oauth.tokenRequestContentType".to_owned(), format!("{other} must be \"json\" or \"form-urlencoded\"")))
        }
    }
    if let Some(params) = oauth.get("authorizationParams").and_then(Value::as_object) {
        for key in params.keys().filter(|key| RESERVED_AUTHORIZATION_PARAMS.contains(&key.as_str())) {
            problems
                .push((format!("oauth.authorizationParams.{key}"), format!("\"{key}\" is set by the gateway and may not be overridden")));
        }
    }
    for field in ["clientIdVariable", "clientSecretVariable"] {
        match oauth.get(field).and_then(Value::as_str) {
            Some(name) if server_variables.contains_key(name) => {}
            Some(name) => problems.push((
                format!("oauth.{field}"),
                format!("\"{name}\" is not one of the app's serverVariables (declare it in defineApplication)"),
            )),
            None => problems.push((format!("oauth.{field}"), "is missing".to_owned())),
        }
    }
    problems
}

/// Whether `url` names this machine (`localhost` or a loopback address).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// HTTP methods a route trigger can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// `httpRouteTriggerSettings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteTriggerSettings {
    pub path: String,
    pub http_method: HttpMethod,
    #[serde(default)]
    pub is_auth_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_request_headers: Option<Vec<String>>,
}

/// `serverRouteTriggerSettings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerRouteTriggerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_request_headers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_methods: Option<Vec<HttpMethod>>,
}

/// `cronTriggerSettings`: a 5-field pattern. `timezone` (IANA name) is a
/// switchboard extension that Twenty ignores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CronTriggerSettings {
    pub pattern: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// `databaseEventTriggerSettings` (one entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseEventTriggerSettings {
    pub event_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_fields: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_mode: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Value>,
}

/// `toolTriggerSettings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolTriggerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_component_universal_identifier: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `workflowActionTriggerSettings`: Twenty's InputSchema arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowActionTriggerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One logic function as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogicFunctionManifest {
    pub universal_identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1..=900; the runtime default is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron_trigger_settings: Option<CronTriggerSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_event_trigger_settings: Option<OneOrMany<DatabaseEventTriggerSettings>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_route_trigger_settings: Option<HttpRouteTriggerSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_route_trigger_settings: Option<ServerRouteTriggerSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_trigger_settings: Option<ToolTriggerSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_action_trigger_settings: Option<WorkflowActionTriggerSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_with_user_authority: Option<bool>,
    pub handler_name: String,
    pub source_handler_path: String,
    pub built_handler_path: String,
    #[serde(default)]
    pub built_handler_checksum: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LogicFunctionManifest {
    /// Twenty's default when `timeoutSeconds` is absent.
    pub const DEFAULT_TIMEOUT_SECONDS: f64 = 300.0;

    /// The name Twenty shows: `name`, else the handler file's base name.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() => name.clone(),
            _ => std::path::Path::new(&self.source_handler_path)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.universal_identifier.clone()),
        }
    }

    /// Effective timeout in seconds.
    pub fn timeout(&self) -> std::time::Duration {
        let seconds = self.timeout_seconds.unwrap_or(Self::DEFAULT_TIMEOUT_SECONDS);
        std::time::Duration::from_secs_f64(seconds.clamp(1.0, 900.0))
    }
}
