//! What a command runs with: resolved settings, where the config lives, the environment, the
//! printer — the one way to ask for a signed-in session, and the one way to get the policy
//! gate every operation passes.

use std::path::PathBuf;
use std::sync::Arc;

use msgate_auth::profile::Profile;
use msgate_core::config::{self, ConfigFile, ConfigPaths};
use msgate_core::settings::Settings;
use msgate_core::{Env, Result};
use msgate_ops::PolicyGate;
use msgate_ops::policy::{self, Loaded, Source};

use crate::confirm::TerminalConfirm;
use crate::diag;
use crate::output::Printer;

#[derive(Debug)]
pub struct Context {
    pub env: Env,
    pub config_paths: Result<ConfigPaths>,
    pub settings: Settings,
    pub printer: Printer,
    /// `--sandbox`: run against a fresh in-process sandbox tenant.
    pub sandbox: bool,
    /// `--debug-bodies`: log Graph request and response bodies, redacted.
    pub debug_bodies: bool,
    /// The config file as loaded (absent when there is none).
    pub config_file: Option<ConfigFile>,
    /// `--policy PATH`.
    pub policy_file: Option<PathBuf>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--yes`.
    pub yes: bool,
}

/// A credential msgate may use for the current profile.
#[derive(Debug)]
pub struct Session<'a> {
    pub profile: &'a str,
    pub source: &'static str,
}

impl Context {
    /// The current profile's local state directory (created on first write), if there is a
    /// home to put it in. A `--sandbox` run keeps nothing, so it has none.
    pub fn state_dir(&self) -> Option<std::path::PathBuf> {
        if self.sandbox {
            return None;
        }
        msgate_core::config::state_dir(&self.env)
            .ok()
            .map(|dir| dir.join(self.settings.profile.value.as_str()))
    }

    /// The policy in force: `--policy`, else `MSGATE_POLICY`, else the config file's; its
    /// warnings are printed here.
    pub fn policy(&self) -> Result<Loaded> {
        let from_env = self.env.get("MSGATE_POLICY").map(PathBuf::from);
        let source = match (&self.policy_file, &from_env) {
            (Some(path), _) => Source::File {
                path,
                via: "--policy",
            },
            (None, Some(path)) => Source::File {
                path,
                via: "MSGATE_POLICY",
            },
            (None, None) => Source::Config {
                file: self.config_file.as_ref(),
                config_path: self.config_paths.as_ref().ok().map(|p| p.file.as_path()),
                profile: &self.settings.profile.value,
            },
        };
        let loaded = policy::load(source)?;
        for warning in &loaded.warnings {
            diag::warning(warning);
        }
        Ok(loaded)
    }

    /// The policy gate operations run through on the command line.
    pub fn gate(&self) -> Result<PolicyGate> {
        let state_root = msgate_core::config::state_dir(&self.env).ok();
        Ok(PolicyGate::new(
            self.policy()?.policy,
            self.settings.profile.value.clone(),
            state_root,
            Arc::new(TerminalConfirm { yes: self.yes }),
        )
        .with_dry_run(self.dry_run))
    }

    pub fn config_paths(&self) -> Result<&ConfigPaths> {
        self.config_paths.as_ref().map_err(Clone::clone)
    }

    /// The current profile's settings from the config file (empty when it defines none).
    pub fn profile(&self) -> Result<Profile> {
        let file = config::load(self.config_paths()?)?;
        Ok(Profile::read(
            file.as_ref().map(|f| &f.doc),
            &self.settings.profile.value,
        ))
    }

    /// The signed-in session of the current profile, or exit 11 with the way to sign in.
    pub fn require_session(&self) -> Result<Session<'_>> {
        let profile = self.settings.profile.value.as_str();
        if self.sandbox {
            return Ok(Session {
                profile,
                source: "sandbox tenant (--sandbox)",
            });
        }
        if self.env.secret("MSGATE_ACCESS_TOKEN").is_some() {
            return Ok(Session {
                profile,
                source: "environment (MSGATE_ACCESS_TOKEN)",
            });
        }
        let signed_in = self.profile()?;
        msgate_auth::require_signed_in(&signed_in)?;
        Ok(Session {
            profile,
            source: "signed-in profile",
        })
    }
}
