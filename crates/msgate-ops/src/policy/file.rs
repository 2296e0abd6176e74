//! Reading a policy from TOML: the config file's `[profiles.NAME.policy]` (else its `[policy]`),
//! or a file of its own given with `--policy` / `MSGATE_POLICY`.
//!
//! A policy is security configuration, so reading it is strict: a value of the wrong type or out
//! of range stops msgate (exit 2) with the file, the line and the full key; a key msgate does not
//! know, or a rule that matches no operation, is a warning — it may be a typo, or meant for a newer
//! msgate. A policy file, like the config file, must be private: one that others can write is a
//! way around the policy.

use std::fs;
use std::io::ErrorKind;
use std::ops::Range;
use std::path::{Path, PathBuf};

use msgate_core::config::ConfigFile;
use msgate_core::{Error, ErrorCode, Result, atomic};
use toml_edit::{Document, Item, TableLike};

use super::glob::Glob;
use super::scope::Scopes;
use super::{AuditSettings, Origin, Pattern, Policy, Preset};

/// Where to look for the policy.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A policy file; `via` says who named it (`--policy`, `MSGATE_POLICY`).
    File { path: &'a Path, via: &'static str },
    /// The config file (if there is one) for `profile`; `config_path` is where it is or would be.
    Config {
        file: Option<&'a ConfigFile>,
        config_path: Option<&'a Path>,
        profile: &'a str,
    },
}

/// A policy and what was odd about it.
#[derive(Debug)]
pub struct Loaded {
    pub policy: Policy,
    pub warnings: Vec<String>,
}

/// The largest cap and the smallest log size a policy may ask for.
const MAX_CAP: i64 = 100_000;
const MIN_AUDIT_BYTES: i64 = 64 * 1024;
const MAX_SIGNATURE: usize = 500;

pub fn load(source: Source<'_>) -> Result<Loaded> {
    match source {
        Source::File { path, via } => {
            let text = read_private(path, via)?;
            let doc = Document::parse(text.as_str()).map_err(|e| {
                Error::new(
                    ErrorCode::ConfigInvalid,
                    format!(
                        "policy file {} is not valid TOML: {}",
                        path.display(),
                        one_line(&e.to_string())
                    ),
                )
            })?;
            let mut reader = Reader::new(&text, path, "");
            let policy = reader.policy(
                doc.as_table(),
                Origin::File {
                    path: path.to_path_buf(),
                },
            )?;
            Ok(reader.done(policy))
        }
        Source::Config {
            file,
            config_path,
            profile,
        } => {
            let default = || Loaded {
                policy: Policy::unconfigured(Origin::Default {
                    config: config_path.map(Path::to_path_buf),
                    profile: profile.to_owned(),
                }),
                warnings: Vec::new(),
            };
            let Some(file) = file else {
                return Ok(default());
            };
            // The config was parsed already; its text, re-parsed with spans, gives line numbers.
            let text = file.doc.to_string();
            let doc = Document::parse(text.as_str())
                .map_err(|e| Error::internal(format!("the config file no longer parses: {e}")))?;
            let root = doc.as_table();
            let in_profile = root
                .get("profiles")
                .and_then(|p| p.get(profile))
                .and_then(|p| p.get("policy"));
            let (item, table) = match (in_profile, root.get("policy")) {
                (Some(item), _) => (item, format!("profiles.{profile}.policy")),
                (None, Some(item)) => (item, "policy".to_owned()),
                (None, None) => return Ok(default()),
            };
            let Some(policy_table) = item.as_table_like() else {
                return Err(Reader::new(&text, &file.path, "").invalid(&table, item, "a table"));
            };
            let mut reader = Reader::new(&text, &file.path, &format!("{table}."));
            let policy = reader.policy(
                policy_table,
                Origin::Config {
                    path: file.path.clone(),
                    table,
                },
            )?;
            Ok(reader.done(policy))
        }
    }
}

fn read_private(path: &Path, via: &str) -> Result<String> {
    let metadata = fs::metadata(path).map_err(|e| {
        let code = if e.kind() == ErrorKind::NotFound {
            ErrorCode::Usage
        } else {
            ErrorCode::Io
        };
        Error::new(
            code,
            format!(
                "cannot read the policy file {} (from {via}): {e}",
                path.display()
            ),
        )
    })?;
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorCode::ConfigInvalid,
            format!("policy path {} is not a regular file", path.display()),
        ));
    }
    if !atomic::is_private(&metadata) {
        return Err(Error::new(
            ErrorCode::ConfigInsecure,
            format!(
                "policy file {} is readable or writable by other users; msgate will not use it",
                path.display()
            ),
        )
        .with_hint(format!(
            "check its contents, then run: chmod 600 '{}'",
            path.display()
        )));
    }
    fs::read_to_string(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), &e))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads one policy table, knowing where it is so every complaint can say so.
struct Reader<'a> {
    text: &'a str,
    file: PathBuf,
    /// Prepended to keys in messages: `profiles.work.policy.`
    prefix: String,
    warnings: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, file: &Path, prefix: &str) -> Self {
        Reader {
            text,
            file: file.to_path_buf(),
            prefix: prefix.to_owned(),
            warnings: Vec::new(),
        }
    }

    fn done(self, policy: Policy) -> Loaded {
        Loaded {
            policy,
            warnings: self.warnings,
        }
    }

    fn at(&self, span: Option<Range<usize>>) -> String {
        match span {
            Some(span) => {
                let line = self.text[..span.start.min(self.text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                format!("{}:{line}", self.file.display())
            }
            None => self.file.display().to_string(),
        }
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn invalid(&self, key: &str, item: &Item, expected: &str) -> Error {
        let shown = item.to_string();
        let shown = one_line(shown.trim());
        self.invalid_value(key, &shown, item.span(), expected)
    }

    fn invalid_value(
        &self,
        key: &str,
        shown: &str,
        span: Option<Range<usize>>,
        expected: &str,
    ) -> Error {
        let key = self.full_key(key);
        Error::new(
            ErrorCode::ConfigInvalid,
            format!(
                "invalid value {shown} for policy key '{key}' at {}: expected {expected}",
                self.at(span)
            ),
        )
        .with_hint("fix the policy by hand; 'msgate policy --help' describes every key")
    }

    /// Warns about `key` of `table`, shown as `shown` below the policy.
    fn unknown(&mut self, shown: &str, key: &str, table: &dyn TableLike) {
        let span = table.get_key_value(key).and_then(|(k, _)| k.span());
        self.warnings.push(format!(
            "unknown policy key '{}' at {} (ignored)",
            self.full_key(shown),
            self.at(span)
        ));
    }

    fn policy(&mut self, table: &dyn TableLike, origin: Origin) -> Result<Policy> {
        let mut policy = Policy::unconfigured(origin);
        for (key, item) in table.iter() {
            match key {
                "preset" => {
                    policy.preset =
                        Some(item.as_str().and_then(Preset::parse).ok_or_else(|| {
                            self.invalid(key, item, "\"read-only\", \"standard\" or \"full\"")
                        })?);
                }
                "allow" => policy.allow = self.patterns(key, item)?,
                "deny" => policy.deny = self.patterns(key, item)?,
                "confirm" => policy.confirm = self.patterns(key, item)?,
                "allow_yes" => policy.allow_yes = self.boolean(key, item)?,
                "dry_run" => policy.dry_run = self.boolean(key, item)?,
                "signature" => {
                    policy.signature = Some(
                        item.as_str()
                            .map(str::trim)
                            .filter(|s| !s.is_empty() && s.chars().count() <= MAX_SIGNATURE)
                            .map(str::to_owned)
                            .ok_or_else(|| {
                                self.invalid(key, item, "a string of 1 to 500 characters")
                            })?,
                    );
                }
                "scopes" => policy.scopes = self.scopes(item)?,
                "caps" => policy.caps = self.caps(item)?,
                "audit" => policy.audit = self.audit(item)?,
                _ => self.unknown(key, key, table),
            }
        }
        Ok(policy)
    }

    fn boolean(&self, key: &str, item: &Item) -> Result<bool> {
        item.as_bool()
            .ok_or_else(|| self.invalid(key, item, "true or false"))
    }

    /// An array of strings, each checked by `check` (which says what it expected).
    fn strings<T>(
        &self,
        key: &str,
        item: &Item,
        expected: &str,
        check: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<(T, Option<Range<usize>>)>> {
        let list = format!("a list of {expected}");
        let array = item
            .as_array()
            .ok_or_else(|| self.invalid(key, item, &list))?;
        let mut out = Vec::new();
        for value in array.iter() {
            let checked = value.as_str().and_then(&check).ok_or_else(|| {
                let shown = value.to_string();
                self.invalid_value(key, shown.trim(), value.span(), &list)
            })?;
            out.push((checked, value.span()));
        }
        Ok(out)
    }

    fn patterns(&mut self, key: &str, item: &Item) -> Result<Vec<Pattern>> {
        let patterns = self.strings(
            key,
            item,
            "operation names, globs (mail.*) or risk classes (read, write, destructive)",
            Pattern::parse,
        )?;
        for (pattern, span) in &patterns {
            if !pattern.matches_any_operation() {
                self.warnings.push(format!(
                    "policy rule '{}' in '{}' at {} matches no operation",
                    pattern.as_str(),
                    self.full_key(key),
                    self.at(span.clone())
                ));
            }
        }
        Ok(patterns.into_iter().map(|(p, _)| p).collect())
    }

    fn table<'i>(&self, key: &str, item: &'i Item) -> Result<&'i dyn TableLike> {
        item.as_table_like()
            .ok_or_else(|| self.invalid(key, item, "a table"))
    }

    fn scopes(&mut self, item: &Item) -> Result<Scopes> {
        let table = self.table("scopes", item)?;
        let mut scopes = Scopes::default();
        let name = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        for (key, item) in table.iter() {
            let full = format!("scopes.{key}");
            let names = |reader: &Self, what: &str| -> Result<Vec<String>> {
                Ok(reader
                    .strings(&full, item, what, name)?
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect())
            };
            match key {
                "teams" => scopes.teams = Some(names(self, "team names or ids")?),
                "channels" => {
                    scopes.channels = Some(names(self, "channels (TEAM/CHANNEL) or channel ids")?);
                }
                "chats" => scopes.chats = Some(names(self, "chat topics, members or ids")?),
                "folders" => scopes.folders = Some(names(self, "folder paths (/Shared/Reports)")?),
                "mail_domains" => {
                    let domain = |s: &str| {
                        let glob = Glob::new(s)?;
                        let valid = glob
                            .as_str()
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*'));
                        valid.then_some(glob)
                    };
                    let domains =
                        self.strings(&full, item, "mail domains (*.example.com)", domain)?;
                    scopes.mail_domains = Some(domains.into_iter().map(|(g, _)| g).collect());
                }
                _ => self.unknown(&full, key, table),
            }
        }
        Ok(scopes)
    }

    fn caps(&mut self, item: &Item) -> Result<Vec<(Glob, u32)>> {
        let table = self.table("caps", item)?;
        let mut caps = Vec::new();
        for (key, item) in table.iter() {
            let full = format!("caps.\"{key}\"");
            let glob = match Pattern::parse(key) {
                Some(Pattern::Name(glob)) => glob,
                _ => {
                    let span = table.get_key_value(key).and_then(|(k, _)| k.span());
                    return Err(self.invalid_value(
                        "caps",
                        &format!("'{key}'"),
                        span,
                        "keys that are operation names or globs (\"message.send\" = 20)",
                    ));
                }
            };
            let limit = item
                .as_integer()
                .filter(|n| (1..=MAX_CAP).contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    self.invalid(
                        &full,
                        item,
                        "a number of writes per hour from 1 to 100000 (deny the operation to forbid it)",
                    )
                })?;
            if !Pattern::Name(glob.clone()).matches_any_operation() {
                let span = table.get_key_value(key).and_then(|(k, _)| k.span());
                self.warnings.push(format!(
                    "policy cap '{key}' at {} matches no operation",
                    self.at(span)
                ));
            }
            caps.push((glob, limit));
        }
        Ok(caps)
    }

    fn audit(&mut self, item: &Item) -> Result<AuditSettings> {
        let table = self.table("audit", item)?;
        let mut audit = AuditSettings::default();
        for (key, item) in table.iter() {
            let full = format!("audit.{key}");
            match key {
                "include_content" => audit.include_content = self.boolean(&full, item)?,
                "max_bytes" => {
                    audit.max_bytes = item
                        .as_integer()
                        .filter(|n| *n >= MIN_AUDIT_BYTES)
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| {
                            self.invalid(&full, item, "a size in bytes of at least 65536")
                        })?;
                }
                _ => self.unknown(&full, key, table),
            }
        }
        Ok(audit)
    }
}
