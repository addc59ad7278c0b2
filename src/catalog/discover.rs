//! Finds an app's entity files the way Twenty's CLI does: every `.ts`,
//! `.tsx`, `.js` and `.mjs` file under the app (skipping `node_modules`,
//! `dist`, `.twenty`, hidden folders and `*.d.ts`) whose top-level
//! `export default` is a call to a known `define*` function.

use super::{EntityKind, Problem};
use deno_ast::ProgramRef;
use deno_ast::swc::ast::{Callee, Expr, ModuleDecl, ModuleItem};
use std::path::{Path, PathBuf};

/// One file whose default export is a `define*` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityFile {
    pub path: PathBuf,
    /// Path relative to the app root, with `/` separators.
    pub relative: String,
    pub kind: EntityKind,
    /// The callee, e.g. `defineLogicFunction`.
    pub callee: String,
}

const SKIPPED_DIRS: &[&str] = &["node_modules", "dist", ".twenty"];

fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    if name.ends_with(".d.ts") {
        return false;
    }
    matches!(path.extension().and_then(|ext| ext.to_str()), Some("ts" | "tsx" | "js" | "mjs"))
}

/// Walks `root` and returns the entity files (sorted by path) and the
/// problems found on the way (unreadable files, syntax errors).
pub fn discover(root: &Path) -> (Vec<EntityFile>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let walker = walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|entry| {
        if entry.depth() == 0 || !entry.file_type().is_dir() {
            return true;
        }
        let name = entry.file_name().to_string_lossy();
        !(SKIPPED_DIRS.contains(&name.as_ref()) || name.starts_with('.'))
    });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(Problem::app(format!("cannot walk the app folder: {error}")));
                continue;
            }
        };
        if !entry.file_type().is_file() || !is_candidate(entry.path()) {
            continue;
        }
        let path = entry.path().to_path_buf();
        let relative = relative_path(root, &path);
        match classify(&path) {
            Ok(Some(callee)) => {
                if let Some(kind) = EntityKind::from_callee(&callee) {
                    files.push(EntityFile { path, relative, kind, callee });
                }
            }
            Ok(None) => {}
            Err(message) => problems.push(Problem::file(&relative, None, message)),
        }
    }
    // Twenty's crawl goes level by level, each listing in byte order; the
    // order decides which of two defineApplication calls wins.
    files.sort_by(|a, b| {
        let depth = |f: &EntityFile| f.relative.matches('/').count();
        depth(a).cmp(&depth(b)).then_with(|| a.relative.as_bytes().cmp(b.relative.as_bytes()))
    });
    (files, problems)
}

/// `root`-relative path with forward slashes.
pub(crate) fn relative_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Returns the callee name when the file's default export is `name(...)`.
fn classify(path: &Path) -> Result<Option<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read the file: {error}"))?;
    if !text.contains("export default") {
        return Ok(None);
    }
    let parsed = crate::sandbox::parse(path, text).map_err(|diagnostic| format!("syntax error: {diagnostic}"))?;
    let ProgramRef::Module(module) = parsed.program_ref() else {
        return Ok(None);
    };
    for item in &module.body {
        // Like Twenty's CLI, only a bare `export default defineX(...)` counts:
        // parentheses, `as`, `satisfies` or an aliased callee do not.
        if let ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) = item {
            if let Expr::Call(call) = export.expr.as_ref()
                && let Callee::Expr(callee) = &call.callee
                && let Expr::Ident(ident) = callee.as_ref()
            {
                return Ok(Some(ident.sym.to_string()));
            }
            return Ok(None);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, relative: &str, text: &str) {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn finds_define_calls_and_skips_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "src/app.ts", "import { defineApplication } from 'twenty-sdk/define';\nexport default defineApplication({});");
        write(root, "src/fn.ts", "export default defineLogicFunction({} as any);");
        write(root, "src/wrapped.ts", "export default (defineLogicFunction({}) as any);");
        write(root, "src/util.ts", "export const x = 1; export default x;");
        write(root, "src/types.d.ts", "export default defineSkill({});");
        write(root, "node_modules/p/index.ts", "export default defineSkill({});");
        write(root, "dist/a.ts", "export default defineSkill({});");
        write(root, "src/other.ts", "export default somethingElse({});");
        let (files, problems) = discover(root);
        assert!(problems.is_empty(), "{problems:?}");
        let found: Vec<_> = files.iter().map(|f| (f.relative.as_str(), f.kind)).collect();
        assert_eq!(found, vec![("src/app.ts", EntityKind::Application), ("src/fn.ts", EntityKind::LogicFunction)]);
    }

    #[test]
    fn reports_syntax_errors_with_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "src/broken.ts", "export default defineSkill({ name: });");
        let (files, problems) = discover(dir.path());
        assert!(files.is_empty());
        assert_eq!(problems.len(), 1);
        let text = problems[0].to_string();
        assert!(text.starts_with("src/broken.ts: syntax error"), "{text}");
    }
}
