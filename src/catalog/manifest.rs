//! Assembles the manifest JSON from the evaluated entity configs, the way
//! `twenty dev:build` (SDK 2.43) does: handlers replaced by their paths,
//! role defaults filled in, the application completed with the default
//! role, checksums and the required server version, and every bucket sorted
//! by universalIdentifier.

use super::{EntityKind, Evaluated};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Top-level keys in Twenty's order.
pub(crate) const BUCKETS: &[&str] = &[
    "objects", "fields", "indexes", "permissionFlags", "roles", "skills", "agents",
    "connectionProviders", "logicFunctions", "frontComponents", "publicAssets", "views",
    "viewFields", "navigationMenuItems", "pageLayouts", "pageLayoutTabs", "pageLayoutWidgets",
    "commandMenuItems", "timelineActivityTypes", "settingsMenuItems",
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

fn logic_function(entity: &Evaluated, checksum: String) -> Value {
    let mut config = entity.config.clone();
    config.remove("handler");
    config.insert("handlerName".into(), json!("default.config.handler"));
    config.insert("sourceHandlerPath".into(), json!(entity.file.relative));
    config.insert("builtHandlerPath".into(), json!(built_path(&entity.file.relative)));
    config.insert("builtHandlerChecksum".into(), json!(checksum));
    Value::Object(config)
}

fn role(entity: &Evaluated) -> Value {
    let mut config = entity.config.clone();
    for key in ROLE_DEFAULTS {
        config.entry(*key).or_insert_with(|| json!([]));
    }
    Value::Object(config)
}

fn sort_by_identifier(items: &mut [Value]) {
    items.sort_by(|a, b| {
        let key = |value: &Value| value.get("universalIdentifier").and_then(Value::as_str).unwrap_or_default().to_owned();
        key(a).cmp(&key(b))
    });
}

/// Builds the manifest. `checksum` gives the built handler checksum of a
/// function file (ours: md5 of the transpiled module).
pub(crate) fn assemble(root: &Path, entities: &[Evaluated], checksum: impl Fn(&Path) -> String) -> Value {
    let mut buckets: Map<String, Value> = BUCKETS.iter().map(|b| ((*b).to_owned(), json!([]))).collect();
    let mut application: Option<Map<String, Value>> = None;
    let mut default_role: Option<Value> = None;
    let mut hooks: Vec<(&str, Value)> = Vec::new();
    for entity in entities {
        let bucket = match entity.file.kind {
            EntityKind::Application => {
                application = Some(entity.config.clone());
                continue;
            }
            EntityKind::Role => {
                if entity.file.callee == "defineApplicationRole" {
                    default_role = entity.config.get("universalIdentifier").cloned();
                }
                push(&mut buckets, "roles", role(entity));
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
                        "shouldRunSynchronously": entity.config.get("shouldRunSynchronously").and_then(Value::as_bool).unwrap_or(false),
                    }))),
                    "defineUninstallLogicFunction" => hooks.push(("uninstallLogicFunction", json!({ "universalIdentifier": id }))),
                    "defineHealthCheck" => hooks.push(("healthCheckLogicFunction", json!({ "universalIdentifier": id }))),
                    _ => {}
                }
                push(&mut buckets, "logicFunctions", logic_function(entity, checksum(&entity.file.path)));
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
    let mut application = application.unwrap_or_default();
    if let Some(role) = default_role {
        application.insert("defaultRoleUniversalIdentifier".into(), role);
    }
    for (key, value) in hooks {
        application.insert(key.into(), value);
    }
    if let Ok(readme) = std::fs::read_to_string(root.join("README.md")) {
        application.entry("aboutDescription").or_insert(json!(readme));
    }
    if let Ok(bytes) = std::fs::read(root.join("yarn.lock")) {
        application.insert("yarnLockChecksum".into(), json!(md5_hex(&bytes)));
    }
    if let Ok(bytes) = std::fs::read(root.join("package.json")) {
        application.insert("packageJsonChecksum".into(), json!(md5_hex(&bytes)));
        let range = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|package| package.pointer("/engines/twenty").cloned());
        if let Some(range) = range {
            application.insert("requiredServerVersionRange".into(), range);
        }
    }
    let mut manifest = Map::new();
    manifest.insert("application".into(), Value::Object(application));
    for (key, value) in buckets {
        manifest.insert(key, value);
    }
    Value::Object(manifest)
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
