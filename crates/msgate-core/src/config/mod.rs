//! The config file: where it lives, how it is read safely, and how it is changed.
//!
//! The file is TOML at `$XDG_CONFIG_HOME/msgate/config.toml` (or `$MSGATE_CONFIG_DIR/config.toml`).
//! It holds preferences and, later, policy — never a secret — but a policy file others can write
//! is a way around the policy, so a file readable or writable by group or others is refused, not
//! used. A file that does not parse is reported and never overwritten: the user's hand edits are
//! worth more than any default. Changes go through [`update`], which edits the parsed document in
//! place (comments, ordering and unknown keys survive), under a lock, and writes it atomically.

pub mod keys;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use crate::atomic;
use crate::env::Env;
use crate::error::{Error, ErrorCode, Result};

pub const FILE_NAME: &str = "config.toml";
const LOCK_NAME: &str = "config.toml.lock";
const APP_DIR: &str = "msgate";

/// Where the config lives on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPaths {
    pub dir: PathBuf,
    pub file: PathBuf,
}

impl ConfigPaths {
    /// `MSGATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/msgate`, else the platform default.
    pub fn locate(env: &Env) -> Result<Self> {
        let dir = if let Some(dir) = env.get("MSGATE_CONFIG_DIR") {
            PathBuf::from(dir)
        } else if let Some(xdg) = env
            .get("XDG_CONFIG_HOME")
            .filter(|p| Path::new(p).is_absolute())
        {
            Path::new(xdg).join(APP_DIR)
        } else if cfg!(windows) {
            let appdata = env.get("APPDATA").ok_or_else(no_home)?;
            Path::new(appdata).join(APP_DIR)
        } else {
            let home = env.get("HOME").ok_or_else(no_home)?;
            Path::new(home).join(".config").join(APP_DIR)
        };
        Ok(ConfigPaths {
            file: dir.join(FILE_NAME),
            dir,
        })
    }
}

/// Where msgate keeps local state (cursors, caps, the audit log): `MSGATE_STATE_DIR`, else
/// `$XDG_STATE_HOME/msgate`, else `~/.local/state/msgate` (`%LOCALAPPDATA%\msgate` on Windows).
pub fn state_dir(env: &Env) -> Result<PathBuf> {
    if let Some(dir) = env.get("MSGATE_STATE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(xdg) = env
        .get("XDG_STATE_HOME")
        .filter(|p| Path::new(p).is_absolute())
    {
        return Ok(Path::new(xdg).join(APP_DIR));
    }
    if cfg!(windows) {
        let local = env
            .get("LOCALAPPDATA")
            .or_else(|| env.get("APPDATA"))
            .ok_or_else(no_home)?;
        return Ok(Path::new(local).join(APP_DIR));
    }
    let home = env.get("HOME").ok_or_else(no_home)?;
    Ok(Path::new(home).join(".local").join("state").join(APP_DIR))
}

fn no_home() -> Error {
    Error::new(
        ErrorCode::ConfigInvalid,
        "cannot find a config directory: HOME is not set",
    )
    .with_hint("set MSGATE_CONFIG_DIR to the directory msgate should use")
}

/// A config file that was read, parsed and found safe to use.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub doc: DocumentMut,
}

/// Read the config file; `Ok(None)` when there is none yet.
pub fn load(paths: &ConfigPaths) -> Result<Option<ConfigFile>> {
    let metadata = match fs::metadata(&paths.file) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::io(
                format!("cannot read {}", paths.file.display()),
                &e,
            ));
        }
    };
    check_ownership(paths, &metadata)?;
    let text = fs::read_to_string(&paths.file)
        .map_err(|e| Error::io(format!("cannot read {}", paths.file.display()), &e))?;
    let doc = text.parse::<DocumentMut>().map_err(|e| {
        Error::new(
            ErrorCode::ConfigInvalid,
            format!(
                "config file {} is not valid TOML: {}",
                paths.file.display(),
                one_line(&e.to_string())
            ),
        )
        .with_hint("fix the file by hand or move it aside; msgate will not overwrite it")
    })?;
    Ok(Some(ConfigFile {
        path: paths.file.clone(),
        doc,
    }))
}

/// Apply `change` to the config document and write it back atomically, under a lock so that
/// concurrent msgate processes do not lose each other's edits. A corrupt or unsafe file is
/// refused before anything is written.
pub fn update(
    paths: &ConfigPaths,
    change: impl FnOnce(&mut DocumentMut) -> Result<()>,
) -> Result<()> {
    atomic::create_private_dir(&paths.dir)?;
    let _lock = atomic::lock_exclusive(&paths.dir.join(LOCK_NAME))?;
    let mut doc = load(paths)?.map(|f| f.doc).unwrap_or_default();
    change(&mut doc)?;
    atomic::write_atomic(&paths.file, doc.to_string().as_bytes())
}

fn check_ownership(paths: &ConfigPaths, metadata: &fs::Metadata) -> Result<()> {
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorCode::ConfigInvalid,
            format!("config path {} is not a regular file", paths.file.display()),
        ));
    }
    if !atomic::is_private(metadata) {
        return Err(Error::new(
            ErrorCode::ConfigInsecure,
            format!(
                "config file {} is readable or writable by other users; msgate will not use it",
                paths.file.display()
            ),
        )
        .with_hint(format!(
            "check its contents, then run: chmod 600 '{}'",
            paths.file.display()
        )));
    }
    if fs::metadata(&paths.dir).is_ok_and(|m| group_or_world_writable(&m)) {
        return Err(Error::new(
            ErrorCode::ConfigInsecure,
            format!(
                "config directory {} is writable by other users; msgate will not use it",
                paths.dir.display()
            ),
        )
        .with_hint(format!("run: chmod 700 '{}'", paths.dir.display())));
    }
    Ok(())
}

fn group_or_world_writable(metadata: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o022 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        false
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_in(dir: &Path) -> ConfigPaths {
        ConfigPaths::locate(&Env::from_pairs([(
            "MSGATE_CONFIG_DIR",
            dir.to_str().unwrap(),
        )]))
        .unwrap()
    }

    #[test]
    fn locate_prefers_msgate_dir_then_xdg_then_home() {
        let env = Env::from_pairs([
            ("MSGATE_CONFIG_DIR", "/a"),
            ("XDG_CONFIG_HOME", "/b"),
            ("HOME", "/c"),
        ]);
        assert_eq!(
            ConfigPaths::locate(&env).unwrap().file,
            Path::new("/a/config.toml")
        );
        let env = Env::from_pairs([("XDG_CONFIG_HOME", "/b"), ("HOME", "/c")]);
        assert_eq!(
            ConfigPaths::locate(&env).unwrap().file,
            Path::new("/b/msgate/config.toml")
        );
        if cfg!(unix) {
            let env = Env::from_pairs([("XDG_CONFIG_HOME", "relative"), ("HOME", "/c")]);
            assert_eq!(
                ConfigPaths::locate(&env).unwrap().file,
                Path::new("/c/.config/msgate/config.toml"),
                "a relative XDG_CONFIG_HOME is ignored, as the XDG spec says"
            );
        }
    }

    #[test]
    fn update_keeps_comments_and_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths_in(&dir.path().join("msgate"));
        atomic::create_private_dir(&paths.dir).unwrap();
        atomic::write_atomic(
            &paths.file,
            b"# my settings\nfuture_key = 1 # keep me\n\n[profiles.work] # work account\noutput = \"csv\"\n",
        )
        .unwrap();
        update(&paths, |doc| {
            doc["output"] = toml_edit::value("json");
            Ok(())
        })
        .unwrap();
        let text = fs::read_to_string(&paths.file).unwrap();
        for kept in [
            "# my settings",
            "future_key = 1 # keep me",
            "[profiles.work] # work account",
        ] {
            assert!(text.contains(kept), "lost {kept:?} in:\n{text}");
        }
        assert!(text.contains("output = \"json\""), "{text}");
    }

    #[test]
    fn a_corrupt_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths_in(dir.path());
        atomic::write_atomic(&paths.file, b"output = \"json\n[broken").unwrap();
        let err = load(&paths).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ConfigInvalid);
        let err = update(&paths, |_| Ok(())).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ConfigInvalid);
        assert_eq!(
            fs::read(&paths.file).unwrap(),
            b"output = \"json\n[broken",
            "a corrupt file must never be overwritten"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = paths_in(dir.path());
        atomic::write_atomic(&paths.file, b"output = \"json\"\n").unwrap();
        fs::set_permissions(&paths.file, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&paths).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ConfigInsecure);
        assert!(err.hint().unwrap().contains("chmod 600"));
        assert!(update(&paths, |_| Ok(())).is_err());
        assert_eq!(
            fs::metadata(&paths.file).unwrap().permissions().mode() & 0o777,
            0o644,
            "refusal must not touch the file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = paths_in(&dir.path().join("msgate"));
        atomic::create_private_dir(&paths.dir).unwrap();
        atomic::write_atomic(&paths.file, b"output = \"json\"\n").unwrap();
        fs::set_permissions(&paths.dir, fs::Permissions::from_mode(0o777)).unwrap();
        let err = load(&paths).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ConfigInsecure);
        assert!(err.hint().unwrap().contains("chmod 700"));
    }
}
