//! The keys the config file may hold, with their types and documentation.
//!
//! One table drives validation of the file, `msgate config set/get/unset`, the warnings for
//! unknown keys and the key list in `--help`, so a new setting is added in exactly one place.

use std::str::FromStr;

use toml_edit::{DocumentMut, Item, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::settings::{OutputFormat, validate_profile_name};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Output,
    Bool,
    ProfileName,
    /// Free text (an id, a URL, a path); never a secret.
    Text,
    /// A list of names, written on the command line as `a,b,c`.
    List,
    /// One of a fixed set of names.
    OneOf(&'static [&'static str]),
    /// A policy table: checked here only for being a table; msgate-ops reads what is inside.
    Policy,
}

#[derive(Debug)]
pub struct KeySpec {
    pub name: &'static str,
    pub kind: ValueKind,
    pub summary: &'static str,
}

/// Keys at the top of the file.
pub const TOP_LEVEL_KEYS: &[KeySpec] = &[
    KeySpec {
        name: "output",
        kind: ValueKind::Output,
        summary: "default output format: json, table, ndjson or csv (unset: table on a terminal, json otherwise)",
    },
    KeySpec {
        name: "profile",
        kind: ValueKind::ProfileName,
        summary: "profile used when --profile and MSGATE_PROFILE are absent (default: \"default\")",
    },
    KeySpec {
        name: "no_color",
        kind: ValueKind::Bool,
        summary: "never print colour (true/false)",
    },
    KeySpec {
        name: "policy",
        kind: ValueKind::Policy,
        summary: "the policy of profiles without their own (a table; see 'msgate policy --help')",
    },
];

/// Keys inside a `[profiles.NAME]` table; they override the top-level ones for that profile.
/// The sign-in keys (`client_id` … `granted_scopes`) are written by `msgate auth login`; none of
/// them is a secret — tokens live in the token store, never here.
pub const PROFILE_KEYS: &[KeySpec] = &[
    KeySpec {
        name: "output",
        kind: ValueKind::Output,
        summary: "output format for this profile",
    },
    KeySpec {
        name: "client_id",
        kind: ValueKind::Text,
        summary: "app (client) id to sign in with (default: Microsoft Graph Command Line Tools)",
    },
    KeySpec {
        name: "tenant",
        kind: ValueKind::Text,
        summary: "tenant id or domain to sign in to (default: organizations)",
    },
    KeySpec {
        name: "cloud",
        kind: ValueKind::OneOf(&["global", "usgov", "usgov-dod", "china", "custom"]),
        summary: "Microsoft cloud: global, usgov, usgov-dod, china, or custom (login_url and graph_url)",
    },
    KeySpec {
        name: "login_url",
        kind: ValueKind::Text,
        summary: "sign-in URL of a custom cloud (e.g. a sandbox tenant)",
    },
    KeySpec {
        name: "graph_url",
        kind: ValueKind::Text,
        summary: "Graph URL of a custom cloud (e.g. a sandbox tenant)",
    },
    KeySpec {
        name: "token_store",
        kind: ValueKind::OneOf(&["keyring", "file", "memory"]),
        summary: "where tokens are kept: keyring (default), file (encrypted) or memory",
    },
    KeySpec {
        name: "token_key_file",
        kind: ValueKind::Text,
        summary: "key file for the encrypted token file (0600, not beside the tokens)",
    },
    KeySpec {
        name: "capabilities",
        kind: ValueKind::List,
        summary: "capability sets whose least scopes are requested (e.g. chat,mail)",
    },
    KeySpec {
        name: "extra_scopes",
        kind: ValueKind::List,
        summary: "Graph permissions requested on top of the capability sets (--add-scope)",
    },
    KeySpec {
        name: "flow",
        kind: ValueKind::OneOf(&[
            "browser",
            "device_code",
            "client_secret",
            "certificate",
            "federated",
        ]),
        summary: "how the profile signed in (written by auth login)",
    },
    KeySpec {
        name: "certificate_file",
        kind: ValueKind::Text,
        summary: "PEM certificate and key of an app-only profile (written by auth login)",
    },
    KeySpec {
        name: "federated_token_file",
        kind: ValueKind::Text,
        summary: "workload identity token file of an app-only profile (written by auth login)",
    },
    KeySpec {
        name: "account",
        kind: ValueKind::Text,
        summary: "who signed in: user principal name or app id (written by auth login)",
    },
    KeySpec {
        name: "account_id",
        kind: ValueKind::Text,
        summary: "object id of the signed-in user or app (written by auth login)",
    },
    KeySpec {
        name: "tenant_id",
        kind: ValueKind::Text,
        summary: "id of the tenant signed in to (written by auth login)",
    },
    KeySpec {
        name: "granted_scopes",
        kind: ValueKind::List,
        summary: "scopes Entra granted at the last sign-in (written by auth login)",
    },
    KeySpec {
        name: "policy",
        kind: ValueKind::Policy,
        summary: "this profile's policy (a table; see 'msgate policy --help')",
    },
];

pub const PROFILES_TABLE: &str = "profiles";

/// A key as written on the command line: `output` or `profiles.NAME.output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPath {
    TopLevel(&'static KeySpec),
    Profile {
        profile: String,
        spec: &'static KeySpec,
    },
}

impl PartialEq for KeySpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for KeySpec {}

impl KeyPath {
    pub fn parse(key: &str) -> Result<KeyPath> {
        let unknown = || {
            Error::new(ErrorCode::Usage, format!("unknown config key '{key}'")).with_hint(
                "keys are: output, profile, no_color, policy, profiles.NAME.KEY (see 'msgate config --help')",
            )
        };
        let parts: Vec<&str> = key.split('.').collect();
        match parts.as_slice() {
            [name] => find(TOP_LEVEL_KEYS, name)
                .map(KeyPath::TopLevel)
                .ok_or_else(unknown),
            [PROFILES_TABLE, profile, name] => {
                validate_profile_name(profile)?;
                let spec = find(PROFILE_KEYS, name).ok_or_else(unknown)?;
                Ok(KeyPath::Profile {
                    profile: (*profile).to_owned(),
                    spec,
                })
            }
            _ => Err(unknown()),
        }
    }

    pub fn spec(&self) -> &'static KeySpec {
        match self {
            KeyPath::TopLevel(spec) | KeyPath::Profile { spec, .. } => spec,
        }
    }

    pub fn dotted(&self) -> String {
        match self {
            KeyPath::TopLevel(spec) => spec.name.to_owned(),
            KeyPath::Profile { profile, spec } => {
                format!("{PROFILES_TABLE}.{profile}.{}", spec.name)
            }
        }
    }

    /// The value stored for this key in `doc`, if any.
    pub fn lookup<'d>(&self, doc: &'d DocumentMut) -> Option<&'d Item> {
        match self {
            KeyPath::TopLevel(spec) => doc.get(spec.name),
            KeyPath::Profile { profile, spec } => doc
                .get(PROFILES_TABLE)?
                .get(profile.as_str())?
                .get(spec.name),
        }
    }
}

fn find(specs: &'static [KeySpec], name: &str) -> Option<&'static KeySpec> {
    specs.iter().find(|s| s.name == name)
}

impl ValueKind {
    /// Parse a value typed on the command line into the TOML value to store.
    pub fn parse(self, key: &str, raw: &str) -> Result<Value> {
        let invalid = |expected: &str| {
            Error::new(
                ErrorCode::Usage,
                format!("invalid value '{raw}' for config key '{key}': expected {expected}"),
            )
        };
        match self {
            ValueKind::Output => OutputFormat::from_str(raw)
                .map(|f| Value::from(f.as_str()))
                .map_err(|_| invalid(OutputFormat::EXPECTED)),
            ValueKind::Bool => match raw {
                "true" => Ok(Value::from(true)),
                "false" => Ok(Value::from(false)),
                _ => Err(invalid("true or false")),
            },
            ValueKind::ProfileName => validate_profile_name(raw)
                .map(|()| Value::from(raw))
                .map_err(|_| invalid("a profile name (letters, digits, '-' and '_')")),
            ValueKind::Text if raw.trim().is_empty() => Err(invalid("a non-empty value")),
            ValueKind::Text => Ok(Value::from(raw)),
            ValueKind::List => Ok(Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect(),
            )),
            ValueKind::OneOf(names) if names.contains(&raw) => Ok(Value::from(raw)),
            ValueKind::OneOf(names) => Err(invalid(&format!("one of {}", names.join(", ")))),
            ValueKind::Policy => Err(Error::new(
                ErrorCode::Usage,
                format!("config key '{key}' is a table and cannot be set from the command line"),
            )
            .with_hint("edit the config file ('msgate config path'), or use --policy FILE; 'msgate policy --help' shows the format")),
        }
    }

    /// Check a value read from the file; the error names the key and the file's problem.
    pub fn check(self, key: &str, item: &Item) -> Result<()> {
        let shown = item.to_string();
        let shown = shown.trim();
        let ok = match (self, item.as_value()) {
            (ValueKind::Bool, Some(Value::Boolean(_))) => true,
            (ValueKind::Output, Some(Value::String(s))) => {
                OutputFormat::from_str(s.value()).is_ok()
            }
            (ValueKind::ProfileName, Some(Value::String(s))) => {
                validate_profile_name(s.value()).is_ok()
            }
            (ValueKind::Text, Some(Value::String(s))) => !s.value().trim().is_empty(),
            (ValueKind::List, Some(Value::Array(items))) => items.iter().all(Value::is_str),
            (ValueKind::OneOf(names), Some(Value::String(s))) => {
                names.contains(&s.value().as_str())
            }
            (ValueKind::Policy, _) => item.is_table_like(),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let expected = match self {
            ValueKind::Output => OutputFormat::EXPECTED,
            ValueKind::Bool => "true or false",
            ValueKind::ProfileName => "a profile name in quotes",
            ValueKind::Text => "a non-empty string in quotes",
            ValueKind::List => "a list of strings, e.g. [\"chat\", \"mail\"]",
            ValueKind::OneOf(names) => return Err(one_of_error(key, shown, names)),
            ValueKind::Policy => "a table ([policy] or [profiles.NAME.policy])",
        };
        Err(Error::new(
            ErrorCode::ConfigInvalid,
            format!("invalid value {shown} for config key '{key}': expected {expected}"),
        )
        .with_hint(format!(
            "fix it with 'msgate config set {key} VALUE' or remove it with 'msgate config unset {key}'"
        )))
    }
}

fn one_of_error(key: &str, shown: &str, names: &[&str]) -> Error {
    Error::new(
        ErrorCode::ConfigInvalid,
        format!(
            "invalid value {shown} for config key '{key}': expected one of {}",
            names.join(", ")
        ),
    )
    .with_hint(format!(
        "fix it with 'msgate config set {key} VALUE' or remove it with 'msgate config unset {key}'"
    ))
}

/// Problems with known keys (wrong type or value) and the dotted names of unknown keys.
#[derive(Debug, Default)]
pub struct Review {
    pub invalid: Vec<Invalid>,
    pub unknown: Vec<String>,
}

/// A key whose value is unusable, and why.
#[derive(Debug)]
pub struct Invalid {
    pub key: String,
    pub error: Error,
}

impl Review {
    pub fn is_invalid(&self, key: &str) -> bool {
        self.invalid.iter().any(|i| i.key == key)
    }

    fn check(&mut self, key: String, kind: ValueKind, item: &Item) {
        if let Err(error) = kind.check(&key, item) {
            self.invalid.push(Invalid { key, error });
        }
    }

    fn reject(&mut self, key: String, message: String) {
        let error = Error::new(ErrorCode::ConfigInvalid, message);
        self.invalid.push(Invalid { key, error });
    }
}

/// Check every key in `doc` against the tables above.
pub fn review(doc: &DocumentMut) -> Review {
    let mut review = Review::default();
    for (name, item) in doc.iter() {
        if name == PROFILES_TABLE {
            review_profiles(item, &mut review);
            continue;
        }
        match find(TOP_LEVEL_KEYS, name) {
            Some(spec) => review.check(name.to_owned(), spec.kind, item),
            None => review.unknown.push(name.to_owned()),
        }
    }
    review
}

fn review_profiles(item: &Item, review: &mut Review) {
    let Some(profiles) = item.as_table_like() else {
        review.reject(
            PROFILES_TABLE.to_owned(),
            "config key 'profiles' must be a table of [profiles.NAME] sections".to_owned(),
        );
        return;
    };
    for (profile, table) in profiles.iter() {
        let prefix = format!("{PROFILES_TABLE}.{profile}");
        if validate_profile_name(profile).is_err() {
            review.reject(
                prefix.clone(),
                format!("invalid profile name '{profile}' in [{prefix}]: use letters, digits, '-' and '_'"),
            );
            continue;
        }
        let Some(table) = table.as_table_like() else {
            review.reject(
                prefix.clone(),
                format!("config key '{prefix}' must be a table"),
            );
            continue;
        };
        for (name, value) in table.iter() {
            let key = format!("{prefix}.{name}");
            match find(PROFILE_KEYS, name) {
                Some(spec) => review.check(key, spec.kind, value),
                None => review.unknown.push(key),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_top_level_and_profile_keys() {
        assert_eq!(KeyPath::parse("output").unwrap().dotted(), "output");
        let key = KeyPath::parse("profiles.work.output").unwrap();
        assert_eq!(key.dotted(), "profiles.work.output");
        assert_eq!(key.spec().kind, ValueKind::Output);
    }

    #[test]
    fn rejects_unknown_and_malformed_keys() {
        for bad in [
            "outptu",
            "profiles.work",
            "profiles.work.nope",
            "profiles..output",
            "a.b",
        ] {
            let err = KeyPath::parse(bad).unwrap_err();
            assert_eq!(err.exit().status(), 2, "{bad}");
        }
    }

    #[test]
    fn values_are_typed() {
        assert_eq!(
            ValueKind::Bool.parse("no_color", "true").unwrap().as_bool(),
            Some(true)
        );
        assert_eq!(
            ValueKind::Output
                .parse("output", "ndjson")
                .unwrap()
                .as_str(),
            Some("ndjson")
        );
        let err = ValueKind::Output.parse("output", "xml").unwrap_err();
        assert!(err.message().contains("'output'"), "{}", err.message());
        let err = ValueKind::Policy.parse("policy", "full").unwrap_err();
        assert_eq!(err.exit().status(), 2);
    }

    #[test]
    fn policy_tables_are_known_keys_whose_contents_are_left_to_the_policy_engine() {
        let doc: DocumentMut = "[policy]\npreset = \"standard\"\nmystery = 1\n[profiles.agent.policy]\npreset = \"read-only\"\n[profiles.bad]\npolicy = \"full\"\n"
            .parse()
            .unwrap();
        let review = review(&doc);
        assert!(review.unknown.is_empty(), "{:?}", review.unknown);
        let keys: Vec<&str> = review.invalid.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["profiles.bad.policy"]);
    }

    #[test]
    fn review_finds_invalid_and_unknown_keys() {
        let doc: DocumentMut = r#"
            output = "xml"
            colour = true
            [profiles.work]
            output = "csv"
            tenant_typo = "x"
            [profiles.home]
            output = 3
        "#
        .parse()
        .unwrap();
        let review = review(&doc);
        assert_eq!(review.unknown, ["colour", "profiles.work.tenant_typo"]);
        let keys: Vec<&str> = review.invalid.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["output", "profiles.home.output"]);
        assert!(
            review.invalid[1]
                .error
                .message()
                .contains("'profiles.home.output'")
        );
    }
}
