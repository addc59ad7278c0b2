//! Module resolution and loading for user code: relative imports (with or
//! without extension, `index.*`, `./x.js` naming `x.ts`), packages from the
//! app's `node_modules` and tsconfig `paths` (resolved by `resolve.rs`),
//! JSON modules, CommonJS files (behind the facades of `commonjs.rs`), Node's
//! built-ins (`node:` URLs) and the built-in `twenty-sdk` modules. Each file
//! is classified (ES module, CommonJS or JSON) once and, for ES modules,
//! transpiled with deno_ast, and cached per app. Only module files of the
//! app's folder can be imported, outside its hidden folders and the
//! gateway's own files (data folder, variables file): that is the sandbox's
//! only view of the disk. App code sees its files under a virtual root,
//! `file:///app/`, in module URLs, `import.meta` and stack traces, never
//! the host's path; and a specifier that leaves the app gets one answer
//! whether or not the file it names exists.

use super::Error;
use super::resolve::{Failure, Format, Resolvers, node_builtin};
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

/// The code of one app as the sandbox sees it: its folder, and a cache of
/// transpiled sources shared by every runtime that runs the app.
#[derive(Debug)]
pub struct AppCode {
    id: u64,
    root: PathBuf,
    sources: Mutex<HashMap<PathBuf, Arc<Transpiled>>>,
    resolvers: Resolvers,
}

/// Identifies one load of one app; runtimes are bound to it, so a reloaded
/// app never runs in a runtime that holds its old modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppKey(u64);

#[derive(Debug)]
pub(crate) struct Transpiled {
    /// The module's JavaScript: transpiled for ES modules, as written for
    /// CommonJS (which `require` wraps and compiles as a script), the text
    /// of a JSON file.
    pub(crate) code: Arc<str>,
    source_map: Option<Arc<[u8]>>,
    pub(crate) module_type: ModuleKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModuleKind {
    JavaScript,
    Json,
    /// CommonJS, with the export names and re-exported specifiers Node's
    /// CommonJS export detection finds in it.
    CommonJs {
        exports: Vec<String>,
        reexports: Vec<String>,
    },
}

impl AppCode {
    /// `root` must exist; it is canonicalised so the confinement check holds.
    pub fn new(root: &Path) -> Result<Self, Error> {
        let root = root.canonicalize().map_err(|source| Error::AppRoot { path: root.to_path_buf(), source })?;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let resolvers = Resolvers::new(&root, &[]);
        Ok(Self { id, root, sources: Mutex::new(HashMap::new()), resolvers })
    }

    /// The app folder (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The key runtimes are bound to.
    pub fn key(&self) -> AppKey {
        AppKey(self.id)
    }

    /// The app's resolvers.
    pub(crate) fn resolvers(&self) -> &Resolvers {
        &self.resolvers
    }

    /// Reads, classifies and (for ES modules) transpiles a file of the app,
    /// once.
    pub(crate) fn load(&self, path: &Path) -> Result<Arc<Transpiled>, String> {
        if let Some(found) = self.sources.lock().map_err(|_| "source cache poisoned")?.get(path) {
            return Ok(found.clone());
        }
        let mut text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", self.display(path)))?;
        // Twenty's CLI rewrites command availability expressions in the
        // app's own TypeScript before running it; so does the loader.
        let own_typescript = matches!(path.extension().and_then(|ext| ext.to_str()), Some("ts" | "tsx"))
            && !path.components().any(|part| part.as_os_str() == "node_modules");
        if own_typescript && let Some(rewritten) = super::availability::rewrite(&text) {
            text = rewritten;
        }
        // Named by its virtual path, so source maps (and the stacks they
        // produce, which app code can read) hold no host path.
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let virtual_path = Path::new(VIRTUAL_ROOT).join(relative);
        let at = |message: String| format!("{}: {message}", self.display(path));
        let transpiled = match self.resolvers.format(path) {
            Format::Json => Transpiled { code: text.into(), source_map: None, module_type: ModuleKind::Json },
            Format::EsModule => {
                let (code, source_map) = transpile(&virtual_path, text).map_err(at)?;
                es_module(code, source_map)
            }
            format @ (Format::CommonJs | Format::BySyntax) => {
                let parsed = parse_program(&virtual_path, text).map_err(at)?;
                if format == Format::BySyntax && !parsed.compute_is_script() {
                    let (code, source_map) = emit(parsed).map_err(at)?;
                    es_module(code, source_map)
                } else {
                    let analysis = parsed.analyze_cjs();
                    let code: Arc<str> =
                        if parsed.media_type().is_typed() { emit(parsed).map_err(at)?.0.into() } else { parsed.text().clone() };
                    Transpiled {
                        code,
                        source_map: None,
                        module_type: ModuleKind::CommonJs { exports: analysis.exports, reexports: analysis.reexports },
                    }
                }
            }
        };
        let transpiled = Arc::new(transpiled);
        self.sources.lock().map_err(|_| "source cache poisoned")?.insert(path.to_path_buf(), transpiled.clone());
        Ok(transpiled)
    }

    /// Where an `import` of `specifier` in the app file `from` leads, if to
    /// a module file inside the app folder (for reading the import graph;
    /// nothing is loaded).
    pub fn resolve_import(&self, from: &Path, specifier: &str) -> Option<PathBuf> {
        if builtin_url(specifier).is_some() || node_builtin(specifier).is_some() || specifier.contains(':') {
            return None;
        }
        let found = self.resolvers.resolve(from, specifier, false).ok()?.canonicalize().ok()?;
        (found.starts_with(&self.root) && is_module_file(&found)).then_some(found)
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
    pub(crate) fn real_of_virtual(&self, virtual_path: &Path) -> Option<PathBuf> {
        let relative = lexical(virtual_path).strip_prefix(VIRTUAL_ROOT).ok()?.to_path_buf();
        Some(self.root.join(relative))
    }

    /// The real path behind one of the app's module URLs.
    pub(crate) fn path_of(&self, url: &str) -> Option<PathBuf> {
        self.real_of_virtual(&ModuleSpecifier::parse(url).ok()?.to_file_path().ok()?)
    }
}

/// `path` with `.` and `..` folded away, without touching the disk (a `..`
/// above the root stays at the root).
pub(crate) fn lexical(path: &Path) -> PathBuf {
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

/// What the parser is told about a file: its URL and media type. `.cts`
/// is parsed as TypeScript by `parse_program` (CommonJS TypeScript) and as
/// JavaScript by `parse`.
fn parse_params(path: &Path, text: String, cts_as_javascript: bool) -> Result<ParseParams, String> {
    let specifier = ModuleSpecifier::from_file_path(path).map_err(|()| "path cannot be turned into a URL".to_owned())?;
    let media_type = match MediaType::from_path(path) {
        MediaType::Unknown | MediaType::Cjs => MediaType::JavaScript,
        MediaType::Cts if cts_as_javascript => MediaType::JavaScript,
        other => other,
    };
    Ok(ParseParams { specifier, text: text.into(), media_type, capture_tokens: false, scope_analysis: false, maybe_syntax: None })
}

/// Parses a file's source as a module (TypeScript, JSX or JavaScript by its
/// extension); the error is the parser's diagnostic.
pub fn parse(path: &Path, text: String) -> Result<deno_ast::ParsedSource, String> {
    deno_ast::parse_module(parse_params(path, text, true)?).map_err(|diagnostic| diagnostic.to_string())
}

/// Parses a JavaScript (or `.cts`) file as Node would before it knows the
/// format: a module if it has `import`/`export` syntax, else a script.
fn parse_program(path: &Path, text: String) -> Result<deno_ast::ParsedSource, String> {
    deno_ast::parse_program(parse_params(path, text, false)?).map_err(|diagnostic| diagnostic.to_string())
}

/// Transpiles TypeScript/JSX to JavaScript, keeping a separate source map so
/// stack traces point at the original lines.
pub(crate) fn transpile(path: &Path, text: String) -> Result<(String, Option<String>), String> {
    emit(parse(path, text)?)
}

fn emit(parsed: deno_ast::ParsedSource) -> Result<(String, Option<String>), String> {
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

fn es_module(code: String, source_map: Option<String>) -> Transpiled {
    Transpiled { code: code.into(), source_map: source_map.map(|map| Arc::from(map.into_bytes())), module_type: ModuleKind::JavaScript }
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

    /// The app this runtime is bound to, if any.
    pub(crate) fn bound(&self) -> Option<Arc<AppCode>> {
        self.app.borrow().clone()
    }

    fn app(&self) -> Result<Arc<AppCode>, ModuleLoaderError> {
        self.app.borrow().clone().ok_or_else(|| JsErrorBox::generic("no app is bound to this runtime"))
    }

    fn resolve_inner(&self, specifier: &str, referrer: &str) -> Result<ModuleSpecifier, String> {
        if specifier.starts_with("switchboard:") && builtin_url(specifier).is_none() {
            // Our own entry modules; user code gets nothing from naming one.
            return ModuleSpecifier::parse(specifier).map_err(|error| error.to_string());
        }
        let app = self.app().map_err(|error| error.to_string())?;
        let from = app.path_of(referrer);
        match self.locate(&app, specifier, from.as_deref(), false)? {
            Located::Sdk(url) | Located::Node(url) => ModuleSpecifier::parse(&url).map_err(|error| error.to_string()),
            Located::File(path) => {
                let mut url = app.url_of(&path)?;
                // A CommonJS module's default export depends on who imports
                // it (esbuild's `__toESM`): the query picks Node's reading.
                let is_commonjs = matches!(app.load(&path).map(|found| found.module_type.clone()), Ok(ModuleKind::CommonJs { .. }));
                if is_commonjs && from.as_deref().is_some_and(|from| app.resolvers().node_mode(from)) {
                    url.set_query(Some(NODE_MODE_QUERY));
                }
                Ok(url)
            }
        }
    }

    /// Where `specifier`, written in the file `from` (a real path; `None`
    /// for an entry module), leads: a built-in module or a file of the app
    /// that its code may read. `require` picks the `require` condition.
    pub(crate) fn locate(&self, app: &AppCode, specifier: &str, from: Option<&Path>, require: bool) -> Result<Located, String> {
        if let Some(url) = builtin_url(specifier) {
            return Ok(Located::Sdk(url.to_owned()));
        }
        let from_display = from.map(|path| app.display(path)).unwrap_or_else(|| "the app".to_owned());
        if let Some(name) = node_builtin(specifier) {
            return Ok(Located::Node(format!("node:{name}")));
        }
        if let Some(name) = specifier.strip_prefix("node:") {
            return Err(format!("Node has no built-in module named '{name}' (imported from {from_display})"));
        }
        let base = from.unwrap_or(app.root());
        // Absolute paths and file URLs are read under the app's virtual root.
        let absolute = specifier.strip_prefix("file://").or_else(|| specifier.starts_with('/').then_some(specifier));
        let (request, bare) = if let Some(absolute) = absolute {
            let decoded = url::Url::parse(&format!("file://{absolute}"))
                .ok()
                .and_then(|url| url.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(absolute));
            let path = app.real_of_virtual(&decoded).ok_or_else(|| Refusal::Outside.message(specifier, &from_display))?;
            self.screen(app, &path, specifier, &from_display)?;
            (path.display().to_string(), false)
        } else if specifier == "." || specifier == ".." || specifier.starts_with("./") || specifier.starts_with("../") {
            let folder = if base.is_dir() { base } else { base.parent().unwrap_or(app.root()) };
            self.screen(app, &lexical(&folder.join(specifier)), specifier, &from_display)?;
            (specifier.to_owned(), false)
        } else if specifier.contains("://") || specifier.starts_with("npm:") || specifier.starts_with("jsr:") {
            return Err(format!(
                "import of '{specifier}' from {from_display}: only files of the app and packages in its node_modules can be imported"
            ));
        } else {
            (specifier.to_owned(), true)
        };
        let found = app.resolvers().resolve(base, &request, require).map_err(|failure| match failure {
            Failure::NotFound if bare => not_installed(app, specifier, &from_display),
            Failure::NotFound => format!("cannot find module '{specifier}' imported from {from_display}"),
            Failure::NotExported(subpath) => {
                format!("package '{}' does not export '{subpath}' (imported as '{specifier}' from {from_display})", package_name(specifier))
            }
            Failure::Other(message) => format!("cannot resolve '{specifier}' imported from {from_display}: {message}"),
        })?;
        self.confine(app, &found, specifier, &from_display).map(Located::File)
    }
}

/// The query that marks a CommonJS module imported by code in Node mode.
const NODE_MODE_QUERY: &str = "node";

/// What a specifier names.
#[derive(Debug)]
pub(crate) enum Located {
    /// One of the built-in twenty-sdk modules, by URL.
    Sdk(String),
    /// A Node built-in, as `node:<name>`.
    Node(String),
    /// A file of the app (real path, confined).
    File(PathBuf),
}

/// `@scope/name` or `name` of a bare specifier.
fn package_name(specifier: &str) -> String {
    let parts: Vec<&str> = specifier.splitn(3, '/').collect();
    match parts.as_slice() {
        [scope, name, ..] if scope.starts_with('@') => format!("{scope}/{name}"),
        [name, ..] => (*name).to_owned(),
        [] => specifier.to_owned(),
    }
}

/// The error for a bare specifier that is neither an installed package nor
/// mapped by tsconfig.json `paths`; it names both, and says so when the
/// name is a folder of the app (create-twenty-app's `src/...` imports).
fn not_installed(app: &AppCode, specifier: &str, from: &str) -> String {
    let name = package_name(specifier);
    let mut message = format!(
        "cannot find package '{name}' imported from {from}: it is not installed in the app's node_modules (npm install / yarn install), and no tsconfig.json `paths` entry maps '{specifier}'"
    );
    if !name.starts_with('@') && app.root().join(&name).is_dir() {
        message.push_str(&format!(
            "; '{name}' is a folder of the app: map it in tsconfig.json (\"compilerOptions\": {{\"baseUrl\": \".\", \"paths\": {{\"{name}/*\": [\"./{name}/*\"]}}}}) or import it by a relative path"
        ));
    }
    message
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
        let javascript = |code: String| ModuleSource::new(ModuleType::JavaScript, ModuleSourceCode::String(code.into()), specifier, None);
        if specifier.scheme() == BUILTIN_SCHEME {
            let code =
                builtin_source(specifier.as_str()).ok_or_else(|| JsErrorBox::generic(format!("unknown built-in module {specifier}")))?;
            return Ok(javascript(code));
        }
        if specifier.scheme() == "node" {
            return super::commonjs::builtin_facade(specifier.path()).map(javascript).map_err(JsErrorBox::generic);
        }
        let app = self.app()?;
        let path = app
            .path_of(specifier.as_str())
            .ok_or_else(|| JsErrorBox::generic(format!("{specifier} is outside the app folder, which the sandbox cannot read")))?;
        // Resolution checked this already; a specifier reaching the loader
        // some other way is checked again.
        let path = self.confine(&app, &path, specifier.as_str(), "the app").map_err(JsErrorBox::generic)?;
        let transpiled = app.load(&path).map_err(JsErrorBox::generic)?;
        match &transpiled.module_type {
            // esbuild (and so Twenty) imports JSON without an attribute too.
            ModuleKind::Json if options.requested_module_type != RequestedModuleType::Json => {
                serde_json::from_str::<Value>(&transpiled.code)
                    .map_err(|error| JsErrorBox::new("SyntaxError", format!("{}: {error}", app.display(&path))))?;
                Ok(javascript(format!("export default JSON.parse({});\n", js_string(&transpiled.code))))
            }
            ModuleKind::Json => {
                Ok(ModuleSource::new(ModuleType::Json, ModuleSourceCode::String(transpiled.code.to_string().into()), specifier, None))
            }
            ModuleKind::JavaScript => Ok(javascript(transpiled.code.to_string())),
            ModuleKind::CommonJs { .. } => {
                let node_mode = specifier.query() == Some(NODE_MODE_QUERY);
                let names = super::commonjs::export_names(self, &app, &path);
                let virtual_path = app.url_of(&path).map_err(JsErrorBox::generic)?;
                Ok(javascript(super::commonjs::file_facade(virtual_path.path(), &names, node_mode)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
