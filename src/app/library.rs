//! `switchboard skills …` and `switchboard agents …`: list, show, version
//! history, diff, labels and export, over the catalog of an app folder (its
//! TypeScript and markdown items) plus the shipped ones. Every command that
//! loads the catalog records changed items as new versions.

use super::{CliError, CliResult, Settings, exit, load_app, open_store};
use crate::library::{Catalog, ExportFormat, Kind};
use std::path::{Path, PathBuf};

/// What to do with skills or agents.
#[derive(Debug, Clone)]
pub enum LibraryAction {
    List { json: bool },
    Show { reference: String, json: bool },
    Versions { name: String, json: bool },
    Diff { name: String, from: String, to: String },
    Label { name: String, version: String, label: String, force: bool, protect: bool },
    Export { dir: PathBuf, format: Option<String> },
}

/// Loads and versions the catalog of `app_dir`, or says why not (on stderr).
pub async fn load_catalog(app_dir: &Path, settings: &Settings) -> CliResult<Catalog> {
    let (entity_files, _) = crate::catalog::discover(app_dir);
    let app = if entity_files.is_empty() {
        None
    } else {
        let pool = crate::sandbox::Pool::new(super::pool_options(settings));
        match load_app(app_dir, &pool).await? {
            Ok(app) => Some(app),
            Err(error) => {
                let count = match &error {
                    crate::catalog::Error::Invalid { problems, .. } => problems.len(),
                    _ => 1,
                };
                eprintln!(
                    "warning: {} did not load as an app ({count} problem(s); `switchboard check` lists them), so only its skills/ and agents/ folders are used",
                    app_dir.display()
                );
                None
            }
        }
    };
    let sourced = match crate::library::load(app_dir, app.as_ref(), true) {
        Ok(sourced) => sourced,
        Err(error) => {
            eprintln!("error: {error}");
            return Err(CliError::Told(exit::FAILED));
        }
    };
    Ok(Catalog::sync(open_store(settings).await?, sourced).await?)
}

fn usage(error: crate::library::Error) -> CliResult {
    match error {
        crate::library::Error::Store(store) => Err(store.into()),
        crate::library::Error::Write { .. } => {
            eprintln!("error: {error}");
            Err(CliError::Told(exit::FAILED))
        }
        other => {
            eprintln!("error: {other}");
            Err(CliError::Told(exit::USAGE))
        }
    }
}

fn shorten(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= width { line.to_owned() } else { format!("{}…", line.chars().take(width - 1).collect::<String>()) }
}

/// `switchboard skills|agents ACTION`.
pub async fn library(kind: Kind, action: LibraryAction, app_dir: &Path, settings: &Settings) -> CliResult {
    let catalog = load_catalog(app_dir, settings).await?;
    match action {
        LibraryAction::List { json } => {
            let mut rows = Vec::new();
            for entry in catalog.of(kind) {
                let labels: Vec<String> = catalog
                    .labels(kind, &entry.item.name)
                    .await?
                    .into_iter()
                    .map(|label| format!("{}={}", label.label, label.version))
                    .collect();
                rows.push((entry, labels));
            }
            if json {
                let listing: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(entry, labels)| {
                        serde_json::json!({
                            "name": entry.item.name,
                            "description": entry.item.description,
                            "version": entry.version,
                            "labels": labels,
                            "source": entry.source,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&listing)?);
            } else if rows.is_empty() {
                println!("no {} in {} or shipped with switchboard", kind.plural(), app_dir.display());
            } else {
                println!("{:<28}  {:>7}  {:<24}  DESCRIPTION", "NAME", "VERSION", "LABELS");
                for (entry, labels) in rows {
                    println!(
                        "{:<28}  {:>7}  {:<24}  {}",
                        entry.item.name,
                        entry.version,
                        labels.join(" "),
                        shorten(&entry.item.description, 60)
                    );
                }
            }
            Ok(())
        }
        LibraryAction::Show { reference, json } => {
            let (name, version) = Catalog::split(&reference);
            match catalog.resolve(kind, name, version).await {
                Ok(resolved) if json => {
                    println!("{}", serde_json::to_string_pretty(&resolved)?);
                    Ok(())
                }
                Ok(resolved) => {
                    eprintln!(
                        "{kind} {name} version {} of {} ({}) from {}",
                        resolved.version,
                        resolved.latest,
                        resolved.labels.join(", "),
                        resolved.source
                    );
                    print!("{}", resolved.item.to_markdown());
                    for path in resolved.item.files.keys() {
                        eprintln!("  file: {path}");
                    }
                    Ok(())
                }
                Err(error) => usage(error),
            }
        }
        LibraryAction::Versions { name, json } => match catalog.versions(kind, &name).await {
            Ok(versions) if json => {
                println!("{}", serde_json::to_string_pretty(&versions)?);
                Ok(())
            }
            Ok(versions) => {
                println!("{:>7}  {:<24}  {:<12}  {:<20}  SOURCE", "VERSION", "CREATED (UTC)", "HASH", "LABELS");
                for version in versions {
                    let hash: String = version.hash.chars().take(12).collect();
                    println!(
                        "{:>7}  {:<24}  {hash:<12}  {:<20}  {}",
                        version.version,
                        version.created_at,
                        version.labels.join(" "),
                        version.source
                    );
                }
                Ok(())
            }
            Err(error) => usage(error),
        },
        LibraryAction::Diff { name, from, to } => match catalog.diff(kind, &name, &from, &to).await {
            Ok(diff) if diff.is_empty() => {
                println!("{kind} {name}: versions {from} and {to} have the same content");
                Ok(())
            }
            Ok(diff) => {
                print!("{diff}");
                Ok(())
            }
            Err(error) => usage(error),
        },
        LibraryAction::Label { name, version, label, force, protect } => {
            match catalog.set_label(kind, &name, &version, &label, force, protect).await {
                Ok(outcome) => {
                    let was = outcome.previous.map(|v| format!(" (was {v})")).unwrap_or_default();
                    let guard = if outcome.protected { ", protected" } else { "" };
                    println!("{kind} {name}: {} → version {}{was}{guard}", outcome.label, outcome.version);
                    Ok(())
                }
                Err(error) => usage(error),
            }
        }
        LibraryAction::Export { dir, format } => {
            let format = match (kind, format.as_deref()) {
                (Kind::Skill, None | Some("agent-skills")) => ExportFormat::AgentSkills,
                (Kind::Agent, None | Some("claude-code")) => ExportFormat::ClaudeCode,
                (Kind::Agent, Some("twenty")) => ExportFormat::Twenty,
                (_, Some(other)) => {
                    let formats = if kind == Kind::Skill { "agent-skills" } else { "claude-code or twenty" };
                    eprintln!("error: --format {other:?} is not a {kind} export format; use {formats}");
                    return Err(CliError::Told(exit::USAGE));
                }
            };
            // The app's own items; the shipped ones come with every binary.
            let items: Vec<&crate::library::Item> =
                catalog.of(kind).filter(|entry| !entry.source.starts_with("switchboard:")).map(|entry| &entry.item).collect();
            match crate::library::export(&items, format, &dir) {
                Ok(notes) => {
                    for note in notes {
                        eprintln!("{note}");
                    }
                    Ok(())
                }
                Err(error) => usage(error),
            }
        }
    }
}
