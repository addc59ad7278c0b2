//! What a front component's bundle would import: Twenty's manifest records
//! whether it imports `twenty-client-sdk/core` or `/metadata`
//! (`usesSdkClient`), which its CLI reads from esbuild's list of the
//! bundle's external imports. Here the
//! same answer comes from the component's static import graph, followed
//! through the app's own files (the packages it bundles are not followed).

use crate::sandbox::AppCode;
use deno_ast::swc::ast::{ModuleDecl, ModuleItem};
use std::collections::HashSet;
use std::path::Path;

/// The entry points Twenty's front-component build keeps external, whose
/// import sets `usesSdkClient` (the others, like `/rest`, are bundled).
const EXTERNAL_CLIENTS: &[&str] = &["twenty-client-sdk/core", "twenty-client-sdk/metadata"];

/// How many of the app's files one walk reads at most.
const MAX_FILES: usize = 512;

/// Whether the module at `path`, or an app file it imports, imports
/// `twenty-client-sdk` or one of its entry points.
pub(crate) fn imports_client_sdk(code: &AppCode, path: &Path) -> bool {
    let mut seen = HashSet::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(file) = pending.pop() {
        if seen.len() >= MAX_FILES || !seen.insert(file.clone()) {
            continue;
        }
        for specifier in static_imports(&file) {
            if EXTERNAL_CLIENTS
                .iter()
                .any(|entry| specifier == *entry || specifier.strip_prefix(entry).is_some_and(|rest| rest.starts_with('/')))
            {
                return true;
            }
            if let Some(found) = code.resolve_import(&file, &specifier)
                && !found.components().any(|part| part.as_os_str() == "node_modules")
            {
                pending.push(found);
            }
        }
    }
    false
}

/// The specifiers of a file's static imports and re-exports.
fn static_imports(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let Ok(parsed) = crate::sandbox::parse(path, text) else { return Vec::new() };
    let deno_ast::ProgramRef::Module(module) = parsed.program_ref() else { return Vec::new() };
    module
        .body
        .iter()
        .filter_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => Some(&import.src),
            ModuleItem::ModuleDecl(ModuleDecl::ExportAll(export)) => Some(&export.src),
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(export)) => export.src.as_ref(),
            _ => None,
        })
        .map(|source| source.value.to_string_lossy().into_owned())
        .collect()
}
