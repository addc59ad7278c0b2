//! Skills and agents: prompt content kept as markdown (Agent Skills
//! `SKILL.md` folders, Claude Code `agents/<name>.md`) or declared with
//! `defineSkill`/`defineAgent`, merged into one catalog. Each distinct
//! content gets an immutable version number in the store, and movable
//! labels (`production`, ...) point at versions. This module parses,
//! validates, renders and hashes items; `sources` finds them, `versions`
//! keeps their history, `export` writes them out in other formats.

mod export;
mod sources;
mod versions;

pub use export::{ExportFormat, export};
pub use sources::{Sourced, clashes, load, shipped};
pub use versions::{Catalog, Entry, LabelOutcome, PROTECTED_BY_DEFAULT, Resolved, VersionInfo};

/// The catalog the gateway serves right now, shared by the adapters that
/// serve it (MCP prompts and resources, the HTTP API) and replaced whole on
/// reload. Clones share it.
#[derive(Clone, Default)]
pub struct Served(std::sync::Arc<std::sync::RwLock<Option<std::sync::Arc<Catalog>>>>);

impl Served {
    /// The catalog, once one is loaded.
    pub fn get(&self) -> Option<std::sync::Arc<Catalog>> {
        self.0.read().ok().and_then(|catalog| catalog.clone())
    }

    /// Serves `catalog` from now on.
    pub fn set(&self, catalog: Catalog) {
        if let Ok(mut served) = self.0.write() {
            *served = Some(std::sync::Arc::new(catalog));
        }
    }
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served").field("loaded", &self.get().is_some()).finish()
    }
}

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Longest name (Agent Skills and Claude Code both allow 64 characters).
pub const MAX_NAME: usize = 64;
/// Longest description (Agent Skills: 1024 characters).
pub const MAX_DESCRIPTION: usize = 1024;
/// Longest `compatibility` field (Agent Skills: 500 characters).
pub const MAX_COMPATIBILITY: usize = 500;
/// Largest body or resource file kept, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Something wrong with the skills and agents, or with a request about them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{} problem(s) with skills and agents:\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
    #[error("no {kind} named {name:?}{}", if .known.is_empty() { String::new() } else { format!("; known: {}", .known) })]
    Unknown { kind: Kind, name: String, known: String },
    #[error("{kind} {name} has no version or label {reference:?} (versions 1-{latest}{})", if .labels.is_empty() { String::new() } else { format!("; labels: {}", .labels) })]
    UnknownVersion { kind: Kind, name: String, reference: String, latest: i64, labels: String },
    #[error("label {label:?} of {kind} {name} is protected: pass --force (or \"force\": true) to move it")]
    Protected { kind: Kind, name: String, label: String },
    #[error("{0}")]
    BadLabel(String),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Skill or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Skill,
    Agent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skill => "skill",
            Self::Agent => "agent",
        }
    }

    /// `skills` or `agents`.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Skill => "skills",
            Self::Agent => "agents",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One skill or agent: what a version captures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: Kind,
    pub name: String,
    pub description: String,
    /// Every other frontmatter field (skills: `license`, `compatibility`,
    /// `allowed-tools`, `metadata`; agents: `tools`, `model`, and Twenty's
    /// `label`, `icon`, `modelId`, `responseFormat`, `role`), in file order.
    pub fields: Map<String, Value>,
    /// A skill's instructions or an agent's system prompt.
    pub body: String,
    /// A skill's other files, by path relative to its folder.
    pub files: BTreeMap<String, String>,
}

impl Item {
    /// The content hash that decides whether a load is a new version.
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_string(self).unwrap_or_default();
        Sha256::digest(canonical.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The item as its markdown file: YAML frontmatter (values written as
    /// JSON, which YAML reads unchanged) and the body.
    pub fn to_markdown(&self) -> String {
        let mut text = String::from("---\n");
        let scalar = |value: &Value| serde_json::to_string(value).unwrap_or_default();
        text.push_str(&format!("name: {}\n", scalar(&Value::String(self.name.clone()))));
        text.push_str(&format!("description: {}\n", scalar(&Value::String(self.description.clone()))));
        for (key, value) in &self.fields {
            text.push_str(&format!("{key}: {}\n", scalar(value)));
        }
        text.push_str("---\n");
        text.push_str(&self.body);
        text
    }
}

/// A name as Agent Skills and Claude Code accept it: 1-64 characters of
/// lowercase letters, digits and single hyphens, not at either end.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".to_owned());
    }
    if name.chars().count() > MAX_NAME {
        return Some(format!("the name {name:?} is longer than {MAX_NAME} characters"));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Some(format!("the name {name:?} may hold only lowercase letters, digits and hyphens"));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Some(format!("the name {name:?} may not start or end with a hyphen or hold two in a row"));
    }
    None
}

/// Splits a markdown file into its frontmatter (parsed) and body. Errors
/// carry the 1-based line they are about.
pub fn parse_markdown(text: &str) -> Result<(Map<String, Value>, String), (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return Err((1, "the file must start with YAML frontmatter between two --- lines".to_owned()));
    };
    let mut offset = 0;
    let mut end = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((yaml_end, body_start)) = end else {
        return Err((1, "the frontmatter is not closed by a --- line".to_owned()));
    };
    let yaml = &rest[..yaml_end];
    let value: Value = if yaml.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_saphyr::from_str(yaml).map_err(|error| yaml_error(&error.to_string()))?
    };
    let Value::Object(map) = value else {
        return Err((2, "the frontmatter must be a mapping of fields (name: ..., description: ...)".to_owned()));
    };
    Ok((map, rest[body_start..].to_owned()))
}

/// Turns a YAML error message into (file line, message): frontmatter line
/// N is file line N + 1.
fn yaml_error(message: &str) -> (usize, String) {
    let line = message
        .split("line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse::<usize>().ok())
        .map(|line| line + 1)
        .unwrap_or(2);
    let first = message.lines().next().unwrap_or(message).trim_start_matches("error: ");
    (line, format!("malformed YAML frontmatter: {first}"))
}

/// The 1-based line of `key:` in a markdown file's frontmatter, for errors.
pub fn line_of(text: &str, key: &str) -> usize {
    text.lines().position(|line| line.starts_with(&format!("{key}:"))).map(|index| index + 1).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_agent_skills_rules() {
        assert_eq!(name_problem("pdf-tools"), None);
        assert_eq!(name_problem("v2-helper"), None);
        assert!(name_problem("PDF").is_some());
        assert!(name_problem("-x").is_some());
        assert!(name_problem("a--b").is_some());
        assert!(name_problem(&"a".repeat(65)).is_some());
        assert!(name_problem("").is_some());
    }

    #[test]
    fn markdown_round_trips() {
        let text = "---\nname: demo\ndescription: \"Does: things\"\nlicense: MIT\nmetadata:\n  owner: ops\n---\n# Demo\n\nBody.\n";
        let (front, body) = parse_markdown(text).expect("parses");
        assert_eq!(front["metadata"]["owner"], "ops");
        assert_eq!(body, "# Demo\n\nBody.\n");
        let mut fields = front.clone();
        fields.remove("name");
        fields.remove("description");
        let item =
            Item { kind: Kind::Skill, name: "demo".into(), description: "Does: things".into(), fields, body, files: BTreeMap::new() };
        let (again, body_again) = parse_markdown(&item.to_markdown()).expect("rendered parses");
        assert_eq!(again, front);
        assert_eq!(body_again, item.body);
    }

    #[test]
    fn malformed_frontmatter_names_a_line() {
        let (line, message) = parse_markdown("---\nname: x\ndescription: [unclosed\n---\nbody").expect_err("bad yaml");
        assert!(line >= 3, "{line}: {message}");
        assert!(message.contains("malformed YAML"), "{message}");
        assert_eq!(parse_markdown("no frontmatter").expect_err("none").0, 1);
        assert!(parse_markdown("---\nname: x\n").expect_err("unclosed").1.contains("not closed"));
    }
}
