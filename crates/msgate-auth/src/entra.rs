//! Talking to Entra ID's v2 endpoints: where they are for a cloud and tenant, posting a form to
//! the token endpoint, and what its answers mean.
//!
//! The OAuth exchanges msgate needs are a handful of form posts with JSON answers, so they are
//! written by hand over reqwest (redirects off, rustls, the OS trust store) rather than through
//! the `oauth2` crate: the device code polling rules, Entra's AADSTS codes and the client
//! assertions are Entra-specific anyway, and every secret stays a [`Secret`] from the wire on.

use std::time::Duration;

use msgate_core::{Error, ErrorCode, Result, Secret};
use msgate_graph::Cloud;
use reqwest::Url;
use serde_json::Value;

/// The tenant-specific v2 endpoints of one cloud's Entra.
#[derive(Clone, Debug)]
pub struct Authority {
    login: Url,
    tenant: String,
}

impl Authority {
    /// `tenant` is a tenant id, a domain, `organizations` or `common`.
    pub fn new(cloud: &Cloud, tenant: &str) -> Self {
        Authority {
            login: cloud.login_url(),
            tenant: tenant.to_owned(),
        }
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    fn endpoint(&self, path: &str) -> String {
        format!(
            "{}/{}/{path}",
            self.login.as_str().trim_end_matches('/'),
            self.tenant
        )
    }

    pub fn authorize_url(&self) -> String {
        self.endpoint("oauth2/v2.0/authorize")
    }

    pub fn token_url(&self) -> String {
        self.endpoint("oauth2/v2.0/token")
    }

    pub fn devicecode_url(&self) -> String {
        self.endpoint("oauth2/v2.0/devicecode")
    }

    /// The URL an administrator opens to grant `scopes` to `client_id` for the whole tenant.
    pub fn admin_consent_url(&self, client_id: &str, scopes: &[String], redirect: &str) -> String {
        let mut url = match Url::parse(&self.endpoint("v2.0/adminconsent")) {
            Ok(url) => url,
            Err(_) => return self.endpoint("v2.0/adminconsent"),
        };
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("redirect_uri", redirect);
        url.to_string()
    }
}

/// What the token endpoint hands out.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Unix seconds.
    pub expires_at: i64,
    /// The scopes granted, as Entra lists them (`scope`).
    pub scopes: Vec<String>,
    /// Claims of the ID token (or, for app-only tokens, of the access token): who signed in.
    pub identity: Value,
}

/// An error answer from Entra: `error`, the AADSTS codes and the description.
#[derive(Clone, Debug)]
pub struct EntraError {
    pub error: String,
    pub codes: Vec<u64>,
    pub description: String,
}

impl EntraError {
    pub fn has_code(&self, code: u64) -> bool {
        self.codes.contains(&code)
    }

    /// The description without Entra's trailing trace and correlation ids.
    pub fn reason(&self) -> &str {
        self.description
            .split(" Trace ID:")
            .next()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
    }

    /// This failure in msgate's taxonomy, with what to do next.
    pub fn into_error(self, login_hint: &str) -> Error {
        let (code, hint) = explain(&self, login_hint);
        Error::new(code, format!("sign-in failed: {}", self.reason())).with_hint(hint)
    }
}

/// What an AADSTS code means for the person at the keyboard.
fn explain(err: &EntraError, login: &str) -> (ErrorCode, String) {
    let again = format!("sign in again with: {login}");
    let code = err.codes.first().copied().unwrap_or_default();
    match code {
        65001 | 90094 | 90008 | 900941 => (
            ErrorCode::ScopeInsufficient,
            "consent is missing: an administrator can grant it with the URL from 'msgate auth consent-url'".to_owned(),
        ),
        50076 | 50079 | 50072 | 50074 => (
            ErrorCode::AuthExpired,
            format!("multi-factor authentication is required; {again} (interactively, not with a stored token)"),
        ),
        53000 | 53001 | 53002 | 53003 | 530032 => (
            ErrorCode::AuthExpired,
            "a Conditional Access policy blocked this sign-in (device, location or app); ask your administrator which policy applies, or sign in from a compliant device".to_owned(),
        ),
        50158 => (
            ErrorCode::AuthExpired,
            format!("an external security challenge was not satisfied; {again}"),
        ),
        700016 => (
            ErrorCode::Usage,
            "the app is not registered in that tenant: check --client-id and --tenant".to_owned(),
        ),
        90002 | 90072 => (
            ErrorCode::Usage,
            "check --tenant (a tenant id, a verified domain, 'organizations' or 'common') and --cloud".to_owned(),
        ),
        7000215 | 7000222 => (
            ErrorCode::AuthRequired,
            "the client secret is wrong or expired: create a new one in the app registration and sign in again".to_owned(),
        ),
        700027 => (
            ErrorCode::AuthRequired,
            "upload the certificate's public part to the app registration (Certificates & secrets), or check that --certificate is the right file".to_owned(),
        ),
        700024 => (
            ErrorCode::AuthRequired,
            "the assertion has expired: check the machine's clock ('msgate auth doctor') or the federated token file's rotation".to_owned(),
        ),
        70021 | 700211 | 700212 | 700213 => (
            ErrorCode::AuthRequired,
            "add a federated identity credential to the app whose issuer, subject and audience match the token file".to_owned(),
        ),
        _ if err.error == "invalid_grant" || err.error == "interaction_required" => {
            (ErrorCode::AuthExpired, again)
        }
        _ if err.error == "invalid_client" || err.error == "unauthorized_client" => (
            ErrorCode::AuthRequired,
            "check the app's credentials and --client-id".to_owned(),
        ),
        _ if err.error == "invalid_scope" => (
            ErrorCode::Usage,
            "check --add-scope and the profile's capabilities ('msgate auth scopes')".to_owned(),
        ),
        _ => (ErrorCode::AuthRequired, again),
    }
}

/// A form posted to Entra: the answer's JSON, or Entra's error.
pub type Answer = std::result::Result<Value, EntraError>;

/// The HTTP client for Entra: redirects off (a token endpoint never redirects; following one
/// would hand the form to another host), the OS trust store, a timeout.
#[derive(Clone, Debug)]
pub struct EntraClient {
    http: reqwest::Client,
}

impl EntraClient {
    pub fn new() -> Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("msgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(EntraClient { http })
    }

    /// POST `form` to `url`; a transport failure is a network error (exit 10).
    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Result<Answer> {
        Ok(self.post_dated(url, form).await?.0)
    }

    /// Like [`EntraClient::post`], with the server's `Date` (for clock-skew checks).
    pub async fn post_dated(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(Answer, Option<jiff::Timestamp>)> {
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| network(url, &e))?;
        let status = response.status();
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|d| d.to_str().ok())
            .and_then(|d| jiff::fmt::rfc2822::parse(d).ok())
            .map(|z| z.timestamp());
        let body: Value = response.json().await.map_err(|e| network(url, &e))?;
        if status.is_success() {
            return Ok((Ok(body), date));
        }
        let text = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
        let failure = EntraError {
            error: match text("error") {
                e if e.is_empty() => format!("http_{}", status.as_u16()),
                e => e,
            },
            codes: body["error_codes"]
                .as_array()
                .map(|c| c.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default(),
            description: text("error_description"),
        };
        Ok((Err(failure), date))
    }
}

fn network(url: &str, err: &reqwest::Error) -> Error {
    let host = Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    Error::new(
        ErrorCode::Network,
        format!("cannot reach the sign-in service at {host}: {err}"),
    )
    .with_hint("check the network, proxy settings (HTTPS_PROXY) and --cloud")
}

/// Read a token endpoint's success answer into [`Tokens`].
pub fn tokens_from(answer: &Value, now: i64) -> Result<Tokens> {
    let access_token = answer["access_token"]
        .as_str()
        .map(Secret::new)
        .ok_or_else(|| Error::new(ErrorCode::AuthRequired, "Entra answered without a token"))?;
    let refresh_token = answer["refresh_token"].as_str().map(Secret::new);
    let expires_in = answer["expires_in"]
        .as_i64()
        .or_else(|| answer["expires_in"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(3600);
    let identity = answer["id_token"]
        .as_str()
        .and_then(claims)
        .or_else(|| claims(access_token.expose()))
        .unwrap_or(Value::Null);
    Ok(Tokens {
        scopes: answer["scope"]
            .as_str()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        access_token,
        refresh_token,
        expires_at: now + expires_in,
        identity,
    })
}

/// The payload of a JWT, unverified: only ever used to show who signed in, never to decide
/// what is allowed (Graph does that).
pub fn claims(jwt: &str) -> Option<Value> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_cloud_and_tenant() {
        let authority = Authority::new(&Cloud::UsGov, "contoso.example.invalid");
        assert_eq!(
            authority.token_url(),
            "https://login.microsoftonline.us/contoso.example.invalid/oauth2/v2.0/token"
        );
        let consent = authority.admin_consent_url(
            "00000000-0000-0000-0000-00000000000a",
            &["https://graph.microsoft.com/Chat.Read".to_owned()],
            "http://localhost",
        );
        assert!(consent.starts_with(
            "https://login.microsoftonline.us/contoso.example.invalid/v2.0/adminconsent?client_id="
        ));
        assert!(consent.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2FChat.Read"));
    }

    #[test]
    fn aadsts_codes_map_to_the_taxonomy_with_a_next_step() {
        let failure = |error: &str, code: u64| EntraError {
            error: error.to_owned(),
            codes: vec![code],
            description: format!("AADSTS{code}: Something. Trace ID: x Correlation ID: y"),
        };
        let err = failure("invalid_grant", 70000).into_error("msgate auth login");
        assert_eq!(err.exit().status(), 11);
        assert_eq!(err.message(), "sign-in failed: AADSTS70000: Something.");
        assert!(err.hint().unwrap().contains("msgate auth login"));
        let err = failure("invalid_grant", 65001).into_error("msgate auth login");
        assert_eq!(err.exit().status(), 12);
        let err = failure("invalid_grant", 53003).into_error("msgate auth login");
        assert!(err.hint().unwrap().contains("Conditional Access"));
        let err = failure("invalid_request", 90002).into_error("msgate auth login");
        assert_eq!(err.exit().status(), 2);
    }
}
