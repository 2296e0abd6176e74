//! `msgate mcp`: serve the catalog to agents (msgate-mcp does the serving; this wires it to
//! the profile, the policy and the command line), and print MCP clients' configuration.
//!
//! Everything that can refuse — the tool list, the files root, the HTTP token and binding —
//! is checked before signing in or opening a port, so a misconfigured server never starts.

use std::net::SocketAddr;
use std::path::Path;

use msgate_core::{Error, ErrorCode, Result, Secret};
use msgate_mcp::{BearerToken, FileRoot, HttpOptions, Mode, Selection, Server, ServerOptions};
use msgate_ops::{Ctx, Face};
use serde_json::json;

use super::sandbox::stop_signal;
use crate::cli::{McpClientArg, McpCommand, McpModeArg, McpServeArgs, McpTransportArg};
use crate::context::Context;
use crate::diag;
use crate::output::{self, Data};

pub fn run(command: McpCommand, ctx: &Context) -> Result<Data> {
    match command {
        McpCommand::Serve(args) => serve(args, ctx),
        McpCommand::Config { client } => config(client, ctx),
    }
}

fn serve(args: McpServeArgs, ctx: &Context) -> Result<Data> {
    let mode = match args.mode {
        McpModeArg::Tools => Mode::Tools,
        McpModeArg::Discovery => Mode::Discovery,
    };
    let selection = match (args.tools.is_empty(), mode) {
        (false, _) => Selection::parse(&args.tools)?,
        (true, Mode::Tools) => Selection::default_set(),
        (true, Mode::Discovery) => Selection::all(),
    };
    let files = args.allow_files.as_deref().map(FileRoot::new).transpose()?;
    let http = match args.transport {
        McpTransportArg::Stdio => None,
        McpTransportArg::Http => {
            let options = http_options(&args, ctx)?;
            for warning in options.check()? {
                diag::warning(&warning);
            }
            Some(options)
        }
    };
    let options = ServerOptions {
        policy: ctx.policy()?.policy,
        profile: ctx.settings.profile.value.clone(),
        state_root: msgate_core::config::state_dir(&ctx.env).ok(),
        selection,
        mode,
        files,
        // The demo tenant grants everything; a real profile's admin can consent for agents.
        consent_url: (!ctx.sandbox)
            .then(|| super::auth::admin_consent_url(ctx).ok())
            .flatten(),
    };
    let connection = ctx.connect()?;
    connection.run(|graph| async move {
        let ops = Ctx::new(graph.clone(), Face::Mcp, ctx.state_dir());
        let server = Server::new(ops, options);
        match http {
            None => msgate_mcp::serve_stdio(server).await,
            Some(http) => {
                let stop = stop_signal()?;
                let address = SocketAddr::new(http.bind, args.port);
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .map_err(|e| Error::io(format!("cannot listen on {address}"), &e))?;
                let bound = listener
                    .local_addr()
                    .map_err(|e| Error::io("cannot read the listening address", &e))?;
                let line = json!({
                    "mcp_url": format!("http://{bound}/mcp"),
                    "health_url": format!("http://{bound}/health"),
                });
                output::write_stdout(&format!("{line}\n"))?;
                diag::status(&format!(
                    "MCP server on http://{bound}/mcp (Ctrl-C to stop)"
                ));
                msgate_mcp::serve_http(server, listener, http, stop).await?;
                diag::status("MCP server stopped");
                Ok(())
            }
        }
    })?;
    Ok(Data::Nothing)
}

fn http_options(args: &McpServeArgs, ctx: &Context) -> Result<HttpOptions> {
    let token = match (&args.token_file, ctx.env.secret("MSGATE_MCP_TOKEN")) {
        (Some(path), _) => Some(BearerToken::new(
            &read_token_file(path)?,
            &format!("--token-file {}", path.display()),
        )?),
        (None, Some(token)) => Some(BearerToken::new(token, "MSGATE_MCP_TOKEN")?),
        (None, None) => None,
    };
    Ok(HttpOptions {
        bind: args.bind,
        token,
        allow_insecure: args.allow_insecure,
        allowed_hosts: args.allow_hosts.clone(),
        allowed_origins: args.allow_origins.clone(),
        max_body_bytes: args.max_body,
        rate_per_minute: args.rate_limit,
    })
}

fn read_token_file(path: &Path) -> Result<Secret> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            diag::warning(&format!(
                "{} can be read by other users; chmod 600 it",
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read the token file {}", path.display()), &e))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::new(
            ErrorCode::Usage,
            format!("the token file {} is empty", path.display()),
        ));
    }
    Ok(Secret::new(token))
}

/// The client's snippet, running this very binary with the current profile.
fn config(client: McpClientArg, ctx: &Context) -> Result<Data> {
    let program = std::env::current_exe()
        .map_err(|e| Error::io("cannot find msgate's own path", &e))?
        .display()
        .to_string();
    let mut args = vec!["mcp".to_owned(), "serve".to_owned()];
    if ctx.settings.profile.value != "default" {
        args.insert(0, ctx.settings.profile.value.clone());
        args.insert(0, "--profile".to_owned());
    }
    let server = json!({"command": program, "args": args});
    let snippet = match client {
        McpClientArg::ClaudeDesktop | McpClientArg::Cursor => {
            pretty(&json!({"mcpServers": {"msgate": server}}))?
        }
        McpClientArg::Vscode => {
            let mut server = server;
            server["type"] = json!("stdio");
            pretty(&json!({"servers": {"msgate": server}}))?
        }
        McpClientArg::ClaudeCode => {
            let words: Vec<String> = std::iter::once(program)
                .chain(args)
                .map(|word| shell_quote(&word))
                .collect();
            format!("claude mcp add msgate -- {}", words.join(" "))
        }
    };
    output::write_stdout(&format!("{snippet}\n"))?;
    Ok(Data::Nothing)
}

fn pretty(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::internal(format!("cannot write the snippet: {e}")))
}

fn shell_quote(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-=:".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
