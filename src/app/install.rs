//! Install hooks under `serve` and `mcp`, as Twenty runs them when it
//! installs an app: the first time a gateway's store sees a version of an
//! app (its package.json `version`), the pre-install hook runs before the
//! app serves and the post-install hook after, each with Twenty's
//! `InstallPayload` (`previousVersion`, absent on a first install, and
//! `newVersion`). On an upgrade a hook runs only if it says
//! `shouldRunOnVersionUpgrade`. The runs are recorded like any other
//! manual run, with the hook named in their detail. `switchboard install`
//! does the same without serving; `switchboard uninstall` runs the
//! uninstall hook and, with `--purge`, deletes the app's stored state.

use super::{CliError, CliResult, Settings, exit};
use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::registry::AppSnapshot;
use crate::sandbox::Pool;
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
        cascade: Default::default(),
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
pub(super) async fn install(engine: &Engine, app: &AppSnapshot) -> Result<std::result::Result<Installed, String>> {
    let new_version = version(app);
    let Some(store) = engine.store().cloned() else { return Ok(Ok(Installed { version: new_version, previous: None, hooks: vec![] })) };
    let id = app.app.manifest.application.universal_identifier.clone();
    let name = app.app.manifest.application.display_name.clone();
    let previous = store.installed_version(&id).await?;
    if previous.as_deref() == Some(new_version.as_str()) {
        return Ok(Ok(Installed { version: new_version, previous, hooks: vec![] }));
    }
    let mut hooks = Vec::new();
    let upgrade = previous.is_some();
    let mut payload = json!({ "newVersion": new_version });
    if let Some(previous) = &previous {
        payload["previousVersion"] = json!(previous);
    }
    let runs = |hook: &Hook| !upgrade || hook.on_upgrade;
    if let Some(pre) = hook(app, "preInstallLogicFunction").filter(runs)
        && let Err(message) = run_noted(engine, app, &pre, &payload, &mut hooks).await?
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
        && let Err(message) = run_noted(engine, app, &post, &payload, &mut hooks).await?
    {
        eprintln!("warning: the post-install hook of {name} failed (version {new_version} stays installed): {message}");
    }
    Ok(Ok(Installed { version: new_version, previous, hooks }))
}

/// What [`install`] did.
pub(super) struct Installed {
    pub(super) version: String,
    /// The version installed before (equal to `version` when nothing ran).
    pub(super) previous: Option<String>,
    /// The hooks that ran, by manifest key.
    pub(super) hooks: Vec<&'static str>,
}

/// Runs a hook and notes that it ran.
async fn run_noted(
    engine: &Engine,
    app: &AppSnapshot,
    hook: &Hook,
    payload: &Value,
    ran: &mut Vec<&'static str>,
) -> Result<std::result::Result<(), String>> {
    ran.push(hook.key);
    run(engine, app, hook, payload).await
}

/// Loads the app at `root` for `install`/`uninstall`: its snapshot and an
/// engine on the data directory's store; `CliError::Told` when it cannot load or
/// is bound to another folder in this data directory.
async fn prepare(root: &std::path::Path, vars: &[String], settings: &Settings) -> CliResult<(AppSnapshot, Engine)> {
    let pool = Pool::new(super::pool_options(settings));
    let given = super::gather_vars(settings, vars)?;
    let snapshot = super::snapshot_with(root, settings, &given, &pool, false).await?;
    let engine = super::one_shot_engine(settings, pool, &snapshot, &given).await?;
    let store = engine.store().cloned().context("no store")?;
    let id = &snapshot.app.manifest.application.universal_identifier;
    let folder = snapshot.app.code.root().display().to_string();
    if let Some(bound) = store.bind_app_root(id, &folder, false, crate::store::now_ms()).await? {
        eprintln!(
            "error: application {id} in {} is bound to the app at {bound}, not {folder} (see `serve --rebind`)",
            settings.data_dir.display()
        );
        return Err(CliError::Told(exit::USAGE));
    }
    Ok((snapshot, engine))
}

/// `switchboard install APP_DIR`: installs the app's package.json version
/// in the data directory as `serve` would on its first start (pre-install
/// hook, version recorded, post-install hook), without serving.
pub async fn install_command(root: &std::path::Path, vars: &[String], settings: &Settings) -> CliResult {
    let (snapshot, engine) = prepare(root, vars, settings).await?;
    let name = &snapshot.app.manifest.application.display_name;
    match install(&engine, &snapshot).await? {
        Ok(Installed { version, previous, hooks }) if previous.as_deref() == Some(version.as_str()) && hooks.is_empty() => {
            println!("{name} {version} is already installed in {}; no hook ran", settings.data_dir.display());
            Ok(())
        }
        Ok(Installed { version, previous, hooks }) => {
            let from = previous.map(|previous| format!(" (upgraded from {previous})")).unwrap_or_default();
            let ran = if hooks.is_empty() { "no hook ran".to_owned() } else { format!("ran {}", hooks.join(", ")) };
            println!("installed {name} {version}{from}; {ran}");
            Ok(())
        }
        Err(message) => {
            eprintln!("error: {message}");
            Err(CliError::Told(exit::FAILED))
        }
    }
}

/// `switchboard uninstall APP_DIR [--purge]`: runs the app's uninstall hook
/// (with Twenty's `UninstallPayload`, `{version}`) and forgets its installed
/// version; with `purge`, also deletes its stored state (kv, connections,
/// queued deliveries and jobs, folder binding). Run history is kept.
pub async fn uninstall_command(root: &std::path::Path, purge: bool, vars: &[String], settings: &Settings) -> CliResult {
    let (snapshot, engine) = prepare(root, vars, settings).await?;
    let store = engine.store().cloned().context("no store")?;
    let id = snapshot.app.manifest.application.universal_identifier.clone();
    let name = snapshot.app.manifest.application.display_name.clone();
    let installed = store.installed_version(&id).await?;
    let mut code = exit::OK;
    match (&installed, hook(&snapshot, "uninstallLogicFunction")) {
        (None, _) => println!("{name} is not installed in {}; no hook ran", settings.data_dir.display()),
        (Some(version), Some(uninstall)) => match run(&engine, &snapshot, &uninstall, &json!({ "version": version })).await? {
            Ok(()) => println!("ran the uninstall hook of {name} {version}"),
            Err(message) => {
                eprintln!("warning: the uninstall hook of {name} failed: {message}");
                code = exit::FAILED;
            }
        },
        (Some(version), None) => println!("{name} {version} has no uninstall hook"),
    }
    store.forget_installed_version(&id).await?;
    if purge {
        let deleted = store.purge_app(&id).await?;
        let summary: Vec<String> = deleted.iter().map(|(table, rows)| format!("{table} {rows}")).collect();
        println!("purged the stored state of {name} (rows deleted: {}); its run history is kept", summary.join(", "));
    }
    store.flush().await?;
    if code == exit::OK { Ok(()) } else { Err(CliError::Told(code)) }
}
