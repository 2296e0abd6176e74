//! A signed-in profile as a [`TokenSource`]: the token the Graph client sends, refreshed
//! silently ahead of expiry so sessions outlive the access token's hour.
//!
//! - **Ahead of expiry**: a token with less than five minutes left is renewed before use.
//! - **Single flight in a process**: one async mutex guards the current tokens, so a burst of
//!   concurrent calls (a `$batch` fan-out) triggers one refresh, not twenty.
//! - **Safe across processes**: the refresh runs under an exclusive lock on
//!   `locks/PROFILE.lock` in msgate's state directory; after taking it, the store is read again,
//!   because another msgate may have refreshed meanwhile — and since Entra rotates refresh
//!   tokens (presenting a used one revokes the whole family), using the stale one would sign
//!   everyone out.
//! - **Persist before use**: the rotated refresh token is written to the store (atomically,
//!   for the file store) before the new access token is handed out; if that write fails, the
//!   call fails rather than leaving the only valid refresh token in memory.
//! - `invalid_grant` ends in exit 11 with "sign in again" and Entra's reason.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use msgate_core::{Error, ErrorCode, Result, Secret, atomic};
use msgate_graph::{BoxFuture, TokenSource};
use tokio::sync::Mutex;

use crate::entra::{Authority, EntraClient, Tokens, tokens_from, unix_now};
use crate::flows::client_credentials::{self, AppCredential};
use crate::store::{StoredTokens, TokenStore};

/// Renew a token that has less than this left.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// How new tokens are obtained for this session.
#[derive(Debug)]
pub enum Grant {
    /// A person's session: refresh tokens, for these scopes.
    Delegated { scopes: Vec<String> },
    /// An application's: a new client credentials grant each time.
    App {
        credential: AppCredential,
        scope: String,
    },
    /// An application signed in with a client secret, which the token store keeps.
    StoredSecret { scope: String },
}

/// Everything a session needs besides its tokens.
#[derive(Debug)]
pub struct SessionConfig {
    pub profile: String,
    pub authority: Authority,
    pub client_id: String,
    pub grant: Grant,
    pub store: Arc<dyn TokenStore>,
    /// The cross-process refresh lock; `None` for stores nothing else can see (memory).
    pub lock_path: Option<PathBuf>,
    /// The command that signs this profile in again, for hints.
    pub login_command: String,
}

#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    client: EntraClient,
    current: Mutex<StoredTokens>,
}

impl Session {
    pub fn new(config: SessionConfig, tokens: StoredTokens) -> Result<Session> {
        Ok(Session {
            config,
            client: EntraClient::new()?,
            current: Mutex::new(tokens),
        })
    }

    /// When the current access token expires (Unix seconds).
    pub async fn expires_at(&self) -> i64 {
        self.current.lock().await.expires_at
    }

    /// A usable access token, renewing it when it is about to expire or was `rejected`.
    async fn ensure(&self, rejected: Option<&Secret>) -> Result<Secret> {
        let mut current = self.current.lock().await;
        if let Some(token) = usable(&current, rejected) {
            return Ok(token);
        }
        let _lock = self.lock_across_processes().await?;
        if let Some(stored) = self.load().await? {
            if let Some(token) = usable(&stored, rejected) {
                *current = stored;
                return Ok(token);
            }
            // Another process may have rotated the refresh token: only the newest is valid.
            *current = stored;
        }
        let renewed = self.renew(&current).await?;
        self.save(&renewed).await?;
        let token = renewed
            .access_token
            .clone()
            .ok_or_else(|| Error::internal("a renewed session without an access token"))?;
        *current = renewed;
        Ok(token)
    }

    async fn renew(&self, current: &StoredTokens) -> Result<StoredTokens> {
        let config = &self.config;
        match &config.grant {
            Grant::Delegated { scopes } => {
                let refresh_token = current.refresh_token.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorCode::AuthExpired,
                        format!(
                            "the session of profile '{}' has expired and holds no refresh token",
                            config.profile
                        ),
                    )
                    .with_hint(format!("sign in again with: {}", config.login_command))
                })?;
                let scope = scopes.join(" ");
                let answer = self
                    .client
                    .post(
                        &config.authority.token_url(),
                        &[
                            ("client_id", config.client_id.as_str()),
                            ("grant_type", "refresh_token"),
                            ("refresh_token", refresh_token.expose()),
                            ("scope", &scope),
                        ],
                    )
                    .await?
                    .map_err(|e| e.into_error(&config.login_command))?;
                let tokens = tokens_from(&answer, unix_now())?;
                tracing::debug!(profile = %config.profile, rotated = tokens.refresh_token.is_some(), "refreshed the access token");
                Ok(StoredTokens {
                    refresh_token: tokens
                        .refresh_token
                        .or_else(|| current.refresh_token.clone()),
                    access_token: Some(tokens.access_token),
                    expires_at: tokens.expires_at,
                    client_secret: None,
                })
            }
            Grant::App { credential, scope } => self.renew_app(credential, scope, current).await,
            Grant::StoredSecret { scope } => {
                let secret = current.client_secret.clone().ok_or_else(|| {
                    Error::new(
                        ErrorCode::AuthRequired,
                        format!(
                            "the token store holds no client secret for profile '{}'",
                            config.profile
                        ),
                    )
                    .with_hint(format!(
                        "sign in again with: {} --client-secret-stdin",
                        config.login_command
                    ))
                })?;
                self.renew_app(&AppCredential::Secret(secret), scope, current)
                    .await
            }
        }
    }

    async fn renew_app(
        &self,
        credential: &AppCredential,
        scope: &str,
        current: &StoredTokens,
    ) -> Result<StoredTokens> {
        let config = &self.config;
        let tokens = client_credentials::acquire(
            &self.client,
            &config.authority,
            &config.client_id,
            credential,
            scope,
            &config.login_command,
        )
        .await?;
        tracing::debug!(profile = %config.profile, "acquired a new app token");
        Ok(app_tokens(tokens, current.client_secret.clone()))
    }

    async fn lock_across_processes(&self) -> Result<Option<File>> {
        let Some(path) = self.config.lock_path.clone() else {
            return Ok(None);
        };
        blocking(move || {
            if let Some(dir) = path.parent() {
                atomic::create_private_dir(dir)?;
            }
            atomic::lock_exclusive(&path).map(Some)
        })
        .await
    }

    async fn load(&self) -> Result<Option<StoredTokens>> {
        let store = Arc::clone(&self.config.store);
        let profile = self.config.profile.clone();
        blocking(move || store.load(&profile)).await
    }

    async fn save(&self, tokens: &StoredTokens) -> Result<()> {
        let store = Arc::clone(&self.config.store);
        let profile = self.config.profile.clone();
        let tokens = tokens.clone();
        blocking(move || store.save(&profile, &tokens)).await
    }
}

/// The stored form of an app-only token (the client secret, if any, stays with it).
pub fn app_tokens(tokens: Tokens, client_secret: Option<Secret>) -> StoredTokens {
    StoredTokens {
        refresh_token: None,
        access_token: Some(tokens.access_token),
        expires_at: tokens.expires_at,
        client_secret,
    }
}

fn usable(tokens: &StoredTokens, rejected: Option<&Secret>) -> Option<Secret> {
    let token = tokens.access_token.as_ref()?;
    let fresh = tokens.expires_at - REFRESH_MARGIN_SECS > unix_now();
    (fresh && rejected != Some(token)).then(|| token.clone())
}

/// Run blocking store or lock work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| Error::internal(format!("a token store task failed: {e}")))?
}

impl TokenSource for Session {
    fn token(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(self.ensure(None))
    }

    fn refresh<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>> {
        Box::pin(self.ensure(Some(rejected)))
    }
}
