//! `switchboard mcp` and `switchboard serve`: load the apps, build the MCP
//! gateway, serve it over stdio or HTTP, and reload apps on change.

use super::Embedded;
use super::{CliError, CliResult, exit, gather_vars, pool_options, snapshot_with};
use crate::config::Settings;
use crate::engine::Engine;
use crate::mcp::{Gateway, HttpOptions, McpOptions};
use crate::registry::{AppSnapshot, Registry};
use crate::sandbox::Pool;
use anyhow::{Context, Result, anyhow, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Options shared by `mcp` and `serve`.
#[derive(Debug, Clone)]
pub struct GatewayArgs {
    pub app_dirs: Vec<PathBuf>,
    pub vars: Vec<String>,
    pub watch: bool,
    pub tool_prefix: bool,
    /// Bind each app's stored data to the folder given now, even if it was
    /// bound to another.
    pub rebind: bool,
}

/// Loads every app and builds the gateway, or explains why not (exit 2).
async fn start(args: &GatewayArgs, settings: &Settings) -> CliResult<(Gateway, Pool, Engine, Registry, Option<Embedded>)> {
    let pool = Pool::new(pool_options(settings));
    let given = gather_vars(settings, &args.vars)?;
    let mut snapshots: Vec<AppSnapshot> = Vec::new();
    let dirs = if args.app_dirs.is_empty() { vec![PathBuf::from(".")] } else { args.app_dirs.clone() };
    for dir in &dirs {
        let app = snapshot_with(dir, settings, &given, &pool, true).await?;
        if snapshots.iter().any(|other| other.app.code.root() == app.app.code.root()) {
            return Err(anyhow!("{} is given twice", dir.display()).into());
        }
        snapshots.push(app)
    }
    for (index, app) in snapshots.iter().enumerate() {
        if let Some(other) = same_application(snapshots[..index].iter(), &app.app) {
            eprintln!(
                "error: {} and {} are the same application (universalIdentifier {}); each served app needs its own",
                other.app.code.root().display(),
                app.app.code.root().display(),
                app.app.manifest.application.universal_identifier
            );
            return Err(CliError::Told(exit::USAGE));
        }
    }
    // No app's runs see another served app's provider client secrets.
    let secrets: Vec<String> = snapshots.iter().flat_map(|app| crate::registry::client_secret_variables(&app.app)).collect();
    let snapshots: Vec<AppSnapshot> = snapshots.into_iter().map(|app| app.without_variables(&secrets)).collect();
    for name in given.keys() {
        if !snapshots.iter().any(|app| AppSnapshot::declared_variables(&app.app).contains(name)) {
            eprintln!("error: variable {name} is not declared by any of the apps served");
            return Err(CliError::Told(exit::USAGE));
        }
    }
    let registry = Registry::new(snapshots);
    let store = super::open_store(settings).await?;
    for app in registry.apps().iter() {
        let id = &app.app.manifest.application.universal_identifier;
        let root = app.app.code.root().display().to_string();
        if let Some(bound) = store.bind_app_root(id, &root, args.rebind, crate::store::now_ms()).await? {
            eprintln!(
                "error: application {id} in {} is bound to the app at {bound}, not {root}; its stored data (kv, connections, records) is that app's. \
                 If this is the same app moved, pass --rebind; if not, give this app its own universalIdentifier",
                settings.data_dir.display()
            );
            return Err(CliError::Told(exit::USAGE));
        }
    }
    let vault = super::connections::open_vault(settings, store.clone(), &registry.apps(), &given).await?;
    let (access, workspace) = match super::workspace_access(settings, store.clone(), &registry.apps()) {
        Ok(found) => found,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Err(CliError::Told(exit::USAGE));
        }
    };
    let engine = Engine::new(pool.clone(), settings.workspace_id.clone())
        .with_store(store, settings.run_capture_bytes)
        .recording(settings.record_runs)
        .with_vault(vault)
        .with_workspace(access);
    // Install hooks run before anything serves.
    for app in registry.apps().iter() {
        if let Err(message) = super::install::install(&engine, app).await? {
            eprintln!("error: {message}");
            return Err(CliError::Told(exit::FAILED));
        }
    }
    let options = McpOptions { tool_prefix: args.tool_prefix, debug: settings.debug };
    match Gateway::new(engine.clone(), registry.clone(), options) {
        Ok(gateway) => {
            let store = engine.store().cloned().context("the gateway has no store")?;
            match build_library(&registry, store).await {
                Ok(catalog) => gateway.set_library(catalog, false).await,
                Err(crate::library::Error::Store(error)) => return Err(error.into()),
                Err(error) => {
                    eprintln!("error: {error}");
                    return Err(CliError::Told(exit::USAGE));
                }
            }
            Ok((gateway, pool, engine, registry, workspace))
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(CliError::Told(exit::USAGE))
        }
    }
}

/// The app among `apps` that has `app`'s universalIdentifier, if any.
fn same_application<'a>(mut apps: impl Iterator<Item = &'a AppSnapshot>, app: &crate::catalog::LoadedApp) -> Option<&'a AppSnapshot> {
    let id = &app.manifest.application.universal_identifier;
    apps.find(|other| &other.app.manifest.application.universal_identifier == id)
}

/// The skills and agents of every served app plus the shipped ones, versioned.
async fn build_library(
    registry: &Registry,
    store: Arc<crate::store::SqliteStore>,
) -> Result<crate::library::Catalog, crate::library::Error> {
    let mut all: Vec<crate::library::Sourced> = Vec::new();
    let mut problems = Vec::new();
    let apps = registry.apps();
    if apps.is_empty() {
        all = crate::library::shipped()?;
    }
    for (index, app) in apps.iter().enumerate() {
        match crate::library::load(app.app.code.root(), Some(&app.app), index == 0) {
            Ok(mut items) => all.append(&mut items),
            Err(crate::library::Error::Invalid(mut more)) => problems.append(&mut more),
            Err(other) => return Err(other),
        }
    }
    problems.extend(crate::library::clashes(&all));
    if !problems.is_empty() {
        return Err(crate::library::Error::Invalid(problems));
    }
    crate::library::Catalog::sync(store, all).await
}

/// A gateway's background work. Every task is spawned on `tasks` and ends
/// once `shutdown` is cancelled (each waits for the runs it started), so the
/// process waits for all of them before it commits the last run records and
/// exits: at most [`GRACE`] from the stop, which the HTTP server's own drain
/// of requests in flight shares.
#[derive(Clone, Default)]
struct Lifecycle {
    tasks: TaskTracker,
    shutdown: CancellationToken,
    /// When the stop began (a signal), if one did.
    stopping: Arc<std::sync::OnceLock<tokio::time::Instant>>,
}

/// How long a stopping gateway waits for its background tasks.
const GRACE: Duration = Duration::from_secs(10);

impl Lifecycle {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Cancels `shutdown` on SIGTERM or Ctrl-C.
    fn stop_on_signal(&self) {
        let (shutdown, stopping) = (self.shutdown.clone(), self.stopping.clone());
        self.spawn(async move {
            tokio::select! {
                () = shutdown_signal() => {
                    let _ = stopping.set(tokio::time::Instant::now());
                    shutdown.cancel();
                }
                () = shutdown.cancelled() => {}
            }
        });
    }

    /// Stops every task and waits for them, until [`GRACE`] after the stop
    /// began.
    async fn finish(&self) {
        let began = *self.stopping.get_or_init(tokio::time::Instant::now);
        self.shutdown.cancel();
        self.tasks.close();
        if tokio::time::timeout_at(began + GRACE, self.tasks.wait()).await.is_err() {
            tracing::warn!(tasks = self.tasks.len(), "background tasks still running after the grace period; stopping anyway");
        }
    }
}

/// Reloads apps whose files change; a broken edit keeps the last good version.
fn spawn_watcher(
    lifecycle: &Lifecycle,
    gateway: Gateway,
    pool: Pool,
    args: &GatewayArgs,
    settings: &Settings,
    workspace: Option<Embedded>,
) -> Result<()> {
    let roots: Vec<PathBuf> = gateway_roots(&gateway_registry_roots(args))?;
    // The store is written on every run; inside an app folder its files
    // must not look like edits.
    let skip: Vec<PathBuf> = settings.data_dir.canonicalize().into_iter().collect();
    let (watcher, mut changes) = crate::catalog::watch(roots, skip).context("cannot watch the app folders")?;
    let settings = settings.clone();
    let vars = args.vars.clone();
    let shutdown = lifecycle.shutdown.clone();
    lifecycle.spawn(async move {
        let _keep = watcher;
        loop {
            let root = tokio::select! {
                changed = changes.recv() => match changed {
                    Some(root) => root,
                    None => return,
                },
                () = shutdown.cancelled() => return,
            };
            // Let a burst of writes settle, then reload each app once.
            tokio::time::sleep(Duration::from_millis(250)).await;
            let mut roots = vec![root];
            while let Ok(more) = changes.try_recv() {
                if !roots.contains(&more) {
                    roots.push(more);
                }
            }
            for root in roots {
                reload(&gateway, &pool, &root, &settings, &vars).await;
                if let Some(embedded) = &workspace
                    && let Err(error) = embedded.workspace.set_apps(&gateway.registry().apps())
                {
                    eprintln!("the workspace keeps its previous objects: {error}");
                }
            }
        }
    });
    Ok(())
}

fn gateway_registry_roots(args: &GatewayArgs) -> Vec<PathBuf> {
    if args.app_dirs.is_empty() { vec![PathBuf::from(".")] } else { args.app_dirs.clone() }
}

fn gateway_roots(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    dirs.iter().map(|dir| dir.canonicalize().with_context(|| format!("cannot open {}", dir.display()))).collect()
}

async fn reload(gateway: &Gateway, pool: &Pool, root: &Path, settings: &Settings, vars: &[String]) {
    let loaded = match crate::catalog::load(root, pool).await {
        Ok(app) => {
            super::report_disabled(&app);
            app
        }
        Err(error) => {
            eprintln!("reload failed; still serving the previous version of {}:\n{error}", root.display());
            return;
        }
    };
    let all_given = match gather_vars(settings, vars) {
        Ok(given) => given,
        Err(error) => {
            eprintln!("reload failed for {}: {error:#}", root.display());
            return;
        }
    };
    let mut given = all_given.clone();
    let declared = AppSnapshot::declared_variables(&loaded);
    given.retain(|name, _| declared.contains(name));
    let served = gateway.registry().apps();
    if let Some(other) = same_application(served.iter().map(AsRef::as_ref).filter(|other| other.app.code.root() != root), &loaded) {
        eprintln!(
            "reload refused; still serving the previous version of {}: {} already has universalIdentifier {}",
            root.display(),
            other.app.code.root().display(),
            loaded.manifest.application.universal_identifier
        );
        return;
    }
    let mut secrets: Vec<String> = served.iter().flat_map(|app| crate::registry::client_secret_variables(&app.app)).collect();
    secrets.extend(crate::registry::client_secret_variables(&loaded));
    let snapshot = match AppSnapshot::new(loaded, &given, &settings.public_url).map(|snapshot| snapshot.without_variables(&secrets)) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            eprintln!("reload failed for {}: {error}", root.display());
            return;
        }
    };
    // A new package.json version installs before it serves; a failing
    // pre-install hook keeps the previous version serving.
    match super::install::install(gateway.engine(), &snapshot).await {
        Ok(Ok(_)) => {}
        Ok(Err(message)) => {
            eprintln!("reload refused; still serving the previous version of {}: {message}", root.display());
            return;
        }
        Err(error) => {
            eprintln!("reload failed; still serving the previous version of {}: {error:#}", root.display());
            return;
        }
    }
    match gateway.replace_app(snapshot).await {
        Ok(()) => {
            eprintln!("reloaded {}: tools {}", root.display(), gateway.tool_names().join(", "));
            if let Some(vault) = gateway.engine().vault() {
                match super::connections::providers(&gateway.registry().apps(), settings, &all_given) {
                    Ok(providers) => vault.set_providers(providers),
                    Err(error) => eprintln!("connection providers not reloaded: {error}"),
                }
            }
        }
        Err(error) => {
            eprintln!("reload failed; still serving the previous version of {}:\n{error}", root.display());
            return;
        }
    }
    let Some(store) = gateway.engine().store().cloned() else { return };
    match build_library(&gateway.registry(), store).await {
        Ok(catalog) => gateway.set_library(catalog, true).await,
        Err(error) => eprintln!("skills and agents not reloaded; still serving the previous ones:\n{error}"),
    }
}

/// `switchboard mcp`: MCP over stdio.
pub async fn mcp(args: GatewayArgs, settings: &Settings) -> CliResult {
    let (gateway, pool, engine, _, workspace) = start(&args, settings).await?;
    let lifecycle = Lifecycle::default();
    if args.watch {
        spawn_watcher(&lifecycle, gateway.clone(), pool, &args, settings, workspace)?;
    }
    eprintln!("switchboard: serving {} tool(s) over stdio: {}", gateway.tool_names().len(), gateway.tool_names().join(", "));
    // Until stdin closes, or SIGTERM/Ctrl-C; either way the run records
    // still in the writer's hands are committed before the process ends.
    let served = tokio::select! {
        served = crate::mcp::serve_stdio(gateway) => served.context("MCP over stdio failed"),
        () = shutdown_signal() => Ok(()),
    };
    lifecycle.finish().await;
    flush_history(&engine).await;
    served?;
    Ok(())
}

fn is_loopback(address: &SocketAddr) -> bool {
    address.ip().is_loopback()
}

/// `switchboard serve`: Streamable HTTP at `/mcp` and `GET /healthz`.
pub async fn serve(args: GatewayArgs, listen: SocketAddr, insecure: bool, settings: &Settings) -> CliResult {
    if !is_loopback(&listen) && settings.api_keys.is_empty() && !insecure {
        eprintln!(
            "error: refusing to listen on {listen} without API keys: set SWITCHBOARD_API_KEYS, listen on 127.0.0.1, or pass --insecure"
        );
        return Err(CliError::Told(exit::USAGE));
    }
    // Held until the process ends: one scheduler and one dispatcher per store.
    let _serving = lock_serving(&settings.data_dir)?;
    // Bound before the apps load, so the gateway's own URL is known: unless
    // SWITCHBOARD_PUBLIC_URL names one, it is the address actually bound
    // (which `--listen HOST:0` leaves to the system). It listens only once
    // everything is ready (install hooks included): until then connections
    // are refused, so a port that answers means a gateway that serves.
    let socket = bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let local = socket.local_addr()?;
    let mut bound = settings.clone();
    if !settings.public_url_set {
        bound.public_url = format!("http://{}", reachable(local));
    }
    let settings = &bound;
    let (gateway, pool, engine, registry, workspace) = start(&args, settings).await?;
    let lifecycle = Lifecycle::default();
    if args.watch {
        spawn_watcher(&lifecycle, gateway.clone(), pool, &args, settings, workspace.clone())?;
    }
    let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].iter().map(|h| (*h).to_owned()).collect();
    if !listen.ip().is_unspecified() {
        allowed_hosts.push(listen.ip().to_string());
    }
    allowed_hosts.extend(settings.allowed_hosts.iter().cloned());
    let mut allowed_origins: Vec<String> =
        ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"].iter().map(|o| (*o).to_owned()).collect();
    allowed_origins.extend(settings.allowed_origins.iter().cloned());
    let guard = crate::http::guard::Allowed { hosts: Arc::new(allowed_hosts.clone()), origins: Arc::new(allowed_origins.clone()) };
    let options =
        HttpOptions { allowed_hosts, allowed_origins, max_body_bytes: settings.max_body_bytes, stateless: settings.mcp_stateless };
    let mcp = axum::Router::new()
        .fallback_service(crate::mcp::http_service(gateway.clone(), &options, lifecycle.shutdown.child_token()))
        .layer(axum::middleware::from_fn_with_state(settings.max_body_bytes, crate::mcp::jsonrpc_guard));
    let keys = crate::http::ApiKeys(Arc::new(settings.api_keys.clone()));
    let store = engine.store().cloned().context("the gateway has no store")?;
    let bus = crate::events::EventBus::new(store, registry.clone(), engine.clone(), settings.event_retry_ms as u64);
    if let Some(embedded) = &workspace {
        embedded.workspace.set_events(bus.clone());
    }
    let events = crate::http::events::EventState {
        bus: bus.clone(),
        webhook: crate::http::events::WebhookCheck {
            secret: settings.webhook_secret.clone(),
            tolerance_ms: settings.webhook_tolerance_seconds as i64 * 1000,
        },
    };
    let counter = gateway.clone();
    let router = crate::http::router(crate::http::Parts {
        keys: keys.clone(),
        allowed: guard,
        health: crate::http::Health { apps: args.app_dirs.len().max(1), tools: Arc::new(move || counter.tool_names().len()) },
        mcp,
        routes: crate::http::routes::RouteState::new(engine.clone(), registry.clone(), keys.clone(), settings.max_route_body_bytes),
        events,
        connections: crate::http::connections::ConnectionsState { keys, engine: engine.clone(), registry: registry.clone() },
        library: gateway.served_library(),
        workspace: workspace.map(|embedded| embedded.router),
        max_route_body_bytes: settings.max_route_body_bytes,
    });
    lifecycle.spawn(bus.dispatch(settings.max_runtimes, lifecycle.shutdown.child_token()));
    lifecycle.spawn(crate::triggers::cron::run(
        engine.clone(),
        registry,
        Arc::new(crate::triggers::cron::SystemClock),
        None,
        lifecycle.shutdown.child_token(),
        settings.cron_catch_up,
    ));

    let listener = socket.listen(LISTEN_BACKLOG).with_context(|| format!("cannot listen on {local}"))?;
    // The bound address on a line of its own: with `--listen HOST:0` the
    // system picks the port, and scripts and tests read it from here.
    eprintln!("switchboard: listening on http://{local}");
    eprintln!(
        "switchboard: serving {} tool(s) at http://{local}/mcp ({}): {}",
        gateway.tool_names().len(),
        if settings.api_keys.is_empty() { "no API key required" } else { "API key required" },
        gateway.tool_names().join(", ")
    );
    lifecycle.stop_on_signal();
    let limits = crate::http::server::Limits {
        header_timeout: Duration::from_secs(settings.header_timeout_seconds as u64),
        body_timeout: Duration::from_secs(settings.body_timeout_seconds as u64),
        max_connections: settings.max_connections,
    };
    crate::http::server::serve(listener, router, limits, lifecycle.shutdown.clone()).await;
    lifecycle.finish().await;
    flush_history(&engine).await;
    Ok(())
}

/// The address a browser or provider can use for a bound one: a wildcard
/// address is no URL, so the loopback address of its family stands in,
/// with the bound port.
fn reachable(local: SocketAddr) -> SocketAddr {
    match local.ip() {
        ip if !ip.is_unspecified() => local,
        std::net::IpAddr::V4(_) => SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, local.port())),
        std::net::IpAddr::V6(_) => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, local.port())),
    }
}

/// Pending connections the listening socket holds (as std's listeners).
const LISTEN_BACKLOG: u32 = 1024;

/// A TCP socket bound to `address` but not yet listening, with
/// `SO_REUSEADDR` on Unix as std's listeners have it.
fn bind(address: SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    let socket = if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    Ok(socket)
}

/// Takes `<data dir>/serve.lock` for this process, so that a second `serve`
/// on the same data directory is refused instead of firing every cron
/// trigger twice. The lock is the operating system's (released when the
/// process ends, however it ends); the file holds the holder's PID for the
/// message.
fn lock_serving(data_dir: &Path) -> Result<std::fs::File> {
    use std::io::{Read as _, Seek as _, Write as _};
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join("serve.lock");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{}", std::process::id())).ok();
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            file.read_to_string(&mut holder).ok();
            let holder = holder.trim();
            let who = if holder.is_empty() { "another switchboard serve".to_owned() } else { format!("switchboard serve (pid {holder})") };
            bail!(
                "{who} is already serving the data directory {}; stop it, or give this one its own --data-dir (two would fire every cron trigger twice)",
                data_dir.display()
            )
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Commits the run records still in the writer's hands before the process
/// exits.
async fn flush_history(engine: &Engine) {
    if let Some(store) = engine.store()
        && let Err(error) = crate::store::Store::flush(&**store).await
    {
        tracing::error!(%error, "the last run records could not be committed");
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_becomes_loopback_in_the_public_url() {
        let address = |text: &str| text.parse::<SocketAddr>().expect("address");
        assert_eq!(reachable(address("0.0.0.0:8080")), address("127.0.0.1:8080"));
        assert_eq!(reachable(address("[::]:8080")), address("[::1]:8080"));
        assert_eq!(reachable(address("192.168.1.5:7410")), address("192.168.1.5:7410"));
        assert_eq!(reachable(address("127.0.0.1:0")), address("127.0.0.1:0"));
    }
}
