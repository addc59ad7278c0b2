//! CommonJS in the sandbox, with the interop of the build Twenty runs
//! (esbuild): `require()` of files, JSON, packages and Node built-ins, and
//! ES-module facades so `import` of a CommonJS module gets `module.exports`
//! as its default export (or `exports.default` when `__esModule` is set and
//! the importer is not in Node mode) and its properties, as Node's CommonJS
//! export detection finds them, as named exports.
//!
//! The host side is here: the two ops `require` is built on (where a
//! specifier leads, and the source to compile), the facades, and the
//! export-name analysis. The module cache, the wrapper function and
//! `createRequire` are in `js/commonjs.js`. Node's built-in modules are
//! CommonJS sources of our own under `js/node/`, compiled the first time
//! something imports them.

use super::loader::{AppCode, AppLoader, Located, ModuleKind};
use deno_core::{OpState, op2};
use deno_error::JsErrorBox;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

/// The global the bootstrap defines (read-only, permanent) with
/// `requireBuiltin` and `createRequire`, for the facades: modules loaded
/// at run time cannot import `ext:` modules. It hands app code nothing
/// `node:module` does not.
const COMMONJS_GLOBAL: &str = "__switchboard_commonjs";

/// How deep re-exports (`module.exports = require('./x')`) are followed
/// when collecting a facade's names.
const REEXPORT_DEPTH: usize = 16;

/// Node's built-in modules that switchboard provides, with their sources.
/// A name missing here but in `resolve::NODE_BUILTINS` is refused on import.
fn builtin_script(name: &str) -> Option<&'static str> {
    Some(match name {
        "path" | "path/posix" => include_str!("js/node/path.js"),
        "events" => include_str!("js/node/events.js"),
        "os" => include_str!("js/node/os.js"),
        "process" => "module.exports = internals.process;\n",
        "util" | "sys" => include_str!("js/node/util.js"),
        "util/types" => include_str!("js/node/util_types.js"),
        "timers" => include_str!("js/node/timers.js"),
        "timers/promises" => include_str!("js/node/timers_promises.js"),
        "crypto" => include_str!("js/node/crypto.js"),
        "url" => include_str!("js/node/url.js"),
        "querystring" => include_str!("js/node/querystring.js"),
        "string_decoder" => include_str!("js/node/string_decoder.js"),
        "assert" => include_str!("js/node/assert.js"),
        "assert/strict" => "module.exports = require('assert').strict;\n",
        "buffer" => include_str!("js/node/buffer.js"),
        "zlib" => include_str!("js/node/zlib.js"),
        "async_hooks" => include_str!("js/node/async_hooks.js"),
        "stream" => include_str!("js/node/stream.js"),
        "stream/promises" => include_str!("js/node/stream_promises.js"),
        "http" => include_str!("js/node/http.js"),
        "https" => include_str!("js/node/https.js"),
        _ => return None,
    })
}

/// Modules that import fine, because libraries import them at top level,
/// and whose every function throws: (name, why, exported names).
const UNAVAILABLE: &[(&str, &str, &[&str])] = &[
    (
        "fs",
        "app code has no filesystem",
        &[
            "access",
            "accessSync",
            "appendFile",
            "appendFileSync",
            "chmod",
            "chmodSync",
            "close",
            "closeSync",
            "copyFile",
            "copyFileSync",
            "cp",
            "cpSync",
            "createReadStream",
            "createWriteStream",
            "exists",
            "existsSync",
            "fstat",
            "fstatSync",
            "lstat",
            "lstatSync",
            "mkdir",
            "mkdirSync",
            "mkdtemp",
            "mkdtempSync",
            "open",
            "openSync",
            "opendir",
            "opendirSync",
            "read",
            "readSync",
            "readdir",
            "readdirSync",
            "readFile",
            "readFileSync",
            "readlink",
            "readlinkSync",
            "realpath",
            "realpathSync",
            "rename",
            "renameSync",
            "rm",
            "rmSync",
            "rmdir",
            "rmdirSync",
            "stat",
            "statSync",
            "symlink",
            "symlinkSync",
            "truncate",
            "truncateSync",
            "unlink",
            "unlinkSync",
            "unwatchFile",
            "utimes",
            "utimesSync",
            "watch",
            "watchFile",
            "write",
            "writeSync",
            "writeFile",
            "writeFileSync",
        ],
    ),
    (
        "fs/promises",
        "app code has no filesystem",
        &[
            "access",
            "appendFile",
            "chmod",
            "copyFile",
            "cp",
            "lstat",
            "mkdir",
            "mkdtemp",
            "open",
            "opendir",
            "readdir",
            "readFile",
            "readlink",
            "realpath",
            "rename",
            "rm",
            "rmdir",
            "stat",
            "symlink",
            "truncate",
            "unlink",
            "utimes",
            "watch",
            "writeFile",
        ],
    ),
    ("child_process", "app code cannot start processes", &["exec", "execFile", "execFileSync", "execSync", "fork", "spawn", "spawnSync"]),
    (
        "net",
        "app code reaches the network only through fetch (and http/https)",
        &["connect", "createConnection", "createServer", "isIP", "isIPv4", "isIPv6", "Server", "Socket"],
    ),
    ("tls", "app code reaches the network only through fetch", &["connect", "createSecureContext", "createServer", "TLSSocket"]),
    ("dgram", "app code reaches the network only through fetch", &["createSocket", "Socket"]),
    ("dns", "app code reaches the network only through fetch", &["lookup", "resolve", "resolve4", "resolve6", "reverse"]),
    ("dns/promises", "app code reaches the network only through fetch", &["lookup", "resolve", "resolve4", "resolve6", "reverse"]),
    ("http2", "app code reaches the network only through fetch", &["connect", "createServer", "createSecureServer"]),
    ("cluster", "app code cannot start processes", &["fork", "setupPrimary", "setupMaster"]),
    (
        "vm",
        "app code cannot create new JavaScript contexts",
        &["createContext", "runInContext", "runInNewContext", "runInThisContext", "Script"],
    ),
    ("worker_threads", "app code cannot start threads", &["Worker", "MessageChannel", "receiveMessageOnPort"]),
    ("inspector", "the sandbox has no inspector", &["open", "close", "url", "waitForDebugger", "Session"]),
    ("child_process/promises", "app code cannot start processes", &[]),
    ("readline", "the sandbox has no terminal", &["createInterface", "clearLine", "cursorTo"]),
    ("repl", "the sandbox has no terminal", &["start"]),
    ("tty", "the sandbox has no terminal", &["isatty", "ReadStream", "WriteStream"]),
    ("v8", "the engine is not V8", &["getHeapStatistics", "serialize", "deserialize", "setFlagsFromString"]),
    ("wasi", "the sandbox has no WASI", &["WASI"]),
    ("trace_events", "the sandbox has no tracing", &["createTracing", "getEnabledCategories"]),
];

fn unavailable(name: &str) -> Option<(&'static str, &'static [&'static str])> {
    UNAVAILABLE.iter().find(|(module, ..)| *module == name).map(|(_, why, names)| (*why, *names))
}

/// The exported names of the module `module` itself (implemented in
/// `js/commonjs.js`).
const MODULE_NAMES: &[&str] = &["createRequire", "builtinModules", "isBuiltin", "Module"];

/// The exported names of `process` (the bootstrap's `sandboxProcess`).
const PROCESS_NAMES: &[&str] = &[
    "arch",
    "argv",
    "argv0",
    "cwd",
    "emit",
    "emitWarning",
    "env",
    "execArgv",
    "execPath",
    "exit",
    "exitCode",
    "hrtime",
    "memoryUsage",
    "nextTick",
    "off",
    "on",
    "once",
    "pid",
    "platform",
    "ppid",
    "release",
    "stderr",
    "stdout",
    "title",
    "umask",
    "uptime",
    "version",
    "versions",
];

/// The CommonJS source of a Node built-in, or why there is none.
fn builtin_source(name: &str) -> Result<String, String> {
    if let Some(source) = builtin_script(name) {
        return Ok(source.to_owned());
    }
    if let Some((why, names)) = unavailable(name) {
        return Ok(format!(
            "module.exports = internals.unavailable({}, {}, {});\n",
            Value::from(name),
            Value::from(why),
            Value::from(names.iter().map(|name| Value::from(*name)).collect::<Vec<_>>())
        ));
    }
    Err(format!("Node built-in module '{name}' is not available in the switchboard sandbox yet"))
}

/// The names a built-in's facade exports.
fn builtin_names(name: &str) -> Result<Vec<String>, String> {
    match name {
        "module" => return Ok(MODULE_NAMES.iter().map(|name| (*name).to_owned()).collect()),
        "process" => return Ok(PROCESS_NAMES.iter().map(|name| (*name).to_owned()).collect()),
        // `require('assert').strict` has the same members as `assert`.
        "assert/strict" => return builtin_names("assert"),
        _ => {}
    }
    if let Some((_, names)) = unavailable(name) {
        return Ok(names.iter().map(|name| (*name).to_owned()).collect());
    }
    let source = builtin_source(name)?;
    let parsed = deno_ast::parse_script(deno_ast::ParseParams {
        specifier: deno_core::ModuleSpecifier::parse(&format!("node:{name}")).map_err(|error| error.to_string())?,
        text: source.into(),
        media_type: deno_ast::MediaType::JavaScript,
        capture_tokens: false,
        scope_analysis: false,
        maybe_syntax: None,
    })
    .map_err(|error| format!("node:{name}: {error}"))?;
    let analysis = parsed.analyze_cjs();
    let mut names = analysis.exports;
    for reexport in analysis.reexports {
        if let Some(inner) = super::resolve::node_builtin(&reexport) {
            names.extend(builtin_names(inner)?);
        }
    }
    Ok(names)
}

/// Export names a facade can declare: identifiers other than `default`.
fn exportable(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    names
        .into_iter()
        .filter(|name| {
            let mut chars = name.chars();
            let starts = chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$');
            starts && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') && name != "default" && name != "__esModule"
        })
        .filter(|name| seen.insert(name.clone()))
        .collect()
}

/// Binds `module` and exports its default and named exports.
fn facade(require: &str, names: &[String], default: &str) -> String {
    let mut code = format!("{require}\nexport default {default};\n");
    for (index, name) in names.iter().enumerate() {
        code.push_str(&format!("const __e{index} = __m[{}];\nexport {{ __e{index} as {name} }};\n", Value::from(name.as_str())));
    }
    code
}

/// The ES module behind `node:<name>`.
pub(crate) fn builtin_facade(name: &str) -> Result<String, String> {
    let names = exportable(builtin_names(name)?);
    let require = format!("const __m = globalThis.{COMMONJS_GLOBAL}.requireBuiltin({});", Value::from(name));
    Ok(facade(&require, &names, "__m"))
}

/// The ES module an `import` of the CommonJS file at `virtual_path` gets.
pub(crate) fn file_facade(virtual_path: &str, names: &[String], node_mode: bool) -> String {
    let require = format!("const __m = globalThis.{COMMONJS_GLOBAL}.createRequire(import.meta.url)({});", Value::from(virtual_path));
    let default = if node_mode { "__m" } else { "(__m && __m.__esModule ? __m.default : __m)" };
    facade(&require, &exportable(names.iter().cloned()), default)
}

/// The export names of a CommonJS file: those it assigns, and those of the
/// modules it re-exports, followed a bounded number of levels.
pub(crate) fn export_names(loader: &AppLoader, app: &AppCode, path: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut seen = HashSet::new();
    collect_names(loader, app, path, 0, &mut seen, &mut names);
    names
}

fn collect_names(
    loader: &AppLoader,
    app: &AppCode,
    path: &Path,
    depth: usize,
    seen: &mut HashSet<std::path::PathBuf>,
    names: &mut Vec<String>,
) {
    if depth > REEXPORT_DEPTH || !seen.insert(path.to_path_buf()) {
        return;
    }
    let Ok(loaded) = app.load(path) else { return };
    let ModuleKind::CommonJs { exports, reexports } = &loaded.module_type else { return };
    names.extend(exports.iter().cloned());
    for reexport in reexports {
        match loader.locate(app, reexport, Some(path), true) {
            Ok(Located::File(target)) => collect_names(loader, app, &target, depth + 1, seen, names),
            Ok(Located::Node(url)) => names.extend(builtin_names(url.trim_start_matches("node:")).unwrap_or_default()),
            _ => {}
        }
    }
}

fn loader_and_app(state: &OpState) -> Result<(Rc<AppLoader>, std::sync::Arc<AppCode>), JsErrorBox> {
    let loader = state.try_borrow::<Rc<AppLoader>>().ok_or_else(|| JsErrorBox::generic("require() is not available here"))?.clone();
    let app = loader.bound().ok_or_else(|| JsErrorBox::generic("no app is bound to this runtime"))?;
    Ok((loader, app))
}

/// Where `require(specifier)` in the module `from` (a virtual path, or a
/// folder for `createRequire` of one) leads, as JSON:
/// `{"builtin": name}` or `{"path": virtual path, "format": "commonjs" | "json" | "module"}`.
#[op2]
#[string]
pub(crate) fn op_sb_require_resolve(state: &mut OpState, #[string] specifier: &str, #[string] from: &str) -> Result<String, JsErrorBox> {
    let (loader, app) = loader_and_app(state)?;
    let from_real = app.real_of_virtual(Path::new(from));
    let located = loader.locate(&app, specifier, from_real.as_deref(), true).map_err(JsErrorBox::generic)?;
    let answer = match located {
        Located::Node(url) => json!({ "builtin": url.trim_start_matches("node:") }),
        Located::Sdk(url) => json!({ "module": url }),
        Located::File(path) => {
            let loaded = app.load(&path).map_err(JsErrorBox::generic)?;
            let format = match loaded.module_type {
                ModuleKind::CommonJs { .. } => "commonjs",
                ModuleKind::Json => "json",
                ModuleKind::JavaScript => "module",
            };
            let url = app.url_of(&path).map_err(JsErrorBox::generic)?;
            json!({ "path": url.path(), "url": url.as_str(), "format": format })
        }
    };
    Ok(answer.to_string())
}

/// The source `require` compiles: a file's CommonJS code (or JSON text), by
/// virtual path, or a built-in's by `node:<name>`.
#[op2]
#[string]
pub(crate) fn op_sb_require_source(state: &mut OpState, #[string] id: &str) -> Result<String, JsErrorBox> {
    if let Some(name) = id.strip_prefix("node:") {
        return builtin_source(name).map_err(JsErrorBox::generic);
    }
    let (_, app) = loader_and_app(state)?;
    let path = app
        .real_of_virtual(Path::new(id))
        .ok_or_else(|| JsErrorBox::generic(format!("{id} is outside the app folder, which the sandbox cannot read")))?;
    let loaded = app.load(&path).map_err(JsErrorBox::generic)?;
    Ok(loaded.code.to_string())
}

/// The names of Node's built-in modules, for `builtinModules` (JSON).
#[op2]
#[string]
pub(crate) fn op_sb_builtin_modules() -> String {
    Value::from(super::resolve::NODE_BUILTINS.to_vec()).to_string()
}

/// A hash for `crypto.createHash`, computed in one go on the bytes the
/// JavaScript side collected.
#[op2]
#[buffer]
pub(crate) fn op_sb_digest(#[string] algorithm: &str, #[buffer] data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    use sha2::Digest;
    Ok(match algorithm {
        "md5" => md5::Md5::digest(data).to_vec(),
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha224" => sha2::Sha224::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        "sha384" => sha2::Sha384::digest(data).to_vec(),
        "sha512" => sha2::Sha512::digest(data).to_vec(),
        other => return Err(JsErrorBox::type_error(format!("Digest method not supported: {other}"))),
    })
}

/// An HMAC for `crypto.createHmac`.
#[op2]
#[buffer]
pub(crate) fn op_sb_hmac(#[string] algorithm: &str, #[buffer] key: &[u8], #[buffer] data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
    use hmac::{Hmac, Mac};
    fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, JsErrorBox> {
        let mut mac = <M as Mac>::new_from_slice(key).map_err(|error| JsErrorBox::type_error(error.to_string()))?;
        mac.update(data);
        Ok(mac.finalize().into_bytes().to_vec())
    }
    match algorithm {
        "md5" => mac::<Hmac<md5::Md5>>(key, data),
        "sha1" => mac::<Hmac<sha1::Sha1>>(key, data),
        "sha224" => mac::<Hmac<sha2::Sha224>>(key, data),
        "sha256" => mac::<Hmac<sha2::Sha256>>(key, data),
        "sha384" => mac::<Hmac<sha2::Sha384>>(key, data),
        "sha512" => mac::<Hmac<sha2::Sha512>>(key, data),
        other => Err(JsErrorBox::type_error(format!("Invalid digest: {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facades_export_identifiers_but_not_default() {
        let names = exportable(["a".to_owned(), "default".to_owned(), "not-an-identifier".to_owned(), "a".to_owned(), "$b".to_owned()]);
        assert_eq!(names, ["a", "$b"]);
        let code = file_facade("/app/node_modules/x/index.js", &["render".to_owned()], false);
        assert!(code.contains("__m.__esModule ? __m.default : __m"), "{code}");
        assert!(code.contains("export { __e0 as render }"), "{code}");
        assert!(file_facade("/app/x.cjs", &[], true).contains("export default __m;"));
    }

    #[test]
    fn every_builtin_source_parses_and_names_its_exports() {
        for name in super::super::resolve::NODE_BUILTINS {
            match builtin_names(name) {
                Ok(names) => assert!(name == &"process" || !names.is_empty() || unavailable(name).is_some(), "node:{name} exports nothing"),
                Err(error) => assert!(error.contains("not available in the switchboard sandbox yet"), "{error}"),
            }
        }
        assert!(builtin_names("path").expect("path").contains(&"join".to_owned()));
    }
}
