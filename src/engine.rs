//! `Engine::invoke`: the one path every run takes, whatever triggered it.
//! It resolves the function, checks the payload, builds the execution
//! context, and runs the handler in the app's sandbox.

use crate::domain::{ExecutionContext, ExecutionResult, Invocation};
use crate::registry::AppSnapshot;
use crate::sandbox::{Pool, RunRequest};

/// Why a run could not be started. A function that ran and failed is an
/// `ExecutionResult` with status ERROR, not one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("unknown function \"{name}\"; this app has: {available}")]
    UnknownFunction { name: String, available: String },
    #[error("the payload is not valid JSON: {0}")]
    InvalidPayload(String),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::Error),
}

/// Runs invocations in a pool of sandboxes.
#[derive(Debug, Clone)]
pub struct Engine {
    pool: Pool,
    workspace_id: String,
}

impl Engine {
    pub fn new(pool: Pool, workspace_id: String) -> Self {
        Self { pool, workspace_id }
    }

    /// The pool this engine runs in.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A context for a run with no user behind it.
    pub fn context(&self) -> ExecutionContext {
        ExecutionContext {
            workspace_id: self.workspace_id.clone(),
            user_workspace_id: None,
            workspace_member_id: None,
            retry_count: 0,
            max_retries: 0,
        }
    }

    /// Checks an invocation and turns it into a sandbox request.
    pub fn prepare(&self, app: &AppSnapshot, invocation: Invocation) -> Result<RunRequest, Error> {
        let function = app.find(&invocation.function.0).ok_or_else(|| Error::UnknownFunction {
            name: invocation.function.0.clone(),
            available: app.function_names().join(", "),
        })?;
        serde_json::from_str::<serde::de::IgnoredAny>(&invocation.payload)
            .map_err(|error| Error::InvalidPayload(error.to_string()))?;
        let context = serde_json::to_value(&invocation.context).map_err(|error| Error::InvalidPayload(error.to_string()))?;
        Ok(RunRequest {
            module: function.module.clone(),
            handler_name: function.manifest.handler_name.clone(),
            payload: invocation.payload,
            context,
            env: app.env.clone(),
            timeout: function.manifest.timeout(),
            cancel: None,
        })
    }

    /// Runs one invocation to its result.
    pub async fn invoke(&self, app: &AppSnapshot, invocation: Invocation) -> Result<ExecutionResult, Error> {
        self.invoke_cancellable(app, invocation, None).await
    }

    /// Runs one invocation; cancelling `cancel` stops it with `CancelledError`.
    pub async fn invoke_cancellable(
        &self,
        app: &AppSnapshot,
        invocation: Invocation,
        cancel: Option<tokio_util::sync::CancellationToken>,
    ) -> Result<ExecutionResult, Error> {
        let mut request = self.prepare(app, invocation)?;
        request.cancel = cancel;
        Ok(self.pool.run(&app.app.code, request).await?)
    }
}
