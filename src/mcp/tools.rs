//! Turns the served apps' tool-trigger functions into MCP tools: names
//! checked against MCP's rules and for collisions, Twenty's tool input
//! schema made plain JSON Schema (as Twenty's `buildToolInputJsonSchema`
//! does), a compiled validator per tool, and optional MCP extras read from
//! `toolTriggerSettings.mcp` (`title`, `outputSchema`, `annotations`), a key
//! Twenty ignores.

use crate::registry::{AppSnapshot, FunctionEntry};
use rmcp::model::Tool;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One tool and what runs it.
pub(crate) struct ToolEntry {
    pub(crate) tool: Tool,
    pub(crate) app: Arc<AppSnapshot>,
    /// The function's universalIdentifier.
    pub(crate) function: String,
    pub(crate) validator: Arc<jsonschema::Validator>,
}

/// All tools, sorted by name.
#[derive(Default)]
pub(crate) struct ToolSet {
    pub(crate) tools: BTreeMap<String, Arc<ToolEntry>>,
}

impl ToolSet {
    pub(crate) fn list(&self) -> Vec<Tool> {
        self.tools.values().map(|entry| entry.tool.clone()).collect()
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<ToolEntry>> {
        self.tools.get(name).cloned()
    }
}

/// `^[A-Za-z0-9_.-]{1,128}$`, MCP's tool name rule.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A prefix made from the app's package name (or display name) for
/// `--tool-prefix`: lower-case, non-alphanumerics as `_`.
pub(crate) fn app_prefix(app: &AppSnapshot) -> String {
    let package = std::fs::read_to_string(app.app.code.root().join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|package| package.get("name").and_then(Value::as_str).map(str::to_owned));
    let raw = package.unwrap_or_else(|| app.app.manifest.application.display_name.clone());
    let mut prefix = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            prefix.push(c.to_ascii_lowercase());
        } else if !prefix.ends_with('_') {
            prefix.push('_');
        }
    }
    prefix.trim_matches('_').to_owned()
}

/// Twenty's `buildToolInputJsonSchema` for one node: `record` becomes a
/// string id, `records` an array of ids, Twenty-only keys are dropped.
pub(crate) fn plain_schema(node: &Value) -> Value {
    let Value::Object(map) = node else { return node.clone() };
    let has_object_id = map.get("objectUniversalIdentifier").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    let kind = map.get("type").and_then(Value::as_str);
    if kind == Some("record") || (kind == Some("object") && has_object_id) {
        return json!({ "type": "string", "description": "Id of the linked record" });
    }
    if kind == Some("records") {
        return json!({ "type": "array", "items": { "type": "string", "description": "Id of the linked record" } });
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "objectUniversalIdentifier" | "multiline" | "label" => {}
            "items" => {
                out.insert(key.clone(), plain_schema(value));
            }
            "properties" => {
                let properties = value
                    .as_object()
                    .map(|props| props.iter().map(|(k, v)| (k.clone(), plain_schema(v))).collect::<Map<_, _>>())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(properties));
            }
            "additionalProperties" if value.is_object() => {
                out.insert(key.clone(), plain_schema(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// The input schema MCP clients see, or why the tool cannot be offered.
fn input_schema(function: &FunctionEntry) -> Result<Value, String> {
    let declared = function.manifest.tool_trigger_settings.as_ref().and_then(|t| t.input_schema.clone());
    let mut schema = match declared {
        None | Some(Value::Null) => json!({ "type": "object", "properties": {} }),
        Some(schema) => plain_schema(&schema),
    };
    let Value::Object(root) = &mut schema else {
        return Err("toolTriggerSettings.inputSchema must be a JSON Schema object".to_owned());
    };
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if root.contains_key(combinator) {
            return Err(format!(
                "toolTriggerSettings.inputSchema has `{combinator}` at its root, which Claude and other MCP clients reject; describe the arguments as one object"
            ));
        }
    }
    match root.get("type") {
        None => {
            root.insert("type".into(), json!("object"));
        }
        Some(Value::String(kind)) if kind == "object" => {}
        Some(other) => return Err(format!("toolTriggerSettings.inputSchema must have type \"object\" at its root (found {other})")),
    }
    Ok(schema)
}

fn tool_for(name: &str, function: &FunctionEntry) -> Result<(Tool, jsonschema::Validator), String> {
    let schema = input_schema(function)?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|error| format!("toolTriggerSettings.inputSchema is not a valid JSON Schema: {error}"))?;
    let description = function
        .manifest
        .description
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("Execute the {} logic function", function.name));
    let mut tool = json!({ "name": name, "description": description, "inputSchema": schema });
    let extras = function.manifest.tool_trigger_settings.as_ref().and_then(|t| t.extra.get("mcp")).cloned();
    if let Some(Value::Object(extras)) = extras {
        if let Some(title) = extras.get("title") {
            tool["title"] = title.clone();
        }
        if let Some(output) = extras.get("outputSchema") {
            if output.get("type").and_then(Value::as_str) != Some("object") {
                return Err("toolTriggerSettings.mcp.outputSchema must have type \"object\" at its root".to_owned());
            }
            tool["outputSchema"] = output.clone();
        }
        if let Some(annotations) = extras.get("annotations") {
            tool["annotations"] = annotations.clone();
        }
    }
    let tool = serde_json::from_value::<Tool>(tool).map_err(|error| format!("toolTriggerSettings.mcp: {error}"))?;
    Ok((tool, validator))
}

/// Builds the tool set of `apps`. Problems name the app folder, the file
/// and what is wrong; with problems the set is not usable.
pub(crate) fn build(apps: &[Arc<AppSnapshot>], prefix_with_app: bool) -> Result<ToolSet, Vec<String>> {
    let mut set = ToolSet::default();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for app in apps {
        let prefix = if prefix_with_app { Some(app_prefix(app)) } else { None };
        for function in app.functions.iter().filter(|f| f.manifest.tool_trigger_settings.is_some()) {
            let place = format!("{}: {}", app.app.code.root().display(), function.manifest.source_handler_path);
            let name = match &prefix {
                Some(prefix) => format!("{prefix}_{}", function.name),
                None => function.name.clone(),
            };
            if !valid_tool_name(&name) {
                problems
                    .push(format!("{place}: \"{name}\" is not a valid MCP tool name (1 to 128 of A-Z a-z 0-9 _ - .); rename the function"));
                continue;
            }
            if let Some(other) = owners.get(&name) {
                problems.push(format!("{place}: tool \"{name}\" is also defined by {other}; rename one or serve with --tool-prefix"));
                continue;
            }
            match tool_for(&name, function) {
                Ok((tool, validator)) => {
                    owners.insert(name.clone(), place);
                    set.tools.insert(
                        name,
                        Arc::new(ToolEntry {
                            tool,
                            app: app.clone(),
                            function: function.manifest.universal_identifier.clone(),
                            validator: Arc::new(validator),
                        }),
                    );
                }
                Err(message) => problems.push(format!("{place}: {message}")),
            }
        }
    }
    if problems.is_empty() { Ok(set) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_follow_mcp_rules() {
        assert!(valid_tool_name("greet"));
        assert!(valid_tool_name("a.b-c_D9"));
        assert!(!valid_tool_name("has space"));
        assert!(!valid_tool_name(""));
        assert!(!valid_tool_name(&"x".repeat(129)));
    }

    #[test]
    fn twenty_only_types_become_plain_json_schema() {
        let converted = plain_schema(&json!({
            "type": "object",
            "properties": {
                "company": { "type": "record", "objectUniversalIdentifier": "x", "label": "Company" },
                "people": { "type": "records" },
                "note": { "type": "string", "multiline": true, "label": "Note" },
                "nested": { "type": "array", "items": { "type": "object", "objectUniversalIdentifier": "y" } }
            },
            "required": ["company"]
        }));
        assert_eq!(
            converted,
            json!({
                "type": "object",
                "properties": {
                    "company": { "type": "string", "description": "Id of the linked record" },
                    "people": { "type": "array", "items": { "type": "string", "description": "Id of the linked record" } },
                    "note": { "type": "string" },
                    "nested": { "type": "array", "items": { "type": "string", "description": "Id of the linked record" } }
                },
                "required": ["company"]
            })
        );
    }
}
