//! The confidential app's credentials beyond its secret, and a workload identity issuer to test
//! them with — the sandbox's stand-ins for an app registration's "Certificates & secrets" page
//! and for a Kubernetes cluster or CI system that issues service account tokens.
//!
//! - `POST /_sandbox/apps/confidential/certificates` `{"certificate": PEM or base64 DER}`
//!   registers a certificate (its public key) and answers with its thumbprints.
//! - `POST /_sandbox/apps/confidential/federated-credentials` `{"name", "issuer", "subject",
//!   "audiences"}` adds a federated identity credential (audiences default to
//!   `api://AzureADTokenExchange`).
//! - `/_sandbox/workload` is an OpenID issuer of its own (discovery and keys, with a key pair
//!   separate from the tenant's); `POST /_sandbox/workload/token` `{"subject", "audience",
//!   "lifetime_s"}` mints a token from it, as a cluster projects one into a pod.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::assertion::{EXCHANGE_AUDIENCE, register_certificate};
use crate::jwt::Signer;
use crate::state::{AppState, FederatedCredential};
use crate::{clock, ids};

const WORKLOAD_PATH: &str = "/_sandbox/workload";
const DEFAULT_WORKLOAD_LIFETIME_SECS: i64 = 3600;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_sandbox/apps/confidential/certificates",
            post(add_certificate),
        )
        .route(
            "/_sandbox/apps/confidential/federated-credentials",
            post(add_federated_credential),
        )
        .route(
            "/_sandbox/workload/.well-known/openid-configuration",
            get(workload_discovery),
        )
        .route("/_sandbox/workload/keys", get(workload_keys))
        .route("/_sandbox/workload/token", post(workload_token))
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

/// The DER bytes of a certificate given as PEM or as base64 DER.
fn certificate_der(text: &str) -> Option<Vec<u8>> {
    let body: String = match text.find("-----BEGIN CERTIFICATE-----") {
        Some(start) => text[start..]
            .lines()
            .skip(1)
            .take_while(|line| !line.starts_with("-----END"))
            .collect(),
        None => text.split_whitespace().collect(),
    };
    STANDARD.decode(body).ok()
}

async fn add_certificate(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let Some(der) = body["certificate"].as_str().and_then(certificate_der) else {
        return bad_request("certificate must be a PEM certificate or base64 DER");
    };
    let Some(registered) = register_certificate(&der) else {
        return bad_request("the certificate must hold an RSA public key");
    };
    let answer = json!({
        "x5t": URL_SAFE_NO_PAD.encode(&registered.sha1),
        "x5t#S256": URL_SAFE_NO_PAD.encode(&registered.sha256),
    });
    state
        .app_credentials
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .certificates
        .push(registered);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn add_federated_credential(
    State(state): State<Arc<AppState>>,
    Json(body): Json<Value>,
) -> Response {
    let (Some(issuer), Some(subject)) = (body["issuer"].as_str(), body["subject"].as_str()) else {
        return bad_request("issuer and subject are required");
    };
    let audiences = match body["audiences"].as_array() {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => vec![EXCHANGE_AUDIENCE.to_owned()],
    };
    let credential = FederatedCredential {
        name: body["name"]
            .as_str()
            .unwrap_or("sandbox-federated-credential")
            .to_owned(),
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
        audiences,
    };
    let answer = json!(credential);
    state
        .app_credentials
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .federated
        .push(credential);
    (StatusCode::CREATED, Json(answer)).into_response()
}

pub fn workload_issuer(state: &AppState) -> String {
    format!("{}{WORKLOAD_PATH}", state.base_url)
}

/// The workload issuer's key pair, generated on first use so sandboxes that never need it do
/// not pay for an RSA key generation.
fn workload_signer(state: &AppState) -> Option<&Signer> {
    if let Some(signer) = state.workload_signer.get() {
        return Some(signer);
    }
    let signer = Signer::new(None).ok()?;
    Some(state.workload_signer.get_or_init(|| signer))
}

async fn workload_discovery(State(state): State<Arc<AppState>>) -> Json<Value> {
    let issuer = workload_issuer(&state);
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/keys"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn workload_keys(State(state): State<Arc<AppState>>) -> Response {
    match workload_signer(&state) {
        Some(signer) => Json(signer.jwks()).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn workload_token(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let Some(subject) = body["subject"].as_str() else {
        return bad_request("subject is required");
    };
    let now = clock::unix_now();
    let lifetime = body["lifetime_s"]
        .as_i64()
        .unwrap_or(DEFAULT_WORKLOAD_LIFETIME_SECS);
    let claims = json!({
        "iss": workload_issuer(&state),
        "sub": subject,
        "aud": body["audience"].as_str().unwrap_or(EXCHANGE_AUDIENCE),
        "iat": now,
        "nbf": now.min(now + lifetime),
        "exp": now + lifetime,
        "jti": ids::random_guid(),
    });
    let signed = workload_signer(&state).map(|signer| signer.sign(&claims));
    match signed {
        Some(Ok(token)) => Json(json!({"token": token})).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
