//! The pool of runtimes, under two separate bounds: how many runs execute
//! at once (`concurrency`, CPU-bound: about the number of cores) and how
//! many runtimes are kept alive (`max_runtimes`, memory-bound: warm
//! runtimes per app, spares and boots in progress). A runtime is bound to
//! one app (never shared between apps) and kept warm for it until the
//! memory bound needs its room; then the least recently used idle runtime
//! goes (never taking an app below `min_warm_per_app`).
//!
//! No runtime is ever booted on a call's path. Spares (booted, app-less
//! runtimes) are kept ready in the background, one boot at a time so boots
//! never crowd out running calls; a call for an app with no idle runtime
//! takes a spare and loads the app's modules there. A call that finds none
//! (or finds `concurrency` runs executing) waits in line, and the
//! background boots the spare it needs, evicting an idle runtime first when
//! the memory bound is reached. While that bound is reached the line is
//! served strictly in order; otherwise a call whose app has an idle runtime
//! does not wait behind one that waits for a spare.
//!
//! A runtime that finishes a job takes the next waiting job of its app
//! itself, on its own thread. A runtime is released (its thread ends and
//! its memory is freed) when it is dropped: evicted, stopped by a limit,
//! or retired because its app was reloaded or removed; `live` counts it
//! until then.

use super::loader::{AppCode, AppKey};
use super::runtime::SandboxOptions;
use super::spin::{IdleSpin, Polled, Spun};
use super::worker::{FinishHook, Job, Next, Ticket, WorkerHandle};
use super::{EntityReport, Error, RunRequest};
use crate::domain::ExecutionResult;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// Sizing of a pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub sandbox: SandboxOptions,
    /// Most runs executing at once; further calls wait in line.
    pub concurrency: usize,
    /// Most runtimes alive at once (warm, spare or booting): the memory bound.
    pub max_runtimes: usize,
    /// Unbound runtimes kept booted ahead of need.
    pub spares: usize,
    /// Calls allowed to wait for a runtime before "busy" is answered.
    pub max_waiting: usize,
    /// How long the last runtime to go idle polls for the next call before
    /// its thread sleeps (zero: sleep at once).
    pub idle_spin: Duration,
    /// Runtimes an app keeps however much another app needs the room.
    pub min_warm_per_app: usize,
    /// Most runtimes one app may have (so one busy app cannot take them all).
    pub max_per_app: usize,
    /// What one runtime is reckoned to cost in memory (MiB), for reports.
    pub runtime_mib: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            sandbox: SandboxOptions::default(),
            concurrency: cores,
            max_runtimes: 64,
            spares: 1,
            max_waiting: 64,
            idle_spin: Duration::from_micros(DEFAULT_IDLE_SPIN_MICROS),
            min_warm_per_app: 0,
            max_per_app: cores,
            runtime_mib: DEFAULT_RUNTIME_MIB,
        }
    }
}

/// Default of [`PoolOptions::idle_spin`], in microseconds.
pub const DEFAULT_IDLE_SPIN_MICROS: u64 = 300;
/// Default of [`PoolOptions::runtime_mib`]: a warm runtime measures about
/// 11 MiB of RSS here, plus room for an app's module state.
pub const DEFAULT_RUNTIME_MIB: usize = 16;
/// Boots in progress at once: the background refill is paced to one.
const PARALLEL_BOOTS: usize = 1;

/// A snapshot of the pool's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Runtimes alive (idle, busy, spare or booting).
    pub live: usize,
    pub idle: usize,
    pub busy: usize,
    pub spares: usize,
    pub booting: usize,
    pub waiting: usize,
    /// Runtimes booted since the pool started (all in the background).
    pub boots: u64,
    /// Idle runtimes dropped to make room for another app's.
    pub evictions: u64,
    /// Runtimes dropped because a limit stopped them or their app was retired.
    pub discarded: u64,
}

/// The runtimes bound to one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppRuntimes {
    pub app: AppKey,
    pub idle: usize,
    pub busy: usize,
}

#[derive(Default)]
struct State {
    /// App-bound runtimes not in use, least recently used first.
    idle: Vec<WorkerHandle>,
    /// Booted runtimes not yet bound to an app.
    spares: Vec<WorkerHandle>,
    /// Runtimes running a job.
    busy: Vec<WorkerHandle>,
    /// Every runtime that exists or is booting.
    live: usize,
    booting: usize,
    /// Jobs waiting for a runtime, in arrival order.
    waiters: VecDeque<Waiter>,
    /// Apps whose runtimes are dropped as they come free.
    retired: HashSet<AppKey>,
    boots: u64,
    evictions: u64,
    discarded: u64,
}

/// A job waiting for a runtime for `app`.
struct Waiter {
    app: AppKey,
    /// The call wants a runtime that has not run its app yet.
    fresh: bool,
    job: Job,
    /// Dropped unsent when a runtime took the job; carries the reason when
    /// no runtime can be had for it.
    failed: oneshot::Sender<Error>,
}

impl State {
    /// Runtimes bound to `app`, busy or idle.
    fn bound_to(&self, app: AppKey) -> usize {
        self.idle.iter().chain(&self.busy).filter(|worker| worker.app == Some(app)).count()
    }

    /// A runtime `app` may use now: its most recently idle one, or a spare
    /// while the app is under its bound.
    fn take_for(&mut self, app: AppKey, fresh: bool, max_per_app: usize) -> Option<WorkerHandle> {
        if !fresh && let Some(index) = self.idle.iter().rposition(|worker| worker.app == Some(app)) {
            return Some(self.idle.remove(index));
        }
        if self.bound_to(app) < max_per_app { self.spares.pop() } else { None }
    }

    /// Starts `job` on `worker` (bound to `app`), counted busy until its
    /// thread reports back; gives the job back if the thread is gone.
    fn start(&mut self, mut worker: WorkerHandle, app: AppKey, job: Job) -> Result<(), Job> {
        worker.app = Some(app);
        match worker.sender().try_send(job) {
            Ok(()) => {
                self.busy.push(worker);
                Ok(())
            }
            Err(std::sync::mpsc::TrySendError::Full(job) | std::sync::mpsc::TrySendError::Disconnected(job)) => {
                self.live -= 1;
                self.discarded += 1;
                Err(job)
            }
        }
    }

    /// Starts waiting jobs while fewer than `concurrency` run: each on its
    /// app's idle runtime or a spare. Returns how many waiting calls need a
    /// spare that is not there.
    fn pump(&mut self, options: &PoolOptions) -> usize {
        self.waiters.retain(|waiter| !waiter.failed.is_closed());
        let full = self.live >= options.max_runtimes;
        let mut index = 0;
        while index < self.waiters.len() && self.busy.len() < options.concurrency {
            let (app, fresh) = (self.waiters[index].app, self.waiters[index].fresh);
            let Some(worker) = self.take_for(app, fresh, options.max_per_app) else {
                if full && self.bound_to(app) < options.max_per_app {
                    // Memory is spent: the first in line gets the next room.
                    break;
                }
                index += 1;
                continue;
            };
            let Some(waiter) = self.waiters.remove(index) else { break };
            if let Err(job) = self.start(worker, app, waiter.job) {
                // That runtime's thread is gone; the call waits on.
                self.waiters.insert(index, Waiter { job, ..waiter });
            }
        }
        // Every call still in line that a spare would serve.
        self.waiters
            .iter()
            .filter(|waiter| {
                let has_idle = !waiter.fresh && self.idle.iter().any(|worker| worker.app == Some(waiter.app));
                !has_idle && self.bound_to(waiter.app) < options.max_per_app
            })
            .count()
    }

    /// Drops the least recently used idle runtime whose app keeps more than
    /// `min_warm` runtimes; says whether one went.
    fn evict(&mut self, min_warm: usize) -> bool {
        let Some(index) = (0..self.idle.len()).find(|&index| {
            let app = self.idle[index].app;
            app.is_none_or(|app| self.bound_to(app) > min_warm)
        }) else {
            return false;
        };
        drop(self.idle.remove(index));
        self.live -= 1;
        self.evictions += 1;
        true
    }

    fn waiting(&self) -> usize {
        self.waiters.iter().filter(|waiter| !waiter.failed.is_closed()).count()
    }
}

struct Inner {
    options: PoolOptions,
    state: Mutex<State>,
    /// Signalled whenever a spare finishes booting (or fails to).
    spare_booted: Notify,
    /// Where background boots run: runtimes report back on their own threads.
    tokio: tokio::runtime::Handle,
    next_id: AtomicU64,
    /// Calls between `run` and their answer.
    in_flight: AtomicUsize,
    /// A lone call may keep its thread while it polls: the runtime has
    /// other worker threads to serve everything else meanwhile.
    hold_thread: bool,
}

/// The longest a lone call keeps its thread polling, whatever the window.
const MAX_HOLD: Duration = Duration::from_micros(DEFAULT_IDLE_SPIN_MICROS);

/// Counts one call in `Inner::in_flight` while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }

    /// No other call is in flight.
    fn alone(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 1
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Cheap to clone; all clones share the same runtimes.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("stats", &self.stats()).finish()
    }
}

impl Pool {
    /// Creates the pool and starts booting spares (needs a tokio runtime).
    pub fn new(mut options: PoolOptions) -> Self {
        options.max_runtimes = options.max_runtimes.max(1);
        options.concurrency = options.concurrency.max(1);
        options.max_per_app = options.max_per_app.max(1);
        options.spares = options.spares.min(options.max_runtimes);
        let runtime = tokio::runtime::Handle::current();
        let hold_thread = runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread && runtime.metrics().num_workers() > 1;
        let pool = Self {
            inner: Arc::new(Inner {
                options,
                state: Mutex::new(State::default()),
                spare_booted: Notify::new(),
                tokio: runtime,
                next_id: AtomicU64::new(1),
                in_flight: AtomicUsize::new(0),
                hold_thread,
            }),
        };
        let mut state = pool.lock();
        pool.refill(&mut state, 0);
        drop(state);
        pool
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave it inconsistent in a way
        // that matters more than stopping, so recover the guard.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The pool's sizing.
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// Current counters.
    pub fn stats(&self) -> PoolStats {
        let state = self.lock();
        PoolStats {
            live: state.live,
            idle: state.idle.len(),
            busy: state.busy.len(),
            spares: state.spares.len(),
            booting: state.booting,
            waiting: state.waiting(),
            boots: state.boots,
            evictions: state.evictions,
            discarded: state.discarded,
        }
    }

    /// The runtimes bound to each app, busy or idle.
    pub fn by_app(&self) -> Vec<AppRuntimes> {
        let state = self.lock();
        let mut apps: Vec<AppRuntimes> = Vec::new();
        for (worker, busy) in state.idle.iter().map(|w| (w, false)).chain(state.busy.iter().map(|w| (w, true))) {
            let Some(app) = worker.app else { continue };
            let index = apps.iter().position(|entry| entry.app == app).unwrap_or_else(|| {
                apps.push(AppRuntimes { app, idle: 0, busy: 0 });
                apps.len() - 1
            });
            if busy {
                apps[index].busy += 1;
            } else {
                apps[index].idle += 1;
            }
        }
        apps
    }

    /// Boots a runtime whose thread reports each finished job to this pool.
    async fn boot(&self) -> Result<WorkerHandle, Error> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let finished: FinishHook =
            Arc::new(move |id, alive| weak.upgrade().map_or(Next::SLEEP, |inner| Pool { inner }.finished(id, alive)));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        WorkerHandle::spawn(self.inner.options.sandbox.clone(), id, finished).await
    }

    /// Starts background boots until the spares (the standing ones, plus
    /// one per waiting call that needs one) are there or booting, one boot
    /// at a time. For waiting calls it evicts idle runtimes when the memory
    /// bound is reached; for the standing spares it does not.
    fn refill(&self, state: &mut State, wanting: usize) {
        let options = &self.inner.options;
        loop {
            let have = state.spares.len() + state.booting;
            if state.booting >= PARALLEL_BOOTS || have >= options.spares + wanting {
                return;
            }
            if state.live >= options.max_runtimes && (have >= wanting || !state.evict(options.min_warm_per_app)) {
                return;
            }
            state.live += 1;
            state.booting += 1;
            state.boots += 1;
            let pool = self.clone();
            self.inner.tokio.spawn(async move {
                let booted = pool.boot().await;
                let mut state = pool.lock();
                state.booting -= 1;
                match booted {
                    Ok(worker) => state.spares.push(worker),
                    Err(error) => {
                        state.live -= 1;
                        tracing::error!(%error, "cannot boot a spare runtime");
                        // The first call waiting for a spare learns why.
                        if let Some(index) = state.waiters.iter().position(|waiter| !waiter.failed.is_closed())
                            && let Some(waiter) = state.waiters.remove(index)
                        {
                            let _ = waiter.failed.send(error);
                        }
                    }
                }
                pool.settle(&mut state);
                drop(state);
                pool.inner.spare_booted.notify_waiters();
            });
        }
    }

    /// Starts what can start and boots what is missing.
    fn settle(&self, state: &mut State) {
        let wanting = state.pump(&self.inner.options);
        self.refill(state, wanting);
    }

    /// Waits until the configured spares have booted (used by benchmarks and tests).
    pub async fn wait_for_spares(&self) {
        loop {
            let notified = self.inner.spare_booted.notified();
            {
                let state = self.lock();
                if state.spares.len() >= self.inner.options.spares || state.booting == 0 && state.live >= self.inner.options.max_runtimes {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Gets `job` started on a runtime bound to `app`, or queued for one.
    /// Returns once a runtime has it; its reply comes on the job's channel.
    async fn dispatch(&self, app: AppKey, fresh: bool, job: Job) -> Result<(), Error> {
        let mut failed = {
            let mut state = self.lock();
            let waiting = state.waiting();
            if waiting >= self.inner.options.max_waiting {
                // Past the bound, only a call that needs no busy runtime to
                // finish gets in: its app's idle runtime, a spare, or room
                // to boot one.
                let options = &self.inner.options;
                let room = state.live < options.max_runtimes || !state.idle.is_empty();
                let can_start = state.busy.len() < options.concurrency
                    && ((!fresh && state.idle.iter().any(|w| w.app == Some(app)))
                        || ((!state.spares.is_empty() || room) && state.bound_to(app) < options.max_per_app));
                if !can_start {
                    return Err(Error::Busy { runtimes: state.live, waiting });
                }
            }
            let (failed, receive) = oneshot::channel();
            // Calls already in line go first.
            state.waiters.push_back(Waiter { app, fresh, job, failed });
            self.settle(&mut state);
            receive
        };
        // Resolves when a runtime took the job (the sender is dropped) or
        // no runtime can be had; dropping it (the call gave up) leaves the
        // job in line until the pool sweeps it out.
        match (&mut failed).await {
            Ok(error) => Err(error),
            Err(_) => Ok(()),
        }
    }

    /// A runtime's thread reports a finished job: it gets the next job of
    /// its app when that is first in line, or turns idle (or, stopped by a
    /// limit or retired with its app, is dropped) and the line moves on. The
    /// last runtime to go idle polls a moment for the next call; while
    /// others are still busy it sleeps at once, leaving them the CPU.
    fn finished(&self, id: u64, alive: bool) -> Next {
        let mut state = self.lock();
        let Some(index) = state.busy.iter().position(|w| w.id == id) else { return Next::SLEEP };
        let worker = state.busy.swap_remove(index);
        let retired = worker.app.is_some_and(|app| state.retired.contains(&app));
        if !alive || retired {
            let app = worker.app;
            drop(worker);
            state.live -= 1;
            state.discarded += 1;
            if let Some(app) = app.filter(|app| retired && state.bound_to(*app) == 0) {
                state.retired.remove(&app);
            }
            self.settle(&mut state);
            return Next::SLEEP;
        }
        state.waiters.retain(|waiter| !waiter.failed.is_closed());
        let next_is_ours = state.waiters.front().is_some_and(|waiter| !waiter.fresh && worker.app == Some(waiter.app))
            && state.busy.len() < self.inner.options.concurrency;
        if next_is_ours && let Some(waiter) = state.waiters.pop_front() {
            state.busy.push(worker);
            return Next::Run(waiter.job);
        }
        state.idle.push(worker);
        self.settle(&mut state);
        if state.busy.is_empty() { Next::Wait(IdleSpin::new(self.inner.options.idle_spin)) } else { Next::SLEEP }
    }

    /// Runs a handler in a runtime bound to `app`.
    pub async fn run(&self, app: &Arc<AppCode>, request: RunRequest) -> Result<ExecutionResult, Error> {
        self.run_inner(app, request, false).await
    }

    /// Runs a handler in a runtime that has not run this app yet (a spare
    /// when one is ready): what the first call after start-up costs.
    pub async fn run_cold(&self, app: &Arc<AppCode>, request: RunRequest) -> Result<ExecutionResult, Error> {
        self.run_inner(app, request, true).await
    }

    async fn run_inner(&self, app: &Arc<AppCode>, request: RunRequest, fresh: bool) -> Result<ExecutionResult, Error> {
        let in_flight = InFlight::enter(&self.inner.in_flight);
        let cancel = request.cancel.clone().unwrap_or_default();
        let ticket = Ticket::default();
        let (reply, mut receive) = oneshot::channel();
        let job = Job::Run { app: app.clone(), request: Box::new(request), reply, ticket: ticket.clone() };
        let dispatched = self.dispatch(app.key(), fresh, job);
        tokio::select! {
            dispatched = dispatched => dispatched?,
            () = cancel.cancelled() => {
                // Cancelled while it waited for a runtime: it never starts.
                // A runtime may have taken it just now; then its answer
                // below says how it ended.
                if ticket.cancel() {
                    return Ok(super::worker::cancelled_result(String::new(), 0));
                }
            }
        }
        // Under a light load, poll for the answer for a while before this
        // task lets its thread sleep: waking a parked thread costs about as
        // much as a short run on this kind of VM. While this is the only
        // call in flight the poll keeps its thread (yielding the CPU between
        // checks) for up to MAX_HOLD, since handing the task back to tokio
        // would wake the other workers, which stay free for everything else
        // (this needs more than one); with other calls about it yields to
        // them through tokio. Under a heavy load no runtime is idle and this
        // is skipped.
        let spin = IdleSpin::new(self.inner.options.idle_spin);
        if !spin.is_off() && (in_flight.alone() || !self.lock().idle.is_empty()) {
            let hold = || self.inner.hold_thread && in_flight.alone();
            let polled = spin
                .in_task(
                    MAX_HOLD,
                    hold,
                    || cancel.is_cancelled(),
                    || match receive.try_recv() {
                        Ok(answer) => Polled::Ready(answer),
                        Err(oneshot::error::TryRecvError::Closed) => Polled::Gone,
                        Err(oneshot::error::TryRecvError::Empty) => Polled::Empty,
                    },
                )
                .await;
            match polled {
                Spun::Ready(answer) => return Ok(answer),
                Spun::Gone => return Err(Error::WorkerGone),
                Spun::Sleep => {}
            }
        }
        let reply = tokio::select! {
            reply = &mut receive => reply,
            () = cancel.cancelled() => {
                // Stops this run's JavaScript if it is busy; the worker
                // notices a run idle in the event loop itself.
                let _ = ticket.cancel();
                receive.await
            }
        };
        reply.map_err(|_| Error::WorkerGone)
    }

    /// Evaluates entity files of `app` and reports each default export.
    pub async fn describe(
        &self,
        app: &Arc<AppCode>,
        files: Vec<std::path::PathBuf>,
        timeout: Duration,
    ) -> Result<Vec<EntityReport>, Error> {
        let (reply, receive) = oneshot::channel();
        self.dispatch(app.key(), false, Job::Describe { app: app.clone(), files, timeout, reply }).await?;
        receive.await.map_err(|_| Error::WorkerGone)
    }

    /// Releases every runtime bound to `app` (after the app was reloaded or
    /// removed): the idle ones now, the busy ones when their run ends.
    pub fn retire(&self, app: AppKey) {
        let mut state = self.lock();
        let before = state.idle.len();
        state.idle.retain(|worker| worker.app != Some(app));
        let dropped = before - state.idle.len();
        state.live -= dropped;
        state.discarded += dropped as u64;
        // Busy ones are dropped as they finish.
        if state.busy.iter().any(|worker| worker.app == Some(app)) {
            state.retired.insert(app);
        }
        self.settle(&mut state);
    }

    /// Boots one runtime outside the pool and returns how long that took.
    pub async fn measure_boot(&self) -> Result<Duration, Error> {
        let unmanaged: FinishHook = Arc::new(|_, _| Next::SLEEP);
        Ok(WorkerHandle::spawn(self.inner.options.sandbox.clone(), 0, unmanaged).await?.boot_time)
    }
}
