//! Swaps extension sources that deno_core would read from disk at start-up
//! for copies embedded at build time (see `build.rs`), so the binary does
//! not depend on the cargo registry it was built from.

use deno_core::{Extension, ExtensionFileSource, ExtensionFileSourceCode};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

include!(concat!(env!("OUT_DIR"), "/embedded_sources.rs"));

fn table() -> &'static HashMap<&'static str, Arc<str>> {
    static TABLE: OnceLock<HashMap<&'static str, Arc<str>>> = OnceLock::new();
    TABLE.get_or_init(|| EMBEDDED.iter().map(|(path, code)| (*path, Arc::from(*code))).collect())
}

fn embed(files: &[ExtensionFileSource]) -> Cow<'static, [ExtensionFileSource]> {
    let table = table();
    let swapped: Vec<ExtensionFileSource> = files
        .iter()
        .map(|file| match &file.code {
            ExtensionFileSourceCode::LoadedFromFsDuringSnapshot(path) => match table.get(path) {
                Some(code) => ExtensionFileSource::new_computed(file.specifier, code.clone()),
                None => file.clone(),
            },
            _ => file.clone(),
        })
        .collect();
    Cow::Owned(swapped)
}

/// Replaces on-disk sources of `extension` with embedded ones.
pub(crate) fn embed_sources(mut extension: Extension) -> Extension {
    extension.js_files = embed(&extension.js_files);
    extension.esm_files = embed(&extension.esm_files);
    extension.lazy_loaded_js_files = embed(&extension.lazy_loaded_js_files);
    extension.lazy_loaded_esm_files = embed(&extension.lazy_loaded_esm_files);
    extension
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extension_source_is_embedded() {
        assert!(EMBEDDED.len() > 30, "only {} sources embedded", EMBEDDED.len());
        let web =
            embed_sources(deno_web::deno_web::init(std::sync::Arc::new(deno_web::BlobStore::default()), None, false, Default::default()));
        for file in web.lazy_loaded_js_files.iter().chain(web.esm_files.iter()) {
            assert!(
                !matches!(file.code, ExtensionFileSourceCode::LoadedFromFsDuringSnapshot(_)),
                "{} would be read from disk",
                file.specifier
            );
        }
    }
}
