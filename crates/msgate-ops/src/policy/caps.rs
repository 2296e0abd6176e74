//! Send caps: at most N writes per hour per operation, counted across runs and faces.
//!
//! One process cannot see another's writes, so the count lives in a small file in the profile's
//! state directory (`caps.json`, 0600), read and rewritten atomically under a lock. A call takes
//! a slot before it runs (two processes cannot both take the last one) and gives it back when it
//! ends without having sent a write — a failed lookup or a dry run costs nothing.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use msgate_core::{Error, ErrorCode, Result, atomic};
use serde_json::{Value, json};

const FILE: &str = "caps.json";
const LOCK: &str = "caps.json.lock";
/// The window a cap counts over.
pub const WINDOW_SECS: i64 = 3600;

/// The caps file of one profile.
#[derive(Clone, Debug)]
pub struct CapState {
    dir: PathBuf,
}

/// A slot taken by a call, to give back if it sends nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    operation: String,
    at: i64,
}

/// A cap with no slot left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Full {
    pub used: usize,
    /// Seconds until the oldest counted write leaves the window.
    pub free_in: i64,
}

type Counts = BTreeMap<String, Vec<i64>>;

impl CapState {
    pub fn new(dir: &Path) -> Self {
        CapState {
            dir: dir.to_path_buf(),
        }
    }

    fn file(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Takes a slot for `operation` under `limit` per hour, or says when one frees up.
    pub fn take(&self, operation: &str, limit: u32, now: i64) -> Result<Result<Slot, Full>> {
        self.change(
            |counts| {
                let stamps = counts.entry(operation.to_owned()).or_default();
                if stamps.len() >= limit as usize {
                    let oldest = stamps.iter().min().copied().unwrap_or(now);
                    return Ok(Err(Full {
                        used: stamps.len(),
                        free_in: (oldest + WINDOW_SECS - now).max(1),
                    }));
                }
                stamps.push(now);
                Ok(Ok(Slot {
                    operation: operation.to_owned(),
                    at: now,
                }))
            },
            now,
        )
    }

    /// Gives a slot back: the call it was taken for wrote nothing.
    pub fn give_back(&self, slot: &Slot, now: i64) -> Result<()> {
        self.change(
            |counts| {
                if let Some(stamps) = counts.get_mut(&slot.operation)
                    && let Some(i) = stamps.iter().rposition(|t| *t == slot.at)
                {
                    stamps.remove(i);
                }
                Ok(())
            },
            now,
        )
    }

    /// Writes of `operation` counted in the last hour.
    pub fn used(&self, operation: &str, now: i64) -> Result<usize> {
        let mut counts = self.read()?;
        prune(&mut counts, now);
        Ok(counts.get(operation).map_or(0, Vec::len))
    }

    fn change<T>(&self, f: impl FnOnce(&mut Counts) -> Result<T>, now: i64) -> Result<T> {
        atomic::create_private_dir(&self.dir)?;
        let _lock = atomic::lock_exclusive(&self.dir.join(LOCK))?;
        let mut counts = self.read()?;
        prune(&mut counts, now);
        let answer = f(&mut counts)?;
        let text = json!({"version": 1, "writes": counts}).to_string();
        atomic::write_atomic(&self.file(), text.as_bytes())?;
        Ok(answer)
    }

    fn read(&self) -> Result<Counts> {
        let path = self.file();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Counts::new()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), &e)),
        };
        let parsed: Value = serde_json::from_str(&text).map_err(|_| broken(&path))?;
        serde_json::from_value(parsed["writes"].clone()).map_err(|_| broken(&path))
    }
}

fn prune(counts: &mut Counts, now: i64) {
    for stamps in counts.values_mut() {
        stamps.retain(|t| *t > now - WINDOW_SECS && *t <= now);
    }
    counts.retain(|_, stamps| !stamps.is_empty());
}

fn broken(path: &Path) -> Error {
    Error::new(
        ErrorCode::ConfigInvalid,
        format!("the send-cap counts in {} are unreadable", path.display()),
    )
    .with_hint("remove the file to start counting afresh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_counts_across_instances_and_frees_up_after_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_800_000_000;
        let a = CapState::new(dir.path());
        let b = CapState::new(dir.path());
        assert!(a.take("message.send", 2, now).unwrap().is_ok());
        assert!(b.take("message.send", 2, now + 10).unwrap().is_ok());
        let full = a.take("message.send", 2, now + 20).unwrap().unwrap_err();
        assert_eq!(
            full,
            Full {
                used: 2,
                free_in: 3580
            }
        );
        assert!(
            a.take("chat.create", 2, now + 20).unwrap().is_ok(),
            "per operation"
        );
        assert_eq!(b.used("message.send", now + 20).unwrap(), 2);
        assert!(
            a.take("message.send", 2, now + WINDOW_SECS)
                .unwrap()
                .is_ok()
        );
    }

    #[test]
    fn a_slot_given_back_is_free_again() {
        let dir = tempfile::tempdir().unwrap();
        let caps = CapState::new(dir.path());
        let slot = caps.take("message.send", 1, 100).unwrap().unwrap();
        assert!(caps.take("message.send", 1, 101).unwrap().is_err());
        caps.give_back(&slot, 102).unwrap();
        assert!(caps.take("message.send", 1, 103).unwrap().is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let caps = CapState::new(&dir.path().join("work"));
        caps.take("message.send", 1, 100).unwrap().unwrap();
        let mode = fs::metadata(dir.path().join("work").join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_broken_file_is_reported_not_reset() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), "{not json").unwrap();
        let err = CapState::new(dir.path()).take("x.y", 1, 1).unwrap_err();
        assert!(err.message().contains("unreadable"), "{}", err.message());
        assert_eq!(
            fs::read_to_string(dir.path().join(FILE)).unwrap(),
            "{not json"
        );
    }
}
