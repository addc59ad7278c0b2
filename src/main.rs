//! The `switchboard` command line: parses arguments and hands them to `app`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use switchboard::app::{self, CliResult, PayloadSource, exit};
use switchboard::config::{Overrides, Settings};

/// Run the logic layer of Twenty CRM apps, sandboxed.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// Hosts sandboxed code may fetch, comma-separated (`*` = any) [env: SWITCHBOARD_ALLOW_NET; default: none]
    #[arg(long, global = true, value_name = "HOSTS")]
    allow_net: Option<String>,
    /// Heap limit per runtime in MiB [env: SWITCHBOARD_HEAP_MB; default: 128]
    #[arg(long, global = true, value_name = "MB")]
    heap_mb: Option<usize>,
    /// Most runtimes alive at once, warm or spare: the memory bound [env: SWITCHBOARD_MAX_RUNTIMES; default: SWITCHBOARD_POOL_MEMORY_MB / SWITCHBOARD_RUNTIME_MEMORY_MB]
    #[arg(long, global = true, value_name = "N")]
    max_runtimes: Option<usize>,
    /// Most runs executing at once: the CPU bound [env: SWITCHBOARD_CONCURRENCY; default: the number of cores]
    #[arg(long, global = true, value_name = "N")]
    concurrency: Option<usize>,
    /// File of NAME=VALUE lines with application/server variables [env: SWITCHBOARD_VARS_FILE]
    #[arg(long, global = true, value_name = "PATH")]
    vars_file: Option<PathBuf>,
    /// Folder of the store (run history, event queue) [env: SWITCHBOARD_DATA_DIR; default: a folder per project under the platform data folder]
    #[arg(long, global = true, value_name = "PATH")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate an app folder and print a summary (exit 1 listing every problem).
    Check {
        /// App folder [default: .]
        app_dir: Option<PathBuf>,
    },
    /// Print the app's manifest JSON (the same shape `twenty dev:build` writes).
    Manifest {
        /// App folder [default: .]
        app_dir: Option<PathBuf>,
    },
    /// Run one logic function and print Twenty's execution result JSON.
    Run {
        /// [APP_DIR] FUNCTION — FUNCTION is a function's name or universalIdentifier
        #[arg(num_args = 1..=2, value_names = ["APP_DIR", "FUNCTION"], required = true)]
        args: Vec<String>,
        /// Payload JSON
        #[arg(long, conflicts_with = "payload_file")]
        payload: Option<String>,
        /// File holding the payload JSON (`-` for stdin)
        #[arg(long)]
        payload_file: Option<PathBuf>,
        /// Set an application or server variable (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Measure records created and read per second through CoreApiClient from
    /// inside a function, beside the same operations made directly on the store.
    BenchRecords {
        /// The bench app [default: benches/records]
        #[arg(value_name = "APP_DIR")]
        app_dir: Option<PathBuf>,
        /// Records created (and then read) per phase
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
    /// Measure boot, cold and warm call latency, throughput and memory for a function.
    Bench {
        /// [APP_DIR] FUNCTION
        #[arg(num_args = 1..=2, value_names = ["APP_DIR", "FUNCTION"], required = true)]
        args: Vec<String>,
        /// Payload JSON [default: {}]
        #[arg(long)]
        payload: Option<String>,
        /// Warm calls to time
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
        /// Concurrent callers for the throughput phase
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
        /// Set an application or server variable (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Serve the apps' tool functions over MCP on stdin/stdout (for Claude Desktop / Claude Code).
    Mcp {
        /// App folders [default: .]
        app_dirs: Vec<PathBuf>,
        #[command(flatten)]
        gateway: GatewayFlags,
    },
    /// Serve MCP at /mcp, HTTP route triggers under /s/, the /api endpoints, Twenty webhooks, cron schedules, the event queue and GET /healthz.
    Serve {
        /// App folders [default: .]
        app_dirs: Vec<PathBuf>,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:7410")]
        listen: std::net::SocketAddr,
        /// Allow a non-loopback --listen without API keys
        #[arg(long)]
        insecure: bool,
        #[command(flatten)]
        gateway: GatewayFlags,
    },
    /// List recorded runs, newest first, or replay one with --replay.
    Runs {
        /// Only runs of this function (name or universalIdentifier)
        #[arg(long)]
        function: Option<String>,
        /// Only runs with this status: SUCCESS, ERROR or SKIPPED
        #[arg(long)]
        status: Option<String>,
        /// Only runs of this trigger: manual, http_route, cron, database_event, tool, workflow_action
        #[arg(long)]
        trigger: Option<String>,
        /// Most runs to print (1-1000)
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Continue after this cursor (printed at the end of a full page)
        #[arg(long)]
        cursor: Option<String>,
        /// Print JSON ({runs, nextCursor}) instead of a table
        #[arg(long)]
        json: bool,
        /// Re-run the recorded run with this id, same payload, against the current code of --app
        #[arg(long, value_name = "ID")]
        replay: Option<String>,
        /// App folder for --replay
        #[arg(long = "app", value_name = "APP_DIR", default_value = ".")]
        app_dir: PathBuf,
        /// Set an application or server variable for --replay (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Skills: list, show, versions, diff, label, export (Agent Skills folders).
    Skills {
        #[command(subcommand)]
        action: LibraryCommand,
        /// App folder whose skills to use (plus the shipped ones)
        #[arg(long = "app", value_name = "APP_DIR", default_value = ".", global = true)]
        app_dir: PathBuf,
    },
    /// Agents: list, show, versions, diff, label, export (claude-code or twenty).
    Agents {
        #[command(subcommand)]
        action: LibraryCommand,
        /// App folder whose agents to use (plus the shipped ones)
        #[arg(long = "app", value_name = "APP_DIR", default_value = ".", global = true)]
        app_dir: PathBuf,
    },
    /// OAuth connections held by a running gateway (at SWITCHBOARD_PUBLIC_URL, with SWITCHBOARD_API_KEY): connect, list, disconnect.
    Connections {
        #[command(subcommand)]
        action: ConnectionsCommand,
    },
    /// The token vault: rotate-key re-encrypts every stored token under a new key.
    Vault {
        #[command(subcommand)]
        action: VaultCommand,
    },
    /// Install the app's package.json version in the data directory: run its
    /// pre-install hook, record the version, run its post-install hook (as
    /// `serve` does on first start), without serving.
    Install {
        /// App folder [default: .]
        app_dir: Option<PathBuf>,
        /// Set an application or server variable (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Run the app's uninstall hook and forget its installed version; with
    /// --purge, also delete its stored state (kv, connections, queued jobs).
    Uninstall {
        /// App folder [default: .]
        app_dir: Option<PathBuf>,
        /// Also delete the app's kv entries, connections, queued deliveries
        /// and jobs, and folder binding (run history is kept)
        #[arg(long)]
        purge: bool,
        /// Set an application or server variable (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
    },
    /// Print each cron function with its next three fire times (JSON, RFC 3339 UTC).
    Cron {
        /// App folder [default: .]
        app_dir: Option<PathBuf>,
    },
    /// Write the JSON Schemas of the domain types to schemas/ (or check them).
    Schemas {
        /// Fail if the files differ from what would be written
        #[arg(long)]
        check: bool,
        /// Output folder
        #[arg(long, default_value = "schemas")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ConnectionsCommand {
    /// Print the provider's consent URL and wait until the connection is made
    Connect {
        /// Provider name, as in defineConnectionProvider
        provider: String,
        /// user (just the requester) or workspace (shared)
        #[arg(long, default_value = "user")]
        visibility: String,
        /// The app's universalIdentifier, when several apps declare the provider
        #[arg(long)]
        app: Option<String>,
        /// Seconds to wait for the flow to finish (0 = print the URL and return)
        #[arg(long, default_value_t = 600)]
        wait: u64,
    },
    /// Every connection (never a token)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke the connection's token at the provider (when it has a revokeEndpoint) and delete it
    Disconnect { id: String },
}

#[derive(Debug, Subcommand)]
enum VaultCommand {
    /// Re-encrypt every token under a new key (SWITCHBOARD_VAULT_NEW_KEY, or a generated one written to the key file); stop the gateway first
    RotateKey,
}

#[derive(Debug, Subcommand)]
enum LibraryCommand {
    /// Every current item with its version and labels
    List {
        #[arg(long)]
        json: bool,
    },
    /// One item as markdown: NAME, NAME@VERSION, NAME@LABEL or NAME@latest
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Every recorded version of an item
    Versions {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Unified diff between two versions (numbers or labels)
    Diff { name: String, from: String, to: String },
    /// Point LABEL at VERSION (a number, label or latest)
    Label {
        name: String,
        version: String,
        label: String,
        /// Move a protected label
        #[arg(long)]
        force: bool,
        /// Protect the label from now on (production always is)
        #[arg(long)]
        protect: bool,
    },
    /// Write the app's own items (not the shipped ones) to DIR (skills: agent-skills; agents: claude-code [default] or twenty)
    Export {
        dir: PathBuf,
        #[arg(long)]
        format: Option<String>,
    },
}

impl From<LibraryCommand> for app::LibraryAction {
    fn from(command: LibraryCommand) -> Self {
        match command {
            LibraryCommand::List { json } => Self::List { json },
            LibraryCommand::Show { reference, json } => Self::Show { reference, json },
            LibraryCommand::Versions { name, json } => Self::Versions { name, json },
            LibraryCommand::Diff { name, from, to } => Self::Diff { name, from, to },
            LibraryCommand::Label { name, version, label, force, protect } => Self::Label { name, version, label, force, protect },
            LibraryCommand::Export { dir, format } => Self::Export { dir, format },
        }
    }
}

#[derive(Debug, Args)]
struct GatewayFlags {
    /// Reload apps when their files change (clients get tools/list_changed)
    #[arg(long)]
    watch: bool,
    /// Prefix tool names with the app's package name: <app>_<function>
    #[arg(long)]
    tool_prefix: bool,
    /// Let an app whose folder moved keep its stored data (kv, connections,
    /// records): bind its universalIdentifier to the folder given now
    #[arg(long)]
    rebind: bool,
    /// Set an application or server variable (repeatable; applies to every app that declares it)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
}

impl GatewayFlags {
    fn into_args(self, app_dirs: Vec<PathBuf>) -> app::GatewayArgs {
        app::GatewayArgs { app_dirs, vars: self.vars, watch: self.watch, tool_prefix: self.tool_prefix, rebind: self.rebind }
    }
}

/// The folder a command works on, which names its default data folder:
/// its (first) app folder, else the working directory.
fn project_of(command: &Command) -> PathBuf {
    let given = match command {
        Command::Check { app_dir }
        | Command::Manifest { app_dir }
        | Command::BenchRecords { app_dir, .. }
        | Command::Install { app_dir, .. }
        | Command::Uninstall { app_dir, .. }
        | Command::Cron { app_dir } => app_dir.clone(),
        Command::Run { args, .. } | Command::Bench { args, .. } => Some(split_app_and_function(args).0),
        Command::Mcp { app_dirs, .. } | Command::Serve { app_dirs, .. } => app_dirs.first().cloned(),
        Command::Runs { app_dir, .. } | Command::Skills { app_dir, .. } | Command::Agents { app_dir, .. } => Some(app_dir.clone()),
        _ => None,
    };
    given.unwrap_or_else(|| PathBuf::from("."))
}

fn split_app_and_function(args: &[String]) -> (PathBuf, String) {
    match args {
        [app_dir, function] => (PathBuf::from(app_dir), function.clone()),
        [function] => (PathBuf::from("."), function.clone()),
        _ => (PathBuf::from("."), String::new()),
    }
}

/// mimalloc instead of glibc's malloc. Run records, payloads and results are
/// allocated on one thread and freed on another (tokio's, a runtime's,
/// SQLite's), and glibc's arenas then take a lock on many frees. Measured
/// side by side on this machine (medians of eight alternating runs): a
/// route at 32 connections went from about 18.8k to 22.4k calls a second;
/// a runtime's resident memory from about 8 to 11 MB, while the gateway's
/// after the load stayed about the same (90-105 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    if let Err(error) = switchboard::config::init_logging() {
        eprintln!("error: {error}");
        std::process::exit(exit::USAGE);
    }
    let code = match dispatch(cli) {
        Ok(()) => exit::OK,
        Err(error) => {
            if let Some(untold) = error.untold() {
                eprintln!("error: {untold:#}");
            }
            error.exit_code()
        }
    };
    std::process::exit(code);
}

fn dispatch(cli: Cli) -> CliResult {
    let settings = Settings::load(Overrides {
        heap_mb: cli.global.heap_mb,
        allow_net: cli.global.allow_net.as_deref().map(Settings::parse_list),
        max_runtimes: cli.global.max_runtimes,
        concurrency: cli.global.concurrency,
        vars_file: cli.global.vars_file.clone(),
        data_dir: cli.global.data_dir.clone(),
        project: Some(project_of(&cli.command)),
    })?;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = settings.io_threads {
        builder.worker_threads(threads);
    }
    let runtime = builder.enable_all().build()?;
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Check { app_dir } => app::check(&app_dir.unwrap_or_else(|| ".".into()), &settings).await,
            Command::Manifest { app_dir } => app::manifest(&app_dir.unwrap_or_else(|| ".".into()), &settings).await,
            Command::Run { args, payload, payload_file, vars } => {
                let (app_dir, function) = split_app_and_function(&args);
                let payload = match (payload, payload_file) {
                    (Some(text), _) => PayloadSource::Inline(text),
                    (None, Some(path)) => PayloadSource::File(path),
                    (None, None) => PayloadSource::Empty,
                };
                app::run(&app_dir, &function, payload, &vars, &settings).await
            }
            Command::BenchRecords { app_dir, count } => {
                let app_dir = app_dir.unwrap_or_else(|| PathBuf::from("benches/records"));
                switchboard::app::bench::records::run(&app_dir, count.max(10), &settings).await
            }
            Command::Bench { args, payload, iterations, concurrency, vars } => {
                let (app_dir, function) = split_app_and_function(&args);
                let options = switchboard::app::bench::BenchOptions {
                    payload: payload.unwrap_or_else(|| "{}".to_owned()),
                    iterations: iterations.max(10),
                    concurrency: concurrency.max(1),
                    vars,
                };
                switchboard::app::bench::run(&app_dir, &function, options, &settings).await
            }
            Command::Mcp { app_dirs, gateway } => app::mcp(gateway.into_args(app_dirs), &settings).await,
            Command::Serve { app_dirs, listen, insecure, gateway } => {
                app::serve(gateway.into_args(app_dirs), listen, insecure, &settings).await
            }
            Command::Connections { action } => {
                let action = match action {
                    ConnectionsCommand::Connect { provider, visibility, app, wait } => {
                        app::ConnectionsAction::Connect { provider, visibility, app, wait_seconds: wait }
                    }
                    ConnectionsCommand::List { json } => app::ConnectionsAction::List { json },
                    ConnectionsCommand::Disconnect { id } => app::ConnectionsAction::Disconnect { id },
                };
                app::connections(action, &settings).await
            }
            Command::Vault { action: VaultCommand::RotateKey } => app::rotate_key(&settings).await,
            Command::Install { app_dir, vars } => app::install_command(&app_dir.unwrap_or_else(|| ".".into()), &vars, &settings).await,
            Command::Uninstall { app_dir, purge, vars } => {
                app::uninstall_command(&app_dir.unwrap_or_else(|| ".".into()), purge, &vars, &settings).await
            }
            Command::Cron { app_dir } => app::cron(&app_dir.unwrap_or_else(|| ".".into()), &settings).await,
            Command::Schemas { check, dir } => app::schemas(&dir, check),
            Command::Skills { action, app_dir } => {
                app::library(switchboard::library::Kind::Skill, action.into(), &app_dir, &settings).await
            }
            Command::Agents { action, app_dir } => {
                app::library(switchboard::library::Kind::Agent, action.into(), &app_dir, &settings).await
            }
            Command::Runs { function, status, trigger, limit, cursor, json, replay, app_dir, vars } => {
                let args = app::RunsArgs { function, status, trigger, limit, cursor, json, replay, app_dir, vars };
                app::runs(args, &settings).await
            }
        }
    });
    // Every command has finished its work by now. A blocking read of stdin
    // (`mcp` stopped by a signal while stdin is open) must not keep the
    // process alive, so blocking threads are not waited for.
    runtime.shutdown_background();
    code
}
