//! Writing skills and agents out: Agent Skills folders (`<name>/SKILL.md`
//! plus resource files), Claude Code subagents (`.claude/agents/<name>.md`)
//! and Twenty `defineAgent` files. Each format loads back to the same content
//! it can hold; fields a format cannot hold are named in the returned notes.

use super::{Error, Item, Kind};
use std::path::Path;

/// Where agents are exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Agent Skills folders (skills only).
    AgentSkills,
    /// `.claude/agents/<name>.md` (agents only).
    ClaudeCode,
    /// `src/agents/<name>.ts` with `defineAgent` (agents only).
    Twenty,
}

/// Agent fields that `defineAgent` holds.
const TWENTY_AGENT_FIELDS: &[&str] = &["universalIdentifier", "label", "icon", "modelId", "responseFormat", "role"];

fn write(path: &Path, text: &str) -> Result<(), Error> {
    let failed = |error: std::io::Error| Error::Write { path: path.display().to_string(), message: error.to_string() };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

/// A stable universalIdentifier for an item that has none.
fn identifier(item: &Item) -> String {
    item.fields.get("universalIdentifier").and_then(|v| v.as_str()).map(str::to_owned).unwrap_or_else(|| {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("switchboard:{}:{}", item.kind, item.name).as_bytes()).to_string()
    })
}

fn twenty_agent(item: &Item) -> String {
    let js = |value: &serde_json::Value| serde_json::to_string(value).unwrap_or_default();
    let text = |value: &str| js(&serde_json::Value::String(value.to_owned()));
    let mut lines = vec![
        "import { defineAgent } from 'twenty-sdk/define';".to_owned(),
        String::new(),
        "export default defineAgent({".to_owned(),
        format!("  universalIdentifier: {},", text(&identifier(item))),
        format!("  name: {},", text(&item.name)),
        format!("  label: {},", text(item.fields.get("label").and_then(|v| v.as_str()).unwrap_or(&item.name))),
    ];
    if let Some(icon) = item.fields.get("icon") {
        lines.push(format!("  icon: {},", js(icon)));
    }
    lines.push(format!("  description: {},", text(&item.description)));
    lines.push(format!("  prompt: {},", text(&item.body)));
    if let Some(model) = item.fields.get("modelId") {
        lines.push(format!("  modelId: {},", js(model)));
    }
    if let Some(format) = item.fields.get("responseFormat") {
        lines.push(format!("  responseFormat: {},", js(format)));
    }
    if let Some(role) = item.fields.get("role") {
        lines.push(format!("  roleUniversalIdentifier: {},", js(role)));
    }
    lines.push("});".to_owned());
    lines.push(String::new());
    lines.join("\n")
}

/// A relative path that stays inside the folder it is joined to.
fn contained(relative: &str) -> bool {
    let path = Path::new(relative);
    !relative.is_empty() && path.components().all(|part| matches!(part, std::path::Component::Normal(_)))
}

/// Writes `items` of the format's kind under `dir`; returns one note per
/// file written and per field that could not be carried. Names and resource
/// paths that would leave `dir` are refused.
pub fn export(items: &[&Item], format: ExportFormat, dir: &Path) -> Result<Vec<String>, Error> {
    let mut notes = Vec::new();
    for item in items {
        let unsafe_path = std::iter::once(item.name.as_str()).chain(item.files.keys().map(String::as_str)).find(|path| !contained(path));
        if let Some(path) = unsafe_path {
            return Err(Error::Write {
                path: path.to_owned(),
                message: format!("{} {}: the path would leave {}", item.kind, item.name, dir.display()),
            });
        }
        match (format, item.kind) {
            (ExportFormat::AgentSkills, Kind::Skill) => {
                let folder = dir.join(&item.name);
                write(&folder.join("SKILL.md"), &item.to_markdown())?;
                for (relative, text) in &item.files {
                    write(&folder.join(relative), text)?;
                }
                notes.push(format!("wrote {}", folder.join("SKILL.md").display()));
            }
            (ExportFormat::ClaudeCode, Kind::Agent) => {
                let path = dir.join(".claude").join("agents").join(format!("{}.md", item.name));
                write(&path, &item.to_markdown())?;
                notes.push(format!("wrote {}", path.display()));
            }
            (ExportFormat::Twenty, Kind::Agent) => {
                let path = dir.join("src").join("agents").join(format!("{}.ts", item.name));
                write(&path, &twenty_agent(item))?;
                notes.push(format!("wrote {}", path.display()));
                for key in item.fields.keys().filter(|key| !TWENTY_AGENT_FIELDS.contains(&key.as_str())) {
                    notes.push(format!("note: {}: defineAgent has no field for {key:?}; it was left out", item.name));
                }
            }
            _ => {}
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let mut item = Item {
            kind: Kind::Agent,
            name: "../escape".into(),
            description: "d".into(),
            fields: Default::default(),
            body: "b".into(),
            files: Default::default(),
        };
        assert!(export(&[&item], ExportFormat::ClaudeCode, dir.path()).is_err());
        item.name = "/etc".into();
        assert!(export(&[&item], ExportFormat::Twenty, dir.path()).is_err());
        item.kind = Kind::Skill;
        item.name = "fine".into();
        item.files.insert("../../x.txt".into(), "x".into());
        assert!(export(&[&item], ExportFormat::AgentSkills, dir.path()).is_err());
        assert!(!dir.path().join("fine").exists(), "nothing is written for a refused item");
    }
}
