//! Where the Graph client gets its access token, and how it asks for a fresh one.
//!
//! The client knows nothing of sign-in flows or token stores (msgate-auth does); it only needs
//! the current token for each attempt and, when Graph answers 401, exactly one refresh before it
//! gives up. Keeping that behind a trait lets the same client serve a signed-in profile, a token
//! handed over in `MSGATE_ACCESS_TOKEN`, and a hosted server's per-user tokens.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use msgate_core::{Error, ErrorCode, Result, Secret};

/// A boxed future, so token sources can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait TokenSource: Send + Sync + fmt::Debug {
    /// The access token to send now (refreshed ahead of expiry where the source can).
    fn token(&self) -> BoxFuture<'_, Result<Secret>>;

    /// Graph rejected `rejected` with 401: get a new token, or say why there is none.
    fn refresh<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>>;
}

/// A token used as is: `MSGATE_ACCESS_TOKEN`, for tightly controlled automation. It cannot be
/// refreshed, so a 401 ends the call with a clear "supply a new one".
#[derive(Debug)]
pub struct StaticToken {
    token: Secret,
    origin: &'static str,
}

impl StaticToken {
    /// `origin` names where the token came from, for the error when Graph rejects it.
    pub fn new(token: Secret, origin: &'static str) -> Self {
        StaticToken { token, origin }
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(async move { Ok(self.token.clone()) })
    }

    fn refresh<'a>(&'a self, _rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>> {
        Box::pin(async move {
            Err(Error::new(
                ErrorCode::AuthExpired,
                format!("Graph rejected the access token from {}", self.origin),
            )
            .with_hint("supply a fresh token, or sign in with: msgate auth login"))
        })
    }
}
