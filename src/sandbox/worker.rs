//! A worker is one thread that owns one runtime for its whole life. It is
//! reached through a bounded channel of struct-shaped jobs; a watchdog thread
//! beside it terminates JavaScript that runs past its deadline. A worker
//! serves one app only, and exits (dropping its runtime) after a run that hit
//! a limit, so a damaged runtime is never reused.

use super::loader::AppCode;
use super::runtime::{RunState, Sandbox, SandboxOptions};
use super::spin::{IdleSpin, Polled, Spun};
use super::{AppKey, EntityReport, Error, RunRequest};
use crate::domain::{ExecutionError, ExecutionResult, ExecutionStatus};
use deno_core::{ModuleSpecifier, PollEventLoopOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Work a worker can be given.
pub(crate) enum Job {
    Run { app: Arc<AppCode>, request: Box<RunRequest>, reply: oneshot::Sender<ExecutionResult>, ticket: Ticket },
    Describe { app: Arc<AppCode>, files: Vec<PathBuf>, timeout: Duration, reply: oneshot::Sender<Vec<EntityReport>> },
}

/// A finished job's answer for its caller.
enum Answer {
    Run(oneshot::Sender<ExecutionResult>, ExecutionResult),
    Describe(oneshot::Sender<Vec<EntityReport>>, Vec<EntityReport>),
}

impl Answer {
    fn send(self) {
        // A caller that has gone no longer wants it.
        let _ = match self {
            Answer::Run(reply, result) => reply.send(result).map_err(drop),
            Answer::Describe(reply, reports) => reply.send(reports).map_err(drop),
        };
    }
}

/// Called on the worker thread after every job with whether the runtime
/// survived it; says what the thread does next.
pub(crate) type FinishHook = Arc<dyn Fn(u64, bool) -> Next + Send + Sync>;

/// What a worker thread does after a job.
pub(crate) enum Next {
    /// Run this job straight away.
    Run(Job),
    /// Wait for one, polling through this window before sleeping.
    Wait(IdleSpin),
}

impl Next {
    /// Wait for a job asleep, without polling.
    pub(crate) const SLEEP: Self = Self::Wait(IdleSpin::OFF);
}

/// The completion kind of a run that refused its invocation: it was built
/// on a state the runtime does not hold (see `invocation.rs`).
const STALE_INVOCATION: u32 = 2;

/// The pool's handle to a worker thread.
pub(crate) struct WorkerHandle {
    jobs: std::sync::mpsc::SyncSender<Job>,
    pub(crate) id: u64,
    pub(crate) app: Option<AppKey>,
    pub(crate) boot_time: Duration,
}

impl std::fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerHandle").field("id", &self.id).field("app", &self.app).finish()
    }
}

/// Lets another thread stop the JavaScript a worker is running.
#[derive(Clone)]
struct Interrupt {
    handle: deno_core::v8::IsolateHandle,
    cancelled: Arc<AtomicBool>,
}

impl Interrupt {
    /// Marks the current run cancelled and stops its JavaScript.
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.handle.terminate_execution();
    }
}

/// Where a run stands, shared by its caller and the worker that takes it,
/// so a caller's cancellation reaches exactly its own run: before the run
/// starts it stops it from starting, while it runs it interrupts it, after
/// it ended it does nothing.
#[derive(Clone, Default)]
pub(crate) struct Ticket(Arc<std::sync::Mutex<TicketState>>);

#[derive(Default)]
enum TicketState {
    #[default]
    Waiting,
    Cancelled,
    Running(Interrupt),
    Ended,
}

impl Ticket {
    fn lock(&self) -> std::sync::MutexGuard<'_, TicketState> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Cancels the run: it will not start, or its JavaScript is stopped.
    /// True when it had not started (and now never will).
    pub(crate) fn cancel(&self) -> bool {
        let mut state = self.lock();
        match &*state {
            TicketState::Waiting | TicketState::Cancelled => {
                *state = TicketState::Cancelled;
                true
            }
            TicketState::Running(interrupt) => {
                interrupt.cancel();
                false
            }
            TicketState::Ended => false,
        }
    }

    /// Marks the run started on the runtime `interrupt` stops; false when
    /// it was cancelled before it could start.
    fn start(&self, interrupt: &Interrupt) -> bool {
        let mut state = self.lock();
        match &*state {
            TicketState::Cancelled => false,
            _ => {
                *state = TicketState::Running(interrupt.clone());
                true
            }
        }
    }

    fn end(&self) {
        *self.lock() = TicketState::Ended;
    }
}

impl WorkerHandle {
    /// Starts a worker thread and waits until its runtime has booted.
    /// `finished` is called on that thread after each job.
    pub(crate) async fn spawn(options: SandboxOptions, id: u64, finished: FinishHook) -> Result<Self, Error> {
        let (jobs, receiver) = std::sync::mpsc::sync_channel(2);
        let (ready_tx, ready_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("switchboard-js".to_owned())
            .spawn(move || worker_main(options, receiver, ready_tx, id, finished))
            .map_err(|error| Error::Boot(format!("cannot start a runtime thread: {error}")))?;
        let boot_time = ready_rx.await.map_err(|_| Error::Boot("the runtime thread ended during boot".to_owned()))??;
        Ok(Self { jobs, id, app: None, boot_time })
    }

    /// A sender for this worker's jobs.
    pub(crate) fn sender(&self) -> std::sync::mpsc::SyncSender<Job> {
        self.jobs.clone()
    }
}

/// Reports a worker thread that ends without saying so itself (a panic) as
/// a runtime that did not survive, so the pool stops counting it.
struct ExitGuard {
    id: u64,
    finished: FinishHook,
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = (self.finished)(self.id, false);
        }
    }
}

/// The worker thread: boots the runtime, then waits for jobs on a plain
/// channel (a futex wait, cheaper to wake than an idle event loop) and
/// drives the event loop only while a job runs. After each job the pool
/// may hand it the next waiting one directly, so a busy runtime goes from
/// job to job without sleeping. JavaScript left pending after a run (an
/// unfinished timer) resumes with the next job.
fn worker_main(
    options: SandboxOptions,
    jobs: std::sync::mpsc::Receiver<Job>,
    ready: oneshot::Sender<Result<Duration, Error>>,
    id: u64,
    finished: FinishHook,
) {
    let _guard = ExitGuard { id, finished: finished.clone() };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = ready.send(Err(Error::Boot(format!("cannot start an event loop: {error}"))));
            return;
        }
    };
    let booted = runtime.block_on(async move {
        let started = Instant::now();
        let sandbox = match Sandbox::boot(&options) {
            Ok(sandbox) => sandbox,
            Err(error) => {
                let _ = ready.send(Err(error));
                return None;
            }
        };
        let worker = Worker::new(sandbox, options);
        ready.send(Ok(started.elapsed())).ok().map(|()| worker)
    });
    let Some(mut worker) = booted else { return };
    let mut next = Next::SLEEP;
    loop {
        let job = match std::mem::replace(&mut next, Next::SLEEP) {
            Next::Run(job) => job,
            Next::Wait(spin) => match next_job(&jobs, spin) {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        let (answer, alive) = runtime.block_on(worker.handle(job));
        // The pool learns first, so a caller holding its answer finds the
        // runtime already counted free (or busy with the next job).
        next = finished(id, alive);
        answer.send();
        if !alive {
            break;
        }
    }
}

/// Waits for the next job: polling the channel through `spin` (the pool
/// lets only the last runtime to go idle do so), then asleep.
fn next_job(jobs: &std::sync::mpsc::Receiver<Job>, spin: IdleSpin) -> Result<Job, std::sync::mpsc::RecvError> {
    let polled = spin.on_thread(|| match jobs.try_recv() {
        Ok(job) => Polled::Ready(job),
        Err(std::sync::mpsc::TryRecvError::Disconnected) => Polled::Gone,
        Err(std::sync::mpsc::TryRecvError::Empty) => Polled::Empty,
    });
    match polled {
        Spun::Ready(job) => Ok(job),
        Spun::Gone => Err(std::sync::mpsc::RecvError),
        Spun::Sleep => jobs.recv(),
    }
}

/// Why the watchdog stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    None,
    Timeout,
    Memory,
    Cancelled,
}

/// Terminates execution when an armed deadline passes. Arming and
/// disarming only touch atomics: the watchdog thread sleeps until the
/// earliest deadline it knows of and is woken only when a run arms an
/// earlier one, so a warm call costs no extra thread wake-ups.
struct Watchdog {
    shared: Arc<WatchState>,
    thread: Option<std::thread::Thread>,
}

struct WatchState {
    /// Deadline of the armed run in nanoseconds since `epoch`; 0 = disarmed.
    deadline: std::sync::atomic::AtomicU64,
    /// When the watchdog thread will next wake up (nanoseconds since `epoch`).
    wake_at: std::sync::atomic::AtomicU64,
    fired: AtomicBool,
    /// Held by the watchdog from claiming a deadline until the kill is
    /// done, so `disarm` can wait out a kill already under way.
    killing: std::sync::Mutex<()>,
    epoch: Instant,
    /// Set when the runtime is discarded: the watchdog thread ends (and
    /// drops its isolate handle) instead of parking again.
    stopped: AtomicBool,
}

impl WatchState {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1)
    }
}

impl Watchdog {
    fn start(handle: deno_core::v8::IsolateHandle) -> Self {
        let shared = Arc::new(WatchState {
            deadline: std::sync::atomic::AtomicU64::new(0),
            wake_at: std::sync::atomic::AtomicU64::new(u64::MAX),
            fired: AtomicBool::new(false),
            killing: std::sync::Mutex::new(()),
            epoch: Instant::now(),
            stopped: AtomicBool::new(false),
        });
        let state = shared.clone();
        let spawned = std::thread::Builder::new().name("switchboard-watchdog".to_owned()).spawn(move || {
            loop {
                if state.stopped.load(Ordering::SeqCst) {
                    return;
                }
                let deadline = state.deadline.load(Ordering::SeqCst);
                let now = state.now();
                if deadline != 0 && now >= deadline {
                    let _claim = state.killing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    if state.deadline.compare_exchange(deadline, 0, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                        state.fired.store(true, Ordering::SeqCst);
                        handle.terminate_execution();
                    }
                    continue;
                }
                if deadline == 0 {
                    state.wake_at.store(u64::MAX, Ordering::SeqCst);
                    // Re-check after publishing: an arm (or the stop) may
                    // have raced the store. A stop's unpark that lands
                    // before this park makes it return at once.
                    if state.deadline.load(Ordering::SeqCst) == 0 && !state.stopped.load(Ordering::SeqCst) {
                        std::thread::park();
                    }
                } else {
                    state.wake_at.store(deadline, Ordering::SeqCst);
                    std::thread::park_timeout(Duration::from_nanos(deadline - now));
                }
            }
        });
        let thread = match spawned {
            Ok(joined) => Some(joined.thread().clone()),
            Err(error) => {
                tracing::error!(%error, "cannot start a watchdog thread; runs will not time out");
                None
            }
        };
        Self { shared, thread }
    }

    fn arm(&self, timeout: Duration) {
        self.shared.fired.store(false, Ordering::SeqCst);
        let deadline = self.shared.now().saturating_add(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX));
        self.shared.deadline.store(deadline, Ordering::SeqCst);
        if deadline < self.shared.wake_at.load(Ordering::SeqCst)
            && let Some(thread) = &self.thread
        {
            thread.unpark();
        }
    }

    /// Ends the watch of a run; true when the watchdog stopped it. A kill
    /// the watchdog had already claimed is finished first, so it is counted
    /// for this run (whose runtime is then dropped) and cannot land on the
    /// next one.
    fn disarm(&self) -> bool {
        self.shared.deadline.store(0, Ordering::SeqCst);
        drop(self.shared.killing.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        self.shared.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.deadline.store(0, Ordering::SeqCst);
        self.shared.stopped.store(true, Ordering::SeqCst);
        if let Some(thread) = &self.thread {
            thread.unpark();
        }
    }
}

struct Worker {
    sandbox: Sandbox,
    options: SandboxOptions,
    watchdog: Watchdog,
    cancelled: Arc<AtomicBool>,
    /// What a caller's ticket uses to stop this runtime's current run.
    interrupt: Interrupt,
    app: Option<AppKey>,
    /// Module keys already loaded in this runtime, with their load outcome.
    loaded: std::collections::HashMap<PathBuf, Result<(), LoadFailure>>,
    next_entry: u64,
    /// What this runtime's JavaScript holds from earlier invocations.
    held: super::invocation::Held,
    /// What a resent invocation sent, when the first one was refused.
    resent: Option<super::invocation::Sent>,
}

#[derive(Debug, Clone)]
struct LoadFailure {
    error_type: String,
    message: String,
}

impl Worker {
    fn new(mut sandbox: Sandbox, options: SandboxOptions) -> Self {
        let handle = sandbox.js.v8_isolate().thread_safe_handle();
        let cancelled = Arc::new(AtomicBool::new(false));
        let interrupt = Interrupt { handle: handle.clone(), cancelled: cancelled.clone() };
        let watchdog = Watchdog::start(handle);
        Self {
            sandbox,
            options,
            watchdog,
            cancelled,
            interrupt,
            app: None,
            loaded: Default::default(),
            next_entry: 0,
            held: Default::default(),
            resent: None,
        }
    }

    /// Handles one job: its answer, to send once the pool knows whether
    /// the runtime survived (false: it must be dropped).
    async fn handle(&mut self, job: Job) -> (Answer, bool) {
        match job {
            Job::Run { app, request, reply, ticket } => {
                let started = Instant::now();
                // Cleared before the ticket says the run started, so a
                // cancellation from then on is never wiped out.
                self.reset_interrupts();
                // A caller that is gone or cancelled while its run waited
                // does not have it started.
                let (result, alive) = if reply.is_closed() || !ticket.start(&self.interrupt) {
                    (cancelled_result(String::new(), 0), true)
                } else {
                    let outcome = match self.bind(&app) {
                        Ok(()) => self.run(&app, *request, started).await,
                        Err(message) => (ExecutionResult::failure("InternalError", message, String::new(), 0), true),
                    };
                    ticket.end();
                    outcome
                };
                (Answer::Run(reply, result), alive)
            }
            Job::Describe { app, files, timeout, reply } => {
                if reply.is_closed() {
                    // The caller is gone: nobody wants these reports.
                    return (Answer::Describe(reply, Vec::new()), true);
                }
                let mut reports = Vec::with_capacity(files.len());
                let mut alive = self.bind(&app).is_ok();
                for file in files {
                    if !alive {
                        reports
                            .push(EntityReport { file, outcome: Err("the runtime stopped after an earlier file hit a limit".to_owned()) });
                        continue;
                    }
                    let (outcome, still_alive) = self.describe(&app, &file, timeout).await;
                    alive = still_alive;
                    reports.push(EntityReport { file, outcome });
                }
                (Answer::Describe(reply, reports), alive)
            }
        }
    }

    fn bind(&mut self, app: &Arc<AppCode>) -> Result<(), String> {
        match self.app {
            Some(bound) if bound == app.key() => Ok(()),
            Some(_) => Err(format!("internal error: a runtime bound to another app was given work for {}", app.root().display())),
            None => {
                self.sandbox.loader.bind(app.clone());
                self.app = Some(app.key());
                Ok(())
            }
        }
    }

    fn stop_reason(&self, fired: bool) -> Stop {
        if self.cancelled.load(Ordering::SeqCst) {
            Stop::Cancelled
        } else if self.sandbox.heap_exceeded.load(Ordering::SeqCst) {
            Stop::Memory
        } else if fired {
            Stop::Timeout
        } else {
            Stop::None
        }
    }

    /// Loads and evaluates a module once, registering its namespace.
    async fn ensure_loaded(&mut self, app: &AppCode, module: &Path) -> Result<(), LoadFailure> {
        if let Some(outcome) = self.loaded.get(module) {
            return outcome.clone();
        }
        let outcome = self.load_module(app, module).await;
        self.loaded.insert(module.to_path_buf(), outcome.clone());
        outcome
    }

    async fn load_module(&mut self, app: &AppCode, module: &Path) -> Result<(), LoadFailure> {
        let failure = |error_type: &str, message: String| LoadFailure { error_type: error_type.to_owned(), message };
        let url = app.url_of(module).map_err(|message| failure("LoadError", message))?;
        // A dynamic import inside the entry module: the QuickJS backend does
        // not report an exception thrown at a module's top level through
        // `mod_evaluate`, but it does reject the import's promise.
        self.next_entry += 1;
        let entry = ModuleSpecifier::parse(&format!("switchboard:entry/{}", self.next_entry))
            .map_err(|error| failure("LoadError", error.to_string()))?;
        let key = Value::String(module.to_string_lossy().into_owned());
        let code = format!(
            "await import({url}).then((namespace) => globalThis.__switchboard_register({key}, namespace), (error) => globalThis.__switchboard_load_failed(error));\n",
            url = Value::String(url.to_string()),
        );
        self.state(|state| state.load_error = None);
        let id = self
            .sandbox
            .js
            .load_side_es_module_from_code(&entry, code)
            .await
            .map_err(|error| classify_load_error(app, &error.to_string()))?;
        self.evaluate(app, id).await?;
        match self.state(|state| state.load_error.take()) {
            None => Ok(()),
            Some(json) => {
                let error = serde_json::from_str::<ExecutionError>(&json).unwrap_or(ExecutionError {
                    error_type: "LoadError".to_owned(),
                    error_message: json,
                    stack_trace: String::new(),
                });
                let scrubbed = classify_load_error(app, &error.error_message);
                Err(LoadFailure { error_type: error.error_type, message: scrubbed.message })
            }
        }
    }

    async fn evaluate(&mut self, app: &AppCode, id: deno_core::ModuleId) -> Result<(), LoadFailure> {
        let evaluation = self.sandbox.js.mod_evaluate(id);
        self.sandbox
            .js
            .with_event_loop_future(evaluation, PollEventLoopOptions::default())
            .await
            .map_err(|error| classify_load_error(app, &error.to_string()))
    }

    /// Clears a cancellation that arrived after the previous run had already
    /// finished, so it cannot stop the next one.
    fn reset_interrupts(&mut self) {
        self.cancelled.store(false, Ordering::SeqCst);
        self.sandbox.js.v8_isolate().cancel_terminate_execution();
    }

    async fn describe(&mut self, app: &AppCode, file: &Path, timeout: Duration) -> (Result<Value, String>, bool) {
        self.reset_interrupts();
        self.watchdog.arm(timeout);
        let (loaded, idle_timeout) = match tokio::time::timeout(timeout, self.ensure_loaded(app, file)).await {
            Ok(loaded) => (loaded, false),
            Err(_) => (Ok(()), true),
        };
        let fired = self.watchdog.disarm() || idle_timeout;
        match self.stop_reason(fired) {
            Stop::Timeout | Stop::Cancelled => {
                return (Err(format!("evaluating the file took longer than {} s", timeout.as_secs())), false);
            }
            Stop::Memory => {
                return (Err(format!("evaluating the file exceeded the memory limit of {}", mib(self.options.heap_limit))), false);
            }
            Stop::None => {}
        }
        if let Err(failure) = loaded {
            return (Err(format!("{}: {}", failure.error_type, failure.message)), true);
        }
        let key = Value::String(file.to_string_lossy().into_owned());
        if let Err(error) = self.sandbox.js.execute_script("switchboard:describe", format!("__switchboard_describe({key})")) {
            return (Err(error.to_string()), true);
        }
        let described = self.state(|state| state.describe.take());
        match described.map(|json| serde_json::from_str::<Value>(&json)) {
            Some(Ok(value)) => (Ok(value), true),
            Some(Err(error)) => (Err(format!("cannot read the entity description: {error}")), true),
            None => (Err("the entity description was not produced".to_owned()), true),
        }
    }

    fn state<T>(&mut self, f: impl FnOnce(&mut RunState) -> T) -> T {
        let state = self.sandbox.js.op_state();
        let mut state = state.borrow_mut();
        f(state.borrow_mut::<RunState>())
    }

    /// Runs one request; interrupts were reset when its ticket started.
    async fn run(&mut self, app: &AppCode, request: RunRequest, started: Instant) -> (ExecutionResult, bool) {
        let log_cap = self.options.max_log_bytes;
        self.resent = None;
        let (invocation, sent) = self.held.invocation(&request);
        self.state(|state| {
            state.invocation = Some(invocation);
            state.completion = None;
            state.host = request.host.clone();
            state.run_vars = Some(request.run_env.clone());
        });
        self.watchdog.arm(request.timeout);
        // The watchdog stops JavaScript that is running; the timer below stops
        // a run that is idle in the event loop (e.g. awaiting a long timer),
        // and so does cancellation (whose interrupt also stops busy code).
        let cancel = request.cancel.clone().unwrap_or_default();
        let cancelled = self.cancelled.clone();
        let work = self.load_and_call(app, &request);
        let (loaded, settled, idle_timeout) = tokio::select! {
            outcome = tokio::time::timeout(request.timeout, work) => match outcome {
                Ok((loaded, settled)) => (loaded, settled, false),
                Err(_) => (Ok(()), Ok(()), true),
            },
            () = cancel.cancelled() => {
                cancelled.store(true, Ordering::SeqCst);
                (Ok(()), Ok(()), true)
            }
        };
        let fired = self.watchdog.disarm() || idle_timeout;
        let duration = started.elapsed().as_millis() as u64;
        let (logs, taken) = self.state(|state| {
            state.host = None;
            state.run_vars = None;
            (state.log.take(log_cap), state.invocation.take().is_none())
        });
        let sent = self.resent.take().unwrap_or(sent);
        if taken {
            self.held.read(sent);
        }
        let completion = if idle_timeout { None } else { self.state(|state| state.completion.take()) };
        let stop = self.stop_reason(fired);
        let result = match (stop, completion, loaded, settled) {
            (Stop::Memory, ..) => ExecutionResult::failure(
                "MemoryLimitError",
                format!("The function exceeded the memory limit of {} and was stopped", mib(self.options.heap_limit)),
                logs,
                duration,
            ),
            (Stop::Cancelled, ..) => cancelled_result(logs, duration),
            (Stop::Timeout, ..) => {
                ExecutionResult::failure("TimeoutError", format!("Timed out after {} ms", request.timeout.as_millis()), logs, duration)
            }
            (Stop::None, _, Err(failure), _) => ExecutionResult::failure(&failure.error_type, failure.message, logs, duration),
            (Stop::None, Some((0, data)), ..) => self.success(data, logs, duration),
            (Stop::None, Some((_, error)), ..) => {
                let error = serde_json::from_str::<ExecutionError>(&error).unwrap_or(ExecutionError {
                    error_type: "UnhandledError".to_owned(),
                    error_message: error,
                    stack_trace: String::new(),
                });
                ExecutionResult { data: Value::Null, logs, duration, status: ExecutionStatus::Error, error: Some(error) }
            }
            (Stop::None, None, Ok(()), Err(message)) => ExecutionResult::failure("UnhandledError", message, logs, duration),
            (Stop::None, None, Ok(()), Ok(())) => {
                ExecutionResult::failure("UnhandledError", "The handler finished without reporting a result", logs, duration)
            }
        };
        (scrub(app, result), stop == Stop::None)
    }

    async fn load_and_call(&mut self, app: &AppCode, request: &RunRequest) -> (Result<(), LoadFailure>, Result<(), String>) {
        let loaded = self.ensure_loaded(app, &request.module).await;
        let settled = match loaded {
            Ok(()) => {
                let first = self.call_runner().await;
                if self.state(|state| matches!(state.completion, Some((STALE_INVOCATION, _)))) {
                    // The runtime holds another state than this side
                    // thought: it applied nothing, and gets it whole.
                    tracing::warn!("a runtime refused an invocation built on a state it does not hold; sending it whole");
                    self.held.forget();
                    let (invocation, sent) = self.held.invocation(request);
                    self.state(|state| {
                        state.invocation = Some(invocation);
                        state.completion = None;
                    });
                    self.resent = Some(sent);
                    self.call_runner().await
                } else {
                    first
                }
            }
            Err(ref failure) => Err(failure.message.clone()),
        };
        (loaded, settled)
    }

    /// Calls the bootstrap's runner and drives the event loop until it settles.
    async fn call_runner(&mut self) -> Result<(), String> {
        let call = self.sandbox.js.call(&self.sandbox.runner);
        self.sandbox.js.with_event_loop_promise(call, PollEventLoopOptions::default()).await.map(|_| ()).map_err(|error| error.to_string())
    }

    fn success(&self, data: String, logs: String, duration: u64) -> ExecutionResult {
        if data.len() > self.options.max_result_bytes {
            return ExecutionResult::failure(
                "ResultTooLargeError",
                format!("The result is {} bytes of JSON, over the limit of {} bytes", data.len(), self.options.max_result_bytes),
                logs,
                duration,
            );
        }
        match serde_json::from_str(&data) {
            Ok(data) => ExecutionResult { data, logs, duration, status: ExecutionStatus::Success, error: None },
            // serde_json stops at 128 levels of nesting.
            Err(error) if error.to_string().starts_with("recursion limit exceeded") => ExecutionResult::failure(
                "SerializationError",
                "The handler's result nests arrays and objects more than 128 levels deep, which is more than switchboard carries",
                logs,
                duration,
            ),
            Err(error) => ExecutionResult::failure("SerializationError", format!("cannot read the result: {error}"), logs, duration),
        }
    }
}

/// The result of a run its caller cancelled.
pub(crate) fn cancelled_result(logs: String, duration: u64) -> ExecutionResult {
    ExecutionResult::failure("CancelledError", "The run was cancelled by its caller", logs, duration)
}

/// Replaces the app's absolute location with app-relative paths in what a
/// run reports, so host paths do not leak into results and logs.
fn scrub(app: &AppCode, mut result: ExecutionResult) -> ExecutionResult {
    // Most runs log nothing and fail with nothing: no search to set up then.
    if result.logs.is_empty() && result.error.is_none() {
        return result;
    }
    let url_prefix = format!("file://{}/", app.root().display());
    let path_prefix = format!("{}/", app.root().display());
    let clean = |text: &str| text.replace(super::loader::VIRTUAL_URL_PREFIX, "").replace(&url_prefix, "").replace(&path_prefix, "");
    result.logs = clean(&result.logs);
    if let Some(error) = result.error.as_mut() {
        error.error_message = clean(&error.error_message);
        error.stack_trace = clean(&error.stack_trace);
    }
    result
}

/// Turns a module load error into a type and a message with app-relative paths.
fn classify_load_error(app: &AppCode, message: &str) -> LoadFailure {
    let root = format!("file://{}/", app.root().display());
    let message =
        message.replace(super::loader::VIRTUAL_URL_PREFIX, "").replace(&root, "").replace(&format!("{}/", app.root().display()), "");
    let error_type = message
        .split_once(':')
        .map(|(head, _)| head.trim())
        .filter(|head| !head.is_empty() && !head.contains(' ') && head.ends_with("Error"))
        .unwrap_or("LoadError")
        .to_owned();
    LoadFailure { error_type, message }
}

fn mib(bytes: usize) -> String {
    format!("{} MB", bytes / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::RunVars;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn a_runtime_holding_another_state_than_the_host_thinks_gets_the_invocation_whole() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("a.mjs"),
            "export const first = (payload, context) => ({ who: 'first', n: payload.n, c: context.c });\n\
             export const second = (payload, context) => ({ who: 'second', n: payload.n, c: context.c });\n",
        )
        .expect("write");
        let app = Arc::new(AppCode::new(dir.path()).expect("app"));
        let module = dir.path().join("a.mjs");
        let request = |handler: &str, c: u32, n: u32| RunRequest {
            module: module.clone(),
            handler_name: handler.to_owned(),
            payload: json!({ "n": n }).to_string(),
            context: json!({ "c": c }),
            env: Arc::new(BTreeMap::new()),
            run_env: RunVars::default(),
            timeout: Duration::from_secs(20),
            cancel: None,
            host: None,
            local_api: None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
        runtime.block_on(async {
            let options = SandboxOptions::default();
            let mut worker = Worker::new(Sandbox::boot(&options).expect("boot"), options);
            worker.bind(&app).expect("bind");
            let (result, _) = worker.run(&app, request("first", 1, 1), Instant::now()).await;
            assert_eq!(result.data, json!({ "who": "first", "n": 1, "c": 1 }), "{result:?}");
            let (result, _) = worker.run(&app, request("first", 1, 2), Instant::now()).await;
            assert_eq!(result.data, json!({ "who": "first", "n": 2, "c": 1 }), "{result:?}");

            // The host's record goes wrong: it believes the runtime already
            // holds `second` and context 2, two invocations on.
            let mut wrong = super::super::invocation::Held::default();
            for _ in 0..3 {
                let (_, sent) = wrong.invocation(&request("second", 2, 0));
                wrong.read(sent);
            }
            worker.held = wrong;
            // So it sends the payload alone; the runtime refuses it and gets
            // it whole, instead of running `first` with context 1.
            let (result, _) = worker.run(&app, request("second", 2, 3), Instant::now()).await;
            assert_eq!(result.data, json!({ "who": "second", "n": 3, "c": 2 }), "{result:?}");
            // Both sides agree again: the next delta is applied.
            let (result, _) = worker.run(&app, request("second", 2, 4), Instant::now()).await;
            assert_eq!(result.data, json!({ "who": "second", "n": 4, "c": 2 }), "{result:?}");
        });
    }
}
