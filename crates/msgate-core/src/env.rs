//! A snapshot of the environment variables msgate reads.
//!
//! Settings resolve from defaults, the config file, the environment and flags in one place; taking
//! the environment as a value (instead of calling `std::env::var` deep inside) keeps that
//! resolution a pure function that tests can drive without touching the process environment.

use std::collections::BTreeMap;
use std::fmt;

use crate::secret::Secret;

#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    secrets: BTreeMap<String, Secret>,
}

/// Variables whose values are credentials: kept only as [`Secret`]s, never as plain strings.
pub const SECRET_VARS: &[&str] = &[
    "MSGATE_ACCESS_TOKEN",
    "MSGATE_MCP_TOKEN",
    "MSGATE_TOKEN_KEY",
];

/// Variables outside the `MSGATE_` namespace that msgate honours.
const FOREIGN_VARS: &[&str] = &[
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "APPDATA",
    "LOCALAPPDATA",
    "NO_COLOR",
    // Sign-in: whether a browser can be opened, which one, and systemd's credentials directory.
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "SSH_CONNECTION",
    "SSH_TTY",
    "BROWSER",
    "CREDENTIALS_DIRECTORY",
];

impl Env {
    pub fn from_process() -> Self {
        Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| k.starts_with("MSGATE_") || FOREIGN_VARS.contains(&k.as_str())),
        )
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut env = Env::default();
        for (name, value) in pairs {
            let (name, value) = (name.into(), value.into());
            if value.is_empty() {
                continue;
            }
            if SECRET_VARS.contains(&name.as_str()) {
                env.secrets.insert(name, Secret::new(value));
            } else {
                env.vars.insert(name, value);
            }
        }
        env
    }

    /// A credential handed over in the environment, such as `MSGATE_ACCESS_TOKEN`.
    pub fn secret(&self, name: &str) -> Option<&Secret> {
        self.secrets.get(name)
    }

    /// The variable's value; an empty value counts as unset. Secret variables are not here.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A boolean switch such as `MSGATE_ERR_JSON=1`: set and not `0`/`false`/`no`/`off`.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            !matches!(
                v.to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off"
            )
        })
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_held_as_secrets_only() {
        let token = msgate_testkit::fake_jwt("env");
        let env = Env::from_pairs([
            ("MSGATE_ACCESS_TOKEN", token.as_str()),
            ("MSGATE_OUTPUT", "json"),
        ]);
        assert_eq!(env.get("MSGATE_ACCESS_TOKEN"), None);
        assert_eq!(
            env.secret("MSGATE_ACCESS_TOKEN").map(Secret::expose),
            Some(token.as_str())
        );
        assert!(!format!("{env:?}").contains(&token));
        assert!(format!("{env:?}").contains("MSGATE_ACCESS_TOKEN"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = Env::from_pairs([("MSGATE_PROFILE", ""), ("MSGATE_ERR_JSON", "off")]);
        assert_eq!(env.get("MSGATE_PROFILE"), None);
        assert!(!env.flag("MSGATE_ERR_JSON"));
    }
}
