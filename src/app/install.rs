//! Install hooks under `serve` and `mcp`, as Twenty runs them when it
//! installs an app: the first time a gateway's store sees a version of an
//! app (its package.json `version`), the pre-install hook runs before the
//! app serves and the post-install hook after, each with Twenty's
//! `InstallPayload` (`previousVersion`, absent on a first install, and
//! `newVersion`). On an upgrade a hook runs only if it says
//! `shouldRunOnVersionUpgrade`. The runs are recorded like any other
//! manual run, with the hook named in their detail.

use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::registry::AppSnapshot;
use crate::store::Store;
use anyhow::{Context, Result};
use serde_json::{Value, json};

/// The version an app without a package.json `version` is installed at.
const UNVERSIONED: &str = "0.0.0";

/// One of the application's hooks, as its manifest names it.
struct Hook {
    key: &'static str,
    function: String,
    on_upgrade: bool,
}

fn hook(app: &AppSnapshot, key: &'static str) -> Option<Hook> {
    let entry = app.app.manifest.application.extra.get(key)?;
    let function = entry.get("universalIdentifier")?.as_str()?.to_owned();
    let on_upgrade = entry.get("shouldRunOnVersionUpgrade").and_then(Value::as_bool).unwrap_or(false);
    Some(Hook { key, function, on_upgrade })
}

/// The app's package.json `version`.
fn version(app: &AppSnapshot) -> String {
    std::fs::read(app.app.code.root().join("package.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|package| package.get("version").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| UNVERSIONED.to_owned())
}

/// Runs a hook; `Err` carries what it threw.
async fn run(engine: &Engine, app: &AppSnapshot, hook: &Hook, payload: &Value) -> Result<std::result::Result<(), String>> {
    let invocation = Invocation {
        function: FunctionRef(hook.function.clone()),
        trigger: TriggerKind::Manual,
        payload: payload.to_string(),
        context: engine.context(),
        detail: json!({ "hook": hook.key, "install": payload }),
    };
    let result = engine
        .invoke(app, invocation)
        .await
        .with_context(|| format!("running the {} of {}", hook.key, app.app.manifest.application.display_name))?;
    Ok(match (result.status, result.error) {
        (ExecutionStatus::Success, _) => Ok(()),
        (_, Some(error)) => Err(format!("{}: {}", error.error_type, error.error_message)),
        (status, None) => Err(format!("it ended with status {status:?}")),
    })
}

/// Installs the app's current version if the store has not seen it: runs
/// its pre-install hook, records the version, runs its post-install hook.
/// `Ok(Err(message))` when the pre-install hook failed: the version is not
/// installed and the app must not serve. A failing post-install hook is
/// reported on stderr and leaves the version installed, as in Twenty.
pub(super) async fn install(engine: &Engine, app: &AppSnapshot) -> Result<std::result::Result<(), String>> {
    let Some(store) = engine.store().cloned() else { return Ok(Ok(())) };
    let id = app.app.manifest.application.universal_identifier.clone();
    let name = app.app.manifest.application.display_name.clone();
    let new_version = version(app);
    let previous = store.installed_version(&id).await?;
    if previous.as_deref() == Some(new_version.as_str()) {
        return Ok(Ok(()));
    }
    let upgrade = previous.is_some();
    let mut payload = json!({ "newVersion": new_version });
    if let Some(previous) = &previous {
        payload["previousVersion"] = json!(previous);
    }
    let runs = |hook: &Hook| !upgrade || hook.on_upgrade;
    if let Some(pre) = hook(app, "preInstallLogicFunction").filter(runs)
        && let Err(message) = run(engine, app, &pre, &payload).await?
    {
        // The gateway stops: the hook's run record is committed first.
        store.flush().await?;
        return Ok(Err(format!(
            "the pre-install hook of {name} failed, so version {new_version} is not installed{}: {message}",
            previous.as_deref().map(|v| format!(" (the store keeps {v})")).unwrap_or_default()
        )));
    }
    store.record_installed_version(&id, &new_version, crate::store::now_ms()).await?;
    if let Some(post) = hook(app, "postInstallLogicFunction").filter(runs)
        && let Err(message) = run(engine, app, &post, &payload).await?
    {
        eprintln!("warning: the post-install hook of {name} failed (version {new_version} stays installed): {message}");
    }
    Ok(Ok(()))
}
