//! Skills and agents over MCP. Each is a prompt (`prompts/get` returns the
//! skill's instructions or the agent's system prompt; the optional `version`
//! argument takes a number, `latest` or a label) and a resource:
//! `skill://NAME/SKILL.md`, `skill://NAME/<file>` and `agent://NAME`, with
//! `skill://NAME@REF/...` and `agent://NAME@REF` for a pinned version.

use crate::library::{Catalog, Item, Kind, Resolved};
use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Resource, ResourceContents, ResourceTemplate, Role};
use serde_json::{Map, Value};

fn markdown(text: String, uri: String) -> ResourceContents {
    ResourceContents::text(text, uri).with_mime_type("text/markdown")
}

/// Every current skill and agent as a prompt.
pub(super) fn prompts(catalog: &Catalog) -> Vec<Prompt> {
    catalog
        .entries
        .iter()
        .map(|entry| {
            let argument = PromptArgument::new("version")
                .with_description(format!(
                    "A version number, \"latest\" (default, now {}) or a label such as \"production\"",
                    entry.version
                ))
                .with_required(false);
            let title = match entry.item.kind {
                Kind::Skill => format!("Skill: {}", entry.item.name),
                Kind::Agent => format!("Agent: {}", entry.item.name),
            };
            Prompt::new(entry.item.name.clone(), Some(entry.item.description.clone()), Some(vec![argument])).with_title(title)
        })
        .collect()
}

fn not_found(message: String) -> McpError {
    McpError::invalid_params(message, None)
}

async fn resolve(catalog: &Catalog, kind: Option<Kind>, name: &str, reference: Option<&str>) -> Result<Resolved, McpError> {
    let kinds = match kind {
        Some(kind) => vec![kind],
        None => match catalog.entries.iter().find(|entry| entry.item.name == name) {
            Some(entry) => vec![entry.item.kind],
            None => vec![Kind::Skill, Kind::Agent],
        },
    };
    let mut last = None;
    for kind in kinds {
        match catalog.resolve(kind, name, reference).await {
            Ok(resolved) => return Ok(resolved),
            Err(error) => last = Some(error),
        }
    }
    Err(not_found(last.map(|error| error.to_string()).unwrap_or_else(|| format!("no skill or agent named {name:?}"))))
}

/// `prompts/get`.
pub(super) async fn get_prompt(catalog: &Catalog, name: &str, arguments: Option<&Map<String, Value>>) -> Result<GetPromptResult, McpError> {
    let reference = match arguments.and_then(|args| args.get("version")) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(_) => return Err(McpError::invalid_params("the version argument must be a number or a label", None)),
    };
    let resolved = resolve(catalog, None, name, reference.as_deref()).await?;
    let Resolved { item, version, .. } = resolved;
    let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, item.body.clone())]);
    result.description = Some(format!("{} (version {version})", item.description));
    Ok(result)
}

fn item_uris(item: &Item) -> Vec<(String, String)> {
    match item.kind {
        Kind::Agent => vec![(format!("agent://{}", item.name), format!("{}.md", item.name))],
        Kind::Skill => {
            let mut uris = vec![(format!("skill://{}/SKILL.md", item.name), "SKILL.md".to_owned())];
            uris.extend(item.files.keys().map(|path| (format!("skill://{}/{path}", item.name), path.clone())));
            uris
        }
    }
}

/// `resources/list`: every current skill file and agent.
pub(super) fn resources(catalog: &Catalog) -> Vec<Resource> {
    let mut list = Vec::new();
    for entry in &catalog.entries {
        for (uri, file) in item_uris(&entry.item) {
            let mime = if file.ends_with(".md") { "text/markdown" } else { "text/plain" };
            list.push(
                Resource::new(uri, format!("{} {} {file}", entry.item.kind, entry.item.name))
                    .with_description(entry.item.description.clone())
                    .with_mime_type(mime),
            );
        }
    }
    list
}

/// `resources/templates/list`.
pub(super) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("skill://{name}@{version}/{+path}", "skill file at a version")
            .with_description("A file of a skill (SKILL.md or another) at a version number, \"latest\" or a label")
            .with_mime_type("text/markdown"),
        ResourceTemplate::new("agent://{name}@{version}", "agent at a version")
            .with_description("An agent's markdown (frontmatter and system prompt) at a version number, \"latest\" or a label")
            .with_mime_type("text/markdown"),
    ]
}

/// `resources/read`.
pub(super) async fn read(catalog: &Catalog, uri: &str) -> Result<ResourceContents, McpError> {
    let unknown = || {
        McpError::resource_not_found(
            format!("no resource {uri:?}; use skill://NAME/SKILL.md, skill://NAME/FILE or agent://NAME (NAME@VERSION pins one)"),
            None,
        )
    };
    if let Some(rest) = uri.strip_prefix("agent://") {
        let (name, reference) = Catalog::split(rest.trim_end_matches('/'));
        let resolved = resolve(catalog, Some(Kind::Agent), name, reference).await?;
        return Ok(markdown(resolved.item.to_markdown(), uri.to_owned()));
    }
    let rest = uri.strip_prefix("skill://").ok_or_else(unknown)?;
    let (head, path) = rest.split_once('/').unwrap_or((rest, "SKILL.md"));
    let (name, reference) = Catalog::split(head);
    let resolved = resolve(catalog, Some(Kind::Skill), name, reference).await?;
    if path == "SKILL.md" || path.is_empty() {
        return Ok(markdown(resolved.item.to_markdown(), uri.to_owned()));
    }
    match resolved.item.files.get(path) {
        Some(text) if path.ends_with(".md") => Ok(markdown(text.clone(), uri.to_owned())),
        Some(text) => Ok(ResourceContents::text(text.clone(), uri.to_owned())),
        None => Err(unknown()),
    }
}
