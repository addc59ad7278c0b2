//! Loads an app folder: finds its entity files, evaluates them in a sandbox
//! (where `twenty-sdk/define` is built in), assembles the manifest exactly as
//! Twenty's CLI would, and validates it. Every problem is reported at once,
//! each naming the file and field. The catalog never runs a handler.

mod component;
mod discover;
mod infer;
mod manifest;
mod validate;
mod watch;

pub use discover::{EntityFile, discover};
pub use validate::cron_to_crate;
pub use watch::{AppWatcher, watch};

use crate::domain::Manifest;
use crate::sandbox::{AppCode, Pool};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What kind of entity a `define*` call declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Application,
    Role,
    LogicFunction,
    Skill,
    Agent,
    ConnectionProvider,
    Object,
    Field,
    Index,
    PermissionFlag,
    FrontComponent,
    View,
    ViewField,
    NavigationMenuItem,
    PageLayout,
    PageLayoutTab,
    PageLayoutWidget,
    CommandMenuItem,
    TimelineActivityType,
    SettingsMenuItem,
}

impl EntityKind {
    /// The kind for a known `define*` callee.
    pub fn from_callee(callee: &str) -> Option<Self> {
        Some(match callee {
            "defineApplication" => Self::Application,
            "defineApplicationRole" | "defineRole" => Self::Role,
            "defineLogicFunction"
            | "definePreInstallLogicFunction"
            | "definePostInstallLogicFunction"
            | "defineUninstallLogicFunction"
            | "defineHealthCheck" => Self::LogicFunction,
            "defineSkill" => Self::Skill,
            "defineAgent" => Self::Agent,
            "defineConnectionProvider" => Self::ConnectionProvider,
            "defineObject" => Self::Object,
            "defineField" => Self::Field,
            "defineIndex" => Self::Index,
            "definePermissionFlag" => Self::PermissionFlag,
            "defineFrontComponent" | "defineSettingsFrontComponent" => Self::FrontComponent,
            "defineView" => Self::View,
            "defineViewField" => Self::ViewField,
            "defineNavigationMenuItem" => Self::NavigationMenuItem,
            "definePageLayout" => Self::PageLayout,
            "definePageLayoutTab" => Self::PageLayoutTab,
            "definePageLayoutWidget" => Self::PageLayoutWidget,
            "defineCommandMenuItem" => Self::CommandMenuItem,
            "defineTimelineActivityType" => Self::TimelineActivityType,
            "defineSettingsMenuItem" => Self::SettingsMenuItem,
            _ => return None,
        })
    }

    /// The manifest bucket this kind goes to.
    pub fn bucket(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Role => "roles",
            Self::LogicFunction => "logicFunctions",
            Self::Skill => "skills",
            Self::Agent => "agents",
            Self::ConnectionProvider => "connectionProviders",
            Self::Object => "objects",
            Self::Field => "fields",
            Self::Index => "indexes",
            Self::PermissionFlag => "permissionFlags",
            Self::FrontComponent => "frontComponents",
            Self::View => "views",
            Self::ViewField => "viewFields",
            Self::NavigationMenuItem => "navigationMenuItems",
            Self::PageLayout => "pageLayouts",
            Self::PageLayoutTab => "pageLayoutTabs",
            Self::PageLayoutWidget => "pageLayoutWidgets",
            Self::CommandMenuItem => "commandMenuItems",
            Self::TimelineActivityType => "timelineActivityTypes",
            Self::SettingsMenuItem => "settingsMenuItems",
        }
    }
}

/// One thing wrong with an app, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File relative to the app root.
    pub file: Option<String>,
    /// Field path inside the entity's config, e.g. `cronTriggerSettings.pattern`.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn app(message: impl Into<String>) -> Self {
        Self { file: None, field: None, message: message.into() }
    }

    pub(crate) fn file(file: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self { file: Some(file.to_owned()), field: field.map(str::to_owned), message: message.into() }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Loading failed; every problem found is listed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the app at {root} has {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { root: PathBuf, problems: Vec<Problem> },
    #[error("cannot open the app at {root}: {message}")]
    Unreadable { root: PathBuf, message: String },
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::Error),
}

/// An entity file with its evaluated config (functions dropped).
#[derive(Debug, Clone)]
pub(crate) struct Evaluated {
    pub(crate) file: EntityFile,
    pub(crate) config: Map<String, Value>,
    /// The `name` of a front component's `component` function.
    pub(crate) component_name: Option<String>,
}

/// A loaded, valid app.
#[derive(Debug, Clone)]
pub struct LoadedApp {
    pub code: Arc<AppCode>,
    /// Manifest JSON in Twenty's shape and key order.
    pub manifest_json: Value,
    pub manifest: Manifest,
    /// Warnings reported by define*() calls, prefixed with their file.
    pub warnings: Vec<String>,
    /// The file (relative to the root) each entity was declared in, by universalIdentifier.
    pub entity_files: std::collections::BTreeMap<String, String>,
    /// Why files were left out: each could not be read, parsed or evaluated,
    /// so what it defines is not served (the rest of the app is).
    pub disabled: Vec<Problem>,
}

impl LoadedApp {
    /// The app's problems as an error, when files were left out: `check`
    /// and `manifest` fail on them, as Twenty's build would.
    pub fn problems(&self) -> Option<Error> {
        (!self.disabled.is_empty()).then(|| Error::Invalid { root: self.code.root().to_path_buf(), problems: self.disabled.clone() })
    }

    /// Absolute path of a function's module.
    pub fn module_path(&self, source_handler_path: &str) -> PathBuf {
        self.code.root().join(source_handler_path)
    }
}

/// How long evaluating one entity file may take.
const EVALUATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Loads and validates the app at `root`, evaluating its files in `pool`.
pub async fn load(root: &Path, pool: &Pool) -> Result<LoadedApp, Error> {
    if !root.is_dir() {
        return Err(Error::Unreadable { root: root.to_path_buf(), message: "not a folder".to_owned() });
    }
    let code = Arc::new(AppCode::new(root)?);
    // A file that cannot be read, parsed or evaluated disables only what it
    // defines; the application file is the exception (nothing runs without it).
    let (files, mut disabled) = discover(code.root());
    let mut problems = Vec::new();
    let reports = pool.describe(&code, files.iter().map(|file| file.path.clone()).collect(), EVALUATION_TIMEOUT).await?;
    let mut evaluated = Vec::new();
    let mut warnings = Vec::new();
    for (file, report) in files.into_iter().zip(reports) {
        let sink = if file.kind == EntityKind::Application { &mut problems } else { &mut disabled };
        match report.outcome {
            Err(message) => sink.push(Problem::file(&file.relative, None, format!("cannot evaluate the file: {message}"))),
            Ok(description) => match read_description(&file, &description) {
                Ok((config, file_warnings)) => {
                    warnings.extend(file_warnings.into_iter().map(|w| format!("{}: {w}", file.relative)));
                    let component_name = description.get("componentName").and_then(Value::as_str).map(str::to_owned);
                    evaluated.push(Evaluated { file, config, component_name });
                }
                Err(mut file_problems) => sink.append(&mut file_problems),
            },
        }
    }
    let failed_to_load = !problems.is_empty() || !disabled.is_empty();
    problems.extend(validate::entities(&evaluated).into_iter().map(|mut problem| {
        // A file that failed to load may be the one that defines the app.
        if failed_to_load && problem.file.is_none() && problem.message.contains("defineApplication()") {
            problem.message.push_str(" (or fix the files above that failed to load: one of them may define it)");
        }
        problem
    }));
    warnings.extend(withheld_header_warnings(&evaluated));
    let manifest_json =
        manifest::assemble(code.root(), &evaluated, |path| code.checksum(path), |path| component::imports_client_sdk(&code, path));
    warnings.extend(validate::page_layout_warnings(&manifest_json));
    let has_application = evaluated.iter().any(|e| e.file.kind == EntityKind::Application);
    let typed = if has_application { validate::typed(&manifest_json, &evaluated) } else { Err(Vec::new()) };
    let manifest = match typed {
        Ok(manifest) => Some(manifest),
        Err(mut typed_problems) => {
            problems.append(&mut typed_problems);
            None
        }
    };
    match manifest {
        Some(manifest) if problems.is_empty() => {
            let entity_files = evaluated
                .iter()
                .filter_map(|entity| {
                    let id = entity.config.get("universalIdentifier")?.as_str()?;
                    Some((id.to_owned(), entity.file.relative.clone()))
                })
                .collect();
            Ok(LoadedApp { code, manifest_json, manifest, warnings, entity_files, disabled })
        }
        _ => {
            // Every problem at once: the files left out first.
            disabled.append(&mut problems);
            Err(Error::Invalid { root: root.to_path_buf(), problems: disabled })
        }
    }
}

/// A warning for each credential header a route asks to forward: the
/// gateway never forwards them (see `http::routes::WITHHELD_HEADERS`).
fn withheld_header_warnings(evaluated: &[Evaluated]) -> Vec<String> {
    let mut warnings = Vec::new();
    for entity in evaluated {
        let Some(Value::Array(headers)) =
            entity.config.get("httpRouteTriggerSettings").and_then(|settings| settings.get("forwardedRequestHeaders"))
        else {
            continue;
        };
        for header in headers.iter().filter_map(Value::as_str) {
            if crate::http::routes::WITHHELD_HEADERS.contains(&header.to_ascii_lowercase().as_str()) {
                warnings.push(format!(
                    "{}: httpRouteTriggerSettings.forwardedRequestHeaders: {header:?} carries the caller's credentials and is never forwarded to the function",
                    entity.file.relative
                ));
            }
        }
    }
    warnings
}

/// An entity's config and its define-time warnings.
type Described = (Map<String, Value>, Vec<String>);

/// Reads the bootstrap's description of a default export.
fn read_description(file: &EntityFile, description: &Value) -> Result<Described, Vec<Problem>> {
    let here = |message: String| vec![Problem::file(&file.relative, None, message)];
    match description.get("kind").and_then(Value::as_str) {
        Some("validation-result") => {}
        Some("unserializable") => {
            let message = description.get("message").and_then(Value::as_str).unwrap_or_default();
            return Err(here(format!("the {} config cannot be turned into JSON: {message}", file.callee)));
        }
        _ => {
            let found = description.get("exportType").and_then(Value::as_str).unwrap_or("unknown");
            return Err(here(format!("the default export is not the result of {}() (found a value of type {found})", file.callee)));
        }
    }
    let strings = |key: &str| -> Vec<String> {
        description
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().map(|item| item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string())).collect())
            .unwrap_or_default()
    };
    let errors = strings("errors");
    if !errors.is_empty() {
        return Err(errors.into_iter().map(|error| Problem::file(&file.relative, None, error)).collect());
    }
    match description.get("config") {
        Some(Value::Object(config)) => Ok((config.clone(), strings("warnings"))),
        _ => Err(here(format!("{}() was given no config object", file.callee))),
    }
}
