//! The MCP server: an rmcp `ServerHandler` written by hand over the served
//! apps. Each logic function with `toolTriggerSettings` is a tool; a call is
//! validated against the tool's input schema, then goes through the engine
//! like every other trigger. Serves stdio and Streamable HTTP, both protocol
//! eras (2025-11-25 handshake and stateless 2026-07-28), and tells clients
//! when the tool list changes.
//!
//! Skills and agents are served as prompts and resources (`library.rs`).
//!
//! Design notes: argument and execution failures are `isError` results the
//! model can read and correct; an unknown tool is a JSON-RPC invalid-params
//! error. Legacy sessions are notified through the peers saved at
//! `initialized`; 2026 clients through `subscriptions/listen`.

mod library;
mod tools;

use crate::domain::{ExecutionResult, ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::registry::{AppSnapshot, Registry};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities, ServerConfig,
    SubscriptionFilter, Tool,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, RwLock};
use tools::ToolSet;

/// How the MCP server behaves.
#[derive(Debug, Clone, Default)]
pub struct McpOptions {
    /// Prefix every tool name with its app's package name (`<app>_<tool>`).
    pub tool_prefix: bool,
    /// Include stack traces in error results.
    pub debug: bool,
}

/// Problems that keep the MCP server from offering the apps' tools.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot offer these tools:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Tools(Vec<String>),
}

struct Inner {
    engine: Engine,
    registry: Registry,
    options: McpOptions,
    tools: RwLock<Arc<ToolSet>>,
    library: crate::library::Served,
    changed: tokio::sync::broadcast::Sender<Change>,
    legacy_peers: Mutex<Vec<Peer<RoleServer>>>,
}

/// What changed, for list_changed notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Tools,
    Library,
}

/// The MCP handler; clones share everything.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("tools", &self.tool_names()).finish()
    }
}

impl Gateway {
    /// Builds the tool set of the registry's apps.
    pub fn new(engine: Engine, registry: Registry, options: McpOptions) -> Result<Self, Error> {
        let tools = tools::build(&registry.apps(), options.tool_prefix).map_err(Error::Tools)?;
        let (changed, _) = tokio::sync::broadcast::channel(16);
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                registry,
                options,
                tools: RwLock::new(Arc::new(tools)),
                library: crate::library::Served::default(),
                changed,
                legacy_peers: Mutex::new(Vec::new()),
            }),
        })
    }

    fn tool_set(&self) -> Arc<ToolSet> {
        self.inner.tools.read().map(|tools| tools.clone()).unwrap_or_default()
    }

    /// Names of the tools offered, sorted.
    pub fn tool_names(&self) -> Vec<String> {
        self.tool_set().tools.keys().cloned().collect()
    }

    /// Installs a reloaded app if its tools are usable; otherwise keeps the
    /// current version serving and returns the problems.
    pub async fn replace_app(&self, snapshot: AppSnapshot) -> Result<(), Error> {
        let root = snapshot.app.code.root().to_path_buf();
        let candidate = self.inner.registry.with_replaced(&root, snapshot);
        let tools = tools::build(&candidate, self.inner.options.tool_prefix).map_err(Error::Tools)?;
        let previous = self.inner.registry.install(candidate);
        if let Ok(mut current) = self.inner.tools.write() {
            *current = Arc::new(tools);
        }
        for old in previous.iter().filter(|app| app.app.code.root() == root) {
            self.inner.engine.pool().retire(old.app.code.key());
        }
        self.notify_tools_changed().await;
        Ok(())
    }

    /// The registry of served apps.
    pub fn registry(&self) -> Registry {
        self.inner.registry.clone()
    }

    /// The engine runs go through.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The skills and agents served, once loaded.
    pub fn catalog(&self) -> Option<Arc<crate::library::Catalog>> {
        self.inner.library.get()
    }

    /// A handle on the skills and agents served, for other adapters that
    /// serve them too (the HTTP API); it follows every `set_library`.
    pub fn served_library(&self) -> crate::library::Served {
        self.inner.library.clone()
    }

    fn library(&self) -> Result<Arc<crate::library::Catalog>, McpError> {
        self.catalog().ok_or_else(|| McpError::internal_error("no skills or agents are loaded", None))
    }

    /// Serves this catalog of skills and agents from now on; clients hear
    /// that prompts and resources changed when `notify` is set.
    pub async fn set_library(&self, catalog: crate::library::Catalog, notify: bool) {
        self.inner.library.set(catalog);
        if !notify {
            return;
        }
        let _ = self.inner.changed.send(Change::Library);
        for peer in self.live_peers() {
            let _ = peer.notify_prompt_list_changed().await;
            let _ = peer.notify_resource_list_changed().await;
        }
    }

    fn live_peers(&self) -> Vec<Peer<RoleServer>> {
        match self.inner.legacy_peers.lock() {
            Ok(mut peers) => {
                peers.retain(|peer| !peer.is_transport_closed());
                peers.clone()
            }
            Err(_) => Vec::new(),
        }
    }

    async fn notify_tools_changed(&self) {
        let _ = self.inner.changed.send(Change::Tools);
        for peer in self.live_peers() {
            let _ = peer.notify_tool_list_changed().await;
        }
    }

    fn result_of(&self, result: ExecutionResult) -> CallToolResult {
        if result.status == ExecutionStatus::Success {
            // A string is its own text; anything else is shown as its JSON.
            let text = match &result.data {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let structured = match result.data {
                Value::Object(_) => result.data,
                other => json!({ "result": other }),
            };
            let mut call = CallToolResult::success(vec![ContentBlock::text(text)]);
            call.structured_content = Some(structured);
            return call;
        }
        let error = result.error.unwrap_or_else(|| crate::domain::ExecutionError {
            error_type: "UnhandledError".to_owned(),
            error_message: "the function failed without an error".to_owned(),
            stack_trace: String::new(),
        });
        let mut text = format!("{}: {}", error.error_type, error.error_message);
        if self.inner.options.debug && !error.stack_trace.is_empty() {
            text.push_str("\n\n");
            text.push_str(&error.stack_trace);
        }
        CallToolResult::error(vec![ContentBlock::text(text)])
    }
}

/// Every failing field of a call, as `JSON pointer: message` lines.
fn argument_problems(validator: &jsonschema::Validator, arguments: &Value) -> Vec<String> {
    validator
        .iter_errors(arguments)
        .map(|error| {
            let pointer = error.instance_path().to_string();
            let pointer = if pointer.is_empty() { "/".to_owned() } else { pointer };
            format!("{pointer}: {error}")
        })
        .collect()
}

impl Gateway {
    /// A tool call. Boxed by `call_tool`: rmcp spawns a task per request
    /// around the handler's future and copies it several times on the way.
    async fn run_tool(&self, request: CallToolRequestParams, context: RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
        let Some(entry) = self.tool_set().get(&request.name) else {
            return Err(McpError::invalid_params(format!("Unknown tool: {}", request.name), None));
        };
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let problems = argument_problems(&entry.validator, &arguments);
        if !problems.is_empty() {
            let text = format!("Invalid arguments for tool {}:\n- {}", request.name, problems.join("\n- "));
            return Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into());
        }
        progress(&context, 0.0, "started").await;
        let invocation = Invocation {
            function: FunctionRef(entry.function.clone()),
            trigger: TriggerKind::Tool,
            payload: arguments.to_string(),
            context: self.inner.engine.context(),
            detail: serde_json::json!({ "tool": request.name.to_string() }),
            cascade: Default::default(),
        };
        let outcome = self.inner.engine.invoke_cancellable(&entry.app, invocation, Some(context.ct.clone())).await;
        progress(&context, 1.0, "finished").await;
        match outcome {
            Ok(result) => Ok(self.result_of(result).into()),
            Err(crate::engine::Error::Sandbox(error)) => {
                Ok(CallToolResult::error(vec![ContentBlock::text(format!("ServerError: {error}"))]).into())
            }
            Err(error) => Err(McpError::internal_error(error.to_string(), None)),
        }
    }
}

async fn progress(context: &RequestContext<RoleServer>, value: f64, message: &str) {
    if let Some(token) = context.meta.get_progress_token() {
        let _ = context.peer.notify_progress(ProgressNotificationParam::new(token, value).with_total(1.0).with_message(message)).await;
    }
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities).with_server_info(Implementation::new("switchboard", env!("CARGO_PKG_VERSION"))).with_instructions(
            "Tools are the logic functions of the Twenty apps this gateway serves; each returns JSON. \
                 Prompts and resources are versioned skills and agents.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tool_set().list()))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let catalog = self.library()?;
        Ok(ListPromptsResult::with_all_items(library::prompts(&catalog)))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let catalog = self.library()?;
        Ok(library::get_prompt(&catalog, &request.name, request.arguments.as_ref()).await?.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let catalog = self.library()?;
        Ok(ListResourcesResult::with_all_items(library::resources(&catalog)))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(library::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let catalog = self.library()?;
        let contents = library::read(&catalog, &request.uri).await?;
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tool_set().get(name).map(|entry| entry.tool.clone())
    }

    async fn call_tool(&self, request: CallToolRequestParams, context: RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
        // The run's own span nests in this one.
        let span = tracing::info_span!("mcp_call", tool = %request.name);
        tracing::Instrument::instrument(Box::pin(self.run_tool(request, context)), span).await
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        if let Ok(mut peers) = self.inner.legacy_peers.lock() {
            peers.push(context.peer.clone());
        }
    }

    fn accepted_subscription_filter(&self, requested: &SubscriptionFilter) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let mut changes = self.inner.changed.subscribe();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                change = changes.recv() => {
                    let accepted = context.accepted();
                    let failed = |error: rmcp::service::SubscriptionSendError| McpError::internal_error(error.to_string(), None);
                    match change {
                        Ok(Change::Tools) if accepted.tools_list_changed == Some(true) => {
                            context.sink().notify_tool_list_changed().await.map_err(failed)?;
                        }
                        Ok(Change::Library) => {
                            if accepted.prompts_list_changed == Some(true) {
                                context.sink().notify_prompt_list_changed().await.map_err(failed)?;
                            }
                            if accepted.resources_list_changed == Some(true) {
                                context.sink().notify_resource_list_changed().await.map_err(failed)?;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Settings of the Streamable HTTP endpoint.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// `Host` header values accepted (DNS-rebinding protection).
    pub allowed_hosts: Vec<String>,
    /// `Origin` values accepted from browsers; others get 403.
    pub allowed_origins: Vec<String>,
    /// Larger request bodies get 413.
    pub max_body_bytes: usize,
    /// No sessions for 2025-11-25 clients; JSON responses instead of SSE.
    pub stateless: bool,
}

/// The Streamable HTTP service to mount at `/mcp`.
pub fn http_service(
    gateway: Gateway,
    options: &HttpOptions,
    shutdown: tokio_util::sync::CancellationToken,
) -> rmcp::transport::streamable_http_server::StreamableHttpService<
    Gateway,
    rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
> {
    use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown)
        .with_allowed_hosts(options.allowed_hosts.clone())
        .with_allowed_origins(options.allowed_origins.clone())
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_legacy_session_mode(!options.stateless)
        .with_json_response(options.stateless);
    StreamableHttpService::new(move || Ok(gateway.clone()), Default::default(), config)
}

/// Serves MCP over stdin/stdout until stdin closes.
pub async fn serve_stdio(gateway: Gateway) -> Result<(), std::io::Error> {
    use rmcp::ServiceExt;
    let running = gateway.serve(rmcp::transport::stdio()).await.map_err(|error| std::io::Error::other(error.to_string()))?;
    running.waiting().await.map_err(|error| std::io::Error::other(error.to_string()))?;
    Ok(())
}

fn jsonrpc_error(status: axum::http::StatusCode, code: i64, message: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(json!({ "jsonrpc": "2.0", "id": null, "error": { "code": code, "message": message } }))).into_response()
}

/// What is wrong with a request's `params`, in the spec's terms: `params`
/// must be an object, and so must `tools/call`'s `arguments`.
fn params_problem(message: &serde_json::Map<String, Value>) -> Option<String> {
    let params = message.get("params")?;
    if params.is_null() {
        return None;
    }
    let Value::Object(params) = params else { return Some("Invalid params: \"params\" must be an object".to_owned()) };
    let method = message.get("method").and_then(Value::as_str)?;
    match params.get("arguments") {
        Some(arguments) if method == "tools/call" && !(arguments.is_object() || arguments.is_null()) => {
            Some("Invalid params: /params/arguments must be an object".to_owned())
        }
        _ => None,
    }
}

/// Checks a POSTed body before rmcp sees it, so malformed input gets the
/// JSON-RPC error the spec names: -32700 for text that is not JSON, -32600
/// for JSON that is not a JSON-RPC message. Bodies over `max_bytes` get 413.
pub async fn jsonrpc_guard(
    axum::extract::State(max_bytes): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{Method, StatusCode};
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, max_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return jsonrpc_error(StatusCode::PAYLOAD_TOO_LARGE, -32600, format!("request body is larger than {max_bytes} bytes"));
        }
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Err(error) => return jsonrpc_error(StatusCode::BAD_REQUEST, -32700, format!("Parse error: {error}")),
        Ok(Value::Object(message)) => {
            let is_request = message.get("method").is_some_and(Value::is_string);
            let is_response = message.contains_key("id") && (message.contains_key("result") || message.contains_key("error"));
            if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") || !(is_request || is_response) {
                return jsonrpc_error(
                    StatusCode::BAD_REQUEST,
                    -32600,
                    "Invalid Request: expected a JSON-RPC 2.0 object with \"jsonrpc\": \"2.0\" and a \"method\"".to_owned(),
                );
            }
            // rmcp takes ids that are strings or 64-bit integers; anything else
            // would get HTTP 415 from its body parser.
            if let Some(id) = message.get("id")
                && !(id.is_string() || id.is_i64() || id.is_u64())
            {
                return jsonrpc_error(StatusCode::BAD_REQUEST, -32600, "Invalid Request: \"id\" must be a string or an integer".to_owned());
            }
            if let Some(problem) = params_problem(&message) {
                let id = message.get("id").cloned().unwrap_or(Value::Null);
                let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32602, "message": problem } });
                return axum::response::IntoResponse::into_response((StatusCode::OK, axum::Json(body)));
            }
        }
        Ok(_) => {
            return jsonrpc_error(
                StatusCode::BAD_REQUEST,
                -32600,
                "Invalid Request: expected one JSON-RPC message object (batches are not supported)".to_owned(),
            );
        }
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}
