//! The pool of runtimes: boots spares in the background so a call never
//! waits for a runtime to be created when a spare exists, keeps warm
//! runtimes per app (never shared between apps), bounds concurrency, and
//! queues a bounded number of waiting calls before answering "busy".
//!
//! Waiting calls are served in arrival order. A call that finds no runtime
//! free leaves its job in the queue; a runtime of its app that finishes a
//! job takes the next one itself, on its own thread, so a busy app's
//! runtimes go from job to job without a round trip through the async side.
//! A runtime that comes free while another app's call is first in line
//! makes room for that call to boot a runtime of its own.

use super::loader::{AppCode, AppKey};
use super::runtime::SandboxOptions;
use super::worker::{FinishHook, Job, Next, Ticket, WorkerHandle};
use super::{EntityReport, Error, RunRequest};
use crate::domain::ExecutionResult;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// Sizing of a pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub sandbox: SandboxOptions,
    /// Most runtimes alive at once (busy, idle or booting); bounds concurrency.
    pub max_runtimes: usize,
    /// Unbound runtimes kept booted ahead of need.
    pub spares: usize,
    /// Calls allowed to wait for a runtime before "busy" is answered.
    pub max_waiting: usize,
    /// How long the last runtime to go idle polls for the next call before
    /// its thread sleeps (zero: sleep at once).
    pub idle_spin: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            sandbox: SandboxOptions::default(),
            max_runtimes: 2 * cores,
            spares: 1,
            max_waiting: 64,
            idle_spin: Duration::from_micros(DEFAULT_IDLE_SPIN_MICROS),
        }
    }
}

/// Default of [`PoolOptions::idle_spin`], in microseconds.
pub const DEFAULT_IDLE_SPIN_MICROS: u64 = 300;

/// A snapshot of the pool's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub live: usize,
    pub idle: usize,
    pub spares: usize,
    pub booting: usize,
    pub waiting: usize,
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
    /// Jobs waiting for a runtime, first come first served.
    waiters: VecDeque<Waiter>,
}

/// A job waiting for a runtime for `app`.
struct Waiter {
    app: AppKey,
    /// The call wants a runtime that has not run its app yet.
    fresh: bool,
    job: Job,
    /// Tells the caller to start the job itself; dropped unsent when a
    /// runtime took the job.
    grant: oneshot::Sender<Grant>,
}

/// What a waiting call is given when it must start its job itself.
enum Grant {
    /// A runtime to run it on (a spare, or one idle for its app).
    Use(WorkerHandle, Job),
    /// Room to boot a runtime of its own (already counted in `live`).
    Boot(Job),
}

impl State {
    /// Finds work for a runtime that came free. The first waiting job of its
    /// app comes back to run on it; when another app's call (or one that
    /// wants a fresh runtime) is first in line, the runtime is dropped and
    /// that call may boot one in its place; with nobody waiting it turns idle.
    fn free(&mut self, worker: WorkerHandle) -> Option<(WorkerHandle, Job)> {
        while let Some(waiter) = self.waiters.pop_front() {
            if waiter.grant.is_closed() {
                continue;
            }
            if !waiter.fresh && worker.app == Some(waiter.app) {
                return Some((worker, waiter.job));
            }
            if waiter.grant.send(Grant::Boot(waiter.job)).is_ok() {
                return None;
            }
        }
        self.idle.push(worker);
        None
    }

    /// Hands a freshly booted spare to the first waiting call; gives it
    /// back when nobody waits.
    fn place_spare(&mut self, mut spare: WorkerHandle) -> Option<WorkerHandle> {
        while let Some(waiter) = self.waiters.pop_front() {
            match waiter.grant.send(Grant::Use(spare, waiter.job)) {
                Ok(()) => return None,
                Err(Grant::Use(back, _)) => spare = back,
                // `send` gives back what it was given: a `Use`.
                Err(Grant::Boot(_)) => return None,
            }
        }
        Some(spare)
    }

    /// Lets the first waiting call boot a runtime when there is room for one.
    fn grant_boot(&mut self, max_runtimes: usize) {
        if self.live >= max_runtimes {
            return;
        }
        while let Some(waiter) = self.waiters.pop_front() {
            if waiter.grant.send(Grant::Boot(waiter.job)).is_ok() {
                self.live += 1;
                return;
            }
        }
    }

    fn waiting(&self) -> usize {
        self.waiters.iter().filter(|waiter| !waiter.grant.is_closed()).count()
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

enum Step {
    Start(Grant),
    Wait(oneshot::Receiver<Grant>),
}

/// A call's place in the queue. It ends with a grant, or with nothing when
/// a runtime took the job itself. Dropped (the call was cancelled) after a
/// grant was sent, it returns the grant to the pool.
struct Waiting<'a> {
    pool: &'a Pool,
    receive: Option<oneshot::Receiver<Grant>>,
}

impl std::future::Future for Waiting<'_> {
    type Output = Option<Grant>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let Some(receive) = self.receive.as_mut() else { return std::task::Poll::Ready(None) };
        let outcome = std::task::ready!(std::pin::Pin::new(receive).poll(cx));
        self.receive = None;
        std::task::Poll::Ready(outcome.ok())
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(mut receive) = self.receive.take() {
            receive.close();
            if let Ok(grant) = receive.try_recv() {
                self.pool.give_back(grant);
            }
        }
    }
}

/// Room counted in `live` for a runtime being booted; given back unless
/// the boot succeeds.
struct BootSlot<'a> {
    pool: &'a Pool,
    armed: bool,
}

impl Drop for BootSlot<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.pool.room_freed();
        }
    }
}

impl Pool {
    /// Creates the pool and starts booting spares (needs a tokio runtime).
    pub fn new(mut options: PoolOptions) -> Self {
        options.max_runtimes = options.max_runtimes.max(1);
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
        pool.replenish();
        pool
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave it inconsistent in a way
        // that matters more than stopping, so recover the guard.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Current counters.
    pub fn stats(&self) -> PoolStats {
        let state = self.lock();
        PoolStats { live: state.live, idle: state.idle.len(), spares: state.spares.len(), booting: state.booting, waiting: state.waiting() }
    }

    /// Boots a runtime whose thread reports each finished job to this pool.
    async fn boot(&self) -> Result<WorkerHandle, Error> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let finished: FinishHook =
            Arc::new(move |id, alive| weak.upgrade().map_or(Next::SLEEP, |inner| Pool { inner }.finished(id, alive)));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        WorkerHandle::spawn(self.inner.options.sandbox.clone(), id, finished).await
    }

    /// Boots spares in the background up to the configured number.
    fn replenish(&self) {
        let mut to_boot = 0;
        {
            let mut state = self.lock();
            while state.spares.len() + state.booting < self.inner.options.spares && state.live < self.inner.options.max_runtimes {
                state.live += 1;
                state.booting += 1;
                to_boot += 1;
            }
        }
        for _ in 0..to_boot {
            let pool = self.clone();
            self.inner.tokio.spawn(async move {
                let booted = pool.boot().await;
                let mut state = pool.lock();
                state.booting -= 1;
                match booted {
                    Ok(worker) => {
                        if let Some(spare) = state.place_spare(worker) {
                            state.spares.push(spare);
                        }
                    }
                    Err(error) => {
                        state.live -= 1;
                        tracing::error!(%error, "cannot boot a spare runtime");
                        state.grant_boot(pool.inner.options.max_runtimes);
                    }
                }
                drop(state);
                pool.inner.spare_booted.notify_waiters();
            });
        }
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
        let step = {
            let mut state = self.lock();
            let own = if fresh { None } else { state.idle.iter().rposition(|w| w.app == Some(app)) };
            if let Some(index) = own {
                Step::Start(Grant::Use(state.idle.remove(index), job))
            } else if let Some(spare) = state.spares.pop() {
                Step::Start(Grant::Use(spare, job))
            } else if state.live < self.inner.options.max_runtimes {
                state.live += 1;
                Step::Start(Grant::Boot(job))
            } else if !state.idle.is_empty() {
                // Make room: drop the least recently used runtime of another app.
                drop(state.idle.remove(0));
                Step::Start(Grant::Boot(job))
            } else {
                let waiting = state.waiting();
                if waiting >= self.inner.options.max_waiting {
                    return Err(Error::Busy { runtimes: state.live, waiting });
                }
                if state.waiters.len() >= 2 * self.inner.options.max_waiting.max(1) {
                    // Calls that gave up stay queued until a runtime looks
                    // at them; past this many, they are swept out now.
                    state.waiters.retain(|waiter| !waiter.grant.is_closed());
                }
                let (grant, receive) = oneshot::channel();
                state.waiters.push_back(Waiter { app, fresh, job, grant });
                Step::Wait(receive)
            }
        };
        let grant = match step {
            Step::Start(grant) => grant,
            Step::Wait(receive) => match (Waiting { pool: self, receive: Some(receive) }).await {
                Some(grant) => grant,
                // A runtime of this app took the job from the queue.
                None => return Ok(()),
            },
        };
        match grant {
            Grant::Use(mut worker, job) => {
                worker.app = Some(app);
                let started = self.start(worker, job);
                self.replenish();
                started
            }
            Grant::Boot(job) => {
                // Gives the room back if booting fails or the call is dropped meanwhile.
                let mut slot = BootSlot { pool: self, armed: true };
                let mut worker = self.boot().await?;
                slot.armed = false;
                worker.app = Some(app);
                self.start(worker, job)
            }
        }
    }

    /// Hands `job` to `worker`, counted as busy until its thread reports back.
    fn start(&self, worker: WorkerHandle, job: Job) -> Result<(), Error> {
        let sender = worker.sender();
        let id = worker.id;
        self.lock().busy.push(worker);
        if sender.try_send(job).is_ok() {
            return Ok(());
        }
        // The thread is gone (it cannot be busy: idle runtimes have no jobs queued).
        let mut state = self.lock();
        if let Some(index) = state.busy.iter().position(|w| w.id == id) {
            state.busy.swap_remove(index);
            state.live -= 1;
            state.grant_boot(self.inner.options.max_runtimes);
        }
        Err(Error::WorkerGone)
    }

    /// A runtime's thread reports a finished job: it gets the next job of
    /// its app, or waits. The last runtime to go idle polls a moment for the
    /// next call (the pool hands a call the most recently idle runtime);
    /// while others are still busy it sleeps at once, leaving them the CPU.
    fn finished(&self, id: u64, alive: bool) -> Next {
        let mut state = self.lock();
        let Some(index) = state.busy.iter().position(|w| w.id == id) else { return Next::SLEEP };
        let worker = state.busy.swap_remove(index);
        if !alive {
            drop(worker);
            state.live -= 1;
            state.grant_boot(self.inner.options.max_runtimes);
            drop(state);
            self.replenish();
            return Next::SLEEP;
        }
        match state.free(worker) {
            Some((worker, job)) => {
                state.busy.push(worker);
                Next::Run(job)
            }
            None if state.busy.is_empty() => Next::Wait(self.inner.options.idle_spin),
            None => Next::SLEEP,
        }
    }

    /// Returns what a cancelled call was granted but will not use.
    fn give_back(&self, grant: Grant) {
        match grant {
            // Only spares are granted for use, so it goes back as one.
            Grant::Use(worker, _) => {
                let mut state = self.lock();
                if let Some(spare) = state.place_spare(worker) {
                    state.spares.push(spare);
                }
            }
            Grant::Boot(_) => self.room_freed(),
        }
    }

    /// Room for one runtime was counted but will not be used.
    fn room_freed(&self) {
        let mut state = self.lock();
        state.live -= 1;
        state.grant_boot(self.inner.options.max_runtimes);
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
        let spin = self.inner.options.idle_spin;
        if !spin.is_zero() && (in_flight.alone() || !self.lock().idle.is_empty()) {
            let started = std::time::Instant::now();
            while started.elapsed() < spin && !cancel.is_cancelled() {
                match receive.try_recv() {
                    Ok(answer) => return Ok(answer),
                    Err(oneshot::error::TryRecvError::Closed) => return Err(Error::WorkerGone),
                    Err(oneshot::error::TryRecvError::Empty)
                        if self.inner.hold_thread && in_flight.alone() && started.elapsed() < MAX_HOLD =>
                    {
                        std::thread::yield_now()
                    }
                    Err(oneshot::error::TryRecvError::Empty) => tokio::task::yield_now().await,
                }
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

    /// Drops the idle runtimes bound to `app` (after the app was reloaded).
    pub fn retire(&self, app: AppKey) {
        let mut state = self.lock();
        let before = state.idle.len();
        state.idle.retain(|worker| worker.app != Some(app));
        let dropped = before - state.idle.len();
        state.live -= dropped;
        for _ in 0..dropped {
            state.grant_boot(self.inner.options.max_runtimes);
        }
        drop(state);
        if dropped > 0 {
            self.replenish();
        }
    }

    /// Boots one runtime outside the pool and returns how long that took.
    pub async fn measure_boot(&self) -> Result<Duration, Error> {
        let unmanaged: FinishHook = Arc::new(|_, _| Next::SLEEP);
        Ok(WorkerHandle::spawn(self.inner.options.sandbox.clone(), 0, unmanaged).await?.boot_time)
    }
}
