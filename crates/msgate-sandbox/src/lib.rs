//! The sandbox tenant: an offline, stateful emulator of the Microsoft Graph v1.0 operations
//! msgate uses and of Entra ID v2 sign-in — what Azurite is for Azure Storage.
//!
//! Nobody can reach Microsoft from a test run, and nobody should need a tenant to try msgate or
//! to test an agent. [`Sandbox::start`] serves a seeded demo tenant on a local port; msgate's
//! tests start one in-process on port 0, and `msgate sandbox serve` runs one for people.
#![forbid(unsafe_code)]

mod clock;
mod control;
mod entra;
mod faults;
pub mod graph;
mod ids;
mod jwt;
mod model;
pub mod permissions;
mod seed;
mod state;
mod store;
mod tenant;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use msgate_core::{Error, ErrorCode, Result};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::{AppState, Grants, RequestLog};
use crate::store::Store;

pub use crate::faults::FaultSpec;

pub use crate::tenant::PUBLIC_CLIENT_ID;

/// Graph refuses bodies over 4 MB outside upload sessions; so does the sandbox.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What the tenant starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    #[default]
    Demo,
    Empty,
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub bind: IpAddr,
    pub port: u16,
    /// Keep the tenant in `DIR/sandbox.sqlite3`; in memory when absent.
    pub data_dir: Option<PathBuf>,
    pub seed: Seed,
    /// Approve device codes at once, as the default user.
    pub auto_approve: bool,
    pub token_lifetime: Duration,
    /// Faults injected into Graph requests (none by default).
    pub faults: FaultSpec,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            data_dir: None,
            seed: Seed::Demo,
            auto_approve: false,
            token_lifetime: Duration::from_secs(3600),
            faults: FaultSpec::default(),
        }
    }
}

/// What a client needs to use the sandbox: printed as one JSON line by `msgate sandbox serve`.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxInfo {
    pub graph_url: String,
    pub login_url: String,
    pub tenant_id: String,
    pub public_client_id: String,
    pub confidential_client_id: String,
    pub confidential_client_secret: String,
    pub users: Vec<SandboxUser>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SandboxUser {
    pub upn: String,
    pub id: String,
}

/// A running sandbox; dropping it without [`Sandbox::shutdown`] stops it too.
#[derive(Debug)]
pub struct Sandbox {
    info: SandboxInfo,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

const SIGNING_KEY: &str = "signing_key_pkcs8";
const CLIENT_SECRET: &str = "confidential_client_secret";

impl Sandbox {
    pub async fn start(options: SandboxOptions) -> Result<Sandbox> {
        let store = Store::open(options.data_dir.as_deref()).await?;
        let signer = match store.kv_get(SIGNING_KEY).await? {
            Some(der) => jwt::Signer::new(Some(&der))?,
            None => {
                let signer = jwt::Signer::new(None)?;
                if options.data_dir.is_some() {
                    store.kv_put(SIGNING_KEY, &signer.pkcs8()?).await?;
                }
                signer
            }
        };
        let secret = match store.kv_get(CLIENT_SECRET).await? {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => {
                let secret = tenant::Tenant::new_client_secret();
                store.kv_put(CLIENT_SECRET, secret.as_bytes()).await?;
                secret
            }
        };
        let tenant = tenant::Tenant::new(secret);
        let address = SocketAddr::new(options.bind, options.port);
        let listener = TcpListener::bind(address).await.map_err(|e| {
            Error::new(
                ErrorCode::Network,
                format!("cannot listen on {address}: {e}"),
            )
            .with_hint("pick another port with --port, or --port 0 for any free one")
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the sandbox's address", &e))?;
        let base_url = format!("http://{}", display_host(local));
        if options.seed == Seed::Demo && store.is_empty().await? {
            seed::demo(&store, &tenant, &format!("{base_url}{}", graph::PREFIX)).await?;
        }

        let state = Arc::new(AppState {
            store,
            signer,
            tenant,
            base_url: base_url.clone(),
            token_lifetime: options.token_lifetime,
            auto_approve: options.auto_approve,
            grants: Mutex::new(Grants::default()),
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(faults::Faults::new(options.faults.clone())),
        });
        let users = state
            .users()
            .await?
            .iter()
            .map(|u| SandboxUser {
                upn: u["userPrincipalName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                id: u["id"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        let info = SandboxInfo {
            graph_url: state.graph_url(),
            login_url: base_url,
            tenant_id: state.tenant.id.clone(),
            public_client_id: PUBLIC_CLIENT_ID.to_owned(),
            confidential_client_id: state.tenant.confidential_client_id.clone(),
            confidential_client_secret: state.tenant.confidential_client_secret.clone(),
            users,
        };

        let app = app(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "sandbox server stopped");
            }
            state.store.close().await;
        });
        Ok(Sandbox {
            info,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// Stop accepting requests, let those in flight finish, and close the store.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(graph::router(Arc::clone(&state)))
        .merge(entra::router())
        .merge(graph::files::content_routes(Arc::clone(&state)))
        .route("/_sandbox/requests", get(control::requests))
        .route("/_sandbox/stats", get(control::stats))
        .route("/_sandbox/reset-log", post(control::reset_log))
        .route("/_sandbox/reset", post(control::reset))
        .route("/_sandbox/faults", get(faults::show).post(faults::set))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            control::record,
        ))
        .layer(middleware::from_fn(graph::request_ids::assign))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn display_host(address: SocketAddr) -> String {
    match address.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", address.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", address.port()),
    }
}
