//! The MCP server proper: it lists the selected operations as tools and answers a tool call by
//! passing it through the catalog's choke point with the policy gate — nothing else runs an
//! operation. One [`Server`] serves one signed-in profile; its session context (who "me" is,
//! the chats already read) is shared by every call and every HTTP session.

use std::path::PathBuf;
use std::sync::Arc;

use msgate_core::{Error, ErrorCode};
use msgate_ops::policy::Policy;
use msgate_ops::{Catalog, Ctx, Entry, PolicyGate};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{Peer, RequestContext, ServerInitializeError};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::confirm::Elicit;
use crate::discovery;
use crate::files::{self, FileRoot};
use crate::render::{self, TEXT_FROM};
use crate::tools::{CLI_ONLY_INPUTS, Mode, Selection, tool_for, wraps_output};

const INSTRUCTIONS: &str = "msgate: Microsoft Teams and Microsoft 365 through Microsoft Graph. \
Results are compact; lists return at most max_items items (default 25) and, when there is \
more, next_cursor: pass it back as cursor for the next page. Every item is in the structured \
content; the text shows the first ones. Texts longer than 4000 characters are cut; the cut says which text_from to pass for \
more. A failed call returns isError with a stable error code and a hint. A policy decides what \
may run: by default this server only reads.";

/// What the server offers, under which policy, for whom.
#[derive(Debug)]
pub struct ServerOptions {
    pub policy: Policy,
    /// The profile the audit log names.
    pub profile: String,
    /// msgate's state directory: the audit log and send caps live there; without one, writes
    /// are refused.
    pub state_root: Option<PathBuf>,
    pub selection: Selection,
    pub mode: Mode,
    /// The only directory tools may read or write local files in; `None` refuses them.
    pub files: Option<FileRoot>,
    /// Where an administrator consents to the profile's permissions, for missing-permission
    /// errors (an agent cannot run `msgate auth login --add-scope` itself).
    pub consent_url: Option<String>,
}

/// The server; cheap to clone (every HTTP session gets a clone).
#[derive(Clone, Debug)]
pub struct Server {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    ctx: Ctx,
    options: ServerOptions,
    tools: Vec<Tool>,
}

impl Server {
    /// `ctx` is the session's operation context (its Graph client signed in as the profile,
    /// with the MCP face).
    pub fn new(ctx: Ctx, options: ServerOptions) -> Self {
        let tools = match options.mode {
            Mode::Tools => options
                .selection
                .entries()
                .iter()
                .map(|entry| tool_for(entry))
                .collect(),
            Mode::Discovery => discovery::tools(),
        };
        Server {
            inner: Arc::new(Inner {
                ctx,
                options,
                tools,
            }),
        }
    }

    async fn call(
        &self,
        request: CallToolRequestParams,
        peer: Peer<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let options = &self.inner.options;
        let args = request.arguments.unwrap_or_default();
        let name = request.name.as_ref();
        tracing::info!(tool = name, "tool call");
        let (entry, input) = match options.mode {
            Mode::Tools => match options.selection.find(name) {
                Some(entry) => (entry, args),
                None => return Err(unknown_tool(name)),
            },
            Mode::Discovery => match name {
                discovery::FIND => {
                    return Ok(render::success(
                        discovery::find(&options.selection, &args),
                        &["name", "summary", "risk"],
                        0,
                        false,
                    ));
                }
                discovery::DESCRIBE => {
                    return Ok(match discovery::describe(&options.selection, &args) {
                        Ok(described) => render::success(described, &[], 0, false),
                        Err(error) => render::failure(&error),
                    });
                }
                discovery::RUN => match discovery::run_target(&options.selection, &args) {
                    Ok(target) => target,
                    Err(error) => return Ok(render::failure(&error)),
                },
                _ => return Err(unknown_tool(name)),
            },
        };
        Ok(self.run(entry, input, peer).await)
    }

    /// One operation through the choke point, under a gate whose confirmations ask this
    /// request's client.
    async fn run(
        &self,
        entry: &'static Entry,
        mut input: Map<String, Value>,
        peer: Peer<RoleServer>,
    ) -> CallToolResult {
        let options = &self.inner.options;
        let text_from = match input.remove(TEXT_FROM).map(|v| v.as_u64()) {
            None => 0,
            Some(Some(from)) => usize::try_from(from).unwrap_or(usize::MAX),
            Some(None) => {
                return render::failure(&Error::new(
                    ErrorCode::InvalidInput,
                    format!("{TEXT_FROM} must be a number of characters"),
                ));
            }
        };
        input.retain(|name, _| !CLI_ONLY_INPUTS.contains(&name.as_str()));
        if let Err(error) = files::confine(entry, options.files.as_ref(), &mut input) {
            return render::failure(&error);
        }
        let gate = PolicyGate::new(
            options.policy.clone(),
            options.profile.clone(),
            options.state_root.clone(),
            Arc::new(Elicit::new(peer)),
        );
        match Catalog::get()
            .invoke(
                &self.inner.ctx,
                &gate,
                entry.spec.name,
                Value::Object(input),
            )
            .await
        {
            Ok(output) => {
                render::success(output, entry.spec.columns, text_from, wraps_output(entry))
            }
            Err(error) => render::failure(&self.with_consent_url(error)),
        }
    }

    fn with_consent_url(&self, error: Error) -> Error {
        match (&self.inner.options.consent_url, error.code()) {
            (Some(url), ErrorCode::ScopeInsufficient) => {
                let hint = error.hint().unwrap_or_default().to_owned();
                error.with_hint(format!(
                    "{hint}; or an administrator can grant this app its permissions at {url}"
                ))
            }
            _ => error,
        }
    }
}

fn unknown_tool(name: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!("there is no tool named '{name}' on this server"),
        None,
    )
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("msgate", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.inner.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call(request, context.peer)
            .await
            .map(CallToolResponse::from)
    }
}

/// Serves MCP on stdin and stdout until the client closes stdin. Nothing but JSON-RPC is
/// written to stdout.
pub async fn serve_stdio(server: Server) -> msgate_core::Result<()> {
    serve_streams(server, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves MCP over any byte streams (a pipe, an in-process duplex in tests).
pub async fn serve_streams<R, W>(server: Server, read: R, write: W) -> msgate_core::Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let running = match server.serve((read, write)).await {
        Ok(running) => running,
        // A client that leaves before initializing ends the session; nothing failed here.
        Err(ServerInitializeError::ConnectionClosed(during)) => {
            tracing::warn!(
                during,
                "the MCP client closed the connection before initializing"
            );
            return Ok(());
        }
        Err(e) => {
            return Err(Error::new(
                ErrorCode::Internal,
                format!("MCP session failed to start: {e}"),
            ));
        }
    };
    running
        .waiting()
        .await
        .map_err(|e| Error::internal(format!("MCP session ended abnormally: {e}")))?;
    Ok(())
}
