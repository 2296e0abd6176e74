//! `GET /{tenant}/oauth2/v2.0/authorize`: no login page — the sandbox approves at once as the
//! default user, or as the user named in `login_hint`, and redirects back with a code.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{EntraError, check_tenant, parse_scopes};
use crate::graph::odata::{percent_encode, url_form_pairs};
use crate::permissions::Scheme;
use crate::state::{AppState, AuthCode};
use crate::tenant::PUBLIC_CLIENT_ID;
use crate::{clock, ids};

/// How long an authorization code can be redeemed, as in Entra.
const CODE_LIFETIME_SECS: i64 = 600;

pub async fn authorize(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, EntraError> {
    check_tenant(&state, &tenant)?;
    let params: BTreeMap<String, String> = url_form_pairs(query.as_deref().unwrap_or_default())
        .into_iter()
        .collect();
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let client_id = param("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
    if !state.tenant.is_known_client(client_id) {
        return Err(EntraError::unknown_client(client_id));
    }
    let redirect_uri = param("redirect_uri").ok_or_else(|| EntraError::missing("redirect_uri"))?;
    if !redirect_allowed(client_id, redirect_uri) {
        // Never redirect to an unregistered address: show the error here instead.
        return Err(EntraError::new(
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
            ),
        ));
    }
    let redirect_error = |error: &str, code: u32, description: &str| {
        let mut location = format!(
            "{redirect_uri}?error={error}&error_description={}",
            percent_encode(&format!("AADSTS{code}: {description}"))
        );
        if let Some(state) = param("state") {
            location.push_str(&format!("&state={}", percent_encode(state)));
        }
        found(&location)
    };
    if param("response_type") != Some("code") {
        return Ok(redirect_error(
            "unsupported_response_type",
            700054,
            "response_type must be 'code'.",
        ));
    }
    let challenge = param("code_challenge");
    match (challenge, param("code_challenge_method")) {
        (Some(_), Some("S256")) | (None, None) => {}
        (Some(_), method) => {
            return Ok(redirect_error(
                "invalid_request",
                501491,
                &format!(
                    "Invalid code_challenge_method '{}': the sandbox accepts only S256.",
                    method.unwrap_or("plain")
                ),
            ));
        }
        (None, Some(_)) => {
            return Ok(redirect_error(
                "invalid_request",
                501491,
                "code_challenge_method without code_challenge.",
            ));
        }
    }
    if client_id == PUBLIC_CLIENT_ID && challenge.is_none() {
        return Ok(redirect_error(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        ));
    }
    let scopes = match parse_scopes(param("scope").unwrap_or_default(), Scheme::Delegated) {
        Ok(scopes) => scopes,
        Err(_) => {
            return Ok(redirect_error(
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid.",
            ));
        }
    };
    let user = match param("login_hint") {
        Some(hint) => state.find_user(hint).await.map_err(internal)?,
        None => state.users().await.map_err(internal)?.into_iter().next(),
    };
    let Some(user) = user else {
        return Ok(redirect_error(
            "invalid_request",
            50034,
            "The user account does not exist in the directory.",
        ));
    };
    let code = ids::random_token(48);
    state
        .grants
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .codes
        .insert(
            code.clone(),
            AuthCode {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                user_id: user["id"].as_str().unwrap_or_default().to_owned(),
                scopes: scopes.graph.into_iter().chain(scopes.oidc).collect(),
                code_challenge: challenge.map(str::to_owned),
                expires_at: clock::unix_now() + CODE_LIFETIME_SECS,
                redeemed: false,
            },
        );
    let mut location = format!("{redirect_uri}?code={code}");
    if let Some(state) = param("state") {
        location.push_str(&format!("&state={}", percent_encode(state)));
    }
    Ok(found(&location))
}

/// The public client redirects only to loopback (any port, RFC 8252); the confidential client
/// to loopback or to the sandbox's documented test address.
fn redirect_allowed(_client_id: &str, redirect_uri: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|prefix| {
            redirect_uri
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        })
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

fn internal(err: msgate_core::Error) -> EntraError {
    tracing::error!(error = %err, "sandbox authorize failed");
    EntraError::new(
        "server_error",
        90033,
        "A transient error has occurred. Please try again.",
    )
}
