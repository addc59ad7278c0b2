//! `switchboard bench-records`: records created and read per second by a
//! function through `CoreApiClient` (GraphQL over the in-process workspace
//! API), beside the same operations made from Rust in the same process:
//! directly on the store (the floor for this design) and through the
//! workspace service (the checks and events, without GraphQL or the
//! sandbox), and as GraphQL requests to the in-process API (everything
//! but the sandbox). Runs on a fresh store in a temporary directory and prints one
//! JSON object with the rates and their ratios.

use crate::app::{CliResult, pool_options};
use crate::config::Settings;
use crate::domain::{ExecutionStatus, FunctionRef, Invocation, TriggerKind};
use crate::engine::Engine;
use crate::sandbox::Pool;
use crate::store::{Deleted, RecordQuery, SqlValue};
use crate::workspace::access::Principal;
use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// A fresh directory for the bench's store, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rate(count: usize, seconds: f64) -> f64 {
    (count as f64 / seconds.max(1e-9)).round()
}

fn company(tag: &str, index: usize) -> Value {
    json!({ "name": format!("{tag}-{index}"), "address": { "addressCity": "Paris" } })
}

/// Runs the benchmark with `count` records per phase and prints its report.
pub async fn run(root: &Path, count: usize, settings: &Settings) -> CliResult {
    let scratch = Scratch(std::env::temp_dir().join(format!("switchboard-bench-records-{}", uuid::Uuid::new_v4())));
    let mut settings = settings.clone();
    settings.data_dir = scratch.0.clone();
    settings.twenty_url = None;
    settings.twenty_api_key = None;
    let pool = Pool::new(pool_options(&settings));
    let snapshot = crate::app::snapshot(root, &settings, &[], &pool).await?;
    if snapshot.find("create-and-read").is_none() {
        return Err(anyhow!("{} has no function create-and-read; run this on benches/records", root.display()).into());
    }
    let store = crate::app::open_store(&settings).await?;
    let apps = [Arc::new(snapshot.clone())];
    let (access, workspace) = crate::app::workspace_access(&settings, store.clone(), &apps)?;
    let workspace = workspace.context("the embedded workspace is off")?.workspace;
    let engine = Engine::new(pool, settings.workspace_id.clone())
        .with_store(store.clone(), 4096)
        .recording(crate::engine::Recording::Off)
        .with_workspace(access);
    let invoke = |count: usize, tag: &str| Invocation {
        function: FunctionRef("create-and-read".to_owned()),
        trigger: TriggerKind::Manual,
        payload: json!({ "count": count, "tag": tag }).to_string(),
        context: engine.context(),
        detail: Value::Null,
        cascade: Default::default(),
    };

    eprintln!("warming up...");
    let warm = engine.invoke(&snapshot, invoke(20, "warm")).await?;
    if warm.status != ExecutionStatus::Success {
        return Err(anyhow!("the bench function failed: {:?}", warm.error).into());
    }

    eprintln!("through CoreApiClient: {count} creates, {count} reads...");
    let started = Instant::now();
    let result = engine.invoke(&snapshot, invoke(count, "js")).await?;
    let wall = started.elapsed().as_secs_f64();
    if result.status != ExecutionStatus::Success || result.data["found"] != json!(count) {
        return Err(anyhow!("the bench run failed: {:?} {}", result.error, result.data).into());
    }
    let seconds = |field: &str| result.data[field].as_f64().unwrap_or(f64::NAN) / 1000.0;
    let (js_create, js_read) = (seconds("createMs"), seconds("readMs"));

    eprintln!("directly on the store: {count} creates, {count} reads...");
    let mut ids = Vec::with_capacity(count);
    let started = Instant::now();
    for index in 0..count {
        let id = uuid::Uuid::new_v4().to_string();
        let mut record = company("store", index);
        record["id"] = Value::String(id.clone());
        let mut tx = store.records_begin().await?;
        tx.put("company", &id, &record.to_string(), None, true).await?;
        tx.commit().await?;
        ids.push(id);
    }
    let store_create = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for id in &ids {
        let query = RecordQuery {
            object: "company".to_owned(),
            condition: "id = ?".to_owned(),
            binds: vec![SqlValue::Text(id.clone())],
            order: String::new(),
            limit: Some(1),
            offset: 0,
            deleted: Deleted::Without,
        };
        let rows = store.records_find(&query).await?;
        let record: Value = serde_json::from_str(rows.first().context("a stored record was not found")?)?;
        if record["id"] != json!(id) {
            return Err(anyhow!("the store returned the wrong record").into());
        }
    }
    let store_read = started.elapsed().as_secs_f64();

    eprintln!("through the workspace service: {count} creates, {count} reads...");
    let object = workspace.object("company")?;
    let mut ids = Vec::with_capacity(count);
    let started = Instant::now();
    for index in 0..count {
        let created = workspace.create(&Principal::Admin, &object, &[company("service", index)], "data", false).await?;
        ids.push(created.first().and_then(|record| record["id"].as_str()).unwrap_or_default().to_owned());
    }
    let service_create = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for id in &ids {
        workspace.find_one(&Principal::Admin, &object, &json!({ "id": { "eq": id } })).await?.context("a created record was not found")?;
    }
    let service_read = started.elapsed().as_secs_f64();

    eprintln!("GraphQL through the in-process API from Rust: {count} creates, {count} reads...");
    let crate::engine::WorkspaceAccess::Embedded { api, .. } = engine.workspace().context("no workspace access")?.clone() else {
        return Err(anyhow!("the embedded workspace is off").into());
    };
    let token = workspace.mint(
        &snapshot.app.manifest.application.universal_identifier,
        false,
        None,
        crate::workspace::Cascade::default(),
        std::time::Duration::from_secs(600),
    );
    let graphql = |query: String, variables: Value| crate::engine::LocalRequest {
        method: "POST".to_owned(),
        path: "/graphql".to_owned(),
        headers: vec![("authorization".to_owned(), format!("Bearer {token}")), ("content-type".to_owned(), "application/json".to_owned())],
        body: json!({ "query": query, "variables": variables }).to_string().into_bytes(),
    };
    let mut ids = Vec::with_capacity(count);
    let started = Instant::now();
    for index in 0..count {
        let reply = api
            .call(graphql(
                "mutation($v1: CompanyCreateInput!) { createCompany(data: $v1) { id } }".to_owned(),
                json!({ "v1": company("graphql", index) }),
            ))
            .await;
        let body: Value = serde_json::from_slice(&reply.body)?;
        ids.push(body["data"]["createCompany"]["id"].as_str().context("GraphQL create failed")?.to_owned());
    }
    let graphql_create = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for id in &ids {
        let reply = api
            .call(graphql(
                "query($v1: CompanyFilterInput!) { company(filter: $v1) { id name address { addressCity } } }".to_owned(),
                json!({ "v1": { "id": { "eq": id } } }),
            ))
            .await;
        let body: Value = serde_json::from_slice(&reply.body)?;
        if body["data"]["company"]["id"] != json!(id) {
            return Err(anyhow!("GraphQL read failed: {body}").into());
        }
    }
    let graphql_read = started.elapsed().as_secs_f64();

    let ratio = |a: f64, b: f64| (a / b * 1000.0).round() / 1000.0;
    let report = json!({
        "records": count,
        "core_api_client": {
            "creates_per_s": rate(count, js_create),
            "reads_per_s": rate(count, js_read),
            "run_wall_s": (wall * 1000.0).round() / 1000.0,
        },
        "store_direct": { "creates_per_s": rate(count, store_create), "reads_per_s": rate(count, store_read) },
        "workspace_service": { "creates_per_s": rate(count, service_create), "reads_per_s": rate(count, service_read) },
        "graphql_from_rust": { "creates_per_s": rate(count, graphql_create), "reads_per_s": rate(count, graphql_read) },
        "ratio_vs_store": {
            "creates": ratio(store_create, js_create),
            "reads": ratio(store_read, js_read),
        },
        "ratio_vs_service": {
            "creates": ratio(service_create, js_create),
            "reads": ratio(service_read, js_read),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
