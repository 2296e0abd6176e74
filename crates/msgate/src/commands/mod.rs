//! One module per command group; each command returns [`Data`] for the printer.

pub mod auth;
mod completions;
mod config;
mod man;
mod mcp;
pub mod operation;
mod policy;
pub mod sandbox;

use msgate_core::Result;

use crate::cli::{Command, ConfigCommand};
use crate::context::Context;
use crate::output::Data;

pub fn run(command: Command, ctx: &Context) -> Result<Data> {
    match command {
        Command::Auth(cmd) => auth::run(cmd, ctx),
        Command::Config(cmd) => config::run(cmd, ctx),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { dir } => man::run(dir.as_deref()),
        Command::Policy(cmd) => policy::run(cmd, ctx),
        Command::Sandbox(cmd) => sandbox::run(cmd),
        Command::Mcp(cmd) => mcp::run(cmd, ctx),
    }
}

/// Whether the command must refuse to run on a config file with invalid values. The commands
/// that repair or locate the file, and those that never read settings, only warn.
pub fn needs_valid_config(command: &Command) -> bool {
    !matches!(
        command,
        Command::Config(
            ConfigCommand::Get { .. }
                | ConfigCommand::Set { .. }
                | ConfigCommand::Unset { .. }
                | ConfigCommand::Path
        ) | Command::Completions { .. }
            | Command::Man { .. }
    )
}
