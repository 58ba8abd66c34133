//! `assets!("dir")`: a directory embedded at compile time, as `edgezero_core::assets::Assets`.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proc_macro2::TokenStream;
use quote::quote;
use sha2::{Digest, Sha256};

/// The content type served for a file, by its extension (lower-cased).
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// Every regular file under `dir` (symlinks followed), sorted, as paths relative to `dir`.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let here = dir.join(&rel);
        let entries = std::fs::read_dir(&here)
            .map_err(|e| format!("cannot read the directory {}: {e}", here.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", here.display()))?;
            let name = entry.file_name();
            let Some(name_str) = name.to_str() else {
                return Err(format!(
                    "{}: file names must be UTF-8 to be served",
                    entry.path().display()
                ));
            };
            if name_str.starts_with('.') {
                continue; // .gitignore, .DS_Store and the like are not served
            }
            let meta = std::fs::metadata(entry.path())
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            if meta.is_dir() {
                pending.push(rel.join(&name));
            } else if meta.is_file() {
                out.push(rel.join(&name));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `"<22 characters of SHA-256>"`, the tag `edgezero_core::middleware::strong_etag` gives.
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

pub(crate) fn expand(lit: &syn::LitStr) -> syn::Result<TokenStream> {
    let err = |msg: String| syn::Error::new(lit.span(), msg);
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| err("CARGO_MANIFEST_DIR is not set: assets! runs under cargo".into()))?;
    let dir = Path::new(&root).join(lit.value());
    if !dir.is_dir() {
        return Err(err(format!(
            "assets!: {} is not a directory (the path is relative to the crate's Cargo.toml)",
            dir.display()
        )));
    }
    let all = files(&dir).map_err(err)?;
    let has = |p: &Path| all.iter().any(|f| f == p);
    let mut entries = Vec::new();
    for rel in &all {
        let name = rel.to_string_lossy();
        let sibling = |ext: &str| PathBuf::from(format!("{name}.{ext}"));
        // A precompressed sibling of another file is served as its variant, not on its own.
        if let Some(base) = name
            .strip_suffix(".br")
            .or_else(|| name.strip_suffix(".gz"))
        {
            if has(Path::new(base)) {
                continue;
            }
        }
        let abs = dir.join(rel);
        let bytes =
            std::fs::read(&abs).map_err(|e| err(format!("cannot read {}: {e}", abs.display())))?;
        let url = format!(
            "/{}",
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        );
        let abs_str = abs.to_string_lossy().into_owned();
        let content_type = content_type(rel);
        let tag = etag(&bytes);
        let variant = |ext: &str| {
            let path = sibling(ext);
            if has(&path) {
                let abs = dir.join(path).to_string_lossy().into_owned();
                quote! { ::core::option::Option::Some(include_bytes!(#abs)) }
            } else {
                quote! { ::core::option::Option::None }
            }
        };
        let br = variant("br");
        let gzip = variant("gz");
        entries.push(quote! {
            ::edgezero_core::assets::Asset {
                path: #url,
                content_type: #content_type,
                etag: #tag,
                body: include_bytes!(#abs_str),
                br: #br,
                gzip: #gzip,
            }
        });
    }
    Ok(quote! {
        {
            const FILES: &[::edgezero_core::assets::Asset] = &[#(#entries),*];
            ::edgezero_core::assets::Assets::new(FILES)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            content_type(Path::new("a/index.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("app.mjs")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("font.woff2")), "font/woff2");
        assert_eq!(
            content_type(Path::new("LICENSE")),
            "application/octet-stream"
        );
    }

    #[test]
    fn the_tag_matches_cores() {
        // The value core's strong_etag gives for b"hello" (tests/middleware.rs checks it there).
        assert_eq!(etag(b"hello"), "\"LPJNul-wow4m6Dsqxbning\"");
    }
}
