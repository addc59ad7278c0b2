//! Where skills and agents come from: `defineSkill`/`defineAgent` in an
//! app's TypeScript, `skills/<name>/SKILL.md` folders and `agents/<name>.md`
//! files in the app folder, and the ones shipped inside the binary (the
//! project's own `skills/` and `agents/`). Every problem is collected with
//! its file and line; names must be unique across all sources.

use super::{Error, Item, Kind, MAX_BODY_BYTES, MAX_COMPATIBILITY, MAX_DESCRIPTION, line_of, name_problem, parse_markdown};
use crate::catalog::LoadedApp;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/shipped_library.rs"));

/// An item with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced {
    pub item: Item,
    /// A path, or `switchboard:<path>` for shipped items.
    pub source: String,
}

/// The skills and agents built into the binary.
pub fn shipped() -> Result<Vec<Sourced>, Error> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut skill_files: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, text) in SHIPPED {
        let source = format!("switchboard:{path}");
        if let Some(rest) = path.strip_prefix("agents/") {
            if !rest.contains('/') && rest.ends_with(".md") {
                match agent_from_markdown(text, &source) {
                    Ok(item) => found.push(Sourced { item, source }),
                    Err(mut more) => problems.append(&mut more),
                }
            }
        } else if let Some(rest) = path.strip_prefix("skills/")
            && let Some((folder, file)) = rest.split_once('/')
        {
            skill_files.entry(folder.to_owned()).or_default().insert(file.to_owned(), (*text).to_owned());
        }
    }
    for (folder, files) in skill_files {
        let source = format!("switchboard:skills/{folder}/SKILL.md");
        match skill_from_files(&folder, files, &source) {
            Ok(item) => found.push(Sourced { item, source }),
            Err(mut more) => problems.append(&mut more),
        }
    }
    if problems.is_empty() { Ok(found) } else { Err(Error::Invalid(problems)) }
}

/// Every skill and agent of an app folder (TypeScript and markdown), plus
/// the shipped ones when `with_shipped`.
pub fn load(root: &Path, app: Option<&LoadedApp>, with_shipped: bool) -> Result<Vec<Sourced>, Error> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    if with_shipped {
        match shipped() {
            Ok(mut items) => found.append(&mut items),
            Err(Error::Invalid(mut more)) => problems.append(&mut more),
            Err(other) => return Err(other),
        }
    }
    if let Some(app) = app {
        for sourced in from_app(app) {
            match name_problem(&sourced.item.name) {
                Some(problem) => problems.push(format!("{}: {problem}", sourced.source)),
                None => found.push(sourced),
            }
        }
    }
    let (mut markdown, mut more) = from_folders(root);
    problems.append(&mut more);
    // The project folder itself holds the shipped items' sources: the same
    // name with the same content is the same item, kept once.
    for local in markdown.drain(..) {
        match found.iter_mut().find(|known| known.item == local.item && known.source.starts_with("switchboard:")) {
            Some(known) => *known = local,
            None => found.push(local),
        }
    }
    problems.extend(clashes(&found));
    if problems.is_empty() { Ok(found) } else { Err(Error::Invalid(problems)) }
}

/// One problem per item whose name an earlier item already uses.
pub fn clashes(items: &[Sourced]) -> Vec<String> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    items
        .iter()
        .filter_map(|sourced| {
            let first = seen.insert(&sourced.item.name, &sourced.source)?;
            Some(format!("{}: the name {:?} is already used by {first}", sourced.source, sourced.item.name))
        })
        .collect()
}

fn insert_string(fields: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(value) = value {
        fields.insert(key.to_owned(), Value::String(value.clone()));
    }
}

/// Items declared with `defineSkill` / `defineAgent`.
fn from_app(app: &LoadedApp) -> Vec<Sourced> {
    let root = app.code.root();
    let source_of =
        |id: &str| app.entity_files.get(id).map(|file| root.join(file).display().to_string()).unwrap_or_else(|| root.display().to_string());
    let mut found = Vec::new();
    for skill in &app.manifest.skills {
        let mut fields = Map::new();
        fields.insert("universalIdentifier".into(), Value::String(skill.universal_identifier.clone()));
        fields.insert("label".into(), Value::String(skill.label.clone()));
        insert_string(&mut fields, "icon", skill.icon.as_ref());
        let item = Item {
            kind: Kind::Skill,
            name: skill.name.clone(),
            description: skill.description.clone().unwrap_or_else(|| skill.label.clone()),
            fields,
            body: skill.content.clone(),
            files: BTreeMap::new(),
        };
        found.push(Sourced { item, source: source_of(&skill.universal_identifier) });
    }
    for agent in &app.manifest.agents {
        let mut fields = Map::new();
        fields.insert("universalIdentifier".into(), Value::String(agent.universal_identifier.clone()));
        fields.insert("label".into(), Value::String(agent.label.clone()));
        insert_string(&mut fields, "icon", agent.icon.as_ref());
        insert_string(&mut fields, "modelId", agent.model_id.as_ref());
        if let Some(format) = &agent.response_format {
            fields.insert("responseFormat".into(), format.clone());
        }
        insert_string(&mut fields, "role", agent.role_universal_identifier.as_ref());
        let item = Item {
            kind: Kind::Agent,
            name: agent.name.clone(),
            description: agent.description.clone().unwrap_or_else(|| agent.label.clone()),
            fields,
            body: agent.prompt.clone(),
            files: BTreeMap::new(),
        };
        found.push(Sourced { item, source: source_of(&agent.universal_identifier) });
    }
    found
}

/// `skills/<name>/` folders and `agents/*.md` files under `root`.
fn from_folders(root: &Path) -> (Vec<Sourced>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let skills = root.join("skills");
    if let Ok(entries) = std::fs::read_dir(&skills) {
        let mut folders: Vec<_> = entries.flatten().map(|entry| entry.path()).filter(|path| path.is_dir()).collect();
        folders.sort();
        for folder in folders {
            let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            let skill_md = folder.join("SKILL.md");
            let source = skill_md.display().to_string();
            if !skill_md.is_file() {
                problems.push(format!("{source}: missing (every folder under skills/ is a skill and needs a SKILL.md)"));
                continue;
            }
            let mut files = BTreeMap::new();
            for entry in walkdir::WalkDir::new(&folder).sort_by_file_name().into_iter().flatten() {
                if !entry.file_type().is_file() {
                    continue;
                }
                let relative = entry.path().strip_prefix(&folder).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                if relative.split('/').any(|part| part.starts_with('.')) {
                    continue;
                }
                let shown = entry.path().display().to_string();
                match std::fs::read(entry.path()) {
                    Ok(bytes) if bytes.len() > MAX_BODY_BYTES => {
                        problems.push(format!("{shown}: {} bytes; the most a skill file may hold is {MAX_BODY_BYTES}", bytes.len()));
                    }
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => {
                            files.insert(relative, text);
                        }
                        Err(_) => problems.push(format!("{shown}: not UTF-8 text; skill files must be text")),
                    },
                    Err(error) => problems.push(format!("{shown}: cannot read: {error}")),
                }
            }
            match skill_from_files(&name, files, &source) {
                Ok(item) => found.push(Sourced { item, source }),
                Err(mut more) => problems.append(&mut more),
            }
        }
    }
    let agents = root.join("agents");
    if let Ok(entries) = std::fs::read_dir(&agents) {
        let mut files: Vec<_> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "md"))
            .collect();
        files.sort();
        for file in files {
            let source = file.display().to_string();
            match std::fs::read_to_string(&file) {
                Ok(text) => match agent_from_markdown(&text, &source) {
                    Ok(item) => found.push(Sourced { item, source }),
                    Err(mut more) => problems.append(&mut more),
                },
                Err(error) => problems.push(format!("{source}: cannot read: {error}")),
            }
        }
    }
    (found, problems)
}

/// Name, description, the other frontmatter fields, and the body.
type Parsed = (String, String, Map<String, Value>, String);

/// Reads the shared frontmatter fields; problems are `source:line: message`.
fn common(text: &str, source: &str, kind: Kind) -> Result<Parsed, Vec<String>> {
    if text.len() > MAX_BODY_BYTES {
        return Err(vec![format!("{source}: {} bytes; the most a {kind} file may hold is {MAX_BODY_BYTES}", text.len())]);
    }
    let (mut front, body) = parse_markdown(text).map_err(|(line, message)| vec![format!("{source}:{line}: {message}")])?;
    let mut problems = Vec::new();
    let mut text_field = |key: &str, required: bool, max: usize| -> String {
        match front.remove(key) {
            Some(Value::String(value)) if value.trim().is_empty() && required => {
                problems.push(format!("{source}:{}: {key} is empty", line_of(text, key)));
                String::new()
            }
            Some(Value::String(value)) => {
                if value.chars().count() > max {
                    problems.push(format!(
                        "{source}:{}: {key} is {} characters; the most is {max}",
                        line_of(text, key),
                        value.chars().count()
                    ));
                }
                value
            }
            Some(other) => {
                problems.push(format!("{source}:{}: {key} must be text, not {other}", line_of(text, key)));
                String::new()
            }
            None if required => {
                problems.push(format!("{source}:1: the frontmatter has no {key} (it is required)"));
                String::new()
            }
            None => String::new(),
        }
    };
    let name = text_field("name", true, usize::MAX);
    let description = text_field("description", true, MAX_DESCRIPTION);
    if !name.is_empty()
        && let Some(problem) = name_problem(&name)
    {
        problems.push(format!("{source}:{}: {problem}", line_of(text, "name")));
    }
    if problems.is_empty() { Ok((name, description, front, body)) } else { Err(problems) }
}

fn skill_from_files(folder: &str, mut files: BTreeMap<String, String>, source: &str) -> Result<Item, Vec<String>> {
    let text = files.remove("SKILL.md").unwrap_or_default();
    let (name, description, fields, body) = common(&text, source, Kind::Skill)?;
    let mut problems = Vec::new();
    if name != folder {
        problems.push(format!("{source}:{}: the name {name:?} must equal its folder name {folder:?}", line_of(&text, "name")));
    }
    if let Some(value) = fields.get("compatibility") {
        match value.as_str() {
            Some(text_value) if text_value.chars().count() > MAX_COMPATIBILITY => problems.push(format!(
                "{source}:{}: compatibility is {} characters; the most is {MAX_COMPATIBILITY}",
                line_of(&text, "compatibility"),
                text_value.chars().count()
            )),
            Some(_) => {}
            None => problems.push(format!("{source}:{}: compatibility must be text", line_of(&text, "compatibility"))),
        }
    }
    if let Some(value) = fields.get("metadata")
        && !value.as_object().is_some_and(|map| map.values().all(Value::is_string))
    {
        problems.push(format!("{source}:{}: metadata must map names to text values", line_of(&text, "metadata")));
    }
    for key in ["license", "allowed-tools"] {
        if fields.get(key).is_some_and(|value| !value.is_string()) {
            problems.push(format!("{source}:{}: {key} must be text", line_of(&text, key)));
        }
    }
    if problems.is_empty() { Ok(Item { kind: Kind::Skill, name, description, fields, body, files }) } else { Err(problems) }
}

fn agent_from_markdown(text: &str, source: &str) -> Result<Item, Vec<String>> {
    let (name, description, fields, body) = common(text, source, Kind::Agent)?;
    let mut problems = Vec::new();
    for key in ["tools", "model", "label", "icon", "modelId", "role"] {
        if fields.get(key).is_some_and(|value| !value.is_string()) {
            problems.push(format!("{source}:{}: {key} must be text", line_of(text, key)));
        }
    }
    if let Some(format) = fields.get("responseFormat")
        && !matches!(format.get("type").and_then(Value::as_str), Some("text" | "json"))
    {
        problems.push(format!(
            "{source}:{}: responseFormat must be {{type: text}} or {{type: json, schema: ...}}",
            line_of(text, "responseFormat")
        ));
    }
    if body.trim().is_empty() {
        problems.push(format!("{source}: the body (the agent's system prompt) is empty"));
    }
    if problems.is_empty() {
        Ok(Item { kind: Kind::Agent, name, description, fields, body, files: BTreeMap::new() })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_items_load() {
        let items = shipped().expect("shipped skills and agents are valid");
        assert!(items.iter().any(|s| s.item.kind == Kind::Skill && s.item.name == "twenty-logic-functions"));
        assert!(items.iter().any(|s| s.item.kind == Kind::Agent && s.item.name == "app-reviewer"));
    }

    #[test]
    fn every_problem_is_reported_with_file_and_line() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |path: &str, text: &str| {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        };
        write("skills/good/SKILL.md", "---\nname: good\ndescription: fine\n---\nbody\n");
        write("skills/Bad/SKILL.md", "---\nname: Bad\ndescription: x\n---\nbody\n");
        write("skills/other/SKILL.md", "---\nname: mismatch\ndescription: x\n---\nbody\n");
        write("skills/long/SKILL.md", &format!("---\nname: long\ndescription: {}\n---\nbody\n", "d".repeat(1100)));
        write("skills/broken/SKILL.md", "---\nname: broken\ndescription: [oops\n---\n");
        write("skills/empty/notes.txt", "no SKILL.md here");
        write("agents/helper.md", "---\ndescription: no name\n---\nprompt\n");
        write("agents/twin.md", "---\nname: good\ndescription: clash\n---\nprompt\n");
        let error = load(dir.path(), None, false).expect_err("invalid").to_string();
        for expected in [
            "skills/Bad/SKILL.md:2: the name \"Bad\" may hold only",
            "skills/other/SKILL.md:2: the name \"mismatch\" must equal its folder name",
            "skills/long/SKILL.md:3: description is 1100 characters; the most is 1024",
            "skills/broken/SKILL.md:",
            "malformed YAML",
            "skills/empty/SKILL.md: missing",
            "agents/helper.md:1: the frontmatter has no name",
            "agents/twin.md: the name \"good\" is already used by",
        ] {
            assert!(error.contains(expected), "missing {expected:?} in:\n{error}");
        }
    }
}
