//! `POST /{tenant}/oauth2/v2.0/token`: authorization_code (PKCE S256 only), refresh_token (with
//! rotation: a refresh token works once; presenting a used one revokes its whole family),
//! device_code and client_credentials (client secret, or a client assertion: certificate or
//! federated workload identity — see `assertion`).

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{EntraError, assertion, check_tenant, issuer, parse_scopes};
use crate::graph::odata::url_form_pairs;
use crate::permissions::Scheme;
use crate::state::{AppState, RefreshToken};
use crate::tenant::PUBLIC_CLIENT_ID;
use crate::{clock, ids};

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

type Form = BTreeMap<String, String>;

pub async fn token(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, EntraError> {
    check_tenant(&state, &tenant)?;
    let form: Form = url_form_pairs(&String::from_utf8_lossy(&body))
        .into_iter()
        .collect();
    let grant_type = required(&form, "grant_type")?;
    let client_id = required(&form, "client_id")?;
    if !state.tenant.is_known_client(client_id) {
        return Err(EntraError::unknown_client(client_id));
    }
    match grant_type {
        "authorization_code" => authorization_code(&state, &form, client_id).await,
        "refresh_token" => refresh_token(&state, &form, client_id).await,
        DEVICE_CODE_GRANT => device_code(&state, &form, client_id).await,
        "client_credentials" => client_credentials(&state, &form, client_id).await,
        other => Err(EntraError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
    .map(Json)
}

fn required<'f>(form: &'f Form, name: &str) -> Result<&'f str, EntraError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| EntraError::missing(name))
}

fn same_secret(a: &str, b: &str) -> bool {
    // Compare digests so that the comparison is constant-time whatever the lengths.
    verify_slices_are_equal(
        digest(&SHA256, a.as_bytes()).as_ref(),
        digest(&SHA256, b.as_bytes()).as_ref(),
    )
    .is_ok()
}

async fn authorization_code(
    state: &AppState,
    form: &Form,
    client_id: &str,
) -> Result<Value, EntraError> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?;
    let grant = {
        let mut grants = state.grants.lock().unwrap_or_else(|p| p.into_inner());
        let Some(grant) = grants.codes.get_mut(code) else {
            return Err(EntraError::new(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.",
            ));
        };
        if grant.redeemed {
            return Err(EntraError::new(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            ));
        }
        grant.redeemed = true;
        grant.clone()
    };
    if grant.expires_at < clock::unix_now() {
        return Err(EntraError::new(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        ));
    }
    if grant.client_id != client_id {
        return Err(EntraError::new(
            "invalid_grant",
            70002,
            "The client does not match the client the authorization code was issued to.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(EntraError::new(
            "invalid_grant",
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URI used to obtain the authorization code."
            ),
        ));
    }
    let verifier_ok = match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
            same_secret(&computed, challenge)
        }
        (Some(_), None) => false,
        (None, _) => true,
    };
    if !verifier_ok {
        return Err(EntraError::new(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    issue_delegated(state, client_id, &grant.user_id, &grant.scopes, None).await
}

async fn refresh_token(
    state: &AppState,
    form: &Form,
    client_id: &str,
) -> Result<Value, EntraError> {
    let presented = required(form, "refresh_token")?;
    let token = {
        let mut grants = state.grants.lock().unwrap_or_else(|p| p.into_inner());
        let Some(token) = grants.refresh_tokens.get_mut(presented) else {
            return Err(EntraError::new(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid. The refresh token is unknown.",
            ));
        };
        if token.used {
            let family = token.family.clone();
            grants.refresh_tokens.retain(|_, t| t.family != family);
            return Err(EntraError::new(
                "invalid_grant",
                70000,
                "The provided grant has been revoked: the refresh token was already used, so every token issued from it is revoked. Sign in again.",
            ));
        }
        token.used = true;
        token.clone()
    };
    if token.client_id != client_id {
        return Err(EntraError::new(
            "invalid_grant",
            70000,
            "The refresh token was issued to a different client.",
        ));
    }
    let scopes = match form.get("scope") {
        Some(raw) => {
            let asked = parse_scopes(raw, Scheme::Delegated)?;
            if let Some(extra) = asked.graph.iter().find(|s| !token.scopes.contains(s)) {
                return Err(EntraError::new(
                    "invalid_grant",
                    65001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{client_id}'. Send an interactive authorization request for this user and resource. Missing: {extra}."
                    ),
                ));
            }
            if asked.graph.is_empty() {
                token.scopes.clone()
            } else {
                // OpenID scopes (offline_access above all) carry over from the original grant:
                // Entra keeps rotating the refresh token whatever the refresh asks for.
                let oidc = token.scopes.iter().filter(|s| is_oidc(s)).cloned();
                asked.graph.into_iter().chain(oidc).collect()
            }
        }
        None => token.scopes.clone(),
    };
    issue_delegated(
        state,
        client_id,
        &token.user_id,
        &scopes,
        Some(token.family),
    )
    .await
}

async fn device_code(state: &AppState, form: &Form, client_id: &str) -> Result<Value, EntraError> {
    let code = required(form, "device_code")?;
    let now = clock::unix_now();
    let (user_id, scopes) = {
        let mut grants = state.grants.lock().unwrap_or_else(|p| p.into_inner());
        let Some(device) = grants.device_codes.get_mut(code) else {
            return Err(EntraError::new(
                "invalid_grant",
                70000,
                "The provided value for the 'device_code' is not valid.",
            ));
        };
        if device.client_id != client_id {
            return Err(EntraError::new(
                "invalid_grant",
                70000,
                "The device code was issued to a different client.",
            ));
        }
        if device.expires_at < now {
            grants.device_codes.remove(code);
            return Err(EntraError::new(
                "expired_token",
                70019,
                "Verification code expired.",
            ));
        }
        let too_soon = device
            .last_poll
            .is_some_and(|last| now - last < device.interval);
        device.last_poll = Some(now);
        match device.approved_user.clone() {
            None if too_soon => {
                return Err(EntraError::new(
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. Polling too fast: wait the interval between requests.",
                ));
            }
            None => {
                return Err(EntraError::new(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ));
            }
            Some(user) => {
                let scopes = device.scopes.clone();
                grants.device_codes.remove(code);
                (user, scopes)
            }
        }
    };
    issue_delegated(state, client_id, &user_id, &scopes, None).await
}

async fn client_credentials(
    state: &AppState,
    form: &Form,
    client_id: &str,
) -> Result<Value, EntraError> {
    if client_id == PUBLIC_CLIENT_ID {
        return Err(EntraError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'. A public client cannot use client credentials.",
        ));
    }
    match (form.get("client_secret"), form.get("client_assertion")) {
        (Some(secret), None) => {
            if !same_secret(secret, &state.tenant.confidential_client_secret) {
                return Err(EntraError::new(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                ));
            }
        }
        (None, Some(assertion)) => {
            if form.get("client_assertion_type").map(String::as_str) != Some(assertion::JWT_BEARER)
            {
                return Err(EntraError::new(
                    "invalid_request",
                    90014,
                    "The request body must contain the following parameter: 'client_assertion_type'.",
                ));
            }
            assertion::authenticate(state, client_id, assertion).await?;
        }
        (Some(_), Some(_)) => {
            return Err(EntraError::new(
                "invalid_request",
                90035,
                "The request must contain either 'client_secret' or 'client_assertion', not both.",
            ));
        }
        (None, None) => {
            return Err(EntraError::new(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
    }
    let scope = required(form, "scope")?;
    if !scope.split_whitespace().all(|s| s.ends_with("/.default")) {
        return Err(EntraError::new(
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        ));
    }
    let roles: Vec<String> = crate::permissions::all_known(Scheme::Application)
        .into_iter()
        .collect();
    let now = clock::unix_now();
    let lifetime = state.token_lifetime.as_secs() as i64;
    let app_object_id = ids::stable_guid(&format!("service-principal:{client_id}"));
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": issuer(state),
        "iat": now, "nbf": now, "exp": now + lifetime,
        "tid": state.tenant.id,
        "oid": app_object_id,
        "sub": app_object_id,
        "appid": client_id,
        "azp": client_id,
        "idtyp": "app",
        "roles": roles,
        "ver": "2.0",
    });
    let access_token = state.signer.sign(&claims).map_err(internal)?;
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

fn internal(err: msgate_core::Error) -> EntraError {
    tracing::error!(error = %err, "sandbox sign-in failed");
    EntraError::new(
        "server_error",
        90033,
        "A transient error has occurred. Please try again.",
    )
}

/// Tokens for a user: an access token, a refresh token when `offline_access` was granted,
/// and an id token when `openid` was.
pub(crate) async fn issue_delegated(
    state: &AppState,
    client_id: &str,
    user_id: &str,
    scopes: &[String],
    family: Option<String>,
) -> Result<Value, EntraError> {
    let user = state
        .find_user(user_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            EntraError::new(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            )
        })?;
    let graph: Vec<&String> = scopes.iter().filter(|s| !is_oidc(s)).collect();
    let now = clock::unix_now();
    let lifetime = state.token_lifetime.as_secs() as i64;
    let upn = user["userPrincipalName"].clone();
    let scp = graph
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": issuer(state),
        "iat": now, "nbf": now, "exp": now + lifetime,
        "tid": state.tenant.id,
        "oid": user["id"],
        "sub": user["id"],
        "upn": upn,
        "preferred_username": upn,
        "name": user["displayName"],
        "appid": client_id,
        "azp": client_id,
        "idtyp": "user",
        "scp": scp,
        "ver": "2.0",
    });
    let access_token = state.signer.sign(&claims).map_err(internal)?;
    let mut granted: Vec<String> = graph.iter().map(|s| (*s).clone()).collect();
    let mut response = json!({
        "token_type": "Bearer",
        "scope": "",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if scopes.iter().any(|s| s == "offline_access") {
        let refresh = format!("0.A{}", ids::random_token(96));
        let family = family.unwrap_or_else(ids::random_guid);
        state
            .grants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refresh_tokens
            .insert(
                refresh.clone(),
                RefreshToken {
                    client_id: client_id.to_owned(),
                    user_id: user_id.to_owned(),
                    scopes: scopes.to_vec(),
                    family,
                    used: false,
                },
            );
        response["refresh_token"] = json!(refresh);
        granted.push("offline_access".into());
    }
    if scopes.iter().any(|s| s == "openid") {
        let id_claims = json!({
            "aud": client_id,
            "iss": issuer(state),
            "iat": now, "nbf": now, "exp": now + lifetime,
            "tid": state.tenant.id,
            "oid": user["id"],
            "sub": user["id"],
            "name": user["displayName"],
            "preferred_username": upn,
            "ver": "2.0",
        });
        response["id_token"] = json!(state.signer.sign(&id_claims).map_err(internal)?);
        granted.extend(["openid".to_owned(), "profile".to_owned()]);
    }
    response["scope"] = json!(granted.join(" "));
    Ok(response)
}

fn is_oidc(scope: &str) -> bool {
    matches!(scope, "openid" | "profile" | "email" | "offline_access")
}
