//! The device code flow: `POST /{tenant}/oauth2/v2.0/devicecode`, and the sandbox's stand-in
//! for a person typing the code at the verification page, `POST /_sandbox/device/approve`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{EntraError, check_tenant, parse_scopes};
use crate::graph::odata::url_form_pairs;
use crate::permissions::Scheme;
use crate::state::{AppState, DeviceCode};
use crate::{clock, ids};

const DEVICE_CODE_LIFETIME_SECS: i64 = 900;
const POLL_INTERVAL_SECS: i64 = 5;

pub async fn devicecode(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, EntraError> {
    check_tenant(&state, &tenant)?;
    let form: BTreeMap<String, String> = url_form_pairs(&String::from_utf8_lossy(&body))
        .into_iter()
        .collect();
    let client_id = form
        .get("client_id")
        .ok_or_else(|| EntraError::missing("client_id"))?;
    if !state.tenant.is_known_client(client_id) {
        return Err(EntraError::unknown_client(client_id));
    }
    let scope = form
        .get("scope")
        .ok_or_else(|| EntraError::missing("scope"))?;
    let scopes = parse_scopes(scope, Scheme::Delegated)?;
    let user_code = user_code();
    let device_code = ids::random_token(48);
    let approved_user = if state.auto_approve {
        let users = state.users().await.map_err(|e| {
            tracing::error!(error = %e, "sandbox device code failed");
            EntraError::new("server_error", 90033, "A transient error has occurred.")
        })?;
        users
            .first()
            .and_then(|u| u["id"].as_str())
            .map(str::to_owned)
    } else {
        None
    };
    state
        .grants
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .device_codes
        .insert(
            device_code.clone(),
            DeviceCode {
                client_id: client_id.clone(),
                user_code: user_code.clone(),
                scopes: scopes.graph.into_iter().chain(scopes.oidc).collect(),
                approved_user,
                expires_at: clock::unix_now() + DEVICE_CODE_LIFETIME_SECS,
                interval: POLL_INTERVAL_SECS,
                last_poll: None,
            },
        );
    let verification_uri = format!("{}/_sandbox/device", state.base_url);
    Ok(Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": DEVICE_CODE_LIFETIME_SECS,
        "interval": POLL_INTERVAL_SECS,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    })))
}

/// Nine characters from an alphabet without look-alikes, like Entra's codes.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    ids::random_bytes::<9>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// `{"user_code":"…","upn":"…"}`: approve a pending device code as that user (default user when
/// `upn` is absent).
pub async fn approve(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let Some(user_code) = body["user_code"].as_str() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "user_code is required"})),
        )
            .into_response();
    };
    let user = match body["upn"].as_str() {
        Some(upn) => state.find_user(upn).await,
        None => state.users().await.map(|u| u.into_iter().next()),
    };
    let user_id = match user {
        Ok(Some(user)) => user["id"].as_str().unwrap_or_default().to_owned(),
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "no such user"})),
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "sandbox approve failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut grants = state.grants.lock().unwrap_or_else(|p| p.into_inner());
    match grants
        .device_codes
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(user_code))
    {
        Some(device) => {
            device.approved_user = Some(user_id.clone());
            Json(json!({"approved": true, "user_id": user_id})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no pending device code with that user_code"})),
        )
            .into_response(),
    }
}
