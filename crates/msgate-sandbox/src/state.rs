//! Everything a request handler can reach: the store, the signer, the tenant, the sign-in
//! grants in flight, the request log and the options the sandbox was started with.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::Seed;
use crate::faults::Faults;
use crate::graph::subscriptions::Webhooks;
use crate::jwt::Signer;
use crate::store::Store;
use crate::tenant::Tenant;

#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub signer: Signer,
    pub tenant: Tenant,
    pub base_url: String,
    /// What the tenant starts with, and what a reset returns it to.
    pub seed: Seed,
    pub token_lifetime: Duration,
    pub auto_approve: bool,
    pub grants: Mutex<Grants>,
    /// Certificates and federated identity credentials registered for the confidential app.
    pub app_credentials: Mutex<AppCredentials>,
    /// The sandbox's stand-in workload identity issuer (Kubernetes, CI), created on first use.
    pub workload_signer: OnceLock<Signer>,
    pub log: Mutex<RequestLog>,
    pub faults: Mutex<Faults>,
    /// Refuse JSON bodies that do not match Graph's OpenAPI description (`strict` builds).
    pub strict_requests: bool,
    /// Change notifications: the client that posts them and the queue of the delivery task.
    pub webhooks: Webhooks,
}

impl AppState {
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    /// The user documents of the tenant, in seed order (the first is the default user).
    pub async fn users(&self) -> msgate_core::Result<Vec<Value>> {
        self.store.list("user", "").await
    }

    /// A user by id or UPN (case-insensitive), as Graph resolves `/users/{id}`.
    pub async fn find_user(&self, id_or_upn: &str) -> msgate_core::Result<Option<Value>> {
        if let Some(user) = self.store.get("user", "", id_or_upn).await? {
            return Ok(Some(user));
        }
        Ok(self.users().await?.into_iter().find(|u| {
            u["userPrincipalName"]
                .as_str()
                .is_some_and(|upn| upn.eq_ignore_ascii_case(id_or_upn))
        }))
    }
}

/// Sign-in state in flight: authorization codes, device codes, refresh tokens.
#[derive(Debug, Default)]
pub struct Grants {
    pub codes: HashMap<String, AuthCode>,
    pub device_codes: HashMap<String, DeviceCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    pub approved_user: Option<String>,
    pub expires_at: i64,
    pub interval: i64,
    pub last_poll: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub family: String,
    pub used: bool,
}

/// What the confidential app trusts besides its client secret, as in an app registration's
/// "Certificates & secrets" page.
#[derive(Debug, Default)]
pub struct AppCredentials {
    pub certificates: Vec<RegisteredCertificate>,
    pub federated: Vec<FederatedCredential>,
}

#[derive(Debug, Clone)]
pub struct RegisteredCertificate {
    /// SHA-1 and SHA-256 of the DER certificate, as `x5t` and `x5t#S256` name it.
    pub sha1: Vec<u8>,
    pub sha256: Vec<u8>,
    /// The RSA public key (PKCS#1 DER) from the certificate's subjectPublicKeyInfo.
    pub public_key: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FederatedCredential {
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
}

/// The log behind `GET /_sandbox/requests` and `/_sandbox/stats`.
#[derive(Debug, Default)]
pub struct RequestLog {
    pub entries: std::collections::VecDeque<LogEntry>,
    pub graph_requests: u64,
    pub login_requests: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub time: String,
    pub duration_ms: f64,
}

/// The log keeps the most recent requests only, so a long benchmark cannot exhaust memory.
pub const LOG_CAPACITY: usize = 10_000;
