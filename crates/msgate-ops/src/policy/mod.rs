//! The policy engine: what a caller may do, decided at the catalog's one choke point, the same
//! way for every face.
//!
//! A policy starts from a preset defined on risk classes — `read-only`, `standard` (reads and
//! writes; destructive operations denied) or `full` — and refines it with rules: `allow` and `deny`
//! lists of operation names, globs (`mail.*`) or risk classes. The most specific matching rule
//! wins (an exact name, then a longer glob, then a risk class, then `*`, then the preset); on a
//! tie, deny wins. Without a configured policy the CLI runs under `standard` and the MCP server
//! under `read-only`; `full` is never a default.
//!
//! Beyond the yes/no, a policy can narrow writes to resource scopes (`scope`), cap writes per
//! operation per hour across runs (`caps`), turn writes into dry runs, ask before chosen
//! operations (`Confirm`), sign messages, and it keeps the audit log (`audit`). [`PolicyGate`]
//! puts it all in front of [`crate::Catalog::invoke`]; `file` reads policies from TOML.

mod audit;
mod caps;
mod file;
mod gate;
pub mod glob;
mod scope;

use std::path::PathBuf;

use msgate_core::{Error, ErrorCode};
use serde_json::{Map, Value, json};

pub use self::audit::AuditLog;
pub use self::caps::CapState;
pub use self::file::{Loaded, Source, load};
pub use self::gate::{Confirm, Confirmation, NoConfirm, PolicyGate, Question};
pub use self::glob::Glob;
pub use self::scope::{Scopes, Target};
use crate::catalog::Catalog;
use crate::ctx::Face;
use crate::spec::{Risk, Spec};

/// A starting point defined on risk classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    ReadOnly,
    Standard,
    Full,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::ReadOnly, Preset::Standard, Preset::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::ReadOnly => "read-only",
            Preset::Standard => "standard",
            Preset::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn allows(self, risk: Risk) -> bool {
        match self {
            Preset::ReadOnly => risk == Risk::Read,
            Preset::Standard => risk != Risk::Destructive,
            Preset::Full => true,
        }
    }

    /// The preset a face runs under when the policy names none: people at a terminal may write;
    /// agents read until someone decides otherwise.
    pub fn default_for(face: Face) -> Preset {
        match face {
            Face::Cli => Preset::Standard,
            Face::Mcp => Preset::ReadOnly,
        }
    }
}

/// What a rule matches: a risk class or a glob over operation names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    Risk(Risk),
    Name(Glob),
}

impl Pattern {
    /// `read`, `write`, `destructive`, or a glob over operation names.
    pub fn parse(text: &str) -> Option<Pattern> {
        if let Some(risk) = Risk::ALL.into_iter().find(|r| r.as_str() == text.trim()) {
            return Some(Pattern::Risk(risk));
        }
        let glob = Glob::new(text)?;
        let valid = glob
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*'));
        valid.then_some(Pattern::Name(glob))
    }

    pub fn matches(&self, spec: &Spec) -> bool {
        match self {
            Pattern::Risk(risk) => spec.risk == *risk,
            Pattern::Name(glob) => glob.matches(spec.name),
        }
    }

    /// Specificity: an exact name, then globs by the characters they spell out, then a risk
    /// class, then a bare `*`.
    fn rank(&self) -> (u8, usize) {
        match self {
            Pattern::Name(glob) if glob.is_exact() => (4, glob.literal_len()),
            Pattern::Name(glob) if glob.literal_len() > 0 => (3, glob.literal_len()),
            Pattern::Risk(_) => (2, 0),
            Pattern::Name(_) => (1, 0),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Pattern::Risk(risk) => risk.as_str(),
            Pattern::Name(glob) => glob.as_str(),
        }
    }

    /// Whether the pattern names at least one operation of the catalog.
    pub fn matches_any_operation(&self) -> bool {
        Catalog::get()
            .entries()
            .iter()
            .any(|e| self.matches(e.spec))
    }
}

/// Where a policy came from, and so where a person changes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Nothing configured: the face's default preset.
    Default {
        config: Option<PathBuf>,
        profile: String,
    },
    /// A `[policy]` or `[profiles.NAME.policy]` table of the config file.
    Config { path: PathBuf, table: String },
    /// A file given with `--policy` or `MSGATE_POLICY`.
    File { path: PathBuf },
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Default { .. } => "no policy configured: the face's default".to_owned(),
            Origin::Config { path, table } => format!("[{table}] in {}", path.display()),
            Origin::File { path } => path.display().to_string(),
        }
    }

    /// Where a person changes it: "[profiles.work.policy] in /…/config.toml".
    pub fn place(&self) -> String {
        match self {
            Origin::Default { config, profile } => {
                let table = format!("profiles.{profile}.policy");
                match config {
                    Some(path) => format!("[{table}] in {}", path.display()),
                    None => format!("[{table}] in the config file"),
                }
            }
            Origin::Config { path, table } => format!("[{table}] in {}", path.display()),
            Origin::File { path } => format!("the policy file {}", path.display()),
        }
    }
}

/// How writes are audited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSettings {
    /// Keep message content and raw ids in the log instead of stable hashes.
    pub include_content: bool,
    /// Size at which the log is rotated.
    pub max_bytes: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            include_content: false,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// A policy as configured. The preset may be left to the face (see [`Preset::default_for`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub origin: Origin,
    pub preset: Option<Preset>,
    pub allow: Vec<Pattern>,
    pub deny: Vec<Pattern>,
    /// Operations that need a person's yes first.
    pub confirm: Vec<Pattern>,
    /// Whether `--yes` may answer a confirmation where nobody can be asked.
    pub allow_yes: bool,
    /// Writes print the request they would send instead of sending it.
    pub dry_run: bool,
    /// Appended to every message sent under this policy.
    pub signature: Option<String>,
    pub scopes: Scopes,
    /// Writes per hour per operation; the most specific glob applies.
    pub caps: Vec<(Glob, u32)>,
    pub audit: AuditSettings,
}

/// What decided a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    Preset { preset: Preset, by_default: bool },
    Allow(Pattern),
    Deny(Pattern),
}

impl Rule {
    /// The rule as the audit log and `policy check` name it: `preset 'standard'`, `deny 'team.*'`.
    pub fn name(&self) -> String {
        match self {
            Rule::Preset { preset, .. } => format!("preset '{}'", preset.as_str()),
            Rule::Allow(pattern) => format!("allow '{}'", pattern.as_str()),
            Rule::Deny(pattern) => format!("deny '{}'", pattern.as_str()),
        }
    }
}

/// The rules' answer for one operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub rule: Rule,
}

impl Policy {
    /// No policy configured: the face decides the preset.
    pub fn unconfigured(origin: Origin) -> Policy {
        Policy {
            origin,
            preset: None,
            allow: Vec::new(),
            deny: Vec::new(),
            confirm: Vec::new(),
            allow_yes: false,
            dry_run: false,
            signature: None,
            scopes: Scopes::default(),
            caps: Vec::new(),
            audit: AuditSettings::default(),
        }
    }

    pub fn preset_for(&self, face: Face) -> Preset {
        self.preset.unwrap_or(Preset::default_for(face))
    }

    /// Whether the rules let `spec` run when called through `face`.
    pub fn decide(&self, spec: &Spec, face: Face) -> Verdict {
        let mut best: Option<((u8, usize), bool, &Pattern)> = None;
        let rules = self
            .allow
            .iter()
            .map(|p| (true, p))
            .chain(self.deny.iter().map(|p| (false, p)));
        for (allowed, pattern) in rules.filter(|(_, p)| p.matches(spec)) {
            let rank = pattern.rank();
            let better = match best {
                None => true,
                Some((best_rank, _, _)) => rank > best_rank || (rank == best_rank && !allowed),
            };
            if better {
                best = Some((rank, allowed, pattern));
            }
        }
        match best {
            Some((_, true, pattern)) => Verdict {
                allowed: true,
                rule: Rule::Allow(pattern.clone()),
            },
            Some((_, false, pattern)) => Verdict {
                allowed: false,
                rule: Rule::Deny(pattern.clone()),
            },
            None => {
                let preset = self.preset_for(face);
                Verdict {
                    allowed: preset.allows(spec.risk),
                    rule: Rule::Preset {
                        preset,
                        by_default: self.preset.is_none(),
                    },
                }
            }
        }
    }

    /// The `confirm` entry that asks for `spec`, if any.
    pub fn confirm_rule(&self, spec: &Spec) -> Option<&Pattern> {
        self.confirm.iter().find(|p| p.matches(spec))
    }

    /// The cap on `spec` (writes per hour) and the glob it comes from; reads are never capped.
    pub fn cap_for(&self, spec: &Spec) -> Option<(&Glob, u32)> {
        if spec.risk == Risk::Read {
            return None;
        }
        self.caps
            .iter()
            .filter(|(glob, _)| glob.matches(spec.name))
            .max_by_key(|(glob, _)| (glob.is_exact(), glob.literal_len()))
            .map(|(glob, limit)| (glob, *limit))
    }

    /// The error for a verdict that denies `spec` (exit 16, naming the rule and how to allow
    /// the call); `None` when it allows.
    pub fn denial(&self, spec: &Spec, verdict: &Verdict, face: Face) -> Option<Error> {
        if verdict.allowed {
            return None;
        }
        let name = spec.name;
        let add = format!("add allow = [\"{name}\"] to {}", self.origin.place());
        let (why, hint) = match &verdict.rule {
            Rule::Preset { preset, by_default } => {
                let whose = if *by_default {
                    format!(" (the default for the {})", face.label())
                } else {
                    String::new()
                };
                // `full` denies nothing, so a denying preset is one of the other two.
                let allows = if *preset == Preset::ReadOnly {
                    "allows reads only"
                } else {
                    "denies destructive operations"
                };
                let widen = match spec.risk {
                    Risk::Write => ", or choose preset = \"standard\"",
                    _ => "",
                };
                (
                    format!("preset '{}'{whose} {allows}", preset.as_str()),
                    format!("to allow it, {add}{widen}"),
                )
            }
            Rule::Deny(pattern) => (
                format!(
                    "rule deny '{}' in {}",
                    pattern.as_str(),
                    self.origin.describe()
                ),
                format!(
                    "to allow it, remove '{}' from deny, or {add} (the more specific rule wins)",
                    pattern.as_str()
                ),
            ),
            Rule::Allow(_) => return None,
        };
        Some(
            denied(format!(
                "policy denies {name} ({}): {why}",
                spec.risk.as_str()
            ))
            .with_hint(hint),
        )
    }

    /// The effective policy for `face`, as `msgate policy show` prints it.
    pub fn to_json(&self, face: Face) -> Value {
        fn patterns(list: &[Pattern]) -> Vec<&str> {
            list.iter().map(Pattern::as_str).collect()
        }
        let mut scopes = Map::new();
        let lists = [
            ("teams", self.scopes.teams.clone()),
            ("channels", self.scopes.channels.clone()),
            ("chats", self.scopes.chats.clone()),
            (
                "mail_domains",
                self.scopes
                    .mail_domains
                    .as_ref()
                    .map(|d| d.iter().map(|g| g.as_str().to_owned()).collect()),
            ),
            ("folders", self.scopes.folders.clone()),
        ];
        for (name, list) in lists {
            if let Some(list) = list {
                scopes.insert(name.to_owned(), json!(list));
            }
        }
        let caps: Map<String, Value> = self
            .caps
            .iter()
            .map(|(glob, limit)| (glob.as_str().to_owned(), json!(limit)))
            .collect();
        json!({
            "face": face.as_str(),
            "source": self.origin.describe(),
            "preset": self.preset_for(face).as_str(),
            "allow": patterns(&self.allow),
            "deny": patterns(&self.deny),
            "confirm": patterns(&self.confirm),
            "allow_yes": self.allow_yes,
            "dry_run": self.dry_run,
            "signature": self.signature,
            "scopes": scopes,
            "caps": caps,
            "audit": {
                "include_content": self.audit.include_content,
                "max_bytes": self.audit.max_bytes,
            },
        })
    }
}

/// What each preset — and this policy, for `face` — decides for every operation of the catalog.
pub fn explain(policy: &Policy, face: Face) -> Vec<Value> {
    let word = |allowed: bool| if allowed { "allow" } else { "deny" };
    Catalog::get()
        .entries()
        .iter()
        .map(|entry| {
            let spec = entry.spec;
            let mut row = json!({"operation": spec.name, "risk": spec.risk.as_str()});
            for preset in Preset::ALL {
                row[preset.as_str()] = json!(word(preset.allows(spec.risk)));
            }
            let verdict = policy.decide(spec, face);
            row["effective"] = json!(word(verdict.allowed));
            row["rule"] = json!(verdict.rule.name());
            row
        })
        .collect()
}

/// A policy denial: exit 16, code `policy_denied`.
pub(crate) fn denied(message: impl AsRef<str>) -> Error {
    Error::new(ErrorCode::PolicyDenied, message)
}

#[cfg(test)]
mod tests;
