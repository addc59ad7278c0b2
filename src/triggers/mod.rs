//! Event sources that are not adapters of their own: schedules (cron) and
//! the database-event bus with its durable queue. Each turns what happened
//! into an `Invocation` for the engine; none imports the HTTP or MCP adapters.

pub mod cron;
pub mod events;
