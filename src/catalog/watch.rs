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
/// happened under. Changes under `skip` (canonical paths, such as a data
/// directory kept inside an app folder) are not reported.
pub fn watch(roots: Vec<PathBuf>, skip: Vec<PathBuf>) -> Result<(AppWatcher, mpsc::UnboundedReceiver<PathBuf>), notify::Error> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let watched = roots.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in event.paths.iter().filter(|path| !ignored(path) && !skip.iter().any(|dir| path.starts_with(dir))) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn changes_under_a_skipped_folder_are_not_reported() {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path().canonicalize().expect("canonical");
        let state = root.join("state");
        std::fs::create_dir_all(&state).expect("mkdir");
        let (_watcher, mut changes) = watch(vec![root.clone()], vec![state.clone()]).expect("watch");
        std::fs::write(state.join("switchboard.db"), "written by every run").expect("write");
        let quiet = tokio::time::timeout(Duration::from_millis(500), changes.recv()).await;
        assert!(quiet.is_err(), "a write under the skipped folder was reported: {quiet:?}");
        std::fs::write(root.join("edit.ts"), "export default 1;").expect("write");
        let reported = tokio::time::timeout(Duration::from_secs(10), changes.recv()).await;
        assert_eq!(reported.ok().flatten(), Some(root));
    }
}
