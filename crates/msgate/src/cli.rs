//! The command line, declared once: parsing, `--help`, completions and the man page all come
//! from these types.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use msgate_core::settings::OutputFormat;

const ABOUT: &str =
    "Least-privilege access to Microsoft Teams and Microsoft 365 for people and AI agents";

const LONG_ABOUT: &str = "\
msgate works with Microsoft Teams and Microsoft 365 through Microsoft Graph, from the command
line or as an MCP server for agents. Tokens stay in the OS keyring, destructive actions are
denied unless policy allows them, and every command speaks a contract scripts can rely on:
data on stdout (JSON when piped), diagnostics on stderr, and documented exit codes.";

const AFTER_HELP: &str = "\
Exit codes:
  0 success                          13 not found
  2 usage error (bad flags or input) 14 throttled (after retries)
 10 network error                    15 conflict or precondition failed
 11 sign-in required or expired      16 denied by policy
 12 permission or consent missing    20 internal error

Settings resolve as defaults < config file < environment < flags.
Environment: MSGATE_PROFILE, MSGATE_OUTPUT, MSGATE_ERR_JSON=1, MSGATE_DEBUG=1,
MSGATE_CONFIG_DIR, NO_COLOR; MSGATE_GRAPH_URL and MSGATE_LOGIN_URL (another Graph, e.g. a
sandbox); MSGATE_ACCESS_TOKEN (a token used as is, never stored).

Try it without a Microsoft tenant: msgate --sandbox chat list";

#[derive(Debug, Parser)]
#[command(
    name = "msgate",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Profile (account and settings) to use [env: MSGATE_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Output format [default: table on a terminal, json when piped; env: MSGATE_OUTPUT]
    #[arg(
        long,
        short = 'o',
        global = true,
        value_name = "FORMAT",
        value_parser = PossibleValuesParser::new(OutputFormat::NAMES)
    )]
    pub output: Option<String>,

    /// Filter the JSON output with a jq expression; string results print raw
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,

    /// Print errors as one JSON object, the last line on stderr [env: MSGATE_ERR_JSON=1]
    #[arg(long, global = true)]
    pub err_json: bool,

    /// Log what msgate does to stderr, secrets redacted [env: MSGATE_DEBUG=1]
    #[arg(long, global = true)]
    pub debug: bool,

    /// Also log request and response bodies, redacted (implies --debug)
    #[arg(long, global = true)]
    pub debug_bodies: bool,

    /// Never print colour [env: NO_COLOR]
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Run this command against a fresh in-process sandbox tenant, signed in as its default user
    /// (nothing is kept; see `msgate sandbox serve`)
    #[arg(long, global = true)]
    pub sandbox: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign-in state of the current profile
    #[command(subcommand)]
    Auth(AuthCommand),

    /// Read and change settings in the config file
    #[command(subcommand, after_help = CONFIG_AFTER_HELP)]
    Config(ConfigCommand),

    /// Run the sandbox tenant: an offline Microsoft Graph and Entra sign-in emulator
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Print a shell completion script to stdout
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions {
        /// The shell to complete for
        shell: Shell,
    },

    /// Print the man page (roff) to stdout, or write a page per command into a directory
    Man {
        /// Write msgate.1, msgate-config.1, … into this directory instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const CONFIG_AFTER_HELP: &str = "\
Keys:
  output                 default output format: json, table, ndjson or csv
  profile                profile used when --profile and MSGATE_PROFILE are absent
  no_color               never print colour: true or false
  profiles.NAME.output   output format for profile NAME

The file is TOML at $XDG_CONFIG_HOME/msgate/config.toml (MSGATE_CONFIG_DIR overrides the
directory). It must be private (0600); msgate keeps your comments and keys it does not know.";

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  msgate completions bash > ~/.local/share/bash-completion/completions/msgate
  msgate completions zsh > \"${fpath[1]}/_msgate\"
  msgate completions fish > ~/.config/fish/completions/msgate.fish";

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox until interrupted; prints one JSON line with its URLs, client ids and users
    #[command(after_help = SANDBOX_AFTER_HELP)]
    Serve(SandboxServeArgs),
}

const SANDBOX_AFTER_HELP: &str = "\
Point msgate at it with MSGATE_GRAPH_URL and MSGATE_LOGIN_URL from the printed line.
Control endpoints for tests: GET /_sandbox/requests, GET /_sandbox/stats,
POST /_sandbox/reset-log, POST /_sandbox/reset, POST /_sandbox/device/approve,
GET|POST /_sandbox/faults (the --faults keys as JSON).";

#[derive(Debug, Args)]
pub struct SandboxServeArgs {
    /// Port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Address to listen on; anything but loopback exposes the sandbox to the network
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: std::net::IpAddr,

    /// Keep the tenant in DIR/sandbox.sqlite3 across restarts (default: in memory)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// What the tenant starts with
    #[arg(long, value_enum, default_value = "demo")]
    pub seed: SeedArg,

    /// Approve device codes at once, as the default user
    #[arg(long)]
    pub auto_approve: bool,

    /// Lifetime of issued access tokens, in seconds
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub token_lifetime: u64,

    /// Inject Graph faults, e.g. throttle_rate=0.3,retry_after_s=1,error_rate=0.05,drop_rate=0,latency_ms=0,seed=7
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<msgate_sandbox::FaultSpec>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SeedArg {
    /// Larkspur Labs: people, presence, teams, channels, chats and messages
    Demo,
    /// No users and no data
    Empty,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Show whether the profile is signed in, and how (never the token)
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a value set in the config file (exit 13 when it is not set)
    Get {
        /// Key, e.g. output or profiles.work.output
        key: String,
    },
    /// Set a value in the config file
    Set {
        /// Key, e.g. output or profiles.work.output
        key: String,
        /// New value; checked before anything is written
        value: String,
    },
    /// Remove a value from the config file
    Unset {
        /// Key, e.g. output or profiles.work.output
        key: String,
    },
    /// List the effective settings and where each comes from
    List,
    /// Print the path of the config file
    Path,
}

/// The whole command line: the commands above and every operation of the catalog.
pub fn command() -> clap::Command {
    crate::ops_cli::augment(<Cli as clap::CommandFactory>::command())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_definition_is_consistent() {
        super::command().debug_assert();
    }
}
