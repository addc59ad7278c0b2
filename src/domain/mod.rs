//! Plain data types shared by every layer: the app manifest (Twenty's shape),
//! each trigger's payload, the execution context handed to a handler, and the
//! execution result. They derive serde and schemars; `schemas/` is generated
//! from them. This module does no I/O and imports nothing else from the crate.

mod execution;
mod manifest;
mod payloads;

pub use execution::{
    Cascade, ExecutionContext, ExecutionError, ExecutionResult, ExecutionStatus, FunctionRef, HttpReply, Invocation, TriggerKind,
};
pub use manifest::{
    AgentManifest, ApplicationManifest, ApplicationVariable, ConnectionProviderManifest, CronTriggerSettings, DatabaseEventTriggerSettings,
    HttpMethod, HttpRouteTriggerSettings, LogicFunctionManifest, Manifest, OneOrMany, RESERVED_AUTHORIZATION_PARAMS, RoleManifest,
    ServerRouteTriggerSettings, ServerVariable, SkillManifest, ToolTriggerSettings, VariableType, WorkflowActionTriggerSettings,
    connection_provider_problems, is_loopback,
};
pub use payloads::{
    CronPayload, DatabaseEventBatchPayload, DatabaseEventPayload, InstallPayload, RecordEventProperties, RequestContext,
    RequestContextHttp, RoutePayload, UninstallPayload,
};

/// The JSON Schemas generated from these types, by file name.
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    fn schema<T: schemars::JsonSchema>() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
    }
    vec![
        ("manifest.schema.json", schema::<Manifest>()),
        ("route-payload.schema.json", schema::<RoutePayload>()),
        ("cron-payload.schema.json", schema::<CronPayload>()),
        ("database-event-payload.schema.json", schema::<DatabaseEventPayload>()),
        ("database-event-batch-payload.schema.json", schema::<DatabaseEventBatchPayload>()),
        ("install-payload.schema.json", schema::<InstallPayload>()),
        ("uninstall-payload.schema.json", schema::<UninstallPayload>()),
        ("execution-context.schema.json", schema::<ExecutionContext>()),
        ("execution-result.schema.json", schema::<ExecutionResult>()),
    ]
}
