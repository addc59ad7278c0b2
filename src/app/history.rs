//! `switchboard runs`: lists recorded runs from the store (a table, or JSON
//! with `--json`) and replays one against the current code with `--replay`.

use super::{CliError, CliResult, Settings, exit, open_store, snapshot};
use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::{Engine, replayable_payload};
use crate::sandbox::Pool;
use crate::store::{RunFilter, RunRecord, RunStatus, Store};
use std::path::PathBuf;

/// What `switchboard runs` was asked.
#[derive(Debug, Clone, Default)]
pub struct RunsArgs {
    pub function: Option<String>,
    pub status: Option<String>,
    pub trigger: Option<String>,
    pub limit: usize,
    pub cursor: Option<String>,
    pub json: bool,
    /// Re-run this recorded run against the app in `app_dir`.
    pub replay: Option<String>,
    pub app_dir: PathBuf,
    pub vars: Vec<String>,
}

/// `switchboard runs`.
pub async fn runs(args: RunsArgs, settings: &Settings) -> CliResult {
    let status = match args.status.as_deref() {
        Some(text) => match RunStatus::parse(text) {
            Some(status) => Some(status),
            None => {
                eprintln!("error: --status {text:?} is not a run status; use SUCCESS, ERROR or SKIPPED");
                return Err(CliError::Told(exit::USAGE));
            }
        },
        None => None,
    };
    let trigger = match args.trigger.as_deref() {
        Some(text) => match TriggerKind::parse(text) {
            Some(trigger) => Some(trigger),
            None => {
                eprintln!(
                    "error: --trigger {text:?} is not a trigger; use manual, http_route, cron, database_event, tool or workflow_action"
                );
                return Err(CliError::Told(exit::USAGE));
            }
        },
        None => None,
    };
    let store = open_store(settings).await?;
    if let Some(id) = &args.replay {
        return replay(&store, id, &args, settings).await;
    }
    let filter = RunFilter { function: args.function.clone(), status, trigger, limit: args.limit, cursor: args.cursor.clone() };
    let page = match store.runs(&filter).await {
        Ok(page) => page,
        Err(error @ crate::store::Error::BadCursor(_)) => {
            eprintln!("error: {error}");
            return Err(CliError::Told(exit::USAGE));
        }
        Err(error) => return Err(error.into()),
    };
    if args.json {
        let runs: Vec<serde_json::Value> = page.runs.iter().map(RunRecord::to_json).collect();
        let listing = serde_json::json!({ "runs": runs, "nextCursor": page.next_cursor });
        println!("{}", serde_json::to_string_pretty(&listing)?);
        return Ok(());
    }
    if page.runs.is_empty() {
        println!("no runs recorded in {}", store.path().display());
        return Ok(());
    }
    println!("{:<36}  {:<24}  {:<24}  {:<15}  {:<7}  {:>8}", "ID", "STARTED (UTC)", "FUNCTION", "TRIGGER", "STATUS", "MS");
    for run in &page.runs {
        println!(
            "{:<36}  {:<24}  {:<24}  {:<15}  {:<7}  {:>8}",
            run.id,
            crate::store::rfc3339(run.started_at),
            run.function,
            run.trigger.as_str(),
            run.status.as_str(),
            run.duration_ms
        );
    }
    if let Some(cursor) = page.next_cursor {
        println!("more: switchboard runs --cursor {cursor}");
    }
    Ok(())
}

async fn replay(store: &std::sync::Arc<crate::store::SqliteStore>, id: &str, args: &RunsArgs, settings: &Settings) -> CliResult {
    let Some(original) = store.run(id).await? else {
        eprintln!("error: no run {id:?} in {}", store.path().display());
        return Err(CliError::Told(exit::USAGE));
    };
    let Some(payload) = replayable_payload(&original.payload) else {
        eprintln!("error: run {id} cannot be replayed: its payload was larger than SWITCHBOARD_RUN_CAPTURE_BYTES and was not kept");
        return Err(CliError::Told(exit::USAGE));
    };
    let pool = Pool::new(super::pool_options(settings));
    let snapshot = snapshot(&args.app_dir, settings, &args.vars, &pool).await?;
    if snapshot.find(&original.function_id).is_none() {
        eprintln!(
            "error: run {id} was of function {} ({}), which the app in {} no longer has",
            original.function,
            original.function_id,
            args.app_dir.display()
        );
        return Err(CliError::Told(exit::USAGE));
    }
    let (access, _) = super::workspace_access(settings, store.clone(), &[std::sync::Arc::new(snapshot.clone())])?;
    let engine =
        Engine::new(pool, settings.workspace_id.clone()).with_store(store.clone(), settings.run_capture_bytes).with_workspace(access);
    let invocation = Invocation {
        function: FunctionRef(original.function_id.clone()),
        trigger: TriggerKind::Manual,
        payload,
        context: engine.context(),
        detail: serde_json::json!({ "replayOf": original.id, "originalTrigger": original.trigger }),
        cascade: Default::default(),
    };
    let (result, new_id) = engine.invoke_recorded(&snapshot, invocation, None).await?;
    if let Some(new_id) = new_id {
        eprintln!("replayed run {id} as run {new_id}");
    }
    println!("{}", serde_json::to_string_pretty(&result)?);
    if result.status == ExecutionStatus::Success { Ok(()) } else { Err(CliError::Told(exit::FAILED)) }
}
