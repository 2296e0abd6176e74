//! The ways to get a first token from Entra. Delegated (a person): the authorization code flow
//! with PKCE through a loopback redirect, and the device code flow. App-only (no person): client
//! credentials with a secret, with a certificate (a signed client assertion), or with a
//! workload identity token from a federated issuer.

pub mod client_credentials;
pub mod device_code;
pub mod pkce_loopback;

use crate::entra::{Authority, EntraClient};

/// What every delegated flow needs.
#[derive(Debug)]
pub struct SignIn<'a> {
    pub client: &'a EntraClient,
    pub authority: &'a Authority,
    pub client_id: &'a str,
    /// Full scope names (`https://graph.microsoft.com/Chat.Read`, `offline_access`, …).
    pub scopes: &'a [String],
    pub login_hint: Option<&'a str>,
    /// The command that starts this sign-in again, for hints.
    pub login_command: &'a str,
}

impl SignIn<'_> {
    pub fn scope_param(&self) -> String {
        self.scopes.join(" ")
    }
}

/// Random bytes as base64url: PKCE verifiers, `state`, assertion ids.
pub(crate) fn random_token(bytes: usize) -> msgate_core::Result<String> {
    use base64::Engine;
    let mut buffer = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buffer)
        .map_err(|_| msgate_core::Error::internal("the system random generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}
