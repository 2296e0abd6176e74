//! Private files written so that a crash never leaves a torn one behind.
//!
//! Config, token caches, cursors and audit state all hold something a user would hate to lose or
//! to share. Every such file is written the same way: a new temp file (mode 0600) in the target's
//! own directory, written and fsynced, renamed over the target, and the directory fsynced so the
//! rename itself survives a power cut. A process that dies before the rename leaves the old file
//! exactly as it was; the stray temp file is private and harmless. Directories are created 0700.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Create `dir` and any missing parents; the ones created here are private (0700).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io(format!("cannot create directory {}", dir.display()), &e))
}

/// Replace `path` with `contents` atomically; the file ends up private (0600).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    stage(path, contents)?.commit()
}

/// New contents written and synced beside their target, not yet in place.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// Write `contents` to a private temp file next to `path`, ready to [`Staged::commit`].
pub fn stage(path: &Path, contents: &[u8]) -> Result<Staged> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let staged = Staged {
        temp,
        target: path.to_path_buf(),
        committed: false,
    };
    let write = |file: &mut File| {
        file.write_all(contents)?;
        file.sync_all()
    };
    options
        .open(&staged.temp)
        .and_then(|mut file| write(&mut file))
        .map_err(|e| Error::io(format!("cannot write {}", staged.target.display()), &e))?;
    Ok(staged)
}

impl Staged {
    /// The temp file that holds the new contents until the commit.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Rename the new contents over the target and make the rename durable.
    pub fn commit(mut self) -> Result<()> {
        fs::rename(&self.temp, &self.target)
            .map_err(|e| Error::io(format!("cannot replace {}", self.target.display()), &e))?;
        self.committed = true;
        sync_dir(parent_dir(&self.target))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: an error path already reports why; a leftover temp file is private.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Hold an exclusive advisory lock on `path` (created 0600 if missing) until the guard drops, so
/// two msgate processes doing read-modify-write on the same file cannot lose each other's change.
pub fn lock_exclusive(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .map_err(|e| Error::io(format!("cannot open lock file {}", path.display()), &e))?;
    file.lock()
        .map_err(|e| Error::io(format!("cannot lock {}", path.display()), &e))?;
    Ok(file)
}

/// Whether group and others have no access at all (always true where modes do not exist).
pub fn is_private(metadata: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o077 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        true
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("cannot sync directory {}", dir.display()), &e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaces_contents_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.toml");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1, "temp files left behind: {entries:?}");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_0600_and_created_dirs_0700() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_private_dir(&nested).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let path = nested.join("f");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert!(is_private(&fs::metadata(&path).unwrap()));
    }

    #[test]
    fn an_abandoned_stage_leaves_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        write_atomic(&path, b"old").unwrap();
        let staged = stage(&path, b"new").unwrap();
        assert_eq!(fs::read(staged.temp_path()).unwrap(), b"new");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        drop(staged);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/f"), b"x").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Io);
        assert!(err.message().contains("nope"), "{}", err.message());
    }
}
