//! Settings: command-line values over `SWITCHBOARD_*` environment variables
//! over defaults, validated once. This is the only module that reads the
//! process environment.

use sha2::Digest;
use std::path::{Path, PathBuf};

/// Every setting, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Heap limit per runtime in MiB (`SWITCHBOARD_HEAP_MB`, default 128).
    pub heap_mb: usize,
    /// Hosts sandboxed code may `fetch` (`SWITCHBOARD_ALLOW_NET`, comma-separated; `*` = any; default none).
    pub allow_net: Vec<String>,
    /// Most runs executing at once (`SWITCHBOARD_CONCURRENCY`, default the number of cores).
    pub concurrency: usize,
    /// Memory for warm runtimes in MiB (`SWITCHBOARD_POOL_MEMORY_MB`, default
    /// a quarter of the machine's memory).
    pub pool_memory_mb: usize,
    /// What one runtime is reckoned to cost in MiB (`SWITCHBOARD_RUNTIME_MEMORY_MB`, default 16).
    pub runtime_memory_mb: usize,
    /// Most runtimes alive at once (`SWITCHBOARD_MAX_RUNTIMES`, default the
    /// pool memory over the cost of one runtime).
    pub max_runtimes: usize,
    /// Runtimes one app keeps whatever other apps need (`SWITCHBOARD_MIN_WARM_PER_APP`, default 0).
    pub min_warm_per_app: usize,
    /// Most runtimes one app may have (`SWITCHBOARD_MAX_RUNTIMES_PER_APP`, default the concurrency).
    pub max_runtimes_per_app: usize,
    /// Runtimes booted ahead of need (`SWITCHBOARD_SPARE_RUNTIMES`, default 2).
    pub spare_runtimes: usize,
    /// Calls that may wait for a runtime before "busy" (`SWITCHBOARD_MAX_WAITING`, default 64).
    pub max_waiting: usize,
    /// Microseconds the last runtime to go idle polls for the next call
    /// before sleeping (`SWITCHBOARD_IDLE_SPIN_MICROS`, default 300; 0 = never).
    pub idle_spin_micros: usize,
    /// Workspace id handed to handlers (`SWITCHBOARD_WORKSPACE_ID`).
    pub workspace_id: String,
    /// Base URL of this gateway, injected as `TWENTY_API_URL` (`SWITCHBOARD_PUBLIC_URL`).
    pub public_url: String,
    /// Whether `SWITCHBOARD_PUBLIC_URL` was given; if not, `serve` uses the
    /// address it binds.
    pub public_url_set: bool,
    /// A file of `NAME=VALUE` lines giving application and server variables (`SWITCHBOARD_VARS_FILE`).
    pub vars_file: Option<PathBuf>,
    /// Bearer keys that may call `/mcp` (`SWITCHBOARD_API_KEYS`, comma-separated; default none = open).
    pub api_keys: Vec<String>,
    /// Extra `Host` values accepted by HTTP (`SWITCHBOARD_ALLOWED_HOSTS`); loopback names always are.
    pub allowed_hosts: Vec<String>,
    /// Extra browser `Origin`s accepted (`SWITCHBOARD_ALLOWED_ORIGINS`); loopback origins always are.
    pub allowed_origins: Vec<String>,
    /// Largest `/mcp` request body in bytes (`SWITCHBOARD_MAX_BODY_BYTES`, default 4 MiB).
    pub max_body_bytes: usize,
    /// Show stack traces in MCP error results (`SWITCHBOARD_DEBUG=1`).
    pub debug: bool,
    /// Serve 2025-11-25 clients without sessions, answering with plain JSON
    /// (`SWITCHBOARD_MCP_STATELESS=1`): for load-balanced deployments; legacy
    /// clients then get no list_changed notifications.
    pub mcp_stateless: bool,
    /// Threads for network I/O and request handling (`SWITCHBOARD_IO_THREADS`;
    /// default: one per core). JavaScript runs on its own threads either way.
    pub io_threads: Option<usize>,
    /// Largest request body of an HTTP route (`SWITCHBOARD_MAX_ROUTE_BODY_BYTES`, default 10 MiB).
    pub max_route_body_bytes: usize,
    /// Seconds a connection may take to send a request's headers, and may
    /// stay idle between requests (`SWITCHBOARD_HEADER_TIMEOUT_SECONDS`,
    /// default 30). A streaming answer (MCP's SSE) is not idle.
    pub header_timeout_seconds: usize,
    /// Seconds a request's body may take to arrive in full
    /// (`SWITCHBOARD_BODY_TIMEOUT_SECONDS`, default 60).
    pub body_timeout_seconds: usize,
    /// Connections served at once (`SWITCHBOARD_MAX_CONNECTIONS`, default
    /// 1024); more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// Most record events one cascade (an outside event or write and all it
    /// leads to) may publish (`SWITCHBOARD_MAX_CASCADE_EVENTS`, default 1000).
    pub max_cascade_events: u32,
    /// Where the store lives (`--data-dir`, `SWITCHBOARD_DATA_DIR`, default: see [`default_data_dir`]).
    pub data_dir: PathBuf,
    /// `normal` (default: survives a killed process) or `full` (also a power
    /// cut: every commit is synced) (`SWITCHBOARD_STORE_SYNC`).
    pub store_sync: crate::store::SyncMode,
    /// Runs older than this many days are deleted (`SWITCHBOARD_RUNS_MAX_AGE_DAYS`, default 30).
    pub runs_max_age_days: usize,
    /// At most this many runs are kept (`SWITCHBOARD_RUNS_MAX_COUNT`, default 100000).
    pub runs_max_count: usize,
    /// Record every run in the store (`SWITCHBOARD_RECORD_RUNS`): `on`, the
    /// default (a run's record is committed by the background writer right
    /// after its answer goes out), `sync` (the answer waits for the commit),
    /// or `off`.
    pub record_runs: crate::engine::Recording,
    /// Bytes kept of each run's payload, result and logs (`SWITCHBOARD_RUN_CAPTURE_BYTES`, default 64 KiB).
    pub run_capture_bytes: usize,
    /// First retry delay of a failed event run in ms; each next one is 4× longer
    /// (`SWITCHBOARD_EVENT_RETRY_MS`, default 1000).
    pub event_retry_ms: usize,
    /// Secret of Twenty's webhook signatures (`SWITCHBOARD_TWENTY_WEBHOOK_SECRET`); without it
    /// `/webhooks/twenty` answers 503.
    pub webhook_secret: Option<Secret>,
    /// Oldest webhook timestamp accepted, in seconds (`SWITCHBOARD_WEBHOOK_TOLERANCE_SECONDS`, default 300).
    pub webhook_tolerance_seconds: usize,
    /// Cron fires missed while the gateway was down that are made up on start:
    /// `one` (default) or `none` (`SWITCHBOARD_CRON_CATCH_UP`).
    pub cron_catch_up: bool,
    /// The vault key (`SWITCHBOARD_VAULT_KEY`: 32 bytes as 64 hex digits or
    /// base64); without it the key lives in `<data dir>/vault.key`, created
    /// with mode 0600 on first start.
    pub vault_key: Option<Secret>,
    /// The key `switchboard vault rotate-key` moves to (`SWITCHBOARD_VAULT_NEW_KEY`);
    /// without it a new random key is generated into the key file.
    pub vault_new_key: Option<Secret>,
    /// Hosts `fetch(url, { connection })` may reach per provider
    /// (`SWITCHBOARD_CONNECTION_HOSTS_<PROVIDER>`, provider name upper-cased
    /// with `-` as `_`, comma-separated `host`, `host:port` or `*.domain`;
    /// default: the hosts of the provider's own endpoints).
    pub connection_hosts: std::collections::BTreeMap<String, Vec<String>>,
    /// The API key CLI commands present to a running gateway (`SWITCHBOARD_API_KEY`).
    pub api_key: Option<Secret>,
    /// Remote mode: the Twenty server whose records functions use
    /// (`SWITCHBOARD_TWENTY_URL`, e.g. `https://crm.example.com`), with
    /// `twenty_api_key`. Without it the embedded workspace serves records.
    pub twenty_url: Option<String>,
    /// A Twenty API key for remote mode (`SWITCHBOARD_TWENTY_API_KEY`).
    pub twenty_api_key: Option<Secret>,
}

/// A secret value: shown as `[redacted]` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("[redacted]")
    }
}

impl Settings {
    /// How long run history is kept.
    pub fn retention(&self) -> crate::store::Retention {
        crate::store::Retention {
            max_age_ms: i64::try_from(self.runs_max_age_days).unwrap_or(3650) * 24 * 3600 * 1000,
            max_count: self.runs_max_count as u64,
        }
    }

    /// How to open the store.
    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions { dir: self.data_dir.clone(), sync: self.store_sync, retention: self.retention() }
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{name}: {message} (got {value:?})")]
    Invalid { name: &'static str, value: String, message: String },
}

/// Values given on the command line; `None` falls back to the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub heap_mb: Option<usize>,
    pub allow_net: Option<Vec<String>>,
    pub max_runtimes: Option<usize>,
    pub concurrency: Option<usize>,
    pub vars_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// The folder the command works on (its first app folder, else the
    /// working directory): it names the default data folder.
    pub project: Option<PathBuf>,
}

/// Default workspace id handed to handlers when none is configured.
pub const DEFAULT_WORKSPACE_ID: &str = "7c0a8f1e-5b2d-4e6a-9f3c-1d2e3f4a5b6c";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

fn number(name: &'static str, min: usize, max: usize) -> Result<Option<usize>, Error> {
    let Some(value) = env(name) else { return Ok(None) };
    match value.trim().parse::<usize>() {
        Ok(number) if (min..=max).contains(&number) => Ok(Some(number)),
        _ => Err(Error::Invalid { name, value, message: format!("must be a whole number from {min} to {max}") }),
    }
}

/// The machine's memory in MiB (`MemTotal` of /proc/meminfo; 4096 if unknown).
fn machine_memory_mb() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        })
        .map_or(4096, |kib| kib / 1024)
}

/// The data folder when none is named: `.switchboard` in the project folder
/// or else the working directory, if it already holds a store (where
/// earlier versions kept it), else
/// a folder of the project's own under the platform's data folder, named
/// after the project folder and a hash of its full path. So the store does
/// not depend on the working directory: `switchboard mcp APP_DIR` started by
/// a desktop client from `/`, or from a read-only folder, finds the same
/// store as `switchboard serve APP_DIR` run in the project.
fn default_data_dir(project: Option<&Path>) -> PathBuf {
    let project = project.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let project = project.canonicalize().or_else(|_| std::path::absolute(&project)).unwrap_or(project);
    let legacy = PathBuf::from(".switchboard");
    for earlier in [project.join(".switchboard"), legacy.clone()] {
        if earlier.join("switchboard.db").is_file() {
            return earlier;
        }
    }
    let Some(base) = platform_data_dir() else { return legacy };
    let name: String = project
        .file_name()
        .map(|name| {
            name.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
        })
        .unwrap_or_else(|| "root".to_owned());
    let digest = sha2::Sha256::digest(project.to_string_lossy().as_bytes());
    let hash: String = digest.iter().take(4).map(|byte| format!("{byte:02x}")).collect();
    base.join("switchboard").join("projects").join(format!("{name}-{hash}"))
}

/// The platform's folder for application data: `$XDG_DATA_HOME` or
/// `~/.local/share` on Linux, `~/Library/Application Support` on macOS,
/// `%LOCALAPPDATA%` on Windows.
fn platform_data_dir() -> Option<PathBuf> {
    let absolute = |value: std::ffi::OsString| Some(PathBuf::from(value)).filter(|path| path.is_absolute());
    if cfg!(windows) {
        return std::env::var_os("LOCALAPPDATA").and_then(absolute);
    }
    if !cfg!(target_os = "macos")
        && let Some(dir) = std::env::var_os("XDG_DATA_HOME").and_then(absolute)
    {
        return Some(dir);
    }
    let home = std::env::var_os("HOME").and_then(absolute)?;
    Some(if cfg!(target_os = "macos") { home.join("Library/Application Support") } else { home.join(".local/share") })
}

fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

impl Settings {
    /// Reads the environment and applies the command-line overrides.
    pub fn load(overrides: Overrides) -> Result<Self, Error> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let heap_mb = match overrides.heap_mb {
            Some(value) => value,
            None => number("SWITCHBOARD_HEAP_MB", 16, 16 * 1024)?.unwrap_or(128),
        };
        if !(16..=16 * 1024).contains(&heap_mb) {
            return Err(Error::Invalid { name: "--heap-mb", value: heap_mb.to_string(), message: "must be from 16 to 16384".into() });
        }
        let concurrency = match overrides.concurrency {
            Some(value) => value,
            None => number("SWITCHBOARD_CONCURRENCY", 1, 1024)?.unwrap_or(cores),
        };
        if !(1..=1024).contains(&concurrency) {
            return Err(Error::Invalid { name: "--concurrency", value: concurrency.to_string(), message: "must be from 1 to 1024".into() });
        }
        let pool_memory_mb = number("SWITCHBOARD_POOL_MEMORY_MB", 16, 1 << 24)?.unwrap_or_else(|| (machine_memory_mb() / 4).max(256));
        let runtime_memory_mb = number("SWITCHBOARD_RUNTIME_MEMORY_MB", 4, 16 * 1024)?.unwrap_or(crate::sandbox::DEFAULT_RUNTIME_MIB);
        let max_runtimes = match overrides.max_runtimes {
            Some(value) => value,
            None => number("SWITCHBOARD_MAX_RUNTIMES", 1, 4096)?.unwrap_or((pool_memory_mb / runtime_memory_mb).clamp(1, 4096)),
        };
        if max_runtimes == 0 {
            return Err(Error::Invalid { name: "--max-runtimes", value: "0".into(), message: "must be at least 1".into() });
        }
        let workspace_id = env("SWITCHBOARD_WORKSPACE_ID").unwrap_or_else(|| DEFAULT_WORKSPACE_ID.to_owned());
        if uuid::Uuid::parse_str(&workspace_id).is_err() {
            return Err(Error::Invalid { name: "SWITCHBOARD_WORKSPACE_ID", value: workspace_id, message: "must be a UUID".into() });
        }
        let public_url_set = env("SWITCHBOARD_PUBLIC_URL").is_some();
        let public_url = env("SWITCHBOARD_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:7410".to_owned());
        if url::Url::parse(&public_url).is_err() {
            return Err(Error::Invalid { name: "SWITCHBOARD_PUBLIC_URL", value: public_url, message: "must be an absolute URL".into() });
        }
        let twenty_url = env("SWITCHBOARD_TWENTY_URL").map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &twenty_url
            && !url::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some())
        {
            return Err(Error::Invalid {
                name: "SWITCHBOARD_TWENTY_URL",
                value: url.clone(),
                message: "must be an http(s) URL of a Twenty server".into(),
            });
        }
        let twenty_api_key = env("SWITCHBOARD_TWENTY_API_KEY").map(Secret);
        if twenty_url.is_some() != twenty_api_key.is_some() {
            return Err(Error::Invalid {
                name: if twenty_url.is_some() { "SWITCHBOARD_TWENTY_API_KEY" } else { "SWITCHBOARD_TWENTY_URL" },
                value: String::new(),
                message: "remote mode needs both SWITCHBOARD_TWENTY_URL and SWITCHBOARD_TWENTY_API_KEY".into(),
            });
        }
        let connection_hosts = std::env::vars()
            .filter_map(|(name, value)| {
                let provider = name.strip_prefix("SWITCHBOARD_CONNECTION_HOSTS_")?;
                Some((provider.to_ascii_lowercase().replace('_', "-"), list(&value)))
            })
            .collect();
        Ok(Self {
            twenty_url,
            twenty_api_key,
            connection_hosts,
            vault_key: env("SWITCHBOARD_VAULT_KEY").map(Secret),
            vault_new_key: env("SWITCHBOARD_VAULT_NEW_KEY").map(Secret),
            api_key: env("SWITCHBOARD_API_KEY").map(Secret),
            heap_mb,
            allow_net: overrides.allow_net.unwrap_or_else(|| env("SWITCHBOARD_ALLOW_NET").map(|v| list(&v)).unwrap_or_default()),
            concurrency,
            pool_memory_mb,
            runtime_memory_mb,
            max_runtimes,
            min_warm_per_app: number("SWITCHBOARD_MIN_WARM_PER_APP", 0, 64)?.unwrap_or(0),
            max_runtimes_per_app: number("SWITCHBOARD_MAX_RUNTIMES_PER_APP", 1, 4096)?.unwrap_or(concurrency),
            spare_runtimes: number("SWITCHBOARD_SPARE_RUNTIMES", 0, 64)?.unwrap_or(2),
            max_waiting: number("SWITCHBOARD_MAX_WAITING", 0, 1_000_000)?.unwrap_or(64),
            idle_spin_micros: number("SWITCHBOARD_IDLE_SPIN_MICROS", 0, 10_000)?
                .unwrap_or(crate::sandbox::DEFAULT_IDLE_SPIN_MICROS as usize),
            workspace_id,
            public_url: public_url.trim_end_matches('/').to_owned(),
            public_url_set,
            vars_file: overrides.vars_file.or_else(|| env("SWITCHBOARD_VARS_FILE").map(PathBuf::from)),
            api_keys: env("SWITCHBOARD_API_KEYS").map(|v| list(&v)).unwrap_or_default(),
            allowed_hosts: env("SWITCHBOARD_ALLOWED_HOSTS").map(|v| list(&v)).unwrap_or_default(),
            allowed_origins: env("SWITCHBOARD_ALLOWED_ORIGINS").map(|v| list(&v)).unwrap_or_default(),
            max_body_bytes: number("SWITCHBOARD_MAX_BODY_BYTES", 1024, 1 << 30)?.unwrap_or(4 * 1024 * 1024),
            debug: matches!(env("SWITCHBOARD_DEBUG").as_deref(), Some("1" | "true" | "yes")),
            mcp_stateless: matches!(env("SWITCHBOARD_MCP_STATELESS").as_deref(), Some("1" | "true" | "yes")),
            io_threads: number("SWITCHBOARD_IO_THREADS", 1, 1024)?,
            max_route_body_bytes: number("SWITCHBOARD_MAX_ROUTE_BODY_BYTES", 1024, 1 << 31)?.unwrap_or(10 * 1024 * 1024),
            header_timeout_seconds: number("SWITCHBOARD_HEADER_TIMEOUT_SECONDS", 1, 3600)?.unwrap_or(30),
            body_timeout_seconds: number("SWITCHBOARD_BODY_TIMEOUT_SECONDS", 1, 86_400)?.unwrap_or(60),
            max_connections: number("SWITCHBOARD_MAX_CONNECTIONS", 1, 1_000_000)?.unwrap_or(1024),
            max_cascade_events: number("SWITCHBOARD_MAX_CASCADE_EVENTS", 1, 10_000_000)?
                .map_or(crate::events::MAX_CASCADE_EVENTS, |limit| u32::try_from(limit).unwrap_or(u32::MAX)),
            data_dir: match overrides.data_dir.or_else(|| env("SWITCHBOARD_DATA_DIR").map(PathBuf::from)) {
                Some(dir) => dir,
                None => default_data_dir(overrides.project.as_deref()),
            },
            store_sync: match env("SWITCHBOARD_STORE_SYNC").as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("normal") => crate::store::SyncMode::Normal,
                Some("full") => crate::store::SyncMode::Full,
                Some(other) => {
                    return Err(Error::Invalid {
                        name: "SWITCHBOARD_STORE_SYNC",
                        value: other.to_owned(),
                        message: "must be normal or full".into(),
                    });
                }
            },
            runs_max_age_days: number("SWITCHBOARD_RUNS_MAX_AGE_DAYS", 1, 36_500)?.unwrap_or(30),
            runs_max_count: number("SWITCHBOARD_RUNS_MAX_COUNT", 1, 1 << 40)?.unwrap_or(100_000),
            record_runs: match env("SWITCHBOARD_RECORD_RUNS").as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("on" | "1" | "true" | "yes") => crate::engine::Recording::Background,
                Some("sync") => crate::engine::Recording::Committed,
                Some("off" | "0" | "false" | "no") => crate::engine::Recording::Off,
                Some(other) => {
                    return Err(Error::Invalid {
                        name: "SWITCHBOARD_RECORD_RUNS",
                        value: other.to_owned(),
                        message: "must be on, sync or off".into(),
                    });
                }
            },
            run_capture_bytes: number("SWITCHBOARD_RUN_CAPTURE_BYTES", 256, 64 << 20)?.unwrap_or(64 * 1024),
            event_retry_ms: number("SWITCHBOARD_EVENT_RETRY_MS", 10, 3_600_000)?.unwrap_or(1000),
            webhook_secret: env("SWITCHBOARD_TWENTY_WEBHOOK_SECRET").map(Secret),
            webhook_tolerance_seconds: number("SWITCHBOARD_WEBHOOK_TOLERANCE_SECONDS", 1, 86_400)?.unwrap_or(300),
            cron_catch_up: match env("SWITCHBOARD_CRON_CATCH_UP").as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("one") => true,
                Some("none") => false,
                Some(other) => {
                    return Err(Error::Invalid {
                        name: "SWITCHBOARD_CRON_CATCH_UP",
                        value: other.to_owned(),
                        message: "must be one or none".into(),
                    });
                }
            },
        })
    }

    /// The value of server variable `name` from the process environment, as
    /// `SWITCHBOARD_VAR_<name>`, used when neither the variables file nor
    /// `--var` gives it. (The prefix keeps an app from naming, say,
    /// `DATABASE_URL` and reading the gateway's own environment.)
    pub fn server_variable_from_env(name: &str) -> Option<String> {
        if name.is_empty() {
            return None;
        }
        env(&format!("SWITCHBOARD_VAR_{name}"))
    }

    /// Parses a comma-separated host list as given to `--allow-net`.
    pub fn parse_list(value: &str) -> Vec<String> {
        list(value)
    }
}

/// Sends logs to stderr; the level comes from `SWITCHBOARD_LOG` (default
/// `warn`), the format from `SWITCHBOARD_LOG_FORMAT`: `text` (default) or
/// `json`, one object per line with the fields of the spans it is in (a
/// run's `run_id`, app, function and trigger).
pub fn init_logging() -> Result<(), Error> {
    let filter = tracing_subscriber::EnvFilter::try_new(env("SWITCHBOARD_LOG").unwrap_or_else(|| "warn".to_owned()))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match env("SWITCHBOARD_LOG_FORMAT").map(|format| format.trim().to_ascii_lowercase()).as_deref() {
        None | Some("text") => builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).try_init(),
        Some("json") => builder.json().with_current_span(true).with_span_list(true).try_init(),
        Some(_) => {
            return Err(Error::Invalid {
                name: "SWITCHBOARD_LOG_FORMAT",
                value: env("SWITCHBOARD_LOG_FORMAT").unwrap_or_default(),
                message: "must be text or json".into(),
            });
        }
    };
    Ok(())
}
