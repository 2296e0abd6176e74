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
MSGATE_CONFIG_DIR, MSGATE_STATE_DIR, MSGATE_POLICY, NO_COLOR; MSGATE_GRAPH_URL and
MSGATE_LOGIN_URL (another Graph, e.g. a sandbox); MSGATE_ACCESS_TOKEN (a token used as is,
never stored); MSGATE_TOKEN_KEY (key of the encrypted token file).

Every operation runs under a policy (see `msgate policy --help`): by default the CLI may read
and write, and destructive operations are denied.

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

    /// Run under the policy in this TOML file instead of the config file's [env: MSGATE_POLICY]
    #[arg(long, global = true, value_name = "PATH")]
    pub policy: Option<PathBuf>,

    /// Print the Graph request a write would make instead of making it (reads still run)
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Answer yes to the policy's confirmations where nobody can be asked (only if it sets allow_yes)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and out, profiles, scopes and tokens
    #[command(subcommand)]
    Auth(AuthCommand),

    /// Read and change settings in the config file
    #[command(subcommand, after_help = CONFIG_AFTER_HELP)]
    Config(ConfigCommand),

    /// What the policy lets msgate do: show it, check an operation, explain the presets
    #[command(subcommand, long_about = POLICY_ABOUT, after_help = POLICY_AFTER_HELP)]
    Policy(PolicyCommand),

    /// Run the sandbox tenant: an offline Microsoft Graph and Entra sign-in emulator
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Serve msgate's operations to AI agents over MCP, or print a client's configuration
    #[command(subcommand)]
    Mcp(McpCommand),

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
  profiles.NAME.KEY      sign-in settings: client_id, tenant, cloud, token_store,
                         token_key_file, capabilities, extra_scopes (and, written by
                         'auth login': flow, account, tenant_id, granted_scopes, …)
  policy, profiles.NAME.policy
                         policy tables, edited by hand (see 'msgate policy --help')

The file is TOML at $XDG_CONFIG_HOME/msgate/config.toml (MSGATE_CONFIG_DIR overrides the
directory). It must be private (0600); msgate keeps your comments and keys it does not know.";

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  msgate completions bash > ~/.local/share/bash-completion/completions/msgate
  msgate completions zsh > \"${fpath[1]}/_msgate\"
  msgate completions fish > ~/.config/fish/completions/msgate.fish";

const POLICY_ABOUT: &str = "\
What the policy lets msgate do. Every operation, from the CLI or the MCP server, passes one policy
engine before it runs. A policy starts from a preset and refines it with rules:

  read-only   reads only (the MCP server's default)
  standard    reads and writes; destructive operations denied (the CLI's default)
  full        everything, destructive included (only when chosen explicitly)

The policy is the [profiles.NAME.policy] table of the config file, else its [policy] table, else
the face's default preset; --policy PATH (or MSGATE_POLICY) replaces it with a TOML file of the
same keys. Policy files must be private (chmod 600).";

const POLICY_AFTER_HELP: &str = "\
Keys (POLICY is [profiles.NAME.policy] or [policy]; a policy file has them at its top):
  preset = \"standard\"         read-only | standard | full (default: the face's)
  allow = [\"team.archive\"]    operation names, globs (mail.*) or risk classes (read,
  deny = [\"chat.*\"]           write, destructive); the most specific wins, deny wins a tie
  confirm = [\"message.send\"]  ask first: a prompt on a terminal, MCP elicitation;
                              refused where nobody can be asked
  allow_yes = false           let --yes answer where nobody can be asked
  dry_run = false             writes print their Graph request instead of running
  signature = \"TEXT\"          appended to every message sent under this policy
  [POLICY.scopes]             writes only to these (a list left out: unrestricted)
    teams, channels, chats    names (Platform, Platform/General, a topic) or ids
    mail_domains              recipient domains (larkspur.example, *.larkspur.example)
    folders                   drive folders (/Shared/Reports) and everything below
  [POLICY.caps]               writes per hour per operation, counted across runs
    \"message.send\" = 20
  [POLICY.audit]
    include_content = false   keep content and raw ids in the audit log
    max_bytes = 10485760      rotate the log at this size

Example (~/.config/msgate/config.toml):
  [profiles.agent.policy]
  preset = \"standard\"
  deny = [\"chat.create\"]
  confirm = [\"message.send\"]
  signature = \"Sent by an agent through msgate\"
  [profiles.agent.policy.scopes]
  chats = [\"Release 4.2\"]
  [profiles.agent.policy.caps]
  \"message.send\" = 20

A denial exits 16 (policy_denied) and names the rule. Writes, destructive calls and denials are
logged to $XDG_STATE_HOME/msgate/audit.jsonl, ids hashed and content left out by default.";

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FaceArg {
    /// The command line
    Cli,
    /// The MCP server
    Mcp,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the effective policy and where it comes from
    Show {
        /// Whose policy: the CLI's or the MCP server's (their default presets differ)
        #[arg(long, value_enum, default_value = "cli")]
        face: FaceArg,
    },
    /// Say whether an operation would be allowed, by which rule, and for which targets
    Check {
        /// The operation, e.g. team.archive or message.send
        operation: String,
        /// A target to check against the scopes: team:REF, channel:TEAM/CHANNEL, chat:REF,
        /// mail:ADDRESS or file:PATH (repeatable; names need a signed-in profile or --sandbox)
        #[arg(long = "target", value_name = "KIND:REF")]
        targets: Vec<String>,
        /// Decide as for the CLI or the MCP server
        #[arg(long, value_enum, default_value = "cli")]
        face: FaceArg,
    },
    /// List every operation with what each preset, and the effective policy, decides
    Explain {
        /// Decide the effective column as for the CLI or the MCP server
        #[arg(long, value_enum, default_value = "cli")]
        face: FaceArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Serve MCP on stdio (the default) or streamable HTTP at /mcp
    #[command(long_about = MCP_SERVE_ABOUT, after_help = MCP_SERVE_AFTER_HELP)]
    Serve(McpServeArgs),

    /// Print the snippet that adds this msgate to an MCP client's configuration
    Config {
        /// The client to configure
        #[arg(long, value_enum)]
        client: McpClientArg,
    },
}

const MCP_SERVE_ABOUT: &str = "\
Serve msgate's operations as MCP tools, for the signed-in profile (--profile, or --sandbox for
the demo tenant). Every call passes the same policy as the CLI; an MCP server defaults to the
read-only preset, so a write tool returns a policy_denied error until the policy allows it.";

const MCP_SERVE_AFTER_HELP: &str = "\
Tools: by default a curated set covering Teams, chats, people, presence, mail, calendar, files,
meetings, transcripts and search. --tools takes areas and operations, comma-separated:
  --tools default,mail       --tools all       --tools chat,message.send
--mode discovery offers three tools instead: find_operations, describe_operation, run_operation.

HTTP: a bearer token of at least 32 characters is required, from MSGATE_MCP_TOKEN or
--token-file (never an argument); clients send `Authorization: Bearer TOKEN`. GET /health needs
no token and tells nothing about the account. Host and Origin headers are checked against
loopback names and --allow-host / --allow-origin. On start the HTTP server prints one JSON line
on stdout with its URLs.

Local files: tools that read or write files on this machine (uploads, attachments, downloads)
are refused unless --allow-files DIR is given, and then only reach files inside DIR.";

#[derive(Debug, Args)]
pub struct McpServeArgs {
    /// How clients connect
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: McpTransportArg,

    /// HTTP: address to listen on; anything but loopback warns
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: std::net::IpAddr,

    /// HTTP: port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 8000)]
    pub port: u16,

    /// HTTP: read the bearer token from this file (instead of MSGATE_MCP_TOKEN)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// HTTP: serve without a token, on loopback only (any local process can then use the account)
    #[arg(long)]
    pub allow_insecure: bool,

    /// HTTP: another Host name clients may use (e.g. the server's DNS name); repeatable
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,

    /// HTTP: a browser origin allowed to call, like https://app.example.com:443; repeatable
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,

    /// HTTP: requests per minute per token
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub rate_limit: u32,

    /// HTTP: largest request body, in bytes
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_body: usize,

    /// Which operations to offer: default, all, areas or operation names, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub tools: Vec<String>,

    /// One tool per operation, or three tools to find, describe and run operations
    #[arg(long, value_enum, default_value = "tools")]
    pub mode: McpModeArg,

    /// Let tools read and write local files, only inside DIR
    #[arg(long, value_name = "DIR")]
    pub allow_files: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum McpTransportArg {
    /// JSON-RPC on stdin and stdout (logs on stderr)
    Stdio,
    /// Streamable HTTP at /mcp
    Http,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum McpModeArg {
    /// One tool per operation
    Tools,
    /// find_operations, describe_operation and run_operation
    Discovery,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum McpClientArg {
    /// Claude Desktop (claude_desktop_config.json)
    ClaudeDesktop,
    /// Claude Code (a `claude mcp add` command)
    ClaudeCode,
    /// Visual Studio Code (.vscode/mcp.json)
    Vscode,
    /// Cursor (~/.cursor/mcp.json)
    Cursor,
}

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

    /// Inject Graph faults, e.g. throttle_rate=0.3,retry_after_s=1,error_rate=0.05,drop_rate=0,latency_ms=0,seed=7;
    /// budgets=true enforces per-app budgets modelled on Graph's Teams service limits
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
    /// Sign the profile in: browser (PKCE), device code, or app-only credentials
    #[command(after_help = LOGIN_AFTER_HELP)]
    Login(Box<LoginArgs>),
    /// Remove the profile's tokens from every store and say what was removed
    Logout {
        /// Every profile, not only the current one (for decommissioning a machine)
        #[arg(long)]
        all: bool,
    },
    /// Show whether the profile is signed in, as whom, where, until when (never the token)
    Status,
    /// List the profiles and which one is current
    List,
    /// Make NAME the current profile (the config's `profile`)
    Switch {
        /// The profile to use from now on
        name: String,
    },
    /// Print the current access token, for debugging (needs --yes-print-secret)
    Token {
        /// Yes, print a live credential on stdout
        #[arg(long)]
        yes_print_secret: bool,
    },
    /// What the profile holds, what each enabled operation needs, and what needs admin consent
    Scopes,
    /// Print the URL an administrator opens to grant the profile's scopes tenant-wide
    ConsentUrl,
    /// Check the keyring, the clock against the token endpoint, consent gaps and the session
    Doctor,
}

const LOGIN_AFTER_HELP: &str = "\
Without flags, msgate opens a browser (authorization code with PKCE on a loopback port), or
shows a device code where no browser can be opened (no display, or over SSH). Secrets are never
accepted as arguments: pass a client secret on stdin or in a file.

By default msgate signs in with Microsoft Graph Command Line Tools, a public client Microsoft
registers in every tenant (no app registration needed). Tenants that require their own app use
--client-id and --tenant; both are remembered in the profile.

Tokens go to the OS keyring. Where there is none, choose --token-store file (AES-256-GCM, key
from MSGATE_TOKEN_KEY, --token-key-file or $CREDENTIALS_DIRECTORY/msgate-token-key) or
--token-store memory (nothing kept). MSGATE_ACCESS_TOKEN bypasses sign-in (never stored).

Capability sets: chat, teams-read, teams-write, mail, calendar, files, meetings, presence,
people, tasks (default: chat,people). See 'msgate auth scopes'.";

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Use the device code flow (code and URL on stderr) even where a browser could open
    #[arg(long)]
    pub device_code: bool,

    /// App-only: read the client secret from stdin
    #[arg(long, group = "app_credential")]
    pub client_secret_stdin: bool,

    /// App-only: read the client secret from FILE
    #[arg(long, value_name = "FILE", group = "app_credential")]
    pub client_secret_file: Option<PathBuf>,

    /// App-only: a PEM file with the app's certificate and RSA private key
    #[arg(long, value_name = "FILE", group = "app_credential")]
    pub certificate: Option<PathBuf>,

    /// App-only: a workload identity token file (Kubernetes, CI), read anew for every token
    #[arg(long, value_name = "FILE", group = "app_credential")]
    pub federated_token_file: Option<PathBuf>,

    /// Your own app's client id (default: Microsoft Graph Command Line Tools)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Tenant id or domain (default: organizations; app-only needs a specific tenant)
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,

    /// Microsoft cloud
    #[arg(long, value_name = "CLOUD", value_parser = PossibleValuesParser::new(msgate_graph::CLOUD_NAMES))]
    pub cloud: Option<String>,

    /// Capability sets whose least scopes to request, e.g. chat,mail
    #[arg(long, value_name = "SETS", value_delimiter = ',')]
    pub capabilities: Vec<String>,

    /// Also request this Graph permission (incremental consent); repeatable
    #[arg(long = "add-scope", value_name = "SCOPE")]
    pub add_scope: Vec<String>,

    /// Where to keep the tokens (remembered in the profile) [default: keyring]
    #[arg(long, value_name = "STORE", value_parser = PossibleValuesParser::new(["keyring", "file", "memory"]))]
    pub token_store: Option<String>,

    /// Key file for --token-store file (0600, not beside the tokens)
    #[arg(long, value_name = "FILE")]
    pub token_key_file: Option<PathBuf>,

    /// Account to sign in as (preselected on the sign-in page)
    #[arg(long, value_name = "UPN")]
    pub login_hint: Option<String>,
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
