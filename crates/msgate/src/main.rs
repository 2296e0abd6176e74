//! The `msgate` binary: parse the command line, resolve settings, run one command, print its
//! data on stdout and any error on stderr, and exit with the contract's status.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod confirm;
mod connect;
mod context;
mod diag;
mod jq;
mod logging;
mod ops_cli;
mod output;
mod panic;
mod progress;
mod usage;

use std::ffi::OsString;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use clap::FromArgMatches;
use msgate_core::config::{self, ConfigPaths};
use msgate_core::settings::{Flags, Settings};
use msgate_core::{Env, Error, Exit, Result};

use crate::cli::{Cli, GlobalArgs};
use crate::context::Context;
use crate::jq::JqFilter;
use crate::output::Printer;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let env = Env::from_process();
    // Until settings are resolved, only the flags and environment can say how to report errors.
    diag::configure(
        has_flag(&args, "--no-color") || env.get("NO_COLOR").is_some(),
        has_flag(&args, "--err-json") || env.flag("MSGATE_ERR_JSON"),
    );
    panic::install();
    let status = match std::panic::catch_unwind(AssertUnwindSafe(|| run(args, env))) {
        Ok(Ok(())) => Exit::Success,
        Ok(Err(err)) => {
            diag::error(&err);
            err.exit()
        }
        Err(_) => Exit::Internal,
    };
    ExitCode::from(status.status())
}

/// What the command line asks for: one of msgate's own commands, or a catalog operation.
enum Invocation {
    Command(cli::Command),
    Operation(&'static msgate_ops::Entry, serde_json::Value),
}

fn run(args: Vec<OsString>, env: Env) -> Result<()> {
    let matches = match cli::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(err) => return usage::handle(err),
    };
    let global = GlobalArgs::from_arg_matches(&matches).map_err(|e| Error::usage(e.to_string()))?;
    let invocation = match ops_cli::operation_call(&matches)? {
        Some((entry, input)) => Invocation::Operation(entry, input),
        None => Invocation::Command(
            Cli::from_arg_matches(&matches)
                .map_err(|e| Error::usage(e.to_string()))?
                .command,
        ),
    };
    let flags = Flags {
        profile: global.profile.clone(),
        output: global.output.as_deref().map(str::parse).transpose()?,
        no_color: global.no_color,
        err_json: global.err_json,
        debug: global.debug || global.debug_bodies,
    };
    let jq = global.jq.as_deref().map(JqFilter::compile).transpose()?;
    let strict = match &invocation {
        Invocation::Command(command) => commands::needs_valid_config(command),
        Invocation::Operation(..) => true,
    };

    let config_paths = ConfigPaths::locate(&env);
    let loaded = config_paths
        .as_ref()
        .map_err(Clone::clone)
        .and_then(config::load);
    let file = match loaded {
        Ok(file) => file,
        Err(err) if strict => return Err(err),
        Err(err) => {
            diag::warning(err.message());
            None
        }
    };
    let settings = Settings::resolve(file.as_ref(), &env, &flags)?;
    diag::configure(settings.no_color.value, settings.err_json);
    logging::init(settings.debug);

    if let Some(file) = &file {
        for key in &settings.unknown_keys {
            diag::warning(&format!(
                "unknown config key '{key}' in {} (ignored)",
                file.path.display()
            ));
        }
    }
    match settings.file_problems.first() {
        Some(problem) if strict => return Err(problem.clone()),
        _ => settings
            .file_problems
            .iter()
            .for_each(|p| diag::warning(p.message())),
    }
    tracing::debug!(
        profile = %settings.profile.value,
        profile_source = %settings.profile.source,
        output = ?settings.output.value,
        "settings resolved"
    );

    let ctx = Context {
        printer: Printer::new(settings.output.value, jq),
        sandbox: global.sandbox,
        debug_bodies: global.debug_bodies,
        config_file: file,
        policy_file: global.policy,
        dry_run: global.dry_run,
        yes: global.yes,
        env,
        config_paths,
        settings,
    };
    let data = match invocation {
        Invocation::Command(command) => commands::run(command, &ctx)?,
        Invocation::Operation(entry, input) => commands::operation::run(entry, input, &ctx)?,
    };
    ctx.printer.print(data)
}

/// Whether `flag` appears before any `--` (which ends option parsing).
fn has_flag(args: &[OsString], flag: &str) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == flag)
}
