//! Where an import or a `require()` of app code leads, with the semantics of
//! the build Twenty runs (esbuild, `platform: node`): package.json `exports`
//! and `imports` under the conditions `node`, `import` or `require`,
//! `module` and `default`; the `main` then `module` fields; extension and
//! `index` probing, `./x.js` naming `x.ts`; and tsconfig.json `baseUrl` and
//! `paths`, following `extends`. The resolving itself is oxc_resolver's;
//! this module gives it a file system that ends at the app folder (and
//! leaves out the gateway's own files in it), so resolution never looks
//! outside, and it says which format a resolved file has.

use oxc_resolver::{
    FileMetadata, FileSystem, FileSystemOs, ResolveError, ResolveOptions, ResolverGeneric, TsconfigDiscovery, TsconfigOptions,
    TsconfigReferences,
};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Node's built-in modules (Node 22), as bare names; `node:`-prefixed
/// specifiers name them too. Bare names win over packages of the same name,
/// as in Node.
pub(crate) const NODE_BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
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
    "dns/promises",
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
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// The Node built-in a specifier names, if it names one.
pub(crate) fn node_builtin(specifier: &str) -> Option<&'static str> {
    let bare = specifier.strip_prefix("node:").unwrap_or(specifier);
    NODE_BUILTINS.iter().copied().find(|name| *name == bare)
}

/// How a resolved file is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    EsModule,
    CommonJs,
    Json,
    /// A `.js`/`.jsx` file outside a `"type": "module"` package: CommonJS
    /// or an ES module by its syntax, as esbuild decides.
    BySyntax,
}

/// The file system resolution sees: the app folder, without the gateway's
/// own files. Anything else does not exist.
#[derive(Clone)]
struct Confined {
    root: Option<PathBuf>,
    sealed: Arc<[PathBuf]>,
}

impl Confined {
    fn check(&self, path: &Path) -> io::Result<()> {
        let folded = super::loader::lexical(path);
        let inside = self.root.as_ref().is_some_and(|root| folded.starts_with(root));
        if inside && !self.sealed.iter().any(|sealed| folded.starts_with(sealed)) {
            Ok(())
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    }
}

impl FileSystem for Confined {
    fn new() -> Self {
        Self { root: None, sealed: Arc::from([]) }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.check(path)?;
        std::fs::read(path)
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        self.check(path)?;
        std::fs::read_to_string(path)
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        self.check(path)?;
        std::fs::metadata(path).map(FileMetadata::from)
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<FileMetadata> {
        self.check(path)?;
        std::fs::symlink_metadata(path).map(FileMetadata::from)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, ResolveError> {
        self.check(path)?;
        FileSystemOs::read_link(path)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.check(path)?;
        let canonical = std::fs::canonicalize(path)?;
        self.check(&canonical)?;
        Ok(canonical)
    }
}

/// The two resolvers of one app (import and require conditions), sharing
/// one cache of package.json and tsconfig files.
pub(crate) struct Resolvers {
    import: ResolverGeneric<Confined>,
    require: ResolverGeneric<Confined>,
    root: PathBuf,
    /// Whether a folder's nearest package.json says `"type": "module"`.
    module_scopes: Mutex<HashMap<PathBuf, bool>>,
}

impl std::fmt::Debug for Resolvers {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Resolvers").field("root", &self.root).finish_non_exhaustive()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

impl Resolvers {
    /// `root` is canonical; `sealed` are the gateway's own files in it.
    pub(crate) fn new(root: &Path, sealed: &[PathBuf]) -> Self {
        let file_system = Confined { root: Some(root.to_path_buf()), sealed: Arc::from(sealed) };
        let tsconfig = root.join("tsconfig.json");
        let options = ResolveOptions {
            tsconfig: tsconfig
                .is_file()
                .then_some(TsconfigDiscovery::Manual(TsconfigOptions { config_file: tsconfig, references: TsconfigReferences::Disabled })),
            condition_names: strings(&["node", "import", "module"]),
            extensions: strings(&[".tsx", ".ts", ".jsx", ".js", ".mts", ".mjs", ".cts", ".cjs", ".json"]),
            extension_alias: vec![
                (".js".to_owned(), strings(&[".ts", ".tsx", ".js"])),
                (".jsx".to_owned(), strings(&[".tsx", ".jsx"])),
                (".mjs".to_owned(), strings(&[".mts", ".mjs"])),
                (".cjs".to_owned(), strings(&[".cts", ".cjs"])),
            ],
            main_fields: strings(&["main", "module"]),
            node_path: false,
            builtin_modules: false,
            ..ResolveOptions::default()
        };
        let require_options = ResolveOptions { condition_names: strings(&["node", "require", "module"]), ..options.clone() };
        let import = ResolverGeneric::new_with_file_system(file_system, options);
        let require = import.clone_with_options(require_options);
        Self { import, require, root: root.to_path_buf(), module_scopes: Mutex::new(HashMap::new()) }
    }

    /// Resolves `specifier` as written in the file `from` (a real path in
    /// the app); `require` picks the `require` condition over `import`.
    pub(crate) fn resolve(&self, from: &Path, specifier: &str, require: bool) -> Result<PathBuf, Failure> {
        let resolver = if require { &self.require } else { &self.import };
        let outcome = if from.is_dir() { resolver.resolve(from, specifier) } else { resolver.resolve_file(from, specifier) };
        match outcome {
            Ok(resolution) => Ok(resolution.into_path_buf()),
            Err(ResolveError::NotFound(_)) => Err(Failure::NotFound),
            Err(ResolveError::PackagePathNotExported { subpath, .. }) => Err(Failure::NotExported(subpath.to_string())),
            Err(ResolveError::TsconfigNotFound(_)) | Err(ResolveError::TsconfigLoadFailed { .. }) => {
                Err(Failure::Other("tsconfig.json (or a config it extends) cannot be read".to_owned()))
            }
            Err(error) => Err(Failure::Other(error.to_string().replace(&format!("{}/", self.root.display()), ""))),
        }
    }

    /// The format of a resolved file, by its extension and the nearest
    /// package.json's `type`.
    pub(crate) fn format(&self, path: &Path) -> Format {
        match path.extension().and_then(|ext| ext.to_str()).unwrap_or_default() {
            "json" => Format::Json,
            "mjs" | "mts" | "ts" | "tsx" => Format::EsModule,
            "cjs" | "cts" => Format::CommonJs,
            _ if self.in_module_scope(path) => Format::EsModule,
            _ => Format::BySyntax,
        }
    }

    /// Whether code in `path` reads a CommonJS module's default export as
    /// Node does (always `module.exports`), which esbuild applies to `.mjs`
    /// and `.mts` files and to files in a `"type": "module"` package.
    pub(crate) fn node_mode(&self, path: &Path) -> bool {
        match path.extension().and_then(|ext| ext.to_str()).unwrap_or_default() {
            "mjs" | "mts" => true,
            "cjs" | "cts" | "json" => false,
            _ => self.in_module_scope(path),
        }
    }

    fn in_module_scope(&self, path: &Path) -> bool {
        let Some(dir) = path.parent() else { return false };
        if let Some(known) = self.module_scopes.lock().ok().and_then(|scopes| scopes.get(dir).copied()) {
            return known;
        }
        let mut current = Some(dir);
        let mut is_module = false;
        while let Some(folder) = current {
            if let Ok(text) = std::fs::read_to_string(folder.join("package.json")) {
                is_module = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .is_some_and(|manifest| manifest.get("type").and_then(serde_json::Value::as_str) == Some("module"));
                break;
            }
            if folder == self.root {
                break;
            }
            current = folder.parent();
        }
        if let Ok(mut scopes) = self.module_scopes.lock() {
            scopes.insert(dir.to_path_buf(), is_module);
        }
        is_module
    }
}

/// Why a specifier did not resolve.
#[derive(Debug)]
pub(crate) enum Failure {
    NotFound,
    NotExported(String),
    Other(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_named_with_or_without_the_prefix() {
        assert_eq!(node_builtin("node:fs"), Some("fs"));
        assert_eq!(node_builtin("stream/promises"), Some("stream/promises"));
        assert_eq!(node_builtin("node:nope"), None);
        assert_eq!(node_builtin("lodash"), None);
    }

    #[test]
    fn the_confined_file_system_ends_at_the_root() {
        let fs = Confined { root: Some(PathBuf::from("/srv/app")), sealed: Arc::from([PathBuf::from("/srv/app/.data")]) };
        assert!(fs.check(Path::new("/srv/app/src/a.ts")).is_ok());
        assert!(fs.check(Path::new("/srv/app/../other/a.ts")).is_err());
        assert!(fs.check(Path::new("/srv/app/.data/store.db")).is_err());
        assert!(fs.check(Path::new("/srv/node_modules/x/package.json")).is_err());
        assert!(Confined::new().check(Path::new("/srv/app/a.ts")).is_err());
    }
}
