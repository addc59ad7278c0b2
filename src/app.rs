//! Composition root: builds the pool, engine and registry from settings and
//! carries out each command. `anyhow` is allowed here and in `main` only.

pub mod bench;
mod connections;
mod gateway;
mod history;
mod install;
mod library;

pub use connections::{ConnectionsAction, connections, rotate_key};
pub use gateway::{GatewayArgs, mcp, serve};
pub use history::{RunsArgs, runs};
pub use install::{install_command, uninstall_command};
pub use library::{LibraryAction, library, load_catalog};

use crate::catalog::{self, LoadedApp};
use crate::config::Settings;
use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::registry::AppSnapshot;
use crate::sandbox::{Pool, PoolOptions, SandboxOptions};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Exit codes of the CLI.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
}

/// How a command that does not succeed ends: either it has already told
/// the user what was wrong (on stderr) and only the exit code is left, or
/// an error that `main` prints once. `?` takes an `anyhow::Error` and the
/// errors listed in `failed_from!`. A blanket `From<E: Error>` is not
/// possible: a `From` impl in `smallvec` 2 (through deno) overlaps with any
/// such blanket.
#[derive(Debug)]
pub enum CliError {
    /// Already reported; the process ends with this code.
    Told(i32),
    /// Not yet reported; ends with [`exit::USAGE`].
    Failed(anyhow::Error),
}

/// What a command returns.
pub type CliResult<T = ()> = std::result::Result<T, CliError>;

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        Self::Failed(error)
    }
}

/// `?` on the errors commands meet.
macro_rules! failed_from {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for CliError {
            fn from(error: $error) -> Self {
                Self::Failed(error.into())
            }
        })*
    };
}

failed_from!(
    crate::config::Error,
    crate::engine::Error,
    crate::library::Error,
    crate::sandbox::Error,
    crate::store::Error,
    crate::vault::Error,
    crate::workspace::Error,
    serde_json::Error,
    std::io::Error,
    tokio::task::JoinError,
);

impl CliError {
    /// The process's exit code for this outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Told(code) => *code,
            Self::Failed(_) => exit::USAGE,
        }
    }

    /// The message `main` still has to print, if any.
    pub fn untold(&self) -> Option<&anyhow::Error> {
        match self {
            Self::Told(_) => None,
            Self::Failed(error) => Some(error),
        }
    }
}

/// Pool sizing from settings.
pub fn pool_options(settings: &Settings) -> PoolOptions {
    // In remote mode the clients inside the sandbox talk to Twenty itself.
    let mut allow_net = settings.allow_net.clone();
    if let Some(parsed) = settings.twenty_url.as_deref().and_then(|url| url::Url::parse(url).ok())
        && let Some(host) = parsed.host_str()
    {
        allow_net.push(match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        });
    }
    PoolOptions {
        sandbox: SandboxOptions {
            heap_limit: settings.heap_mb * 1024 * 1024,
            allow_net,
            sealed: sealed_paths(settings),
            ..SandboxOptions::default()
        },
        concurrency: settings.concurrency,
        max_runtimes: settings.max_runtimes,
        spares: settings.spare_runtimes,
        max_waiting: settings.max_waiting,
        idle_spin: std::time::Duration::from_micros(settings.idle_spin_micros as u64),
        min_warm_per_app: settings.min_warm_per_app,
        max_per_app: settings.max_runtimes_per_app,
        runtime_mib: settings.runtime_memory_mb,
    }
}

/// The gateway's own files that app code must never load, even when they
/// sit inside an app's folder: the data folder (store, vault key) and the
/// variables file. Canonical where they exist, so links cannot hide them.
fn sealed_paths(settings: &Settings) -> Vec<std::path::PathBuf> {
    [Some(&settings.data_dir), settings.vars_file.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|path| path.canonicalize().or_else(|_| std::path::absolute(path)).ok())
        .collect()
}

/// The embedded workspace and its REST/GraphQL router (served over HTTP
/// by `serve`, called in-process for the sandbox everywhere).
#[derive(Clone)]
pub(crate) struct Embedded {
    pub(crate) workspace: crate::workspace::Workspace,
    pub(crate) router: axum::Router,
}

/// How runs reach records: a Twenty server in remote mode, else the
/// embedded workspace over `store`, whose requests from the sandbox are
/// answered in-process.
pub(crate) fn workspace_access(
    settings: &Settings,
    store: std::sync::Arc<crate::store::SqliteStore>,
    apps: &[std::sync::Arc<crate::registry::AppSnapshot>],
) -> Result<(crate::engine::WorkspaceAccess, Option<Embedded>)> {
    if let (Some(url), Some(key)) = (&settings.twenty_url, &settings.twenty_api_key) {
        return Ok((crate::engine::WorkspaceAccess::Remote { url: url.clone(), api_key: key.0.clone() }, None));
    }
    let workspace = crate::workspace::Workspace::new(store, apps)?;
    workspace.set_cascade_limit(settings.max_cascade_events);
    let keys = crate::http::ApiKeys(std::sync::Arc::new(settings.api_keys.clone()));
    let router = crate::http::workspace::router(
        crate::http::workspace::WorkspaceState { workspace: workspace.clone(), keys },
        settings.max_route_body_bytes,
    );
    let access = crate::engine::WorkspaceAccess::Embedded {
        tokens: std::sync::Arc::new(workspace.clone()),
        url: settings.public_url.clone(),
        api: std::sync::Arc::new(crate::http::workspace::InProcess(router.clone())),
    };
    Ok((access, Some(Embedded { workspace, router })))
}

/// Opens the store of the settings' data directory.
pub async fn open_store(settings: &Settings) -> Result<std::sync::Arc<crate::store::SqliteStore>> {
    Ok(std::sync::Arc::new(crate::store::SqliteStore::open(&settings.store_options()).await?))
}

/// Reads a `NAME=VALUE` file; blank lines and `#` comments are skipped.
pub fn read_vars_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the variables file {}", path.display()))?;
    let mut vars = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            bail!("{}:{}: expected NAME=VALUE", path.display(), index + 1);
        };
        vars.insert(name.trim().to_owned(), value.trim().trim_matches('"').to_owned());
    }
    Ok(vars)
}

/// Variables from the settings' file plus `--var NAME=VALUE` values.
pub fn gather_vars(settings: &Settings, inline: &[String]) -> Result<BTreeMap<String, String>> {
    let mut vars = match &settings.vars_file {
        Some(path) => read_vars_file(path)?,
        None => BTreeMap::new(),
    };
    for item in inline {
        let Some((name, value)) = item.split_once('=') else {
            bail!("--var {item:?}: expected NAME=VALUE");
        };
        vars.insert(name.to_owned(), value.to_owned());
    }
    Ok(vars)
}

/// Loads the app, printing every problem to stderr on failure.
pub async fn load_app(root: &Path, pool: &Pool) -> Result<std::result::Result<LoadedApp, catalog::Error>> {
    match catalog::load(root, pool).await {
        Ok(app) => {
            for warning in &app.warnings {
                eprintln!("warning: {warning}");
            }
            report_disabled(&app);
            // The app's objects and fields must fit the workspace's data
            // model (names the record APIs can use, no clashes).
            let manifest = &app.manifest;
            let declared = [(manifest.application.universal_identifier.as_str(), manifest.objects.as_slice(), manifest.fields.as_slice())];
            if let Err(crate::workspace::model::Error::Invalid { message, entity, field, .. }) =
                crate::workspace::model::Model::build(declared)
            {
                let file = entity.and_then(|id| app.entity_files.get(&id).cloned());
                let problem = catalog::Problem { file, field: Some(field).filter(|field| !field.is_empty()), message };
                return Ok(Err(catalog::Error::Invalid { root: root.to_path_buf(), problems: vec![problem] }));
            }
            Ok(Ok(app))
        }
        Err(error @ (catalog::Error::Invalid { .. } | catalog::Error::Unreadable { .. })) => Ok(Err(error)),
        Err(error) => Err(error.into()),
    }
}

/// Says on stderr which files were left out of an app and why.
pub fn report_disabled(app: &LoadedApp) {
    for problem in &app.disabled {
        eprintln!("disabled: {problem} (what this file defines is not served; the rest of {} is)", app.manifest.application.display_name);
    }
}

fn describe_triggers(function: &crate::domain::LogicFunctionManifest) -> String {
    let mut triggers = Vec::new();
    if let Some(route) = &function.http_route_trigger_settings {
        let method = serde_json::to_value(route.http_method).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default();
        triggers.push(format!("route {method} {}", route.path));
    }
    if let Some(cron) = &function.cron_trigger_settings {
        triggers.push(format!("cron \"{}\"", cron.pattern));
    }
    if let Some(events) = &function.database_event_trigger_settings {
        for event in events.to_vec() {
            triggers.push(format!("event {}", event.event_name));
        }
    }
    if function.tool_trigger_settings.is_some() {
        triggers.push("tool".to_owned());
    }
    if function.workflow_action_trigger_settings.is_some() {
        triggers.push("workflow action".to_owned());
    }
    if function.server_route_trigger_settings.is_some() {
        triggers.push("server route".to_owned());
    }
    if triggers.is_empty() { "manual only".to_owned() } else { triggers.join(", ") }
}

/// `switchboard check`.
pub async fn check(root: &Path, settings: &Settings) -> CliResult {
    let pool = Pool::new(pool_options(settings));
    let app = match load_app(root, &pool).await? {
        Ok(app) => app,
        Err(error) => {
            eprintln!("{error}");
            return Err(CliError::Told(exit::FAILED));
        }
    };
    if let Some(error) = app.problems() {
        eprintln!("{error}");
        return Err(CliError::Told(exit::FAILED));
    }
    let manifest = &app.manifest;
    println!("✓ {} ({}) is valid", manifest.application.display_name, app.code.root().display());
    println!(
        "  {} logic function(s), {} role(s), {} skill(s), {} agent(s), {} connection provider(s)",
        manifest.logic_functions.len(),
        manifest.roles.len(),
        manifest.skills.len(),
        manifest.agents.len(),
        manifest.connection_providers.len()
    );
    for function in &manifest.logic_functions {
        println!("  - {}: {}", function.display_name(), describe_triggers(function));
    }
    Ok(())
}

/// `switchboard manifest`.
pub async fn manifest(root: &Path, settings: &Settings) -> CliResult {
    let pool = Pool::new(pool_options(settings));
    match load_app(root, &pool).await? {
        Ok(app) if app.disabled.is_empty() => {
            println!("{}", serde_json::to_string_pretty(&app.manifest_json)?);
            Ok(())
        }
        Ok(app) => {
            eprintln!("{}", app.problems().map(|error| error.to_string()).unwrap_or_default());
            Err(CliError::Told(exit::USAGE))
        }
        Err(error) => {
            eprintln!("{error}");
            Err(CliError::Told(exit::USAGE))
        }
    }
}

/// Where a run's payload comes from.
#[derive(Debug, Clone)]
pub enum PayloadSource {
    Inline(String),
    File(PathBuf),
    Empty,
}

impl PayloadSource {
    pub fn read(&self) -> Result<String> {
        Ok(match self {
            Self::Inline(text) => text.clone(),
            Self::File(path) if path.as_os_str() == "-" => {
                std::io::read_to_string(std::io::stdin()).context("cannot read the payload from stdin")?
            }
            Self::File(path) => {
                std::fs::read_to_string(path).with_context(|| format!("cannot read the payload file {}", path.display()))?
            }
            Self::Empty => "{}".to_owned(),
        })
    }
}

/// Loads an app and builds its snapshot, or reports why not (exit code 2).
pub async fn snapshot(root: &Path, settings: &Settings, vars: &[String], pool: &Pool) -> CliResult<AppSnapshot> {
    snapshot_with(root, settings, &gather_vars(settings, vars)?, pool, false).await
}

/// Like [`snapshot`], with the variables already gathered; with
/// `only_declared`, variables the app does not declare are left out instead
/// of refused (several apps share one list).
pub async fn snapshot_with(
    root: &Path,
    settings: &Settings,
    given: &BTreeMap<String, String>,
    pool: &Pool,
    only_declared: bool,
) -> CliResult<AppSnapshot> {
    let app = match load_app(root, pool).await? {
        Ok(app) => app,
        Err(error) => {
            eprintln!("{error}");
            return Err(CliError::Told(exit::USAGE));
        }
    };
    let mut vars = given.clone();
    if only_declared {
        let declared = AppSnapshot::declared_variables(&app);
        vars.retain(|name, _| declared.contains(name));
    }
    match AppSnapshot::new(app, &vars, &settings.public_url) {
        Ok(snapshot) => {
            for name in &snapshot.unset_required {
                eprintln!("warning: required variable {name} has no value (give it with --var {name}=... or a variables file)");
            }
            Ok(snapshot)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(CliError::Told(exit::USAGE))
        }
    }
}

/// `switchboard run`.
pub async fn run(root: &Path, function: &str, payload: PayloadSource, vars: &[String], settings: &Settings) -> CliResult {
    let pool = Pool::new(pool_options(settings));
    let given = gather_vars(settings, vars)?;
    let snapshot = snapshot_with(root, settings, &given, &pool, false).await?;
    let engine = one_shot_engine(settings, pool, &snapshot, &given).await?;
    let invocation = Invocation {
        function: FunctionRef(function.to_owned()),
        trigger: TriggerKind::Manual,
        payload: payload.read()?,
        context: engine.context(),
        detail: serde_json::Value::Null,
        cascade: Default::default(),
    };
    match engine.invoke(&snapshot, invocation).await {
        Ok(result) => {
            println!("{}", serde_json::to_string_pretty(&result)?);
            if result.status == ExecutionStatus::Success { Ok(()) } else { Err(CliError::Told(exit::FAILED)) }
        }
        Err(error @ (crate::engine::Error::UnknownFunction { .. } | crate::engine::Error::InvalidPayload(_))) => {
            eprintln!("error: {error}");
            Err(CliError::Told(exit::USAGE))
        }
        Err(error) => Err(error.into()),
    }
}

/// The engine of a command that runs one app's functions and exits (`run`,
/// `install`, `uninstall`): the data directory's store, runs recorded and
/// committed before the process ends, the embedded workspace (or a remote
/// Twenty), and the stored connections when the app declares providers.
async fn one_shot_engine(settings: &Settings, pool: Pool, snapshot: &AppSnapshot, given: &BTreeMap<String, String>) -> Result<Engine> {
    let store = open_store(settings).await?;
    let (access, _) = workspace_access(settings, store.clone(), &[std::sync::Arc::new(snapshot.clone())])?;
    let mut engine = Engine::new(pool, settings.workspace_id.clone())
        .with_store(store.clone(), settings.run_capture_bytes)
        .recording(settings.record_runs.committed_unless_off())
        .with_workspace(access);
    if !snapshot.app.manifest.connection_providers.is_empty() {
        engine = engine.with_vault(connections::open_vault(settings, store, std::slice::from_ref(snapshot), given).await?);
    }
    Ok(engine)
}

/// `switchboard schemas`: writes (or, with `check`, compares) `schemas/`.
pub fn schemas(dir: &Path, check: bool) -> CliResult {
    let mut stale = Vec::new();
    if !check {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    for (name, schema) in crate::domain::schemas() {
        let path = dir.join(name);
        let text = format!("{}\n", serde_json::to_string_pretty(&schema)?);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        if check {
            println!("schemas are up to date");
        }
        Ok(())
    } else {
        eprintln!("these schemas differ from the domain types (run `switchboard schemas` to regenerate):");
        for path in stale {
            eprintln!("  {path}");
        }
        Err(CliError::Told(exit::FAILED))
    }
}

/// `switchboard cron`: each cron function with its next three fire times.
pub async fn cron(root: &Path, settings: &Settings) -> CliResult {
    let pool = Pool::new(pool_options(settings));
    let snapshot = snapshot(root, settings, &[], &pool).await?;
    let apps = vec![std::sync::Arc::new(snapshot)];
    let entries = match crate::triggers::cron::entries(&apps) {
        Ok(entries) => entries,
        Err(problems) => {
            for problem in problems {
                eprintln!("error: {problem}");
            }
            return Err(CliError::Told(exit::USAGE));
        }
    };
    let now = chrono::Utc::now();
    let listing: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            let next: Vec<String> = entry.upcoming(now, 3).iter().map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).collect();
            serde_json::json!({ "name": entry.name, "pattern": entry.pattern, "timezone": entry.timezone, "next": next })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&listing)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_told_failure_keeps_its_code_and_any_other_error_is_a_usage_error_still_to_print() {
        let told = CliError::Told(exit::FAILED);
        assert_eq!(told.exit_code(), exit::FAILED);
        assert!(told.untold().is_none());
        let failed: CliError = std::io::Error::other("disk gone").into();
        assert_eq!(failed.exit_code(), exit::USAGE);
        assert_eq!(failed.untold().map(|error| error.to_string()).as_deref(), Some("disk gone"));
    }
}
