//! The integration test binary: drives the real `switchboard` binary and the
//! library's public API against fixture apps under `tests/fixtures/` and the
//! example app.

mod catalog;
mod cli;
mod connections;
mod cron;
mod defaults;
mod events;
mod harness;
mod imports;
mod install;
mod isolation;
mod jobs;
mod kv;
mod layering;
mod library;
mod limits;
mod logging;
mod many_apps;
mod mcp;
mod node_diff;
mod packages;
mod parity;
mod pool;
mod records;
mod routes;
mod schemas;
mod sdk_surface;
mod security;
