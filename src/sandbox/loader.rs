//! Module resolution and loading for user code: relative imports (with or
//! without extension, `index.*`, `./x.js` naming `x.ts`), ES-module packages
//! from the app's `node_modules` (package.json `exports`, `module`, `main`),
//! JSON modules, and the built-in `twenty-sdk` modules. TypeScript is
//! transpiled with deno_ast and cached per app. Only module files of the
//! app's folder can be imported, outside its hidden folders and the
//! gateway's own files (data folder, variables file): that is the sandbox's
//! only view of the disk. App code sees its files under a virtual root,
//! `file:///app/`, in module URLs, `import.meta` and stack traces, never
//! the host's path; and a specifier that leaves the app gets one answer
//! whether or not the file it names exists.

use super::Error;
use deno_ast::{EmitOptions, MediaType, ParseParams, SourceMapOption, TranspileModuleOptions, TranspileOptions};
use deno_core::error::ModuleLoaderError;
use deno_core::{
    ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader, ModuleResolveResponse, ModuleSource, ModuleSourceCode,
    ModuleSpecifier, ModuleType, RequestedModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const BUILTIN_SCHEME: &str = "switchboard";

/// Where the app's folder appears to its own code.
const VIRTUAL_ROOT: &str = "/app";

/// The URL prefix of the app's files as its code sees them.
pub(crate) const VIRTUAL_URL_PREFIX: &str = "file:///app/";

/// The extensions of files that may be loaded as modules.
const MODULE_EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "mjs", "cjs", "jsx", "json"];

/// Node's built-in module names; importing one gets a clear error.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// The code of one app as the sandbox sees it: its folder, and a cache of
/// transpiled sources shared by every runtime that runs the app.
#[derive(Debug)]
pub struct AppCode {
    id: u64,
    root: PathBuf,
    sources: Mutex<HashMap<PathBuf, Arc<Transpiled>>>,
}

/// Identifies one load of one app; runtimes are bound to it, so a reloaded
/// app never runs in a runtime that holds its old modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppKey(u64);

#[derive(Debug)]
struct Transpiled {
    code: Arc<str>,
    source_map: Option<Arc<[u8]>>,
    module_type: ModuleKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModuleKind {
    JavaScript,
    Json,
}

impl AppCode {
    /// `root` must exist; it is canonicalised so the confinement check holds.
    pub fn new(root: &Path) -> Result<Self, Error> {
        let root = root.canonicalize().map_err(|source| Error::AppRoot { path: root.to_path_buf(), source })?;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Self { id, root, sources: Mutex::new(HashMap::new()) })
    }

    /// The app folder (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The key runtimes are bound to.
    pub fn key(&self) -> AppKey {
        AppKey(self.id)
    }

    /// Transpiles (once) and returns the JavaScript of a file in the app.
    fn load(&self, path: &Path) -> Result<Arc<Transpiled>, String> {
        if let Some(found) = self.sources.lock().map_err(|_| "source cache poisoned")?.get(path) {
            return Ok(found.clone());
        }
        let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", self.display(path)))?;
        let media_type = MediaType::from_path(path);
        let transpiled = match media_type {
            MediaType::Json => Transpiled { code: text.into(), source_map: None, module_type: ModuleKind::Json },
            _ => {
                // Named by its virtual path, so source maps (and the stacks
                // they produce, which app code can read) hold no host path.
                let relative = path.strip_prefix(&self.root).unwrap_or(path);
                let (code, source_map) = transpile(&Path::new(VIRTUAL_ROOT).join(relative), text)
                    .map_err(|message| format!("{}: {message}", self.display(path)))?;
                Transpiled {
                    code: code.into(),
                    source_map: source_map.map(|map| Arc::from(map.into_bytes())),
                    module_type: ModuleKind::JavaScript,
                }
            }
        };
        let transpiled = Arc::new(transpiled);
        self.sources.lock().map_err(|_| "source cache poisoned")?.insert(path.to_path_buf(), transpiled.clone());
        Ok(transpiled)
    }

    /// md5 of a module's transpiled code: our `builtHandlerChecksum`.
    pub fn checksum(&self, path: &Path) -> String {
        use md5::Digest;
        match self.load(path) {
            Ok(transpiled) => md5::Md5::digest(transpiled.code.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect(),
            Err(_) => String::new(),
        }
    }

    fn source_map(&self, path: &Path) -> Option<Arc<[u8]>> {
        self.sources.lock().ok()?.get(path)?.source_map.clone()
    }

    /// A path relative to the app root, for messages.
    pub fn display(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).map(|relative| relative.display().to_string()).unwrap_or_else(|_| path.display().to_string())
    }

    /// The URL app code knows a file of the app by (under `file:///app/`).
    pub(crate) fn url_of(&self, path: &Path) -> Result<ModuleSpecifier, String> {
        let relative = path.strip_prefix(&self.root).map_err(|_| format!("{} is not in the app folder", path.display()))?;
        ModuleSpecifier::from_file_path(Path::new(VIRTUAL_ROOT).join(relative))
            .map_err(|()| format!("{} cannot be turned into a URL", self.display(path)))
    }

    /// The real path of a virtual path (`/app/...`), if it is one.
    fn real_of_virtual(&self, virtual_path: &Path) -> Option<PathBuf> {
        let relative = lexical(virtual_path).strip_prefix(VIRTUAL_ROOT).ok()?.to_path_buf();
        Some(self.root.join(relative))
    }

    /// The real path behind one of the app's module URLs.
    fn path_of(&self, url: &str) -> Option<PathBuf> {
        self.real_of_virtual(&ModuleSpecifier::parse(url).ok()?.to_file_path().ok()?)
    }
}

/// `path` with `.` and `..` folded away, without touching the disk (a `..`
/// above the root stays at the root).
fn lexical(path: &Path) -> PathBuf {
    let mut folded = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                folded.pop();
            }
            other => folded.push(other),
        }
    }
    folded
}

/// Why a path of the app may not be read by its code, if it may not:
/// it is outside the folder (given as a lexically folded path, before any
/// look at the disk), in one of the `sealed` paths (the gateway's own
/// files), in a hidden folder (outside `node_modules`), or not a module file.
fn refusal(root: &Path, sealed: &[PathBuf], path: &Path) -> Option<Refusal> {
    let Ok(relative) = path.strip_prefix(root) else { return Some(Refusal::Outside) };
    if sealed.iter().any(|sealed| path.starts_with(sealed)) {
        return Some(Refusal::Outside);
    }
    let mut in_packages = false;
    for component in relative.components() {
        let name = component.as_os_str().to_string_lossy();
        if name == "node_modules" {
            in_packages = true;
        } else if name.starts_with('.') && !in_packages {
            return Some(Refusal::Hidden(name.into_owned()));
        }
    }
    None
}

/// Whether `path` names a module file by its extension.
fn is_module_file(path: &Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| MODULE_EXTENSIONS.contains(&ext))
}

/// Why an import was refused.
enum Refusal {
    Outside,
    Hidden(String),
}

impl Refusal {
    fn message(&self, specifier: &str, from: &str) -> String {
        match self {
            Refusal::Outside => format!("import of '{specifier}' from {from} points outside the app folder, which the sandbox cannot read"),
            Refusal::Hidden(folder) => {
                format!("import of '{specifier}' from {from}: files in hidden folders ({folder}) cannot be imported")
            }
        }
    }
}

/// Parses a file's source as a module (TypeScript, JSX or JavaScript by its
/// extension); the error is the parser's diagnostic.
pub fn parse(path: &Path, text: String) -> Result<deno_ast::ParsedSource, String> {
    let specifier = ModuleSpecifier::from_file_path(path).map_err(|()| "path cannot be turned into a URL".to_owned())?;
    let media_type = match MediaType::from_path(path) {
        MediaType::Unknown | MediaType::Cjs | MediaType::Cts => MediaType::JavaScript,
        other => other,
    };
    deno_ast::parse_module(ParseParams {
        specifier,
        text: text.into(),
        media_type,
        capture_tokens: false,
        scope_analysis: false,
        maybe_syntax: None,
    })
    .map_err(|diagnostic| diagnostic.to_string())
}

/// Transpiles TypeScript/JSX to JavaScript, keeping a separate source map so
/// stack traces point at the original lines.
pub(crate) fn transpile(path: &Path, text: String) -> Result<(String, Option<String>), String> {
    let parsed = parse(path, text)?;
    let emitted = parsed
        .transpile(
            &TranspileOptions::default(),
            &TranspileModuleOptions::default(),
            &EmitOptions { source_map: SourceMapOption::Separate, inline_sources: true, ..Default::default() },
        )
        .map_err(|error| error.to_string())?
        .into_source();
    Ok((emitted.text, emitted.source_map))
}

/// The built-in modules user code can import, by specifier.
fn builtin_url(specifier: &str) -> Option<&'static str> {
    match specifier {
        "twenty-sdk" | "twenty-sdk/define" => Some("switchboard:twenty-sdk/define"),
        "twenty-sdk/logic-function" => Some("switchboard:twenty-sdk/logic-function"),
        "twenty-client-sdk/core" => Some("switchboard:twenty-client-sdk/core"),
        "twenty-client-sdk/rest" => Some("switchboard:twenty-client-sdk/rest"),
        "twenty-client-sdk/metadata" => Some("switchboard:twenty-client-sdk/metadata"),
        _ => None,
    }
}

fn builtin_source(url: &str) -> Option<String> {
    match url {
        "switchboard:twenty-sdk/define" => Some(format!(
            "const __SDK_ENUMS__ = JSON.parse({});\nconst __STANDARD_OBJECT__ = JSON.parse({});\nconst __STANDARD_PAGE_LAYOUT__ = JSON.parse({});\n{}",
            js_string(include_str!("js/sdk_enums.json")),
            js_string(include_str!("js/sdk_standard_objects.json")),
            js_string(include_str!("js/sdk_standard_page_layouts.json")),
            include_str!("js/twenty_sdk_define.js"),
        )),
        "switchboard:twenty-sdk/logic-function" => Some(include_str!("js/twenty_sdk_logic_function.js").to_owned()),
        "switchboard:twenty-client-sdk/core" => Some(include_str!("js/twenty_client_core.js").to_owned()),
        "switchboard:twenty-client-sdk/rest" => Some(include_str!("js/twenty_client_rest.js").to_owned()),
        "switchboard:twenty-client-sdk/metadata" => Some(include_str!("js/twenty_client_metadata.js").to_owned()),
        "switchboard:twenty-client-sdk/genql" => Some(include_str!("js/twenty_client_genql.js").to_owned()),
        _ => None,
    }
}

fn js_string(text: &str) -> String {
    Value::String(text.trim_end().to_owned()).to_string()
}

/// The module loader a runtime uses; bound to one app the first time the
/// runtime is given work.
#[derive(Default)]
pub(crate) struct AppLoader {
    app: RefCell<Option<Arc<AppCode>>>,
    /// The gateway's own files (data folder, variables file), never loaded
    /// even when they sit inside an app's folder.
    sealed: Vec<PathBuf>,
}

impl AppLoader {
    pub(crate) fn new(sealed: Vec<PathBuf>) -> Self {
        Self { app: RefCell::new(None), sealed }
    }

    /// Checks a path found on disk (canonicalised, so a link cannot lead
    /// out) and returns it if app code may load it.
    fn confine(&self, app: &AppCode, path: &Path, specifier: &str, from: &str) -> Result<PathBuf, String> {
        let canonical = path.canonicalize().map_err(|_| format!("cannot find module '{specifier}' imported from {from}"))?;
        if let Some(refusal) = refusal(app.root(), &self.sealed, &canonical) {
            return Err(refusal.message(specifier, from));
        }
        if !is_module_file(&canonical) {
            return Err(format!(
                "import of '{specifier}' from {from}: only module files ({}) can be imported",
                MODULE_EXTENSIONS.iter().map(|ext| format!(".{ext}")).collect::<Vec<_>>().join(" ")
            ));
        }
        Ok(canonical)
    }

    /// Refuses a path (folded, not yet looked up) that app code may not
    /// name, before anything about the disk is known.
    fn screen(&self, app: &AppCode, path: &Path, specifier: &str, from: &str) -> Result<(), String> {
        match refusal(app.root(), &self.sealed, &lexical(path)) {
            Some(refusal) => Err(refusal.message(specifier, from)),
            None => Ok(()),
        }
    }

    pub(crate) fn bind(&self, app: Arc<AppCode>) {
        *self.app.borrow_mut() = Some(app);
    }

    fn app(&self) -> Result<Arc<AppCode>, ModuleLoaderError> {
        self.app.borrow().clone().ok_or_else(|| JsErrorBox::generic("no app is bound to this runtime"))
    }

    fn resolve_inner(&self, specifier: &str, referrer: &str) -> Result<ModuleSpecifier, String> {
        if let Some(url) = builtin_url(specifier) {
            return ModuleSpecifier::parse(url).map_err(|error| error.to_string());
        }
        if specifier.starts_with("switchboard:") {
            // Our own entry modules; user code gets nothing from naming one.
            return ModuleSpecifier::parse(specifier).map_err(|error| error.to_string());
        }
        let app = self.app().map_err(|error| error.to_string())?;
        let from = app.path_of(referrer);
        let from_display = from.as_deref().map(|path| app.display(path)).unwrap_or_else(|| referrer.to_owned());
        let bare = specifier.strip_prefix("node:").unwrap_or(specifier);
        if specifier.starts_with("node:") || NODE_BUILTINS.contains(&bare) {
            return Err(format!(
                "Node built-in module '{bare}' is not available in the switchboard sandbox (imported from {from_display})"
            ));
        }
        // Absolute paths and file URLs are read under the app's virtual root.
        let absolute = specifier.strip_prefix("file://").or_else(|| specifier.starts_with('/').then_some(specifier));
        if let Some(absolute) = absolute {
            let outside = || Refusal::Outside.message(specifier, &from_display);
            let decoded = url::Url::parse(&format!("file://{absolute}"))
                .ok()
                .and_then(|url| url.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(absolute));
            let path = app.real_of_virtual(&decoded).ok_or_else(outside)?;
            self.screen(&app, &path, specifier, &from_display)?;
            let found = resolve_file(&path).ok_or_else(|| format!("cannot find module '{specifier}' imported from {from_display}"))?;
            return self.confine(&app, &found, specifier, &from_display).and_then(|path| app.url_of(&path));
        }
        if specifier.starts_with("./") || specifier.starts_with("../") {
            let base = from
                .as_deref()
                .and_then(Path::parent)
                .ok_or_else(|| format!("relative import '{specifier}' has no file to be relative to"))?;
            let joined = lexical(&base.join(specifier));
            self.screen(&app, &joined, specifier, &from_display)?;
            let found = resolve_file(&joined).ok_or_else(|| format!("cannot find module '{specifier}' imported from {from_display}"))?;
            return self.confine(&app, &found, specifier, &from_display).and_then(|path| app.url_of(&path));
        }
        if specifier.contains("://") || specifier.starts_with("npm:") || specifier.starts_with("jsr:") {
            return Err(format!(
                "import of '{specifier}' from {from_display}: only files of the app and packages in its node_modules can be imported"
            ));
        }
        let start = from.as_deref().and_then(Path::parent).unwrap_or(app.root());
        let found = resolve_package(&app, start, specifier, &from_display, &|path| self.screen(&app, path, specifier, &from_display))?;
        self.confine(&app, &found, specifier, &from_display).and_then(|path| app.url_of(&path))
    }
}

const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "js", "mjs", "jsx", "json"];

/// Tries `path`, `path.<ext>`, `path/index.<ext>`, and `x.ts` for `x.js`.
fn resolve_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let ext = path.extension().and_then(|ext| ext.to_str());
    if let Some(ext @ ("js" | "mjs" | "jsx")) = ext {
        let alternatives: &[&str] = match ext {
            "mjs" => &["mts"],
            "jsx" => &["tsx"],
            _ => &["ts", "tsx"],
        };
        for alternative in alternatives {
            let candidate = path.with_extension(alternative);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    for ext in EXTENSIONS {
        let candidate = path.with_file_name(format!("{name}.{ext}"));
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if path.is_dir() {
        for ext in EXTENSIONS {
            let candidate = path.join(format!("index.{ext}"));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Splits `@scope/name/sub/path` into (`@scope/name`, `./sub/path`).
fn split_package(specifier: &str) -> (String, String) {
    let mut parts = specifier.splitn(if specifier.starts_with('@') { 3 } else { 2 }, '/');
    let name = if specifier.starts_with('@') {
        let scope = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or_default();
        format!("{scope}/{name}")
    } else {
        parts.next().unwrap_or_default().to_owned()
    };
    let rest = parts.next().map(|rest| format!("./{rest}")).unwrap_or_else(|| ".".to_owned());
    (name, rest)
}

/// Finds a bare import in `node_modules` folders from `start` up to the app
/// root, and checks that what it resolves to is an ES module.
fn resolve_package(
    app: &AppCode,
    start: &Path,
    specifier: &str,
    from: &str,
    screen: &dyn Fn(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    let (name, subpath) = split_package(specifier);
    let mut dir = Some(start);
    while let Some(current) = dir {
        let package_dir = current.join("node_modules").join(&name);
        if package_dir.is_dir() {
            return resolve_in_package(&package_dir, &name, &subpath, specifier, from, screen);
        }
        if current == app.root() {
            break;
        }
        dir = current.parent();
    }
    // `src/...` imports come from create-twenty-app's tsconfig `paths`.
    let hint = if app.root().join(&name).is_dir() {
        format!(
            "; '{name}' is also a folder of the app, which a tsconfig.json `paths` entry may map, but switchboard does not apply tsconfig `paths` yet: import it by a relative path meanwhile"
        )
    } else {
        String::new()
    };
    Err(format!(
        "cannot find package '{name}' imported from {from}: it is not installed in the app's node_modules (npm install / yarn install){hint}"
    ))
}

fn resolve_in_package(
    package_dir: &Path,
    name: &str,
    subpath: &str,
    specifier: &str,
    from: &str,
    screen: &dyn Fn(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    let manifest: Value = std::fs::read_to_string(package_dir.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let is_module_type = manifest.get("type").and_then(Value::as_str) == Some("module");
    let mut esm_by_condition = false;
    let target = if let Some(exports) = manifest.get("exports") {
        let (target, esm) = resolve_exports(exports, subpath)
            .ok_or_else(|| format!("package '{name}' does not export '{subpath}' (imported as '{specifier}' from {from})"))?;
        esm_by_condition = esm;
        package_dir.join(target)
    } else if subpath != "." {
        package_dir.join(subpath)
    } else if let Some(module) = manifest.get("module").and_then(Value::as_str) {
        esm_by_condition = true;
        package_dir.join(module)
    } else if let Some(main) = manifest.get("main").and_then(Value::as_str) {
        package_dir.join(main)
    } else {
        package_dir.join("index.js")
    };
    // A target that leaves the app is refused before it is looked for.
    let target = lexical(&target);
    screen(&target)?;
    let found = resolve_file(&target)
        .ok_or_else(|| format!("package '{name}' points at a file that does not exist (imported as '{specifier}' from {from})"))?;
    let ext = found.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    let is_esm = match ext {
        "mjs" | "mts" | "ts" | "tsx" | "json" => true,
        "cjs" | "cts" => false,
        _ => esm_by_condition || is_module_type,
    };
    if is_esm {
        Ok(found)
    } else {
        Err(format!(
            "package '{name}' (imported from {from}) is CommonJS ({}); the switchboard sandbox loads only ES modules — use an ESM build of the package or bundle it into the app",
            found.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
        ))
    }
}

const CONDITIONS: &[(&str, bool)] = &[("import", true), ("module", true), ("worker", false), ("browser", false), ("default", false)];

/// Resolves package.json `exports` for a subpath; the flag says whether an
/// ESM-only condition (`import`/`module`) chose the target.
fn resolve_exports(exports: &Value, subpath: &str) -> Option<(String, bool)> {
    let is_subpath_map = exports.as_object().is_some_and(|map| map.keys().any(|key| key.starts_with('.')));
    if !is_subpath_map {
        return if subpath == "." { resolve_conditions(exports, false) } else { None };
    }
    let map = exports.as_object()?;
    if let Some(entry) = map.get(subpath) {
        return resolve_conditions(entry, false);
    }
    for (key, entry) in map {
        if let Some((prefix, suffix)) = key.split_once('*')
            && let Some(middle) = subpath.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix))
        {
            let (target, esm) = resolve_conditions(entry, false)?;
            return Some((target.replace('*', middle), esm));
        }
    }
    None
}

fn resolve_conditions(entry: &Value, esm: bool) -> Option<(String, bool)> {
    match entry {
        Value::String(target) => Some((target.clone(), esm)),
        Value::Array(options) => options.iter().find_map(|option| resolve_conditions(option, esm)),
        Value::Object(map) => CONDITIONS
            .iter()
            .find_map(|(condition, is_esm)| map.get(*condition).and_then(|value| resolve_conditions(value, esm || *is_esm))),
        _ => None,
    }
}

impl ModuleLoader for AppLoader {
    fn resolve(&self, specifier: &str, referrer: &str, _kind: ResolutionKind) -> ModuleResolveResponse {
        self.resolve_inner(specifier, referrer).map_err(JsErrorBox::generic)
    }

    fn load(&self, specifier: &ModuleSpecifier, _referrer: Option<&ModuleLoadReferrer>, options: ModuleLoadOptions) -> ModuleLoadResponse {
        ModuleLoadResponse::Sync(self.load_inner(specifier, &options))
    }

    fn get_source_map(&self, file_name: &str) -> Option<Cow<'_, [u8]>> {
        let app = self.app.borrow().clone()?;
        let path = app.path_of(file_name)?;
        let map = app.source_map(&path)?;
        Some(Cow::Owned(map.to_vec()))
    }
}

impl AppLoader {
    fn load_inner(&self, specifier: &ModuleSpecifier, options: &ModuleLoadOptions) -> Result<ModuleSource, ModuleLoaderError> {
        if specifier.scheme() == BUILTIN_SCHEME {
            let code =
                builtin_source(specifier.as_str()).ok_or_else(|| JsErrorBox::generic(format!("unknown built-in module {specifier}")))?;
            return Ok(ModuleSource::new(ModuleType::JavaScript, ModuleSourceCode::String(code.into()), specifier, None));
        }
        let app = self.app()?;
        let path = app
            .path_of(specifier.as_str())
            .ok_or_else(|| JsErrorBox::generic(format!("{specifier} is outside the app folder, which the sandbox cannot read")))?;
        // Resolution checked this already; a specifier reaching the loader
        // some other way is checked again.
        let path = self.confine(&app, &path, specifier.as_str(), "the app").map_err(JsErrorBox::generic)?;
        let transpiled = app.load(&path).map_err(JsErrorBox::generic)?;
        let module_type = match transpiled.module_type {
            ModuleKind::Json => {
                if options.requested_module_type != RequestedModuleType::Json {
                    return Err(JsErrorBox::type_error(format!(
                        "{} is JSON: import it with `with {{ type: \"json\" }}`",
                        app.display(&path)
                    )));
                }
                ModuleType::Json
            }
            ModuleKind::JavaScript => ModuleType::JavaScript,
        };
        Ok(ModuleSource::new(module_type, ModuleSourceCode::String(transpiled.code.to_string().into()), specifier, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_scoped_and_plain_packages() {
        assert_eq!(split_package("lodash-es"), ("lodash-es".into(), ".".into()));
        assert_eq!(split_package("lodash-es/map"), ("lodash-es".into(), "./map".into()));
        assert_eq!(split_package("@scope/pkg/a/b"), ("@scope/pkg".into(), "./a/b".into()));
    }

    #[test]
    fn exports_prefer_import_condition_and_patterns() {
        let exports = serde_json::json!({
            ".": { "require": "./index.cjs", "import": "./index.mjs" },
            "./features/*": { "default": "./dist/features/*.js" }
        });
        assert_eq!(resolve_exports(&exports, "."), Some(("./index.mjs".into(), true)));
        assert_eq!(resolve_exports(&exports, "./features/x"), Some(("./dist/features/x.js".into(), false)));
        assert_eq!(resolve_exports(&exports, "./missing"), None);
        assert_eq!(resolve_exports(&serde_json::json!("./main.js"), "."), Some(("./main.js".into(), false)));
    }

    #[test]
    fn transpiles_typescript_enums_and_types() {
        let (code, map) =
            transpile(Path::new("/app/a.ts"), "enum A { X = 'x' }\ninterface I { a: string }\nexport const v: I = { a: A.X };".into())
                .expect("transpiles");
        assert!(code.contains("\"x\"") || code.contains("'x'"), "{code}");
        assert!(!code.contains("interface"));
        assert!(map.is_some());
    }

    #[test]
    fn syntax_errors_name_the_problem() {
        let error = transpile(Path::new("/app/bad.ts"), "export const = 1;".into()).expect_err("must fail");
        assert!(error.contains("bad.ts"), "{error}");
    }
}
