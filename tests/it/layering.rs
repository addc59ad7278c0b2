//! The dependency rules of docs/architecture.md, checked on the source: the
//! engine knows neither the workspace nor what triggers it, and the
//! adapters (`http`, `mcp`, `triggers`) never import each other.

use crate::harness::repo;
use std::path::{Path, PathBuf};

/// The Rust files of a top-level module (`src/NAME.rs` and `src/NAME/`).
fn files_of(module: &str) -> Vec<PathBuf> {
    let src = repo().join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let folder = src.join(module);
    if folder.is_dir() {
        let mut stack = vec![folder];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    files.push(path);
                }
            }
        }
    }
    assert!(!files.is_empty(), "no module {module} under src/");
    files
}

/// Whether `code` (comments removed) names `crate::TARGET`, alone or in a
/// grouped `use crate::{...}` (nested groups too).
fn imports(code: &str, target: &str) -> bool {
    let direct = format!("crate::{target}");
    let named_directly = code.match_indices(&direct).any(|(at, _)| {
        let next = code[at + direct.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    });
    named_directly
        || code.match_indices("crate::{").any(|(at, _)| {
            // The group up to its matching brace, split at its top-level commas.
            let rest = &code[at + "crate::{".len()..];
            let (mut depth, mut items, mut start) = (0usize, Vec::new(), 0);
            for (index, c) in rest.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&rest[start..index]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&rest[start..index]);
                        start = index + 1;
                    }
                    _ => {}
                }
            }
            items.iter().map(|item| item.trim()).any(|item| item == target || item.starts_with(&format!("{target}::")))
        })
}

fn without_comments(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read source");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn violations(module: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files_of(module) {
        let code = without_comments(&file);
        for target in forbidden {
            if imports(&code, target) {
                found.push(format!("{} imports crate::{target}", file.strip_prefix(repo()).unwrap_or(&file).display()));
            }
        }
    }
    found
}

#[test]
fn the_engine_imports_neither_the_workspace_nor_its_callers() {
    let found = violations("engine", &["workspace", "triggers", "events", "http", "mcp", "app"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn adapters_do_not_import_each_other() {
    let adapters = ["http", "mcp", "triggers"];
    let mut found = Vec::new();
    for adapter in adapters {
        let others: Vec<&str> = adapters.iter().copied().filter(|other| *other != adapter).chain(["app"]).collect();
        found.extend(violations(adapter, &others));
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_sees_direct_and_grouped_imports() {
    assert!(imports("use crate::workspace::Workspace;", "workspace"));
    assert!(imports("let w: crate::workspace::Cascade;", "workspace"));
    assert!(imports("use crate::{domain, workspace::Cascade};", "workspace"));
    assert!(imports("use crate::{workspace};", "workspace"));
    assert!(imports("use crate::{domain::{A, B}, workspace::X};", "workspace"));
    assert!(!imports("use crate::{domain::{workspace, B}, other::X};", "workspace"));
    assert!(!imports("use crate::workspaces::Other;", "workspace"));
    assert!(!imports("use crate::domain::Cascade;", "workspace"));
}
