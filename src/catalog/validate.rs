//! Checks on the evaluated entities and the assembled manifest. Messages
//! follow Twenty's CLI where it has one (duplicate and invalid universal
//! identifiers, single-instance entities, default role); switchboard adds
//! checks Twenty leaves to run time (timeout range, cron syntax, route
//! method, duplicate function names, connection provider endpoints and
//! credential variables), each naming the file and field.

use super::{EntityKind, Evaluated, Problem};
use crate::domain::{LogicFunctionManifest, Manifest};
use serde_json::Value;
use std::collections::HashMap;

/// Keys whose subtrees hold references, not declarations (Twenty skips them too).
const REFERENCE_KEYS: &[&str] = &[
    "postInstallLogicFunction",
    "preInstallLogicFunction",
    "uninstallLogicFunction",
    "healthCheckLogicFunction",
    "onConnectLogicFunction",
    "onDisconnectLogicFunction",
    "settingsFrontComponent",
];

/// Why a universal identifier is not accepted, in Twenty's words.
pub(crate) fn uuid_problem(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        });
    let lower = value.to_ascii_lowercase();
    let special = lower == "00000000-0000-0000-0000-000000000000" || lower == "ffffffff-ffff-ffff-ffff-ffffffffffff";
    let version = bytes.get(14).map(|b| (*b as char).to_digit(16).unwrap_or(0)).unwrap_or(0);
    let variant_ok = matches!(bytes.get(19).map(u8::to_ascii_lowercase), Some(b'8' | b'9' | b'a' | b'b'));
    if !shape_ok || !(special || ((1..=8).contains(&version) && variant_ok)) {
        return Some(format!("Universal identifier \"{value}\" is not a valid UUID."));
    }
    let version = if lower.starts_with("ffffffff") && special { 15 } else { version };
    if version < 4 {
        return Some(format!("Universal identifier \"{value}\" is UUID version {version}. Only UUID version 4 or higher is allowed."));
    }
    None
}

fn collect_identifiers<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if REFERENCE_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if key == "universalIdentifier" {
                    if let Some(id) = child.as_str() {
                        out.push((child_path, id));
                    }
                } else {
                    collect_identifiers(child, child_path, out);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_identifiers(child, format!("{path}[{index}]"), out);
            }
        }
        _ => {}
    }
}

/// Translates Twenty's 5-field cron pattern (minute hour day-of-month month
/// day-of-week, Sunday = 0 or 7) into the `cron` crate's 6-field form
/// (seconds first, Sunday = 1).
pub fn cron_to_crate(pattern: &str) -> Result<String, String> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected 5 fields (minute hour day-of-month month day-of-week), found {}", fields.len()));
    }
    let shift = |value: &str| -> Result<String, String> {
        match value.parse::<u32>() {
            Ok(day @ 0..=7) => Ok(((day % 7) + 1).to_string()),
            Ok(day) => Err(format!("day of week {day} is out of range 0-7")),
            Err(_) => Ok(value.to_owned()),
        }
    };
    let day_of_week = fields[4]
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (part, None),
            };
            let range = match range.split_once('-') {
                Some((from, to)) => format!("{}-{}", shift(from)?, shift(to)?),
                None if range == "*" => "*".to_owned(),
                None => shift(range)?,
            };
            Ok(match step {
                Some(step) => format!("{range}/{step}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, String>>()?
        .join(",");
    let translated = format!("0 {} {} {} {} {}", fields[0], fields[1], fields[2], fields[3], day_of_week);
    translated.parse::<cron::Schedule>().map_err(|error| error.to_string()).map(|_| translated)
}

/// Rules that need more than one entity, or that Twenty only checks at run time.
/// The names Twenty's executor injects into every run's environment, which
/// Twenty refuses as application or server variable names at install.
const RESERVED_VARIABLES: &[&str] = &[
    "TWENTY_API_URL",
    "TWENTY_APP_ACCESS_TOKEN",
    "TWENTY_APP_APPLICATION_ACCESS_TOKEN",
    "TWENTY_API_KEY",
    "TWENTY_FUNCTIONS_URL",
    "APPLICATION_ID",
];

pub(crate) fn entities(entities: &[Evaluated]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let applications: Vec<_> = entities.iter().filter(|e| e.file.kind == EntityKind::Application).collect();
    if applications.is_empty() {
        problems.push(Problem::app("Cannot build application, please export default defineApplication() to define an application"));
    }
    let count = |callee: &str| entities.iter().filter(|e| e.file.callee == callee).collect::<Vec<_>>();
    for (callee, message) in [
        ("definePostInstallLogicFunction", "Only one post install logic function is allowed per application"),
        ("definePreInstallLogicFunction", "Only one pre install logic function is allowed per application"),
        ("defineUninstallLogicFunction", "Only one uninstall logic function is allowed per application"),
        ("defineHealthCheck", "Only one health check is allowed per application"),
        ("defineSettingsFrontComponent", "Only one settings front component is allowed per application"),
        ("defineApplicationRole", "Only one defineApplicationRole is allowed per application"),
    ] {
        let found = count(callee);
        if found.len() > 1 {
            let files: Vec<_> = found.iter().map(|e| e.file.relative.as_str()).collect();
            problems.push(Problem::app(format!("{message} (found in {})", files.join(", "))));
        }
    }
    if let Some(application) = applications.last() {
        let declared = application.config.get("defaultRoleUniversalIdentifier").is_some();
        if !declared && count("defineApplicationRole").len() != 1 {
            problems.push(Problem::app(
                "Application must declare a default role: either pass `defaultRoleUniversalIdentifier` to defineApplication() or mark a role file with defineApplicationRole()",
            ));
        }
    }
    let mut seen: HashMap<String, String> = HashMap::new();
    for entity in entities {
        let config = Value::Object(entity.config.clone());
        let mut identifiers = Vec::new();
        collect_identifiers(&config, String::new(), &mut identifiers);
        if entity.config.get("universalIdentifier").is_none() {
            continue;
        }
        for (field, id) in identifiers {
            if let Some(problem) = uuid_problem(id) {
                problems.push(Problem::file(&entity.file.relative, Some(&field), problem));
            }
            let place = entity.file.relative.clone();
            if let Some(first) = seen.get(id) {
                problems.push(Problem::file(
                    &place,
                    Some(&field),
                    format!("Duplicate universal identifier \"{id}\" (already used in {first})"),
                ));
            } else {
                seen.insert(id.to_owned(), format!("{place} ({field})"));
            }
        }
    }
    let server_variables = applications
        .last()
        .and_then(|application| application.config.get("serverVariables"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for application in &applications {
        for kind in ["applicationVariables", "serverVariables"] {
            let Some(Value::Object(variables)) = application.config.get(kind) else { continue };
            for name in variables.keys().filter(|name| RESERVED_VARIABLES.contains(&name.as_str())) {
                problems.push(Problem::file(
                    &application.file.relative,
                    Some(&format!("{kind}.{name}")),
                    format!(
                        "{name} is set by the runtime for every run, so it cannot be a variable of the app (reserved: {}); give the variable another name",
                        RESERVED_VARIABLES.join(", ")
                    ),
                ));
            }
        }
    }
    for entity in entities.iter().filter(|e| e.file.kind == EntityKind::ConnectionProvider) {
        for (field, message) in crate::domain::connection_provider_problems(entity.config.get("oauth"), &server_variables) {
            problems.push(Problem::file(&entity.file.relative, Some(&field), message));
        }
    }
    let mut names: HashMap<String, &str> = HashMap::new();
    for entity in entities.iter().filter(|e| e.file.kind == EntityKind::LogicFunction) {
        problems.extend(function_rules(entity));
        if let Some(name) = entity.config.get("name").and_then(Value::as_str) {
            if let Some(first) = names.get(name) {
                problems.push(Problem::file(
                    &entity.file.relative,
                    Some("name"),
                    format!("two logic functions are named \"{name}\" (the other is in {first})"),
                ));
            } else {
                names.insert(name.to_owned(), &entity.file.relative);
            }
        }
    }
    problems
}

fn function_rules(entity: &Evaluated) -> Vec<Problem> {
    let mut problems = Vec::new();
    let file = entity.file.relative.as_str();
    let config = &entity.config;
    if let Some(timeout) = config.get("timeoutSeconds") {
        match timeout.as_f64() {
            Some(seconds) if (1.0..=900.0).contains(&seconds) => {}
            _ => problems.push(Problem::file(file, Some("timeoutSeconds"), format!("must be a number from 1 to 900 (found {timeout})"))),
        }
    }
    if let Some(pattern) = config.get("cronTriggerSettings").and_then(|c| c.get("pattern")).and_then(Value::as_str)
        && !pattern.is_empty()
        && let Err(error) = cron_to_crate(pattern)
    {
        problems.push(Problem::file(
            file,
            Some("cronTriggerSettings.pattern"),
            format!("\"{pattern}\" is not a valid cron pattern: {error}"),
        ));
    }
    if let Some(zone) = config.get("cronTriggerSettings").and_then(|c| c.get("timezone"))
        && zone.as_str().is_none_or(|name| name.parse::<chrono_tz::Tz>().is_err())
    {
        problems.push(Problem::file(
            file,
            Some("cronTriggerSettings.timezone"),
            format!("{zone} is not an IANA time zone name (e.g. \"Europe/Paris\")"),
        ));
    }
    if let Some(route) = config.get("httpRouteTriggerSettings") {
        if let Some(path) = route.get("path").and_then(Value::as_str)
            && !path.is_empty()
            && !path.starts_with('/')
        {
            problems.push(Problem::file(file, Some("httpRouteTriggerSettings.path"), format!("\"{path}\" must start with /")));
        }
        if let Some(method) = route.get("httpMethod").and_then(Value::as_str)
            && !method.is_empty()
            && !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method)
        {
            problems.push(Problem::file(
                file,
                Some("httpRouteTriggerSettings.httpMethod"),
                format!("\"{method}\" is not one of GET, POST, PUT, PATCH, DELETE"),
            ));
        }
    }
    let events = match config.get("databaseEventTriggerSettings") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item) => vec![item],
        None => vec![],
    };
    for (index, event) in events.iter().enumerate() {
        let field = if config.get("databaseEventTriggerSettings").is_some_and(Value::is_array) {
            format!("databaseEventTriggerSettings[{index}].eventName")
        } else {
            "databaseEventTriggerSettings.eventName".to_owned()
        };
        match event.get("eventName").and_then(Value::as_str) {
            None | Some("") => problems.push(Problem::file(file, Some(&field), "Database event trigger must have an eventName")),
            Some(name) if name.split('.').count() != 2 || name.split('.').any(str::is_empty) => problems.push(Problem::file(
                file,
                Some(&field),
                format!("\"{name}\" must look like <object>.<operation>, e.g. company.created or *.updated"),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Reads the assembled manifest into the typed form; each serde error
/// names the file (for logic functions) and the field path.
pub(crate) fn typed(manifest: &Value, entities: &[Evaluated]) -> Result<Manifest, Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some(Value::Array(functions)) = manifest.get("logicFunctions") {
        for function in functions {
            let source = function.get("sourceHandlerPath").and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Err(error) = serde_path_to_error::deserialize::<_, LogicFunctionManifest>(function) {
                let file = entities.iter().find(|e| e.file.relative == source).map(|e| e.file.relative.clone()).unwrap_or(source);
                problems.push(Problem::file(&file, Some(&error.path().to_string()), error.inner().to_string()));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_path_to_error::deserialize::<_, Manifest>(manifest).map_err(|error| {
        let bucket_file = |path: &str| -> Option<String> {
            let bucket = path.split(['.', '[']).next()?;
            let kind = entities.iter().find(|e| e.file.kind.bucket() == bucket)?;
            Some(kind.file.relative.clone())
        };
        let path = error.path().to_string();
        vec![Problem { file: bucket_file(&path), field: Some(path), message: error.inner().to_string() }]
    })
}

/// The deprecation warnings `twenty dev:build` prints for page layouts:
/// CANVAS tabs, vertical-list widget positions and `gridPosition`, over the
/// tabs of every layout and the standalone tabs.
pub(crate) fn page_layout_warnings(manifest: &Value) -> Vec<String> {
    let list = |key: &str| manifest.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let nested =
        list("pageLayouts").into_iter().flat_map(|layout| layout.get("tabs").and_then(Value::as_array).cloned().unwrap_or_default());
    let title = |value: &Value| value.get("title").and_then(Value::as_str).unwrap_or("undefined").to_owned();
    let mut warnings = Vec::new();
    for tab in nested.chain(list("pageLayoutTabs")) {
        if tab.get("layoutMode").and_then(Value::as_str) == Some("CANVAS") {
            warnings.push(format!(
                "Page layout tab \"{}\" uses deprecated CANVAS. For a full-height widget, use VERTICAL_LIST and set the widget's heightBehavior to 'TAB_VIEWPORT'. Existing Canvas layouts remain supported and are not converted.",
                title(&tab)
            ));
        }
        for widget in tab.get("widgets").and_then(Value::as_array).into_iter().flatten() {
            if widget.pointer("/position/layoutMode").and_then(Value::as_str) == Some("VERTICAL_LIST") {
                warnings.push(format!(
                    "Page layout widget \"{}\" uses a deprecated vertical-list position. Order the widgets array by position.index, remove position, and move any position.heightBehavior to heightBehavior. Existing positions remain supported and keep their indices.",
                    title(widget)
                ));
            }
            if widget.get("gridPosition").is_some_and(|position| !position.is_null()) {
                warnings.push(format!(
                    "Page layout widget \"{}\" uses deprecated gridPosition. Use position with layoutMode: 'GRID' and the same row, column, rowSpan and columnSpan. Existing gridPosition remains supported.",
                    title(widget)
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_rules_follow_twenty() {
        assert_eq!(uuid_problem("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"), None);
        assert_eq!(uuid_problem("ffffffff-ffff-ffff-ffff-ffffffffffff"), None);
        assert!(uuid_problem("not-a-uuid").is_some_and(|p| p.contains("is not a valid UUID")));
        assert!(uuid_problem("d9428888-122b-11e1-b85c-61cd3cbb3210").is_some_and(|p| p.contains("UUID version 1")));
        assert!(uuid_problem("00000000-0000-0000-0000-000000000000").is_some_and(|p| p.contains("UUID version 0")));
        assert!(uuid_problem("a1b2c3d4-e5f6-4a7b-7c9d-0e1f2a3b4c5d").is_some_and(|p| p.contains("not a valid UUID")));
    }

    #[test]
    fn cron_patterns_translate_sunday_based_days() {
        assert_eq!(cron_to_crate("0 8 * * 1-5").as_deref(), Ok("0 0 8 * * 2-6"));
        assert_eq!(cron_to_crate("*/15 * * * 0,7").as_deref(), Ok("0 */15 * * * 1,1"));
        assert_eq!(cron_to_crate("0 0 1 * MON").as_deref(), Ok("0 0 0 1 * MON"));
        assert!(cron_to_crate("61 * * * *").is_err());
        assert!(cron_to_crate("* * * *").is_err());
        assert!(cron_to_crate("0 0 * * 9").is_err());
    }
}
