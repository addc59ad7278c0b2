//! Schedules: the cron scheduler turns each fire of a function's
//! `cronTriggerSettings` into an `Invocation` for the engine. Record events
//! and jobs have their own module (`events`), which the HTTP adapter and
//! the workspace publish to; this adapter imports neither HTTP nor MCP.

pub mod cron;
