//! switchboard runs the logic layer of Twenty CRM apps: it loads an app
//! folder written for Twenty, builds the same manifest as Twenty's CLI, and
//! runs the app's logic functions in deno_core sandboxes.
//!
//! Architecture (see docs/architecture.md): `main → app → engine → {sandbox, registry} → domain`;
//! `catalog → {sandbox, domain}`. Every trigger becomes an `Invocation` that
//! goes through `Engine::invoke`.

pub mod app;
pub mod catalog;
pub mod config;
pub mod domain;
pub mod engine;
pub mod events;
pub mod http;
pub mod library;
pub mod mcp;
pub mod registry;
pub mod sandbox;
pub mod store;
pub mod triggers;
pub mod vault;
pub mod workspace;
