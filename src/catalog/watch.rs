//! Watches app folders and reports which app changed, ignoring folders that
//! are not the app's source (`node_modules`, `.twenty`, `.git`, `dist`).

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Keeps the watch alive while held.
pub struct AppWatcher {
    _watcher: RecommendedWatcher,
}

impl std::fmt::Debug for AppWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppWatcher")
    }
}

fn ignored(path: &Path) -> bool {
    path.components().any(|part| {
        let name = part.as_os_str().to_string_lossy();
        matches!(name.as_ref(), "node_modules" | ".twenty" | ".git" | "dist" | ".switchboard")
    })
}

/// Starts watching `roots` (canonical paths); each change sends the root it
/// happened under.
pub fn watch(roots: Vec<PathBuf>) -> Result<(AppWatcher, mpsc::UnboundedReceiver<PathBuf>), notify::Error> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let watched = roots.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths.iter().filter(|path| !ignored(path)) {
            if let Some(root) = watched.iter().find(|root| path.starts_with(root)) {
                let _ = sender.send(root.clone());
            }
        }
    })?;
    for root in &roots {
        watcher.watch(root, RecursiveMode::Recursive)?;
    }
    Ok((AppWatcher { _watcher: watcher }, receiver))
}
