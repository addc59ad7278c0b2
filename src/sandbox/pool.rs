//! The pool of runtimes: boots spares in the background so a call never
//! waits for a runtime to be created when a spare exists, keeps warm
//! runtimes per app (never shared between apps), bounds concurrency, and
//! queues a bounded number of waiting calls before answering "busy".

use super::loader::{AppCode, AppKey};
use super::runtime::SandboxOptions;
use super::worker::{Job, WorkerHandle};
use super::{EntityReport, Error, RunRequest};
use crate::domain::ExecutionResult;
use std::sync::{Arc, Mutex, MutexGuard};
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
}

impl Default for PoolOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self { sandbox: SandboxOptions::default(), max_runtimes: 2 * cores, spares: 1, max_waiting: 64 }
    }
}

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
    /// Every runtime that exists or is booting.
    live: usize,
    booting: usize,
    waiting: usize,
}

struct Inner {
    options: PoolOptions,
    state: Mutex<State>,
    released: Notify,
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
    Use(WorkerHandle),
    Boot,
    Wait,
}

impl Pool {
    /// Creates the pool and starts booting spares (needs a tokio runtime).
    pub fn new(mut options: PoolOptions) -> Self {
        options.max_runtimes = options.max_runtimes.max(1);
        options.spares = options.spares.min(options.max_runtimes);
        let pool = Self {
            inner: Arc::new(Inner { options, state: Mutex::new(State::default()), released: Notify::new() }),
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
        PoolStats {
            live: state.live,
            idle: state.idle.len(),
            spares: state.spares.len(),
            booting: state.booting,
            waiting: state.waiting,
        }
    }

    /// Boots spares in the background up to the configured number.
    fn replenish(&self) {
        let mut to_boot = 0;
        {
            let mut state = self.lock();
            while state.spares.len() + state.booting < self.inner.options.spares
                && state.live < self.inner.options.max_runtimes
            {
                state.live += 1;
                state.booting += 1;
                to_boot += 1;
            }
        }
        for _ in 0..to_boot {
            let pool = self.clone();
            tokio::spawn(async move {
                let booted = WorkerHandle::spawn(pool.inner.options.sandbox.clone()).await;
                let mut state = pool.lock();
                state.booting -= 1;
                match booted {
                    Ok(worker) => state.spares.push(worker),
                    Err(error) => {
                        state.live -= 1;
                        tracing::error!(%error, "cannot boot a spare runtime");
                    }
                }
                drop(state);
                pool.inner.released.notify_one();
            });
        }
    }

    /// Waits until the configured spares have booted (used by benchmarks and tests).
    pub async fn wait_for_spares(&self) {
        loop {
            let notified = self.inner.released.notified();
            {
                let state = self.lock();
                if state.spares.len() >= self.inner.options.spares || state.booting == 0 && state.live >= self.inner.options.max_runtimes {
                    return;
                }
            }
            notified.await;
        }
    }

    async fn acquire(&self, app: AppKey, fresh: bool) -> Result<WorkerHandle, Error> {
        let mut counted_waiting = false;
        loop {
            let notified = self.inner.released.notified();
            let step = {
                let mut state = self.lock();
                if counted_waiting {
                    state.waiting -= 1;
                    counted_waiting = false;
                }
                let own = if fresh { None } else { state.idle.iter().rposition(|w| w.app == Some(app)) };
                if let Some(index) = own {
                    Step::Use(state.idle.remove(index))
                } else if let Some(spare) = state.spares.pop() {
                    Step::Use(spare)
                } else if state.live < self.inner.options.max_runtimes {
                    state.live += 1;
                    Step::Boot
                } else if !state.idle.is_empty() {
                    // Make room: drop the least recently used runtime of another app.
                    drop(state.idle.remove(0));
                    Step::Boot
                } else if state.waiting < self.inner.options.max_waiting {
                    state.waiting += 1;
                    counted_waiting = true;
                    Step::Wait
                } else {
                    return Err(Error::Busy { runtimes: state.live, waiting: state.waiting });
                }
            };
            match step {
                Step::Use(mut worker) => {
                    worker.app = Some(app);
                    self.replenish();
                    return Ok(worker);
                }
                Step::Boot => {
                    return match WorkerHandle::spawn(self.inner.options.sandbox.clone()).await {
                        Ok(mut worker) => {
                            worker.app = Some(app);
                            Ok(worker)
                        }
                        Err(error) => {
                            self.lock().live -= 1;
                            self.inner.released.notify_one();
                            Err(error)
                        }
                    };
                }
                Step::Wait => notified.await,
            }
        }
    }

    fn release(&self, worker: WorkerHandle, alive: bool) {
        {
            let mut state = self.lock();
            if alive {
                state.idle.push(worker);
            } else {
                state.live -= 1;
            }
        }
        if !alive {
            self.replenish();
        }
        self.inner.released.notify_one();
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
        let worker = self.acquire(app.key(), fresh).await?;
        let interrupt = worker.interrupt();
        let cancel = request.cancel.clone().unwrap_or_default();
        let (reply, mut receive) = oneshot::channel();
        let mut guard = Lease { pool: self, worker: Some(worker), alive: true };
        if let Err(error) = guard.worker()?.send(Job::Run { app: app.clone(), request, reply }) {
            guard.alive = false;
            return Err(error);
        }
        let reply = tokio::select! {
            reply = &mut receive => reply,
            () = cancel.cancelled() => {
                // Stops JavaScript that is busy; the worker notices idle runs itself.
                interrupt.cancel();
                receive.await
            }
        };
        match reply {
            Ok(reply) => {
                guard.alive = reply.worker_alive;
                Ok(reply.result)
            }
            Err(_) => {
                guard.alive = false;
                Err(Error::WorkerGone)
            }
        }
    }

    /// Evaluates entity files of `app` and reports each default export.
    pub async fn describe(&self, app: &Arc<AppCode>, files: Vec<std::path::PathBuf>, timeout: Duration) -> Result<Vec<EntityReport>, Error> {
        let worker = self.acquire(app.key(), false).await?;
        let (reply, receive) = oneshot::channel();
        let mut guard = Lease { pool: self, worker: Some(worker), alive: true };
        if let Err(error) = guard.worker()?.send(Job::Describe { app: app.clone(), files, timeout, reply }) {
            guard.alive = false;
            return Err(error);
        }
        match receive.await {
            Ok(reports) => Ok(reports),
            Err(_) => {
                guard.alive = false;
                Err(Error::WorkerGone)
            }
        }
    }

    /// Drops the idle runtimes bound to `app` (after the app was reloaded).
    pub fn retire(&self, app: AppKey) {
        let mut state = self.lock();
        let before = state.idle.len();
        state.idle.retain(|worker| worker.app != Some(app));
        let dropped = before - state.idle.len();
        state.live -= dropped;
        drop(state);
        if dropped > 0 {
            self.replenish();
            self.inner.released.notify_one();
        }
    }

    /// Boots one runtime outside the pool and returns how long that took.
    pub async fn measure_boot(&self) -> Result<Duration, Error> {
        Ok(WorkerHandle::spawn(self.inner.options.sandbox.clone()).await?.boot_time)
    }
}

/// Returns the worker to the pool however the call ends (including a
/// cancelled future), marking it dead when the run killed it.
struct Lease<'a> {
    pool: &'a Pool,
    worker: Option<WorkerHandle>,
    alive: bool,
}

impl Lease<'_> {
    fn worker(&self) -> Result<&WorkerHandle, Error> {
        self.worker.as_ref().ok_or(Error::WorkerGone)
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.pool.release(worker, self.alive);
        }
    }
}
