//! Writing files the user owns without ever leaving them half-written, and saying why one
//! cannot be read.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Replaces `path` with `bytes` in one step: the bytes go to a temporary file in the same
/// directory, which is flushed to disk and then renamed over `path`. A crash leaves either
/// the old file or the new one. The file keeps its permissions when it already exists.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write a temporary file in {}", dir.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Why `path` cannot be opened, given the error of opening it (or of `stat`, which follows
/// symlinks as opening does): a symlink loop and a symlink to nothing are named as such,
/// since the system's own text ("too many levels of symbolic links", "not found") does not
/// point at the link.
pub fn why_unreadable(path: &Path, e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(nix::libc::ELOOP) {
        return format!("{} is a symlink loop (ELOOP: {e})", path.display());
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        if let Ok(target) = std::fs::read_link(path) {
            return format!(
                "{} is a symlink to {}, which does not exist",
                path.display(),
                target.display()
            );
        }
    }
    format!("cannot read {}: {e}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("spin.toml");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing-dir").join("spin.toml");
        assert!(write_atomic(&p, b"new").is_err());
        let q = dir.path().join("f");
        std::fs::write(&q, "old").unwrap();
        // a directory in the file's place cannot be replaced: the old content stays
        let d = dir.path().join("d");
        std::fs::create_dir(&d).unwrap();
        assert!(write_atomic(&d, b"x").is_err());
        assert_eq!(std::fs::read_to_string(&q).unwrap(), "old");
    }
}
