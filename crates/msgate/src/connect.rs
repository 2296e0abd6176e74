//! Connecting a command to Graph: which cloud, which token (`MSGATE_ACCESS_TOKEN`, else the
//! profile's refreshing session from msgate-auth), and — for `--sandbox` — a fresh
//! in-process sandbox tenant that lives exactly as long as the command.
//!
//! Commands are synchronous; a connection owns the async runtime their Graph calls run on, so
//! a command that never talks to Graph never starts one.

use std::future::Future;
use std::sync::Arc;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{ClientOptions, Cloud, GraphClient, StaticToken, TokenSource};
use msgate_sandbox::{Sandbox, SandboxOptions};

use crate::context::Context;

#[derive(Debug)]
pub struct Connection {
    runtime: tokio::runtime::Runtime,
    client: GraphClient,
    /// Kept alive for the command's duration; dropping it stops the sandbox.
    _sandbox: Option<Sandbox>,
}

impl Connection {
    /// Runs an async Graph job to completion.
    pub fn run<'c, F, T>(&'c self, job: impl FnOnce(&'c GraphClient) -> F) -> T
    where
        F: Future<Output = T> + 'c,
    {
        self.runtime.block_on(job(&self.client))
    }
}

impl Context {
    /// A Graph client for the current profile, or exit 11 with the way to sign in.
    pub fn connect(&self) -> Result<Connection> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("cannot start the async runtime", &e))?;
        if self.sandbox {
            let ((cloud, tokens), sandbox) = runtime.block_on(sandboxed())?;
            return Ok(Connection {
                client: client_with(self, cloud, tokens)?,
                runtime,
                _sandbox: Some(sandbox),
            });
        }
        let (cloud, tokens) = self.token_source()?;
        Ok(Connection {
            client: client_with(self, cloud, tokens)?,
            runtime,
            _sandbox: None,
        })
    }

    /// Where this command's tokens come from: `MSGATE_ACCESS_TOKEN` as is, else the current
    /// profile's refreshing session (exit 11 when it has none), with the cloud they belong to.
    pub fn token_source(&self) -> Result<(Cloud, Arc<dyn TokenSource>)> {
        if let Some(token) = self.env.secret("MSGATE_ACCESS_TOKEN") {
            let tokens = Arc::new(StaticToken::new(token.clone(), "MSGATE_ACCESS_TOKEN"));
            return Ok((self.cloud()?, tokens));
        }
        let profile = self.profile()?;
        let cloud = msgate_auth::cloud_for(&profile, self.env_cloud()?)?;
        let session = msgate_auth::open_session(&profile, &self.env)?;
        Ok((cloud, Arc::new(session)))
    }

    /// The cloud from `MSGATE_GRAPH_URL` and `MSGATE_LOGIN_URL` (both or neither), otherwise
    /// Microsoft's worldwide cloud.
    pub fn cloud(&self) -> Result<Cloud> {
        Ok(self.env_cloud()?.unwrap_or(Cloud::Global))
    }

    /// Custom endpoints from `MSGATE_GRAPH_URL` and `MSGATE_LOGIN_URL`, when both are set.
    pub fn env_cloud(&self) -> Result<Option<Cloud>> {
        match (
            self.env.get("MSGATE_GRAPH_URL"),
            self.env.get("MSGATE_LOGIN_URL"),
        ) {
            (Some(graph), Some(login)) => Cloud::custom(graph, login).map(Some),
            (None, None) => Ok(None),
            _ => Err(Error::new(
                ErrorCode::Usage,
                "MSGATE_GRAPH_URL and MSGATE_LOGIN_URL must be set together",
            )
            .with_hint("set both from the line `msgate sandbox serve` prints, or unset both")),
        }
    }
}

fn client_with(ctx: &Context, cloud: Cloud, tokens: Arc<dyn TokenSource>) -> Result<GraphClient> {
    let mut options = ClientOptions::new(cloud);
    options.debug_bodies = ctx.debug_bodies;
    GraphClient::new(options, tokens)
}

type SandboxedClient = ((Cloud, Arc<dyn TokenSource>), Sandbox);

/// A fresh demo tenant, signed in as its default user with every delegated permission.
async fn sandboxed() -> Result<SandboxedClient> {
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    let info = sandbox.info();
    let cloud = Cloud::custom(&info.graph_url, &info.login_url)?;
    let signed_in = sandbox
        .sign_in(None, &msgate_sandbox::all_delegated_permissions())
        .await?;
    let tokens: Arc<dyn TokenSource> =
        Arc::new(StaticToken::new(signed_in.access_token, "the sandbox"));
    Ok(((cloud, tokens), sandbox))
}
