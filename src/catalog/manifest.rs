//! Assembles the manifest JSON from the evaluated entity configs, the way
//! `twenty dev:build` (SDK 2.43) does: handlers replaced by their paths,
//! role defaults filled in, the application completed with the default
//! role, checksums and the required server version, and every bucket sorted
//! by universalIdentifier.

use super::{EntityKind, Evaluated, infer};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Top-level keys in Twenty's order.
pub(crate) const BUCKETS: &[&str] = &[
    "objects",
    "fields",
    "indexes",
    "permissionFlags",
    "roles",
    "skills",
    "agents",
    "connectionProviders",
    "logicFunctions",
    "frontComponents",
    "publicAssets",
    "views",
    "viewFields",
    "navigationMenuItems",
    "pageLayouts",
    "pageLayoutTabs",
    "pageLayoutWidgets",
    "commandMenuItems",
    "timelineActivityTypes",
    "settingsMenuItems",
];

const ROLE_DEFAULTS: &[&str] = &[
    "objectPermissions",
    "fieldPermissions",
    "rowLevelPermissionPredicateGroups",
    "rowLevelPermissionPredicates",
    "permissionFlagUniversalIdentifiers",
];

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    let digest = md5::Md5::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `src/a/b.ts` → `src/a/b.mjs`.
pub(crate) fn built_path(relative: &str) -> String {
    match relative.rsplit_once('.') {
        Some((stem, _)) => format!("{stem}.mjs"),
        None => format!("{relative}.mjs"),
    }
}

fn is_falsy(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null) | Some(Value::Bool(false)))
        || value.and_then(Value::as_str).is_some_and(str::is_empty)
        || value.and_then(Value::as_f64).is_some_and(|n| n == 0.0)
}

fn logic_function(entity: &Evaluated, checksum: String) -> Value {
    let mut config = entity.config.clone();
    config.remove("handler");
    // Twenty infers missing tool/workflow input schemas from the source.
    let needs_tool = config.get("toolTriggerSettings").and_then(Value::as_object).is_some_and(|t| is_falsy(t.get("inputSchema")));
    let needs_workflow =
        config.get("workflowActionTriggerSettings").and_then(Value::as_object).is_some_and(|t| is_falsy(t.get("inputSchema")));
    if needs_tool || needs_workflow {
        let inferred = infer::tool_input_schema(&entity.file.path);
        if needs_tool && let Some(Value::Object(tool)) = config.get_mut("toolTriggerSettings") {
            tool.insert("inputSchema".into(), inferred.clone());
        }
        if needs_workflow && let Some(Value::Object(workflow)) = config.get_mut("workflowActionTriggerSettings") {
            workflow.insert("inputSchema".into(), json!([infer::to_workflow_property(&inferred)]));
        }
    }
    config.insert("handlerName".into(), json!("default.config.handler"));
    config.insert("sourceHandlerPath".into(), json!(entity.file.relative));
    config.insert("builtHandlerPath".into(), json!(built_path(&entity.file.relative)));
    config.insert("builtHandlerChecksum".into(), json!(checksum));
    Value::Object(config)
}

/// The namespace of select options' derived ids.
const OPTION_NAMESPACE: uuid::Uuid = uuid::uuid!("a80ff791-b940-4c47-a522-2bb478515415");

/// A SELECT or MULTI_SELECT field with an id on every option: the given one,
/// or the UUID v5 of `<label>-<field id>`, as Twenty derives it.
fn with_option_ids(mut field: Map<String, Value>) -> Map<String, Value> {
    let is_select = matches!(field.get("type").and_then(Value::as_str), Some("SELECT" | "MULTI_SELECT"));
    let field_id = field.get("universalIdentifier").map(js_text).unwrap_or_else(|| "undefined".to_owned());
    if is_select && let Some(Value::Array(options)) = field.get_mut("options") {
        for option in options.iter_mut().filter_map(Value::as_object_mut) {
            if option.get("id").is_none_or(Value::is_null) {
                let label = option.get("label").map(js_text).unwrap_or_else(|| "undefined".to_owned());
                let id = uuid::Uuid::new_v5(&OPTION_NAMESPACE, format!("{label}-{field_id}").as_bytes());
                option.insert("id".into(), json!(id.to_string()));
            }
        }
    }
    field
}

/// A value as a JavaScript template literal would print it.
fn js_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// An object as Twenty's manifest lists it: a default `name` text field
/// added when it has none and names no other label field, option ids on
/// its select fields, and its label identifier field filled in.
fn object(entity: &Evaluated, application: Option<&str>) -> Value {
    let mut config = entity.config.clone();
    let mut fields: Vec<Value> = config.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
    let label_id = config.get("labelIdentifierFieldMetadataUniversalIdentifier").filter(|value| !value.is_null()).cloned();
    let has_name = fields.iter().any(|field| field.get("name").and_then(Value::as_str) == Some("name"));
    let names_other_label = label_id.as_ref().is_some_and(|id| !fields.iter().any(|field| field.get("universalIdentifier") == Some(id)));
    if !has_name && !names_other_label {
        let object_id = config.get("universalIdentifier").map(js_text).unwrap_or_else(|| "undefined".to_owned());
        let namespace = application.and_then(|id| uuid::Uuid::parse_str(id).ok()).unwrap_or(uuid::Uuid::nil());
        let id = uuid::Uuid::new_v5(&namespace, format!("fieldMetadata:{object_id}:name").as_bytes());
        fields.push(json!({
            "name": "name", "label": "Name", "description": "Name", "icon": "IconAbc", "isNullable": true,
            "defaultValue": null, "type": "TEXT", "universalIdentifier": id.to_string(),
        }));
    }
    let label = label_id.or_else(|| {
        fields
            .iter()
            .find(|field| field.get("name").and_then(Value::as_str) == Some("name"))
            .and_then(|field| field.get("universalIdentifier"))
            .cloned()
    });
    let fields = fields.into_iter().map(|field| match field {
        Value::Object(field) => Value::Object(with_option_ids(field)),
        other => other,
    });
    config.insert("fields".into(), Value::Array(fields.collect()));
    if let Some(label) = label {
        config.insert("labelIdentifierFieldMetadataUniversalIdentifier".into(), label);
    }
    Value::Object(config)
}

/// A front component as `twenty dev:build` lists it: its config without the
/// component function, which it names, and where its source and bundle are.
/// The bundle's checksum is esbuild's and stays empty here, as in Twenty's
/// manifest before the build step fills it.
fn front_component(entity: &Evaluated, uses_client_sdk: bool) -> Value {
    let mut config = entity.config.clone();
    config.remove("component");
    config.insert("componentName".into(), entity.component_name.clone().map(Value::String).unwrap_or(Value::Null));
    config.insert("sourceComponentPath".into(), json!(entity.file.relative));
    config.insert("builtComponentPath".into(), json!(built_path(&entity.file.relative)));
    config.insert("builtComponentChecksum".into(), json!(""));
    let headless = config.get("isHeadless").cloned().filter(|value| !value.is_null()).unwrap_or(json!(false));
    config.insert("isHeadless".into(), headless);
    config.insert("usesSdkClient".into(), json!(uses_client_sdk));
    Value::Object(config)
}

/// Twenty derives missing permission ids as UUID v5 of
/// `<kind>:<role>:<target>` in the application's namespace.
fn derived_id(application: Option<&str>, name: &str) -> Value {
    let namespace = application.and_then(|id| uuid::Uuid::parse_str(id).ok()).unwrap_or(uuid::Uuid::nil());
    json!(uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string())
}

fn role(entity: &Evaluated, application: Option<&str>) -> Value {
    let mut config = entity.config.clone();
    let role_id = config.get("universalIdentifier").and_then(Value::as_str).unwrap_or_default().to_owned();
    for key in ROLE_DEFAULTS {
        config.entry(*key).or_insert_with(|| json!([]));
    }
    for (key, kind, target) in [
        ("objectPermissions", "objectPermission", "objectUniversalIdentifier"),
        ("fieldPermissions", "fieldPermission", "fieldUniversalIdentifier"),
    ] {
        if let Some(Value::Array(entries)) = config.get_mut(key) {
            for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                if entry.get("universalIdentifier").is_none_or(Value::is_null) {
                    let target = entry.get(target).and_then(Value::as_str).unwrap_or("undefined").to_owned();
                    entry.insert("universalIdentifier".into(), derived_id(application, &format!("{kind}:{role_id}:{target}")));
                }
            }
        }
    }
    Value::Object(config)
}

/// An approximation of ICU root collation (what Twenty's `localeCompare`
/// sort uses): punctuation before digits before letters, letters compared
/// case-insensitively, lowercase first on ties.
fn collation_key(text: &str) -> (Vec<(u8, char)>, Vec<bool>) {
    let primary = text
        .chars()
        .map(|c| {
            let class = if c.is_ascii_digit() {
                1
            } else if c.is_alphabetic() {
                2
            } else {
                0
            };
            (class, c.to_ascii_lowercase())
        })
        .collect();
    let tertiary = text.chars().map(|c| c.is_uppercase()).collect();
    (primary, tertiary)
}

fn sort_by_identifier(items: &mut [Value]) {
    items.sort_by_cached_key(|value| collation_key(value.get("universalIdentifier").and_then(Value::as_str).unwrap_or_default()));
}

/// Builds the manifest. `checksum` gives the built handler checksum of a
/// function file (ours: md5 of the transpiled module).
/// `uses_client_sdk` says whether a front component's bundle would import
/// `twenty-client-sdk`.
pub(crate) fn assemble(
    root: &Path,
    entities: &[Evaluated],
    checksum: impl Fn(&Path) -> String,
    uses_client_sdk: impl Fn(&Path) -> bool,
) -> Value {
    let mut buckets: Map<String, Value> = BUCKETS.iter().map(|b| ((*b).to_owned(), json!([]))).collect();
    let mut application: Option<Map<String, Value>> = None;
    let mut default_role: Option<Value> = None;
    let mut hooks: Vec<(&str, Value)> = Vec::new();
    let application_id = entities
        .iter()
        .rev()
        .find(|e| e.file.kind == EntityKind::Application)
        .and_then(|e| e.config.get("universalIdentifier"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    for entity in entities {
        let bucket = match entity.file.kind {
            EntityKind::Application if application.is_some() => {
                // Twenty keeps the last defineApplication it scans.
                application = Some(entity.config.clone());
                continue;
            }
            EntityKind::Application => {
                application = Some(entity.config.clone());
                continue;
            }
            EntityKind::Role => {
                if entity.file.callee == "defineApplicationRole" {
                    default_role = entity.config.get("universalIdentifier").cloned();
                }
                if application_id.is_some() {
                    push(&mut buckets, "roles", role(entity, application_id.as_deref()));
                }
                continue;
            }
            EntityKind::LogicFunction => {
                let id = entity.config.get("universalIdentifier").cloned().unwrap_or(Value::Null);
                match entity.file.callee.as_str() {
                    "definePreInstallLogicFunction" => hooks.push(("preInstallLogicFunction", json!({
                        "universalIdentifier": id,
                        "shouldRunOnVersionUpgrade": entity.config.get("shouldRunOnVersionUpgrade").and_then(Value::as_bool).unwrap_or(false),
                    }))),
                    "definePostInstallLogicFunction" => hooks.push(("postInstallLogicFunction", json!({
                        "universalIdentifier": id,
                        "shouldRunOnVersionUpgrade": entity.config.get("shouldRunOnVersionUpgrade").and_then(Value::as_bool).unwrap_or(false),
                        "shouldRunSynchronously": entity.config.get("shouldRunSynchronously").and_then(Value::as_bool).unwrap_or(false),
                    }))),
                    "defineUninstallLogicFunction" => hooks.push(("uninstallLogicFunction", json!({ "universalIdentifier": id }))),
                    "defineHealthCheck" => hooks.push(("healthCheckLogicFunction", json!({ "universalIdentifier": id }))),
                    _ => {}
                }
                push(&mut buckets, "logicFunctions", logic_function(entity, checksum(&entity.file.path)));
                continue;
            }
            EntityKind::Object => {
                push(&mut buckets, "objects", object(entity, application_id.as_deref()));
                continue;
            }
            EntityKind::Field => {
                push(&mut buckets, "fields", Value::Object(with_option_ids(entity.config.clone())));
                continue;
            }
            EntityKind::FrontComponent => {
                push(&mut buckets, "frontComponents", front_component(entity, uses_client_sdk(&entity.file.path)));
                continue;
            }
            kind => kind.bucket(),
        };
        push(&mut buckets, bucket, Value::Object(entity.config.clone()));
    }
    for value in buckets.values_mut() {
        if let Value::Array(items) = value {
            sort_by_identifier(items);
        }
    }
    buckets.insert("publicAssets".into(), Value::Array(public_assets(root)));
    let mut application = application.unwrap_or_default();
    if application.get("defaultRoleUniversalIdentifier").is_none_or(Value::is_null) {
        application.insert("defaultRoleUniversalIdentifier".into(), default_role.unwrap_or(Value::Null));
    }
    if let Ok(readme) = std::fs::read_to_string(root.join("README.md"))
        && !readme.trim().is_empty()
    {
        application.insert("aboutDescription".into(), json!(readme));
    }
    let checksum_of = |name: &str| std::fs::read(root.join(name)).map(|bytes| json!(md5_hex(&bytes))).unwrap_or(Value::Null);
    application.insert("yarnLockChecksum".into(), checksum_of("yarn.lock"));
    application.insert("packageJsonChecksum".into(), checksum_of("package.json"));
    let range = std::fs::read(root.join("package.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|package| package.pointer("/engines/twenty").and_then(Value::as_str).map(|r| r.trim().to_owned()))
        .filter(|range| !range.is_empty());
    application.insert("requiredServerVersionRange".into(), range.map(Value::String).unwrap_or(Value::Null));
    hooks.sort_by_key(|(key, _)| {
        ["postInstallLogicFunction", "preInstallLogicFunction", "uninstallLogicFunction", "healthCheckLogicFunction"]
            .iter()
            .position(|k| k == key)
    });
    for (key, value) in hooks {
        application.insert(key.into(), value);
    }
    let mut manifest = Map::new();
    manifest.insert("application".into(), Value::Object(application));
    for (key, value) in buckets {
        manifest.insert(key, value);
    }
    Value::Object(manifest)
}

/// The files under `public/` (hidden ones left out, as Twenty's glob does),
/// by path, each with the md5 of its bytes.
fn public_assets(root: &Path) -> Vec<Value> {
    let folder = root.join("public");
    let mut assets: Vec<(String, Value)> = walkdir::WalkDir::new(&folder)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let relative = entry.path().strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
            let name = entry.file_name().to_string_lossy().into_owned();
            let extension = entry.path().extension().map(|ext| ext.to_string_lossy().into_owned()).unwrap_or_default();
            let checksum = std::fs::read(entry.path()).ok().map(|bytes| md5_hex(&bytes));
            let asset = json!({ "filePath": relative, "fileName": name, "fileType": extension, "checksum": checksum });
            Some((relative, asset))
        })
        .collect();
    assets.sort_by_cached_key(|(path, _)| collation_key(path));
    assets.into_iter().map(|(_, asset)| asset).collect()
}

fn push(buckets: &mut Map<String, Value>, bucket: &str, value: Value) {
    if let Some(Value::Array(items)) = buckets.get_mut(bucket) {
        items.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_path_swaps_the_extension() {
        assert_eq!(built_path("src/logic-functions/greet.ts"), "src/logic-functions/greet.mjs");
        assert_eq!(built_path("src/a.b/c.tsx"), "src/a.b/c.mjs");
    }

    #[test]
    fn md5_matches_known_digest() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
