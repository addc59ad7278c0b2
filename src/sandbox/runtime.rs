//! One deno_core runtime with the web platform installed: the extension that
//! defines our ops and bootstrap, the permission set (network allow-list, no
//! files, no subprocesses, no environment), the heap limit, and the
//! per-run state the ops read and write. Used only by `worker`, on the
//! runtime's own thread.

use super::Error;
use super::loader::AppLoader;
use deno_core::{JsRuntime, OpState, RuntimeOptions, op2, v8};
use deno_permissions::{Permissions, PermissionsContainer, PermissionsOptions};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Limits and grants applied to every runtime of a pool.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Heap limit per runtime, in bytes.
    pub heap_limit: usize,
    /// Hosts user code may reach with `fetch` (deno's `--allow-net` syntax:
    /// `host`, `host:port`, `*.example.com`); empty means no network.
    pub allow_net: Vec<String>,
    /// Largest accepted result (JSON bytes).
    pub max_result_bytes: usize,
    /// Largest accepted log text per run (bytes).
    pub max_log_bytes: usize,
    /// The gateway's own files and folders (its data folder, its variables
    /// file): never loaded as modules, even from inside an app's folder.
    pub sealed: Vec<std::path::PathBuf>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            heap_limit: 128 * 1024 * 1024,
            allow_net: Vec::new(),
            max_result_bytes: 5 * 1024 * 1024,
            max_log_bytes: 1024 * 1024,
            sealed: Vec::new(),
        }
    }
}

/// Per-run data exchanged with the ops.
#[derive(Default)]
pub(crate) struct RunState {
    pub(crate) invocation: Option<String>,
    pub(crate) completion: Option<(u32, String)>,
    pub(crate) describe: Option<String>,
    pub(crate) load_error: Option<String>,
    pub(crate) log: RunLog,
    /// The current run's host services.
    pub(crate) host: Option<super::HostHandle>,
    /// The current run's own variables (tokens), made when first read.
    pub(crate) run_vars: Option<super::RunVars>,
}

/// Collected console output of one run, capped.
#[derive(Default)]
pub(crate) struct RunLog {
    lines: Vec<String>,
    bytes: usize,
    cap: usize,
    truncated: bool,
}

impl RunLog {
    fn push(&mut self, is_error: bool, text: &str) {
        if self.truncated {
            return;
        }
        let level = if is_error { "ERROR" } else { "INFO" };
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        for line in text.split('\n') {
            let entry = format!("{now} {level} {line}");
            if self.bytes + entry.len() > self.cap {
                self.truncated = true;
                self.lines.push(format!("{now} ERROR [switchboard] log output truncated: more than {} bytes", self.cap));
                return;
            }
            self.bytes += entry.len() + 1;
            self.lines.push(entry);
        }
    }

    pub(crate) fn take(&mut self, cap: usize) -> String {
        let text = self.lines.join("\n");
        *self = RunLog { cap, ..RunLog::default() };
        text
    }
}

#[op2(fast)]
fn op_sb_log(state: &mut OpState, #[smi] level: u32, #[string] text: &str) {
    // 0 = log/info, 3 = debug: stdout in Node, INFO in Twenty's logs;
    // 1 = error, 2 = warn: stderr in Node, ERROR in Twenty's logs.
    let is_error = matches!(level, 1 | 2);
    state.borrow_mut::<RunState>().log.push(is_error, text);
}

#[op2]
#[string]
fn op_sb_take_invocation(state: &mut OpState) -> String {
    state.borrow_mut::<RunState>().invocation.take().unwrap_or_else(|| "null".to_owned())
}

/// The values of the current run's own variables as a JSON array in the
/// order of their names (`null` between runs). Called the first time a run
/// reads one of them, which is when they are made.
#[op2]
#[string]
fn op_sb_run_vars(state: &mut OpState) -> String {
    match &state.borrow::<RunState>().run_vars {
        Some(vars) => serde_json::to_string(vars.values()).unwrap_or_else(|_| "null".to_owned()),
        None => "null".to_owned(),
    }
}

#[op2(fast)]
fn op_sb_complete(state: &mut OpState, #[smi] kind: u32, #[string] body: &str) {
    state.borrow_mut::<RunState>().completion = Some((kind, body.to_owned()));
}

#[op2(fast)]
fn op_sb_describe_done(state: &mut OpState, #[string] json: &str) {
    state.borrow_mut::<RunState>().describe = Some(json.to_owned());
}

#[op2(fast)]
fn op_sb_load_failed(state: &mut OpState, #[string] json: &str) {
    state.borrow_mut::<RunState>().load_error = Some(json.to_owned());
}

/// Calls a host service for the current run. Answers JSON text:
/// `{"ok": value}` or `{"error": {"type", "message"}}`.
#[op2]
#[string]
async fn op_sb_host(state: Rc<RefCell<OpState>>, #[string] name: String, #[string] input: String) -> String {
    let host = state.borrow().borrow::<RunState>().host.clone();
    let outcome = match (host, serde_json::from_str::<serde_json::Value>(&input)) {
        (None, _) => Err(super::HostError {
            error_type: "UnavailableError".to_owned(),
            message: format!("{name} is not available in this run: it needs the gateway's store (`switchboard serve`, `mcp` or `run`)"),
        }),
        (Some(_), Err(error)) => Err(super::HostError { error_type: "TypeError".to_owned(), message: format!("{name}: {error}") }),
        (Some(host), Ok(input)) => match super::HostCall::parse(&name, input) {
            Ok(call) => host.0.call(call).await,
            Err(error) => Err(error),
        },
    };
    match outcome {
        Ok(value) => serde_json::json!({ "ok": value }).to_string(),
        Err(error) => serde_json::json!({ "error": { "type": error.error_type, "message": error.message } }).to_string(),
    }
}

deno_core::extension!(
    switchboard,
    deps = [deno_webidl, deno_web, deno_fetch, deno_crypto],
    ops = [
        op_sb_log,
        op_sb_take_invocation,
        op_sb_run_vars,
        op_sb_complete,
        op_sb_describe_done,
        op_sb_load_failed,
        op_sb_host,
        super::commonjs::op_sb_require_resolve,
        super::commonjs::op_sb_require_source,
        super::commonjs::op_sb_builtin_modules,
        super::commonjs::op_sb_digest,
        super::commonjs::op_sb_hmac,
        super::zlib::op_sb_zlib,
        super::ciphers::op_sb_cipher,
        super::ciphers::op_sb_pbkdf2,
        super::ciphers::op_sb_scrypt,
    ],
    esm_entry_point = "ext:switchboard/bootstrap.js",
    esm = [dir "src/sandbox/js", "bootstrap.js", "commonjs.js"],
    options = { permissions: PermissionsContainer, log_cap: usize },
    state = |state, options| {
        state.put(options.permissions);
        state.put(RunState { log: RunLog { cap: options.log_cap, ..RunLog::default() }, ..RunState::default() });
    },
);

/// Transpiles the TypeScript sources some deno extensions ship (e.g.
/// deno_telemetry). No inline source map: lazily loaded scripts are wrapped
/// in `return (...)` and a trailing comment would break that.
fn transpile_extension(
    specifier: deno_core::ModuleName,
    code: deno_core::ModuleCodeString,
) -> Result<(deno_core::ModuleCodeString, Option<deno_core::SourceMapData>), deno_error::JsErrorBox> {
    let name = specifier.as_str();
    let media_type = if name.ends_with(".ts") {
        deno_ast::MediaType::TypeScript
    } else {
        return Ok((code, None));
    };
    let parsed = deno_ast::parse_module(deno_ast::ParseParams {
        specifier: deno_core::ModuleSpecifier::parse(name).map_err(|error| deno_error::JsErrorBox::generic(error.to_string()))?,
        text: code.as_str().into(),
        media_type,
        capture_tokens: false,
        scope_analysis: false,
        maybe_syntax: None,
    })
    .map_err(|error| deno_error::JsErrorBox::generic(error.to_string()))?;
    let emitted = parsed
        .transpile(
            &deno_ast::TranspileOptions::default(),
            &deno_ast::TranspileModuleOptions::default(),
            &deno_ast::EmitOptions { source_map: deno_ast::SourceMapOption::None, ..Default::default() },
        )
        .map_err(|error| deno_error::JsErrorBox::generic(error.to_string()))?
        .into_source();
    Ok((emitted.text.into(), None))
}

fn permissions(options: &SandboxOptions) -> Result<PermissionsContainer, Error> {
    let parser = Arc::new(deno_permissions::RuntimePermissionDescriptorParser::new(sys_traits::impls::RealSys));
    let allow_net = if options.allow_net.iter().any(|host| host == "*") {
        Some(Vec::new())
    } else if options.allow_net.is_empty() {
        None
    } else {
        Some(options.allow_net.clone())
    };
    let granted = Permissions::from_options(parser.as_ref(), &PermissionsOptions { allow_net, prompt: false, ..Default::default() })
        .map_err(|error| Error::Permissions(error.to_string()))?;
    Ok(PermissionsContainer::new(parser, granted))
}

/// A booted runtime plus the flags its limit callbacks set.
pub(crate) struct Sandbox {
    pub(crate) js: JsRuntime,
    /// `__switchboard_run`, called directly: running a script per call would
    /// make the QuickJS facade measure the whole heap every time.
    pub(crate) runner: v8::Global<v8::Function>,
    pub(crate) loader: Rc<AppLoader>,
    pub(crate) heap_exceeded: Arc<AtomicBool>,
}

impl Sandbox {
    /// Creates a runtime and runs the bootstrap. Must run inside a tokio runtime.
    pub(crate) fn boot(options: &SandboxOptions) -> Result<Self, Error> {
        let loader = Rc::new(AppLoader::new(options.sealed.clone()));
        let blob_store = Arc::new(deno_web::BlobStore::default());
        let fetch_options = deno_fetch::Options { user_agent: format!("switchboard/{}", env!("CARGO_PKG_VERSION")), ..Default::default() };
        let mut js = JsRuntime::try_new(RuntimeOptions {
            module_loader: Some(loader.clone()),
            extension_transpiler: Some(Rc::new(transpile_extension)),
            create_params: Some(v8::CreateParams::default().heap_limits(0, options.heap_limit)),
            extensions: [
                deno_webidl::deno_webidl::init(),
                deno_web::deno_web::init(blob_store, None, false, Default::default()),
                deno_net::deno_net::init(None, None),
                deno_telemetry::deno_telemetry::init(),
                deno_fetch::deno_fetch::init(fetch_options),
                deno_crypto::deno_crypto::init(None),
                switchboard::init(permissions(options)?, options.max_log_bytes),
            ]
            .into_iter()
            .map(super::embedded::embed_sources)
            .collect(),
            ..Default::default()
        })
        .map_err(|error| Error::Boot(error.to_string()))?;
        // `require` resolves through the same loader as `import`.
        js.op_state().borrow_mut().put(loader.clone());
        // `Atomics.wait` would block this thread in C, where neither the
        // watchdog's termination nor the run's timers can reach it: refused,
        // it throws, as on a browser's main thread.
        js.v8_isolate().set_allow_atomics_wait(false);
        let heap_exceeded = Arc::new(AtomicBool::new(false));
        let flag = heap_exceeded.clone();
        let handle = js.v8_isolate().thread_safe_handle();
        js.add_near_heap_limit_callback(move |current, _initial| {
            // The first time the limit is reached, termination is requested
            // and the limit raised once by a little headroom, so the
            // allocation in flight succeeds and the run unwinds at the next
            // interrupt check. Refusing that allocation instead makes QuickJS
            // throw an out-of-memory error whose stack trace is built by
            // evaluating JavaScript with no memory left, and its parser can
            // crash the process there. Any later call keeps the limit, so a
            // run that outpaces the termination is bounded all the same
            // (raising it every time lets QuickJS allocate for gigabytes;
            // DESIGN §3). The runtime is dropped after the run either way.
            if flag.swap(true, Ordering::SeqCst) {
                return current;
            }
            handle.terminate_execution();
            current.saturating_add(termination_headroom(current))
        });
        let runner =
            js.execute_script("switchboard:runner", "globalThis.__switchboard_run").map_err(|error| Error::Boot(error.to_string()))?;
        let runner = as_function(&mut js, runner).ok_or_else(|| Error::Boot("the runner is not a function".to_owned()))?;
        Ok(Self { js, runner, loader, heap_exceeded })
    }
}

/// Memory granted once, past the heap limit, for a terminated run to unwind.
fn termination_headroom(limit: usize) -> usize {
    (limit / 4).max(8 * 1024 * 1024)
}

/// Turns a value handle into a function handle, if it is one.
fn as_function(js: &mut JsRuntime, value: v8::Global<v8::Value>) -> Option<v8::Global<v8::Function>> {
    let context = js.main_context();
    let isolate = &mut *js.v8_isolate();
    v8::scope!(scope, isolate);
    let context = v8::Local::new(scope, context);
    let scope = &mut v8::ContextScope::new(scope, context);
    let local = v8::Local::new(scope, value);
    let function = v8::Local::<v8::Function>::try_from(local).ok()?;
    Some(v8::Global::new(scope, function))
}
