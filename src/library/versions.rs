//! Version history of skills and agents. Loading the catalog with a store
//! records each changed item as its next immutable version; `latest` names
//! the newest, labels name others. References are `NAME`, `NAME@3`,
//! `NAME@latest` or `NAME@production`. History outlives the files.

use super::sources::Sourced;
use super::{Error, Item, Kind};
use crate::store::{LibraryLabel, SqliteStore, Store, now_ms};
use serde::Serialize;
use std::sync::Arc;

/// Labels that are protected from the moment they are first set.
pub const PROTECTED_BY_DEFAULT: &[&str] = &["production"];

/// A current item with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub item: Item,
    pub source: String,
    /// The version holding the item as loaded.
    pub version: i64,
}

/// The loaded skills and agents, with the store that versions them.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub entries: Vec<Entry>,
    store: Arc<SqliteStore>,
}

/// A version looked up by reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    pub item: Item,
    pub version: i64,
    pub latest: i64,
    pub source: String,
    pub labels: Vec<String>,
}

/// One row of `versions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub version: i64,
    pub hash: String,
    pub created_at: String,
    pub source: String,
    pub labels: Vec<String>,
}

/// What `label` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelOutcome {
    pub label: String,
    pub version: i64,
    pub previous: Option<i64>,
    pub protected: bool,
}

/// The names on `version`: `latest` first when it is the newest, then its labels.
fn labels_on(labels: &[LibraryLabel], version: i64, latest: i64) -> Vec<String> {
    let latest_name = (version == latest).then(|| "latest".to_owned());
    latest_name.into_iter().chain(labels.iter().filter(|l| l.version == version).map(|l| l.label.clone())).collect()
}

impl Catalog {
    /// Records every item's content as a version (a new one only when it changed).
    pub async fn sync(store: Arc<SqliteStore>, sourced: Vec<Sourced>) -> Result<Self, Error> {
        let now = now_ms();
        let mut entries = Vec::with_capacity(sourced.len());
        for Sourced { item, source } in sourced {
            let content = serde_json::to_string(&item).unwrap_or_default();
            let version = store.library_sync(item.kind.as_str(), &item.name, &item.hash(), &content, &source, now).await?;
            entries.push(Entry { item, source, version });
        }
        Ok(Self { entries, store })
    }

    /// The current items of one kind.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |entry| entry.item.kind == kind)
    }

    /// The store behind the catalog.
    pub fn store(&self) -> &Arc<SqliteStore> {
        &self.store
    }

    /// Names with history (current or deleted), sorted.
    pub async fn names(&self, kind: Kind) -> Result<Vec<String>, Error> {
        Ok(self.store.library_names(kind.as_str()).await?)
    }

    async fn unknown(&self, kind: Kind, name: &str) -> Error {
        let known = self.names(kind).await.unwrap_or_default().join(", ");
        Error::Unknown { kind, name: name.to_owned(), known }
    }

    /// Splits `NAME@REF` into its parts.
    pub fn split(reference: &str) -> (&str, Option<&str>) {
        match reference.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (reference, None),
        }
    }

    /// Looks up `name` at `reference` (a number, `latest` or a label; none = latest).
    pub async fn resolve(&self, kind: Kind, name: &str, reference: Option<&str>) -> Result<Resolved, Error> {
        let versions = self.store.library_versions(kind.as_str(), name).await?;
        let Some(latest) = versions.last().map(|v| v.version) else {
            return Err(self.unknown(kind, name).await);
        };
        let labels = self.store.library_labels(kind.as_str(), name).await?;
        let wanted = match reference.map(str::trim) {
            None | Some("" | "latest") => Some(latest),
            Some(text) => match text.parse::<i64>() {
                Ok(number) => versions.iter().any(|v| v.version == number).then_some(number),
                Err(_) => labels.iter().find(|label| label.label == text).map(|label| label.version),
            },
        };
        let Some(version) = wanted else {
            return Err(Error::UnknownVersion {
                kind,
                name: name.to_owned(),
                reference: reference.unwrap_or_default().to_owned(),
                latest,
                labels: labels.iter().map(|label| label.label.clone()).collect::<Vec<_>>().join(", "),
            });
        };
        let stored =
            versions.iter().find(|v| v.version == version).ok_or_else(|| Error::BadLabel(format!("version {version} vanished")))?;
        let item: Item = serde_json::from_str(&stored.content)
            .map_err(|error| Error::BadLabel(format!("stored version {version} of {kind} {name} is unreadable: {error}")))?;
        Ok(Resolved { item, version, latest, source: stored.source.clone(), labels: labels_on(&labels, version, latest) })
    }

    /// Every version of `name`, oldest first, with the labels on each.
    pub async fn versions(&self, kind: Kind, name: &str) -> Result<Vec<VersionInfo>, Error> {
        let versions = self.store.library_versions(kind.as_str(), name).await?;
        if versions.is_empty() {
            return Err(self.unknown(kind, name).await);
        }
        let labels = self.store.library_labels(kind.as_str(), name).await?;
        let latest = versions.last().map(|v| v.version).unwrap_or_default();
        Ok(versions
            .into_iter()
            .map(|v| VersionInfo {
                labels: labels_on(&labels, v.version, latest),
                version: v.version,
                hash: v.hash,
                created_at: crate::store::rfc3339(v.created_at),
                source: v.source,
            })
            .collect())
    }

    /// Labels of `name` as (label, version, protected).
    pub async fn labels(&self, kind: Kind, name: &str) -> Result<Vec<LibraryLabel>, Error> {
        Ok(self.store.library_labels(kind.as_str(), name).await?)
    }

    /// Points `label` at `version` of `name`. A protected label moves only
    /// with `force`; `protect` marks the label protected from now on.
    pub async fn set_label(
        &self,
        kind: Kind,
        name: &str,
        version: &str,
        label: &str,
        force: bool,
        protect: bool,
    ) -> Result<LabelOutcome, Error> {
        if label == "latest" || label.parse::<i64>().is_ok() || super::name_problem(label).is_some() {
            return Err(Error::BadLabel(format!(
                "{label:?} cannot be a label: use lowercase letters, digits and hyphens, not a number and not \"latest\""
            )));
        }
        let target = self.resolve(kind, name, Some(version)).await?.version;
        let existing = self.store.library_labels(kind.as_str(), name).await?.into_iter().find(|l| l.label == label);
        if let Some(existing) = &existing
            && existing.protected
            && existing.version != target
            && !force
        {
            return Err(Error::Protected { kind, name: name.to_owned(), label: label.to_owned() });
        }
        let protected = protect || existing.as_ref().map(|l| l.protected).unwrap_or_else(|| PROTECTED_BY_DEFAULT.contains(&label));
        let record = LibraryLabel { label: label.to_owned(), version: target, protected };
        self.store.library_set_label(kind.as_str(), name, &record, now_ms()).await?;
        Ok(LabelOutcome { label: label.to_owned(), version: target, previous: existing.map(|l| l.version), protected })
    }

    /// A unified diff between two versions of `name`, file by file.
    pub async fn diff(&self, kind: Kind, name: &str, from: &str, to: &str) -> Result<String, Error> {
        let old = self.resolve(kind, name, Some(from)).await?;
        let new = self.resolve(kind, name, Some(to)).await?;
        let main_file = if kind == Kind::Skill { "SKILL.md".to_owned() } else { format!("{name}.md") };
        let mut old_files = old.item.files.clone();
        old_files.insert(main_file.clone(), old.item.to_markdown());
        let mut new_files = new.item.files.clone();
        new_files.insert(main_file, new.item.to_markdown());
        let mut paths: Vec<&String> = old_files.keys().chain(new_files.keys()).collect();
        paths.sort();
        paths.dedup();
        let mut out = String::new();
        for path in paths {
            let before = old_files.get(path).map(String::as_str).unwrap_or("");
            let after = new_files.get(path).map(String::as_str).unwrap_or("");
            if before == after {
                continue;
            }
            let diff = similar::TextDiff::from_lines(before, after);
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("{name}@{}/{path}", old.version), &format!("{name}@{}/{path}", new.version))
                    .to_string(),
            );
        }
        Ok(out)
    }
}
