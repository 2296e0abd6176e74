//! The audit log: one JSON line per write, destructive call and denial, whatever the face.
//!
//! `$XDG_STATE_HOME/msgate/audit.jsonl`, private (0600), only ever appended to, and rotated by
//! size (`audit.jsonl.1` … `.3`) under a lock so concurrent processes neither interleave a
//! rotation nor lose a line. A line says who (profile, face), what (operation, risk, targets),
//! the decision and the rule that made it, how it ended, and Graph's request-ids — enough for an
//! administrator or Microsoft support to find the call. Message content never appears, and user,
//! chat and channel ids, mail addresses and file paths appear only as stable hashes
//! (HMAC-SHA256 under a key kept beside the log), unless the policy sets
//! `audit.include_content = true`. Equal ids hash equally, so lines still correlate; the key
//! keeps anyone without it from confirming a guessed id.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use aws_lc_rs::hmac;
use msgate_core::{Error, ErrorCode, Result, atomic};
use serde_json::{Map, Value, json};

use super::scope::Target;

pub const FILE: &str = "audit.jsonl";
const LOCK: &str = "audit.jsonl.lock";
const KEY: &str = "audit.key";
/// Rotated files kept beside the current one.
const GENERATIONS: usize = 3;

/// The audit log in msgate's state directory.
#[derive(Clone, Debug)]
pub struct AuditLog {
    dir: PathBuf,
    max_bytes: u64,
    include_content: bool,
}

/// One line of the log, before redaction.
#[derive(Debug)]
pub struct Record<'a> {
    pub profile: &'a str,
    pub face: &'a str,
    pub operation: &'a str,
    pub risk: &'a str,
    /// `allow`, `deny` or `dry_run`.
    pub decision: &'a str,
    pub rule: &'a str,
    pub targets: &'a [Target],
    /// `ok`, or the error code the call ended with.
    pub outcome: &'a str,
    pub request_ids: &'a [String],
    /// The call's input; kept only with `include_content`.
    pub input: &'a Value,
}

impl AuditLog {
    pub fn new(dir: &Path, max_bytes: u64, include_content: bool) -> Self {
        AuditLog {
            dir: dir.to_path_buf(),
            max_bytes,
            include_content,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Checks that a line can be written — the directory exists and the log is private — so a
    /// write is refused up front rather than made and left unrecorded.
    pub fn ready(&self) -> Result<()> {
        atomic::create_private_dir(&self.dir)?;
        match fs::metadata(self.path()) {
            Ok(metadata) if !atomic::is_private(&metadata) => Err(Error::new(
                ErrorCode::ConfigInsecure,
                format!(
                    "the audit log {} is readable or writable by other users",
                    self.path().display()
                ),
            )
            .with_hint(format!(
                "check it, then run: chmod 600 '{}'",
                self.path().display()
            ))),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(
                format!("cannot read {}", self.path().display()),
                &e,
            )),
        }
    }

    /// Appends one record, rotating first if the log would outgrow its size.
    pub fn append(&self, record: &Record<'_>) -> Result<()> {
        self.ready()?;
        let _lock = atomic::lock_exclusive(&self.dir.join(LOCK))?;
        let key = self.key()?;
        let mut line = self.line(record, &key).to_string();
        line.push('\n');
        let size = fs::metadata(self.path()).map_or(0, |m| m.len());
        if size > 0 && size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let path = self.path();
        options
            .open(&path)
            .and_then(|mut file| {
                file.write_all(line.as_bytes())?;
                file.sync_data()
            })
            .map_err(|e| Error::io(format!("cannot append to {}", path.display()), &e))
    }

    fn line(&self, record: &Record<'_>, key: &hmac::Key) -> Value {
        let hash = |value: &str| -> String {
            if self.include_content {
                value.to_owned()
            } else {
                stable_hash(key, value)
            }
        };
        let targets: Vec<Value> = record
            .targets
            .iter()
            .map(|target| {
                let mut line = Map::new();
                line.insert("kind".into(), json!(target.kind()));
                match target {
                    // Team ids name a group, not a person; they stay readable.
                    Target::Team { id } => {
                        line.insert("id".into(), json!(id));
                    }
                    Target::Channel {
                        team_id,
                        channel_id,
                    } => {
                        line.insert("team".into(), json!(team_id));
                        line.insert("id".into(), json!(hash(channel_id)));
                    }
                    Target::Chat { id }
                    | Target::User { id }
                    | Target::Event { id }
                    | Target::Meeting { id } => {
                        line.insert("id".into(), json!(hash(id)));
                    }
                    Target::MailRecipient { address } => {
                        // The domain stays readable: it is what a mail scope is about.
                        let shown = match address.rsplit_once('@') {
                            Some((local, domain)) => format!("{}@{domain}", hash(local)),
                            None => hash(address),
                        };
                        line.insert("address".into(), json!(shown));
                    }
                    Target::File { path } => {
                        line.insert("path".into(), json!(hash(path)));
                    }
                }
                Value::Object(line)
            })
            .collect();
        let mut line = json!({
            "time": jiff::Timestamp::now().to_string(),
            "profile": record.profile,
            "face": record.face,
            "operation": record.operation,
            "risk": record.risk,
            "decision": record.decision,
            "rule": record.rule,
            "targets": targets,
            "outcome": record.outcome,
            "request_ids": record.request_ids,
        });
        if self.include_content {
            line["input"] = record.input.clone();
        }
        line
    }

    fn rotate(&self) -> Result<()> {
        let numbered = |n: usize| self.dir.join(format!("{FILE}.{n}"));
        for n in (1..GENERATIONS).rev() {
            rename_if_there(&numbered(n), &numbered(n + 1))?;
        }
        rename_if_there(&self.path(), &numbered(1))
    }

    /// The hashing key, made on first use (0600; only the audit lock's holder creates it).
    fn key(&self) -> Result<hmac::Key> {
        let path = self.dir.join(KEY);
        let bytes = match fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => {
                return Err(Error::new(
                    ErrorCode::ConfigInvalid,
                    format!("the audit key {} is damaged", path.display()),
                )
                .with_hint(
                    "remove it; a new key is made, and later hashes will differ from earlier ones",
                ));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let mut fresh = [0u8; 32];
                aws_lc_rs::rand::fill(&mut fresh)
                    .map_err(|_| Error::internal("cannot draw random bytes for the audit key"))?;
                atomic::write_atomic(&path, &fresh)?;
                fresh.to_vec()
            }
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), &e)),
        };
        Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
    }
}

/// `h:` and 24 hex digits of the keyed hash: stable, short, and not reversible without the key.
fn stable_hash(key: &hmac::Key, value: &str) -> String {
    let tag = hmac::sign(key, value.as_bytes());
    let hex: String = tag.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("h:{hex}")
}

fn rename_if_there(from: &Path, to: &Path) -> Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot rotate {}", from.display()), &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(targets: &'a [Target], input: &'a Value) -> Record<'a> {
        Record {
            profile: "default",
            face: "cli",
            operation: "message.send",
            risk: "write",
            decision: "allow",
            rule: "preset 'standard'",
            targets,
            outcome: "ok",
            request_ids: &[],
            input,
        }
    }

    fn lines(path: &Path) -> Vec<Value> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn ids_are_stable_hashes_and_content_stays_out() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 1 << 20, false);
        let targets = [
            Target::Chat {
                id: "19:secret-chat@thread.v2".into(),
            },
            Target::MailRecipient {
                address: "ada@larkspur.example".into(),
            },
        ];
        let input = json!({"text": "the launch slips to May"});
        log.append(&record(&targets, &input)).unwrap();
        log.append(&record(&targets, &input)).unwrap();
        let text = fs::read_to_string(log.path()).unwrap();
        for leaked in ["secret-chat", "launch slips", "ada@"] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        let lines = lines(&log.path());
        assert_eq!(lines.len(), 2);
        let id = lines[0]["targets"][0]["id"].as_str().unwrap();
        assert!(id.starts_with("h:") && id.len() == 26, "{id}");
        assert_eq!(lines[1]["targets"][0]["id"], id, "stable across lines");
        assert!(
            lines[0]["targets"][1]["address"]
                .as_str()
                .unwrap()
                .ends_with("@larkspur.example")
        );
        assert!(lines[0].get("input").is_none());
    }

    #[test]
    fn include_content_keeps_ids_and_input() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 1 << 20, true);
        let targets = [Target::User { id: "u-1".into() }];
        let input = json!({"text": "hello"});
        log.append(&record(&targets, &input)).unwrap();
        let line = &lines(&log.path())[0];
        assert_eq!(line["targets"][0]["id"], "u-1");
        assert_eq!(line["input"]["text"], "hello");
    }

    #[test]
    fn the_log_rotates_by_size_and_keeps_three_generations() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 300, false);
        for _ in 0..12 {
            log.append(&record(&[], &Value::Null)).unwrap();
        }
        assert!(fs::metadata(log.path()).unwrap().len() <= 300);
        for n in 1..=3 {
            assert!(
                dir.path().join(format!("{FILE}.{n}")).exists(),
                "generation {n}"
            );
        }
        assert!(!dir.path().join(format!("{FILE}.4")).exists());
    }

    #[cfg(unix)]
    #[test]
    fn log_and_key_are_private_and_a_shared_log_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(&dir.path().join("msgate"), 1 << 20, false);
        log.append(&record(&[], &Value::Null)).unwrap();
        for file in [FILE, KEY] {
            let mode = fs::metadata(dir.path().join("msgate").join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        fs::set_permissions(log.path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(log.ready().unwrap_err().code(), ErrorCode::ConfigInsecure);
    }
}
