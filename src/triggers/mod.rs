//! Event sources that are not adapters of their own: schedules (cron) now,
//! workflow and queued triggers later. Each turns what happened into an
//! `Invocation` for the engine; none imports the HTTP or MCP adapters.

pub mod cron;
