//! Cron triggers: Twenty's 5-field patterns evaluated in UTC, or in the IANA
//! time zone named by `cronTriggerSettings.timezone` (a switchboard
//! extension), and a scheduler that fires due functions through the engine
//! with an empty payload. A fire never overlaps a still-running fire of the
//! same function: it is skipped and reported. The clock is injectable so
//! schedules can be tested across days and DST changes without waiting.

use crate::catalog::cron_to_crate;
use crate::domain::{ExecutionResult, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::registry::{AppSnapshot, Registry};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A cron setting that cannot be scheduled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{function}: cronTriggerSettings.pattern \"{pattern}\" is not a valid cron pattern: {message}")]
    Pattern { function: String, pattern: String, message: String },
    #[error("{function}: cronTriggerSettings.timezone \"{timezone}\" is not an IANA time zone name")]
    TimeZone { function: String, timezone: String },
}

/// One scheduled function.
#[derive(Clone)]
pub struct CronEntry {
    pub app: Arc<AppSnapshot>,
    pub name: String,
    /// The function's universalIdentifier.
    pub function: String,
    pub pattern: String,
    pub timezone: Option<String>,
    schedule: cron::Schedule,
    zone: chrono_tz::Tz,
}

impl std::fmt::Debug for CronEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronEntry").field("name", &self.name).field("pattern", &self.pattern).field("timezone", &self.timezone).finish()
    }
}

impl CronEntry {
    /// The first fire strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&after.with_timezone(&self.zone)).next().map(|at| at.with_timezone(&Utc))
    }

    /// The next `count` fires after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        self.schedule.after(&after.with_timezone(&self.zone)).take(count).map(|at| at.with_timezone(&Utc)).collect()
    }
}

/// Parses a time zone name for `cronTriggerSettings.timezone`.
pub fn time_zone(name: &str) -> Option<chrono_tz::Tz> {
    chrono_tz::Tz::from_str(name).ok()
}

/// The cron functions of `apps`.
pub fn entries(apps: &[Arc<AppSnapshot>]) -> Result<Vec<CronEntry>, Vec<Error>> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for app in apps {
        for function in &app.functions {
            let Some(settings) = &function.manifest.cron_trigger_settings else { continue };
            let schedule =
                match cron_to_crate(&settings.pattern).and_then(|pattern| cron::Schedule::from_str(&pattern).map_err(|e| e.to_string())) {
                    Ok(schedule) => schedule,
                    Err(message) => {
                        problems.push(Error::Pattern { function: function.name.clone(), pattern: settings.pattern.clone(), message });
                        continue;
                    }
                };
            let zone = match &settings.timezone {
                None => chrono_tz::UTC,
                Some(name) => match time_zone(name) {
                    Some(zone) => zone,
                    None => {
                        problems.push(Error::TimeZone { function: function.name.clone(), timezone: name.clone() });
                        continue;
                    }
                },
            };
            entries.push(CronEntry {
                app: app.clone(),
                name: function.name.clone(),
                function: function.manifest.universal_identifier.clone(),
                pattern: settings.pattern.clone(),
                timezone: settings.timezone.clone(),
                schedule,
                zone,
            });
        }
    }
    if problems.is_empty() { Ok(entries) } else { Err(problems) }
}

/// Where the scheduler gets the time and how it waits.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that only moves when told to (for tests).
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<tokio::sync::watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { now: Arc::new(tokio::sync::watch::channel(start).0) }
    }

    /// Moves the time forward to `to`, waking sleepers whose time came.
    pub fn set(&self, to: DateTime<Utc>) {
        self.now.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let mut changes = self.now.subscribe();
        Box::pin(async move {
            let _ = changes.wait_for(|now| *now >= at).await;
        })
    }
}

/// What happened at one scheduled time.
#[derive(Debug, Clone)]
pub enum CronOutcome {
    Ran(ExecutionResult),
    /// The previous fire of the same function was still running.
    Skipped,
    Failed(String),
}

/// One fire, reported to whoever listens (tests; run history later).
#[derive(Debug, Clone)]
pub struct CronFire {
    pub name: String,
    pub scheduled: DateTime<Utc>,
    pub outcome: CronOutcome,
}

/// Fires cron functions until `shutdown`. Schedules are re-read from the
/// registry at every step, so reloaded apps take effect. With a store
/// attached to the engine, each fire is remembered; on start, a function
/// whose fires were missed while the gateway was down gets at most one
/// catch-up fire (the latest missed time) when `catch_up` is set, never a burst.
/// On shutdown it returns once the fires under way have ended.
pub async fn run(
    engine: Engine,
    registry: Registry,
    clock: Arc<dyn Clock>,
    reports: Option<mpsc::UnboundedSender<CronFire>>,
    shutdown: CancellationToken,
    catch_up: bool,
) {
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    let fires = TaskTracker::new();
    let mut checked = clock.now();
    if catch_up {
        for job in current_jobs(&registry) {
            if let Some(at) = missed_fire(&engine, &job, checked).await {
                tracing::info!(function = %job.name, scheduled = %at, "catching up one missed cron fire");
                fire(&engine, &job, at, true, &running, &reports, &fires).await;
            }
        }
    }
    loop {
        let jobs = current_jobs(&registry);
        let next = jobs.iter().filter_map(|job| job.next_after(checked).map(|at| (at, job))).min_by_key(|(at, _)| *at);
        let wake = next.map(|(at, _)| at).unwrap_or_else(|| checked + chrono::Duration::minutes(1));
        tokio::select! {
            () = shutdown.cancelled() => {
                fires.close();
                fires.wait().await;
                return;
            }
            () = clock.sleep_until(wake) => {}
        }
        for job in &jobs {
            let Some(at) = job.next_after(checked) else { continue };
            if at <= wake {
                fire(&engine, job, at, false, &running, &reports, &fires).await;
            }
        }
        checked = wake;
    }
}

fn current_jobs(registry: &Registry) -> Vec<CronEntry> {
    match entries(&registry.apps()) {
        Ok(jobs) => jobs,
        Err(problems) => {
            for problem in &problems {
                tracing::error!(%problem, "cron entry skipped");
            }
            Vec::new()
        }
    }
}

/// The latest scheduled time after the function's last recorded fire and
/// no later than `now`, if any.
async fn missed_fire(engine: &Engine, job: &CronEntry, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use crate::store::Store;
    let last = engine.store()?.last_cron_fire(&job.function).await.ok()??;
    let mut cursor = DateTime::<Utc>::from_timestamp_millis(last)?;
    let mut missed = None;
    // Bounded walk: a minute pattern down for a year is about 526,000 steps.
    for _ in 0..1_000_000 {
        match job.next_after(cursor) {
            Some(at) if at <= now => {
                missed = Some(at);
                cursor = at;
            }
            _ => break,
        }
    }
    missed
}

/// Starts one fire of `job` for time `at`, or records it as skipped when
/// the previous fire of the same function still runs.
async fn fire(
    engine: &Engine,
    job: &CronEntry,
    at: DateTime<Utc>,
    catch_up: bool,
    running: &Arc<Mutex<HashSet<String>>>,
    reports: &Option<mpsc::UnboundedSender<CronFire>>,
    fires: &TaskTracker,
) {
    use crate::store::Store;
    let key = format!("{}:{}", job.app.app.code.root().display(), job.function);
    let detail = serde_json::json!({
        "pattern": job.pattern,
        "timezone": job.timezone,
        "scheduled": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "catchUp": catch_up,
    });
    let fresh = running.lock().map(|mut set| set.insert(key.clone())).unwrap_or(false);
    if !fresh {
        tracing::warn!(function = %job.name, scheduled = %at, "cron fire skipped: the previous one is still running");
        let (engine, job, reports) = (engine.clone(), job.clone(), reports.clone());
        fires.spawn(async move {
            let reason = "the previous fire of this function was still running";
            engine.record_skipped(&job.app, &FunctionRef(job.function.clone()), TriggerKind::Cron, detail, reason).await;
            if let Some(reports) = &reports {
                let _ = reports.send(CronFire { name: job.name.clone(), scheduled: at, outcome: CronOutcome::Skipped });
            }
        });
        return;
    }
    if let Some(store) = engine.store()
        && let Err(error) = store.set_cron_fire(&job.function, at.timestamp_millis()).await
    {
        tracing::error!(%error, function = %job.name, "cannot record a cron fire");
    }
    let (engine, job, running, reports) = (engine.clone(), job.clone(), running.clone(), reports.clone());
    fires.spawn(async move {
        let invocation = Invocation {
            function: FunctionRef(job.function.clone()),
            trigger: TriggerKind::Cron,
            payload: "{}".to_owned(),
            context: engine.context(),
            detail,
            cascade: Default::default(),
        };
        let outcome = match engine.invoke(&job.app, invocation).await {
            Ok(result) => CronOutcome::Ran(result),
            Err(problem) => CronOutcome::Failed(problem.to_string()),
        };
        if let Ok(mut set) = running.lock() {
            set.remove(&key);
        }
        tracing::info!(function = %job.name, scheduled = %at, "cron fire finished");
        if let Some(reports) = reports {
            let _ = reports.send(CronFire { name: job.name.clone(), scheduled: at, outcome });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn schedule(pattern: &str, zone: &str) -> CronEntry {
        let translated = cron_to_crate(pattern).expect("valid pattern");
        CronEntry {
            app: Arc::new(crate::registry::AppSnapshot::for_tests()),
            name: "t".into(),
            function: "t".into(),
            pattern: pattern.into(),
            timezone: Some(zone.into()),
            schedule: cron::Schedule::from_str(&translated).expect("schedule"),
            zone: time_zone(zone).expect("zone"),
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid time")
    }

    #[test]
    fn local_times_follow_daylight_saving_changes() {
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer;
        // the clocks go forward on 2026-03-29 and back on 2026-10-25.
        let entry = schedule("0 9 * * *", "Europe/Berlin");
        assert_eq!(
            entry.upcoming(utc(2026, 3, 27, 12, 0), 3),
            vec![utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)]
        );
        assert_eq!(entry.upcoming(utc(2026, 10, 24, 12, 0), 2), vec![utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)]);
    }

    #[test]
    fn a_local_time_skipped_by_the_spring_change_does_not_fire_that_day() {
        let entry = schedule("30 2 * * *", "Europe/Berlin");
        let fires = entry.upcoming(utc(2026, 3, 27, 12, 0), 3);
        assert_eq!(fires[0], utc(2026, 3, 28, 1, 30));
        assert!(fires.iter().all(|at| at.date_naive() != chrono::NaiveDate::from_ymd_opt(2026, 3, 29).expect("date")));
    }

    #[test]
    fn utc_is_the_default_and_weekdays_are_unix_numbered() {
        let entry = schedule("0 8 * * 1-5", "UTC");
        // 2026-11-26 is a Thursday.
        assert_eq!(
            entry.upcoming(utc(2026, 11, 26, 12, 0), 3),
            vec![utc(2026, 11, 27, 8, 0), utc(2026, 11, 30, 8, 0), utc(2026, 12, 1, 8, 0)]
        );
    }
}
