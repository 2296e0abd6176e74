//! The sandbox tenant: an offline, stateful emulator of the Microsoft Graph v1.0 operations
//! msgate uses and of Entra ID v2 sign-in — what Azurite is for Azure Storage.
//!
//! Nobody can reach Microsoft from a test run, and nobody should need a tenant to try msgate or
//! to test an agent. [`Sandbox::start`] serves a seeded demo tenant on a local port; msgate's
//! tests start one in-process on port 0, and `msgate sandbox serve` runs one for people.
#![forbid(unsafe_code)]

mod budgets;
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
use msgate_core::{Error, ErrorCode, Result, Secret};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::{AppCredentials, AppState, Grants, RequestLog};
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
    /// Refuse JSON request bodies that do not match Graph's OpenAPI description (400), so a
    /// test suite proves its client sends only what Graph accepts. Needs the `strict` feature
    /// (test builds); without it, asking for it is an error.
    pub strict_requests: bool,
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
            strict_requests: false,
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

/// Tokens issued by [`Sandbox::sign_in`].
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: u64,
}

/// Every delegated Graph permission the sandbox knows: what `--sandbox` signs in with.
pub fn all_delegated_permissions() -> Vec<String> {
    permissions::all_known(permissions::Scheme::Delegated)
        .into_iter()
        .collect()
}

/// A running sandbox; dropping it without [`Sandbox::shutdown`] stops it too.
#[derive(Debug)]
pub struct Sandbox {
    info: SandboxInfo,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

const SIGNING_KEY: &str = "signing_key_pkcs8";
const CLIENT_SECRET: &str = "confidential_client_secret";

impl Sandbox {
    pub async fn start(options: SandboxOptions) -> Result<Sandbox> {
        if options.strict_requests && !cfg!(feature = "strict") {
            return Err(Error::internal(
                "this build of the sandbox cannot check requests: build msgate-sandbox with the 'strict' feature",
            ));
        }
        let store = Store::open(options.data_dir.as_deref()).await?;
        let signer = match store.credential_get(SIGNING_KEY).await? {
            Some(der) => jwt::Signer::new(Some(&der))?,
            None => {
                let signer = jwt::Signer::new(None)?;
                if options.data_dir.is_some() {
                    store.credential_put(SIGNING_KEY, &signer.pkcs8()?).await?;
                }
                signer
            }
        };
        let secret = match store.credential_get(CLIENT_SECRET).await? {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => {
                let secret = tenant::Tenant::new_client_secret();
                store
                    .credential_put(CLIENT_SECRET, secret.as_bytes())
                    .await?;
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
            seed: options.seed,
            token_lifetime: options.token_lifetime,
            auto_approve: options.auto_approve,
            grants: Mutex::new(Grants::default()),
            app_credentials: Mutex::new(AppCredentials::default()),
            workload_signer: std::sync::OnceLock::new(),
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(faults::Faults::new(options.faults.clone())),
            webhooks: graph::subscriptions::Webhooks::new()?,
            strict_requests: options.strict_requests,
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
        let serving = Arc::clone(&state);
        let delivery = graph::subscriptions::delivery::start(Arc::clone(&state));
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
            delivery.abort();
            serving.store.close().await;
        });
        Ok(Sandbox {
            info,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// Tokens for a user (the default user when `upn` is `None`), exactly as the token endpoint
    /// issues them to msgate's public client after an interactive sign-in with `scopes` and
    /// `offline_access`. For `--sandbox` runs and for tests that are not about sign-in.
    pub async fn sign_in(&self, upn: Option<&str>, scopes: &[String]) -> Result<SignedIn> {
        let user = match upn {
            Some(upn) => self.state.find_user(upn).await?,
            None => self.state.users().await?.into_iter().next(),
        }
        .ok_or_else(|| Error::new(ErrorCode::NotFound, "no such user in the sandbox tenant"))?;
        let user_id = user["id"].as_str().unwrap_or_default();
        let mut scopes = scopes.to_vec();
        scopes.push("offline_access".to_owned());
        let issued =
            entra::token::issue_delegated(&self.state, PUBLIC_CLIENT_ID, user_id, &scopes, None)
                .await
                .map_err(|e| Error::internal(format!("the sandbox could not sign in: {e:?}")))?;
        let secret = |name: &str| issued[name].as_str().map(Secret::new);
        Ok(SignedIn {
            access_token: secret("access_token")
                .ok_or_else(|| Error::internal("the sandbox issued no access token"))?,
            refresh_token: secret("refresh_token"),
            expires_in: issued["expires_in"].as_u64().unwrap_or_default(),
        })
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
        .merge(graph::subscriptions::control_routes())
        .merge(graph::mail::sandbox_routes(Arc::clone(&state)))
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
