//! Entra ID v2 sign-in, as msgate meets it: discovery, keys, authorize (auto-approved),
//! device codes, the token endpoint's grants and client assertions (certificates, workload
//! identity federation) — with Entra's paths, parameters and errors.

mod apps;
mod assertion;
mod authorize;
mod device;
pub(crate) mod token;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::state::AppState;
use crate::{clock, ids, permissions};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route("/_sandbox/device/approve", post(device::approve))
        .merge(apps::router())
}

/// An error as Entra's token endpoint writes it.
#[derive(Debug)]
pub struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
}

impl EntraError {
    pub fn new(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        EntraError {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    pub fn missing(parameter: &str) -> Self {
        EntraError::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    pub fn unknown_tenant(tenant: &str) -> Self {
        EntraError::new(
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        )
    }

    pub fn unknown_client(client_id: &str) -> Self {
        EntraError::new(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                crate::tenant::DISPLAY_NAME
            ),
        )
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let trace_id = ids::random_guid();
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {trace_id} Timestamp: {}",
                self.code, self.description, clock::now_seconds()
            ),
            "error_codes": [self.code],
            "timestamp": clock::now_seconds(),
            "trace_id": trace_id,
            "correlation_id": trace_id,
        });
        (self.status, Json(body)).into_response()
    }
}

fn check_tenant(state: &AppState, tenant: &str) -> Result<(), EntraError> {
    if state.tenant.accepts(tenant) {
        Ok(())
    } else {
        Err(EntraError::unknown_tenant(tenant))
    }
}

async fn openid_configuration(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Value>, EntraError> {
    check_tenant(&state, &tenant)?;
    let base = format!("{}/{tenant}", state.base_url);
    Ok(Json(json!({
        "issuer": issuer(&state),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "code_challenge_methods_supported": ["S256"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "sandbox.example.invalid",
    })))
}

async fn keys(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Value>, EntraError> {
    check_tenant(&state, &tenant)?;
    Ok(Json(state.signer.jwks()))
}

pub fn issuer(state: &AppState) -> String {
    format!("{}/{}/v2.0", state.base_url, state.tenant.id)
}

/// Split a `scope` parameter into Graph permissions and OpenID scopes, refusing unknown names.
pub fn parse_scopes(raw: &str, scheme: permissions::Scheme) -> Result<Scopes, EntraError> {
    const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];
    let known = permissions::all_known(scheme);
    let mut scopes = Scopes::default();
    for scope in raw.split_whitespace() {
        let name = scope
            .strip_prefix("https://graph.microsoft.com/")
            .or_else(|| scope.strip_prefix("00000003-0000-0000-c000-000000000000/"))
            .unwrap_or(scope);
        if OIDC.contains(&name) {
            scopes.oidc.push(name.to_owned());
        } else if name == ".default" {
            scopes.graph.extend(known.iter().cloned());
        } else if known.contains(name) {
            scopes.graph.push(name.to_owned());
        } else {
            return Err(EntraError::new(
                "invalid_scope",
                70011,
                format!(
                    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
                ),
            ));
        }
    }
    scopes.graph.sort();
    scopes.graph.dedup();
    Ok(scopes)
}

#[derive(Debug, Default, Clone)]
pub struct Scopes {
    pub graph: Vec<String>,
    pub oidc: Vec<String>,
}
