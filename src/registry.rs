//! The live view of what a loaded app offers: its functions by name and
//! universalIdentifier, with the module each lives in, and the environment
//! its runs get. Built once per load; replaced as a whole on reload.

use crate::catalog::LoadedApp;
use crate::domain::{LogicFunctionManifest, VariableType};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// One runnable function.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    pub name: String,
    pub manifest: LogicFunctionManifest,
    pub module: PathBuf,
}

/// A loaded app with its functions indexed and its run environment built.
#[derive(Debug, Clone)]
pub struct AppSnapshot {
    pub app: LoadedApp,
    pub functions: Vec<FunctionEntry>,
    /// The functions' universalIdentifiers, shared with every run (a job
    /// may run any function of its app).
    pub function_ids: Arc<[String]>,
    /// `process.env` for every run of this app.
    pub env: Arc<BTreeMap<String, String>>,
    /// Variables declared required but given no value.
    pub unset_required: Vec<String>,
}

/// Problems with the variables given to an app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("variable {name} is not declared by the app (declared: {declared})")]
    UndeclaredVariable { name: String, declared: String },
    #[error("variable name {name} is reserved for switchboard")]
    ReservedVariable { name: String },
}

/// Names switchboard sets itself; apps may not declare them.
pub const RESERVED_VARIABLES: &[&str] = &[
    "TWENTY_API_URL",
    "TWENTY_APP_ACCESS_TOKEN",
    "TWENTY_APP_APPLICATION_ACCESS_TOKEN",
    "TWENTY_API_KEY",
    "TWENTY_FUNCTIONS_URL",
    "APPLICATION_ID",
];

/// The server variables `app`'s connection providers take their client
/// secrets from.
pub fn client_secret_variables(app: &LoadedApp) -> Vec<String> {
    app.manifest
        .connection_providers
        .iter()
        .filter_map(|provider| provider.oauth.as_ref()?.get("clientSecretVariable")?.as_str().map(str::to_owned))
        .collect()
}

/// A declared value as the string `process.env` gets (Twenty's rules).
fn env_string(value: &Value, variable_type: VariableType) -> Option<String> {
    match (value, variable_type) {
        (Value::Null, _) => None,
        (Value::String(text), _) => Some(text.clone()),
        (Value::Bool(flag), _) => Some(flag.to_string()),
        (Value::Number(number), _) => Some(number.to_string()),
        (other, _) => Some(other.to_string()),
    }
}

impl AppSnapshot {
    /// Indexes `app` and builds its environment from declared values,
    /// `given` values (which must be declared) and the reserved names.
    pub fn new(app: LoadedApp, given: &BTreeMap<String, String>, public_url: &str) -> Result<Self, Error> {
        let application = &app.manifest.application;
        let mut env = BTreeMap::new();
        let mut declared: Vec<String> = Vec::new();
        let mut unset_required = Vec::new();
        for (name, raw) in &application.application_variables {
            declared.push(name.clone());
            if RESERVED_VARIABLES.contains(&name.as_str()) {
                return Err(Error::ReservedVariable { name: name.clone() });
            }
            let variable_type = raw.get("type").and_then(|t| serde_json::from_value::<VariableType>(t.clone()).ok()).unwrap_or_default();
            if raw.get("scope").and_then(Value::as_str) == Some("USER") {
                continue;
            }
            let value = given.get(name).cloned().or_else(|| raw.get("value").and_then(|v| env_string(v, variable_type)));
            match value {
                Some(value) => {
                    env.insert(name.clone(), value);
                }
                None if raw.get("isRequired").and_then(Value::as_bool) == Some(true)
                    && raw.get("isDeprecated").and_then(Value::as_bool) != Some(true) =>
                {
                    unset_required.push(name.clone())
                }
                None => {}
            }
        }
        for (name, raw) in &application.server_variables {
            declared.push(name.clone());
            if let Some(value) = given.get(name) {
                env.insert(name.clone(), value.clone());
            } else if raw.get("isRequired").and_then(Value::as_bool) == Some(true) {
                unset_required.push(name.clone());
            }
        }
        for name in given.keys() {
            if !declared.contains(name) {
                return Err(Error::UndeclaredVariable { name: name.clone(), declared: declared.join(", ") });
            }
        }
        // A connection provider's client secret stays with the gateway: the
        // vault uses it, sandboxed code never sees it, whatever kind of
        // variable also carries its name.
        for secret in client_secret_variables(&app) {
            env.remove(&secret);
        }
        env.insert("TWENTY_API_URL".into(), public_url.to_owned());
        env.insert("TWENTY_FUNCTIONS_URL".into(), format!("{public_url}/s"));
        env.insert("APPLICATION_ID".into(), application.universal_identifier.clone());
        let functions: Vec<FunctionEntry> = app
            .manifest
            .logic_functions
            .iter()
            .map(|function| FunctionEntry {
                name: function.display_name(),
                module: app.module_path(&function.source_handler_path),
                manifest: function.clone(),
            })
            .collect();
        let function_ids: Arc<[String]> = functions.iter().map(|entry| entry.manifest.universal_identifier.clone()).collect();
        Ok(Self { app, functions, function_ids, env: Arc::new(env), unset_required })
    }

    /// An empty snapshot for unit tests that need an app handle.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        use crate::domain::{ApplicationManifest, Manifest};
        let manifest = Manifest {
            application: ApplicationManifest {
                universal_identifier: "00000000-0000-4000-8000-000000000000".into(),
                display_name: "test".into(),
                description: None,
                application_variables: Default::default(),
                server_variables: Default::default(),
                default_role_universal_identifier: None,
                extra: Default::default(),
            },
            objects: vec![],
            fields: vec![],
            indexes: vec![],
            permission_flags: vec![],
            roles: vec![],
            skills: vec![],
            agents: vec![],
            connection_providers: vec![],
            logic_functions: vec![],
            front_components: vec![],
            public_assets: vec![],
            views: vec![],
            view_fields: vec![],
            navigation_menu_items: vec![],
            page_layouts: vec![],
            page_layout_tabs: vec![],
            page_layout_widgets: vec![],
            command_menu_items: vec![],
            timeline_activity_types: vec![],
            settings_menu_items: vec![],
        };
        let code = crate::sandbox::AppCode::new(&std::env::temp_dir()).expect("temp dir exists");
        let app = LoadedApp {
            code: Arc::new(code),
            manifest_json: serde_json::Value::Null,
            manifest,
            warnings: vec![],
            entity_files: Default::default(),
            disabled: vec![],
        };
        Self { app, functions: vec![], function_ids: Arc::from(Vec::new()), env: Arc::default(), unset_required: vec![] }
    }

    /// Finds a function by `name` or universalIdentifier.
    pub fn find(&self, reference: &str) -> Option<&FunctionEntry> {
        self.functions
            .iter()
            .find(|f| f.manifest.universal_identifier == reference)
            .or_else(|| self.functions.iter().find(|f| f.name == reference))
    }

    /// Removes the variables `names` from this app's run environment (the
    /// client secrets of other served apps' connection providers).
    pub fn without_variables(mut self, names: &[String]) -> Self {
        if names.iter().any(|name| self.env.contains_key(name)) {
            let mut env = (*self.env).clone();
            env.retain(|name, _| !names.contains(name));
            self.env = Arc::new(env);
        }
        self
    }

    /// Names of every application and server variable `app` declares.
    pub fn declared_variables(app: &LoadedApp) -> Vec<String> {
        let application = &app.manifest.application;
        application.application_variables.keys().chain(application.server_variables.keys()).cloned().collect()
    }

    /// Names of all functions, for messages.
    pub fn function_names(&self) -> Vec<String> {
        self.functions.iter().map(|f| f.name.clone()).collect()
    }
}

/// The apps a gateway serves. Readers take the current list without
/// blocking writers; a reload replaces one app's snapshot as a whole.
/// Each installed list has a generation number, one more than the list
/// before it: what is derived from the list (the route table) is cached
/// under that number, never under an address a freed list may hand on.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    apps: Arc<std::sync::RwLock<Generation>>,
}

/// An installed app list and its generation number.
type Generation = (u64, Arc<Vec<Arc<AppSnapshot>>>);

impl Registry {
    pub fn new(apps: Vec<AppSnapshot>) -> Self {
        Self { apps: Arc::new(std::sync::RwLock::new((1, Arc::new(apps.into_iter().map(Arc::new).collect())))) }
    }

    /// The current apps.
    pub fn apps(&self) -> Arc<Vec<Arc<AppSnapshot>>> {
        self.generation().1
    }

    /// The current apps with their generation number.
    pub fn generation(&self) -> (u64, Arc<Vec<Arc<AppSnapshot>>>) {
        self.apps.read().map(|apps| apps.clone()).unwrap_or_default()
    }

    /// A copy of the list with the app at `root` replaced; the caller
    /// installs it with [`Registry::install`] once it is known to be good.
    pub fn with_replaced(&self, root: &std::path::Path, snapshot: AppSnapshot) -> Vec<Arc<AppSnapshot>> {
        let snapshot = Arc::new(snapshot);
        self.apps().iter().map(|app| if app.app.code.root() == root { snapshot.clone() } else { app.clone() }).collect()
    }

    /// Makes `apps` the current list and returns the previous one.
    pub fn install(&self, apps: Vec<Arc<AppSnapshot>>) -> Arc<Vec<Arc<AppSnapshot>>> {
        match self.apps.write() {
            Ok(mut current) => {
                let generation = current.0.wrapping_add(1);
                std::mem::replace(&mut *current, (generation, Arc::new(apps))).1
            }
            Err(_) => Arc::new(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_installed_list_has_a_new_generation_even_at_a_reused_address() {
        let registry = Registry::new(vec![AppSnapshot::for_tests()]);
        let (first, _) = registry.generation();
        // Lists of the same size, made and dropped in turn, may well be
        // allocated at the same address; their generations still differ.
        let mut seen = vec![first];
        for _ in 0..5 {
            drop(registry.install(vec![Arc::new(AppSnapshot::for_tests())]));
            let (generation, apps) = registry.generation();
            assert_eq!(apps.len(), 1);
            assert!(!seen.contains(&generation), "{generation} came back: {seen:?}");
            seen.push(generation);
        }
        assert_eq!(registry.apps().len(), 1);
        drop(registry.install(Vec::new()));
        assert!(registry.apps().is_empty());
    }
}
