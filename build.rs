//! Embeds the JavaScript of deno's extension crates (and our bootstrap) in
//! the binary. deno_core 0.413 records extension sources as paths and reads
//! them from disk when a runtime starts unless a snapshot holds them, which
//! would tie the binary to the cargo registry it was built from. This script
//! finds those files (crate versions from Cargo.lock, sources under
//! CARGO_HOME) and generates a path → `include_str!` table that
//! `sandbox::embedded` swaps in at start-up. Anything not found here is still
//! read from disk, with a build warning.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const EXTENSION_CRATES: &[&str] = &["deno_webidl", "deno_web", "deno_net", "deno_telemetry", "deno_fetch", "deno_crypto"];

fn locked_versions(lock: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"').to_owned());
        } else if let Some(value) = line.strip_prefix("version = ")
            && let Some(current) = name.take()
            && EXTENSION_CRATES.contains(&current.as_str())
        {
            found.push((current, value.trim_matches('"').to_owned()));
        }
    }
    found
}

fn registry_dirs(cargo_home: &Path, crate_dir: &str) -> Option<PathBuf> {
    let src = cargo_home.join("registry").join("src");
    std::fs::read_dir(src).ok()?.flatten().map(|index| index.path().join(crate_dir)).find(|dir| dir.is_dir())
}

fn sources_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).map(|entries| entries.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.retain(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        (name.ends_with(".js") || name.ends_with(".ts")) && !name.ends_with(".d.ts")
    });
    files.sort();
    files
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/sandbox/js/bootstrap.js");
    println!("cargo:rerun-if-changed=src/sandbox/js/commonjs.js");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_default();
    let lock = std::fs::read_to_string(manifest_dir.join("Cargo.lock")).unwrap_or_default();
    let mut files = vec![manifest_dir.join("src/sandbox/js/bootstrap.js"), manifest_dir.join("src/sandbox/js/commonjs.js")];
    for (name, version) in locked_versions(&lock) {
        match registry_dirs(&cargo_home, &format!("{name}-{version}")) {
            Some(dir) => files.extend(sources_in(&dir)),
            None => println!(
                "cargo:warning={name}-{version} sources not found under {}: its JavaScript will be read from disk at run time",
                cargo_home.display()
            ),
        }
    }
    let mut table =
        String::from("/// Extension sources by the path deno_core records for them.\npub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for file in files {
        // Files of this crate are named relative to CARGO_MANIFEST_DIR at
        // compile time, so two clones sharing one target directory (as CI
        // does) never include each other's copy.
        match file.strip_prefix(&manifest_dir) {
            Ok(relative) => {
                let relative = format!("/{}", relative.to_string_lossy());
                let _ = writeln!(
                    table,
                    "    (concat!(env!(\"CARGO_MANIFEST_DIR\"), {relative:?}), include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {relative:?}))),"
                );
            }
            Err(_) => {
                let path = file.to_string_lossy();
                let _ = writeln!(table, "    ({path:?}, include_str!({path:?})),");
            }
        }
    }
    table.push_str("];\n");
    if let Err(error) = std::fs::write(out_dir.join("embedded_sources.rs"), table) {
        println!("cargo:warning=cannot write the embedded source table: {error}");
    }
    shipped_library(&manifest_dir, &out_dir);
}

/// Embeds the project's own `skills/` and `agents/` so every binary serves them.
fn shipped_library(manifest_dir: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-changed=skills");
    println!("cargo:rerun-if-changed=agents");
    let mut files = Vec::new();
    for top in ["skills", "agents"] {
        collect(manifest_dir, &manifest_dir.join(top), &mut files);
    }
    files.sort();
    let mut table =
        String::from("/// The shipped skills and agents: path relative to the project, text.\nstatic SHIPPED: &[(&str, &str)] = &[\n");
    for relative in files {
        let _ = writeln!(table, "    ({relative:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/\", {relative:?}))),");
    }
    table.push_str("];\n");
    if let Err(error) = std::fs::write(out_dir.join("shipped_library.rs"), table) {
        println!("cargo:warning=cannot write the shipped library table: {error}");
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
