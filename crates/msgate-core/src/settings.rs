//! Settings resolved in one place: defaults < config file < environment < flags.
//!
//! Every face asks [`Settings::resolve`] and nothing else, so "which output format, which
//! profile" has one answer with one documented precedence, and `msgate config list` can say where
//! each value came from.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::config::ConfigFile;
use crate::config::keys::{self, PROFILES_TABLE};
use crate::env::Env;
use crate::error::{Error, Result};

pub const DEFAULT_PROFILE: &str = "default";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Table,
    Ndjson,
    Csv,
}

impl OutputFormat {
    pub const NAMES: [&'static str; 4] = ["json", "table", "ndjson", "csv"];
    pub const EXPECTED: &'static str = "one of json, table, ndjson, csv";

    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Table => "table",
            OutputFormat::Ndjson => "ndjson",
            OutputFormat::Csv => "csv",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "json" => Ok(OutputFormat::Json),
            "table" => Ok(OutputFormat::Table),
            "ndjson" => Ok(OutputFormat::Ndjson),
            "csv" => Ok(OutputFormat::Csv),
            other => Err(Error::usage(format!(
                "unknown output format '{other}': expected {}",
                OutputFormat::EXPECTED
            ))),
        }
    }
}

/// Profile names appear in config keys and file names, so they stay simple.
pub fn validate_profile_name(name: &str) -> Result<()> {
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid profile name '{name}': use 1 to 64 letters, digits, '-' and '_', starting with a letter or digit"
        )))
    }
}

/// Where a resolved value came from, as `msgate config list` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("file"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag {name}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved<T> {
    pub value: T,
    pub source: Source,
}

/// The global flags as the command line gave them (absent = not given).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub profile: Option<String>,
    pub output: Option<OutputFormat>,
    pub no_color: bool,
    pub err_json: bool,
    pub debug: bool,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub profile: Resolved<String>,
    /// `None` means automatic: a table on a terminal, JSON otherwise.
    pub output: Resolved<Option<OutputFormat>>,
    pub no_color: Resolved<bool>,
    pub err_json: bool,
    pub debug: bool,
    /// Invalid values found in the config file. Most commands refuse to run with any; the
    /// `config` commands that repair the file only warn.
    pub file_problems: Vec<Error>,
    /// Keys in the config file msgate does not know (a typo, or a newer msgate's key).
    pub unknown_keys: Vec<String>,
}

impl Settings {
    pub fn resolve(file: Option<&ConfigFile>, env: &Env, flags: &Flags) -> Result<Settings> {
        let review = file.map(|f| keys::review(&f.doc)).unwrap_or_default();
        let file_str = |path: &[&str]| -> Option<String> {
            let doc = &file?.doc;
            let mut item = doc.as_item();
            for part in path {
                item = item.get(part)?;
            }
            item.as_str().map(str::to_owned)
        };
        let problem_at = |dotted: &str| review.is_invalid(dotted);

        let profile = if let Some(name) = &flags.profile {
            validate_profile_name(name)?;
            Resolved {
                value: name.clone(),
                source: Source::Flag("--profile"),
            }
        } else if let Some(name) = env.get("MSGATE_PROFILE") {
            validate_profile_name(name).map_err(|e| named_env_error("MSGATE_PROFILE", &e))?;
            Resolved {
                value: name.to_owned(),
                source: Source::Env("MSGATE_PROFILE"),
            }
        } else if let Some(name) = file_str(&["profile"]).filter(|_| !problem_at("profile")) {
            Resolved {
                value: name,
                source: Source::File,
            }
        } else {
            Resolved {
                value: DEFAULT_PROFILE.to_owned(),
                source: Source::Default,
            }
        };

        let profile_output_key = format!("{PROFILES_TABLE}.{}.output", profile.value);
        let output = if let Some(format) = flags.output {
            Resolved {
                value: Some(format),
                source: Source::Flag("--output"),
            }
        } else if let Some(raw) = env.get("MSGATE_OUTPUT") {
            let format = raw
                .parse::<OutputFormat>()
                .map_err(|e| named_env_error("MSGATE_OUTPUT", &e))?;
            Resolved {
                value: Some(format),
                source: Source::Env("MSGATE_OUTPUT"),
            }
        } else if let Some(format) = file_str(&[PROFILES_TABLE, &profile.value, "output"])
            .filter(|_| !problem_at(&profile_output_key))
            .and_then(|raw| raw.parse().ok())
        {
            Resolved {
                value: Some(format),
                source: Source::File,
            }
        } else if let Some(format) = file_str(&["output"])
            .filter(|_| !problem_at("output"))
            .and_then(|raw| raw.parse().ok())
        {
            Resolved {
                value: Some(format),
                source: Source::File,
            }
        } else {
            Resolved {
                value: None,
                source: Source::Default,
            }
        };

        let file_no_color = file
            .and_then(|f| f.doc.get("no_color"))
            .and_then(|item| item.as_bool())
            .filter(|_| !problem_at("no_color"));
        let no_color = if flags.no_color {
            Resolved {
                value: true,
                source: Source::Flag("--no-color"),
            }
        } else if env.get("NO_COLOR").is_some() {
            Resolved {
                value: true,
                source: Source::Env("NO_COLOR"),
            }
        } else if let Some(value) = file_no_color {
            Resolved {
                value,
                source: Source::File,
            }
        } else {
            Resolved {
                value: false,
                source: Source::Default,
            }
        };

        Ok(Settings {
            profile,
            output,
            no_color,
            err_json: flags.err_json || env.flag("MSGATE_ERR_JSON"),
            debug: flags.debug || env.flag("MSGATE_DEBUG"),
            file_problems: review.invalid.into_iter().map(|i| i.error).collect(),
            unknown_keys: review.unknown,
        })
    }

    /// The effective settings as rows of `msgate config list`.
    pub fn entries(&self) -> Vec<Value> {
        let output = self
            .output
            .value
            .map(OutputFormat::as_str)
            .unwrap_or("auto");
        vec![
            row("profile", json!(self.profile.value), &self.profile.source),
            row("output", json!(output), &self.output.source),
            row(
                "no_color",
                json!(self.no_color.value),
                &self.no_color.source,
            ),
        ]
    }
}

fn row(key: &str, value: Value, source: &Source) -> Value {
    json!({"key": key, "value": value, "source": source.to_string()})
}

fn named_env_error(var: &str, err: &Error) -> Error {
    Error::usage(format!("{var}: {}", err.message()))
        .with_hint(format!("fix or unset the environment variable {var}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn file(text: &str) -> ConfigFile {
        ConfigFile {
            path: "config.toml".into(),
            doc: text.parse().unwrap(),
        }
    }

    #[test]
    fn defaults_apply_without_file_env_or_flags() {
        let s = Settings::resolve(None, &Env::default(), &Flags::default()).unwrap();
        assert_eq!(s.profile.value, "default");
        assert_eq!(s.output.value, None);
        assert!(!s.no_color.value && !s.err_json && !s.debug);
    }

    #[test]
    fn precedence_is_default_file_env_flag() {
        let f = file("output = \"csv\"\nprofile = \"work\"\n");
        let s = Settings::resolve(Some(&f), &Env::default(), &Flags::default()).unwrap();
        assert_eq!(
            (s.output.value, s.output.source),
            (Some(OutputFormat::Csv), Source::File)
        );
        assert_eq!(s.profile.value, "work");

        let env = Env::from_pairs([("MSGATE_OUTPUT", "ndjson"), ("MSGATE_PROFILE", "home")]);
        let s = Settings::resolve(Some(&f), &env, &Flags::default()).unwrap();
        assert_eq!(s.output.value, Some(OutputFormat::Ndjson));
        assert_eq!(s.profile.source, Source::Env("MSGATE_PROFILE"));

        let flags = Flags {
            output: Some(OutputFormat::Json),
            profile: Some("cli".into()),
            ..Flags::default()
        };
        let s = Settings::resolve(Some(&f), &env, &flags).unwrap();
        assert_eq!(s.output.value, Some(OutputFormat::Json));
        assert_eq!(s.profile.value, "cli");
    }

    #[test]
    fn a_profile_table_overrides_the_top_level() {
        let f = file("output = \"csv\"\n[profiles.work]\noutput = \"ndjson\"\n");
        let flags = Flags {
            profile: Some("work".into()),
            ..Flags::default()
        };
        let s = Settings::resolve(Some(&f), &Env::default(), &flags).unwrap();
        assert_eq!(s.output.value, Some(OutputFormat::Ndjson));
        let s = Settings::resolve(Some(&f), &Env::default(), &Flags::default()).unwrap();
        assert_eq!(s.output.value, Some(OutputFormat::Csv));
    }

    #[test]
    fn invalid_file_values_are_collected_not_used() {
        let f = file("output = \"xml\"\n");
        let s = Settings::resolve(Some(&f), &Env::default(), &Flags::default()).unwrap();
        assert_eq!(s.output.value, None);
        assert_eq!(s.file_problems.len(), 1);
        assert_eq!(s.file_problems[0].code(), ErrorCode::ConfigInvalid);
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let env = Env::from_pairs([("MSGATE_OUTPUT", "xml")]);
        let err = Settings::resolve(None, &env, &Flags::default()).unwrap_err();
        assert!(
            err.message().starts_with("MSGATE_OUTPUT:"),
            "{}",
            err.message()
        );
        assert_eq!(err.exit().status(), 2);
    }

    #[test]
    fn no_color_and_err_json_switches() {
        let env = Env::from_pairs([("NO_COLOR", "1"), ("MSGATE_ERR_JSON", "1")]);
        let s = Settings::resolve(None, &env, &Flags::default()).unwrap();
        assert!(s.no_color.value && s.err_json);
        let env = Env::from_pairs([("MSGATE_ERR_JSON", "0")]);
        assert!(
            !Settings::resolve(None, &env, &Flags::default())
                .unwrap()
                .err_json
        );
    }

    #[test]
    fn profile_names_are_checked() {
        for bad in ["", "-x", "a.b", "a b", &"x".repeat(65)] {
            assert!(validate_profile_name(bad).is_err(), "{bad:?}");
        }
        validate_profile_name("work_2-eu").unwrap();
    }
}
