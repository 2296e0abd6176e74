//! Client assertions at the token endpoint, as Entra judges them.
//!
//! A confidential client may prove who it is without a shared secret in two ways, both sent as
//! `client_assertion` with `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
//! jwt-bearer`: a JWT it signed itself with the key of a certificate registered on the app
//! (`iss` = `sub` = the client id, `aud` = the token endpoint, the certificate named by its
//! `x5t#S256` or `x5t` thumbprint), or a token some other issuer signed for a workload — a
//! Kubernetes service account, a CI job — which the app trusts through a federated identity
//! credential (issuer + subject + audience `api://AzureADTokenExchange`). For the latter Entra
//! fetches the issuer's keys from its OpenID discovery document, and so does the sandbox.
//! Errors carry the AADSTS codes Entra uses
//! (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::EntraError;
use crate::clock;
use crate::jwt;
use crate::state::{AppState, RegisteredCertificate};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The audience workload identity tokens must carry for Entra's token exchange.
pub const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Entra tolerates this much clock skew on `exp` and `nbf`.
const SKEW_SECS: i64 = 300;

/// Check `assertion` as the credential of `client_id`: a certificate assertion when the client
/// issued it itself, otherwise a federated (workload identity) assertion.
pub async fn authenticate(
    state: &AppState,
    client_id: &str,
    assertion: &str,
) -> Result<(), EntraError> {
    let (header, claims) = jwt::peek(assertion).ok_or_else(malformed)?;
    if claims["iss"].as_str() == Some(client_id) {
        certificate(state, client_id, assertion, &header, &claims)
    } else {
        federated(state, client_id, assertion, &claims).await
    }
}

fn malformed() -> EntraError {
    EntraError::new(
        "invalid_client",
        50027,
        "JWT token is invalid or malformed.",
    )
}

fn certificate(
    state: &AppState,
    client_id: &str,
    assertion: &str,
    header: &Value,
    claims: &Value,
) -> Result<(), EntraError> {
    let thumbprint = header["x5t#S256"]
        .as_str()
        .map(|t| (t, false))
        .or_else(|| header["x5t"].as_str().map(|t| (t, true)));
    let registered = thumbprint.and_then(|(text, sha1)| {
        let wanted = URL_SAFE_NO_PAD.decode(text).ok()?;
        let certificates = state
            .app_credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        certificates
            .certificates
            .iter()
            .find(|c| {
                if sha1 {
                    c.sha1 == wanted
                } else {
                    c.sha256 == wanted
                }
            })
            .cloned()
    });
    let Some(registered) = registered else {
        return Err(EntraError::new(
            "invalid_client",
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{}']. Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.",
                thumbprint.map(|(t, _)| t).unwrap_or_default()
            ),
        ));
    };
    if !jwt::verify_with_der(assertion, &registered.public_key) {
        return Err(EntraError::new(
            "invalid_client",
            700027,
            "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
        ));
    }
    if claims["sub"].as_str() != Some(client_id) {
        return Err(EntraError::new(
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let audience_ok = claims["aud"]
        .as_str()
        .is_some_and(|aud| is_token_endpoint(state, aud));
    if !audience_ok {
        return Err(EntraError::new(
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer: the audience must be the token endpoint.",
        ));
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err(malformed());
    }
    check_lifetime(claims)
}

/// `{login}/{tenant}/oauth2/v2.0/token` for any name of this tenant.
fn is_token_endpoint(state: &AppState, aud: &str) -> bool {
    aud.strip_prefix(&format!("{}/", state.base_url))
        .and_then(|rest| rest.strip_suffix("/oauth2/v2.0/token"))
        .is_some_and(|tenant| state.tenant.accepts(tenant))
}

fn check_lifetime(claims: &Value) -> Result<(), EntraError> {
    let now = clock::unix_now();
    let exp = claims["exp"].as_i64();
    let nbf = claims["nbf"].as_i64().unwrap_or(i64::MIN);
    match exp {
        Some(exp) if exp + SKEW_SECS > now && nbf - SKEW_SECS <= now => Ok(()),
        Some(_) => Err(EntraError::new(
            "invalid_client",
            700024,
            "Client assertion is not within its valid time range.",
        )),
        None => Err(malformed()),
    }
}

async fn federated(
    state: &AppState,
    client_id: &str,
    assertion: &str,
    claims: &Value,
) -> Result<(), EntraError> {
    let issuer = claims["iss"].as_str().unwrap_or_default();
    let subject = claims["sub"].as_str().unwrap_or_default();
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(aud) => vec![aud.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let trusted = state
        .app_credentials
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .federated
        .clone();
    if !trusted.iter().any(|f| f.issuer == issuer) {
        return Err(EntraError::new(
            "invalid_client",
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. Application '{client_id}'."
            ),
        ));
    }
    if !signed_by_issuer(issuer, assertion).await {
        return Err(EntraError::new(
            "invalid_client",
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found at the issuer's OpenID discovery keys, or the signature did not match.]",
        ));
    }
    check_lifetime(claims)?;
    let matched = trusted.iter().any(|f| {
        f.issuer == issuer
            && f.subject == subject
            && f.audiences.iter().any(|a| audiences.contains(&a.as_str()))
    });
    if matched {
        Ok(())
    } else {
        Err(EntraError::new(
            "invalid_client",
            70021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{}'.",
                audiences.join(",")
            ),
        ))
    }
}

/// Fetch the issuer's discovery document and keys, and check the assertion's signature with
/// the key its `kid` names.
async fn signed_by_issuer(issuer: &str, assertion: &str) -> bool {
    let Some((header, _)) = jwt::peek(assertion) else {
        return false;
    };
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move {
            let response = http.get(url).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.json::<Value>().await.ok()
        }
    };
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let Some(discovery) = get(discovery_url).await else {
        return false;
    };
    let Some(jwks_uri) = discovery["jwks_uri"].as_str() else {
        return false;
    };
    let Some(keys) = get(jwks_uri.to_owned()).await else {
        return false;
    };
    keys["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|k| header["kid"].is_null() || k["kid"] == header["kid"])
        .any(|key| jwt::verify_with_jwk(assertion, key))
}

/// A certificate as the app registration keeps it: thumbprints and the RSA public key, read
/// from the DER encoding.
pub fn register_certificate(der: &[u8]) -> Option<RegisteredCertificate> {
    Some(RegisteredCertificate {
        sha1: digest(&SHA1_FOR_LEGACY_USE_ONLY, der).as_ref().to_vec(),
        sha256: digest(&SHA256, der).as_ref().to_vec(),
        public_key: rsa_public_key(der)?,
    })
}

const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The RSAPublicKey inside a certificate's subjectPublicKeyInfo: Certificate → tbsCertificate →
/// (optional [0] version, serial, signature, issuer, validity, subject) → subjectPublicKeyInfo.
fn rsa_public_key(der: &[u8]) -> Option<Vec<u8>> {
    let (_, certificate, _) = der_element(der, 0x30)?;
    let (_, mut tbs, _) = der_element(certificate, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = der_element(tbs, 0xa0)?.2;
    }
    for tag in [0x02, 0x30, 0x30, 0x30, 0x30] {
        tbs = der_element(tbs, tag)?.2;
    }
    let (_, spki, _) = der_element(tbs, 0x30)?;
    let (_, algorithm, bits) = der_element(spki, 0x30)?;
    let (_, oid, _) = der_element(algorithm, 0x06)?;
    if oid != RSA_ENCRYPTION_OID {
        return None;
    }
    let (_, key, _) = der_element(bits, 0x03)?;
    match key.split_first() {
        Some((0, key)) => Some(key.to_vec()),
        _ => None,
    }
}

/// One DER element of the expected tag: (tag, contents, what follows).
fn der_element(input: &[u8], tag: u8) -> Option<(u8, &[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b))
    };
    if rest.len() < len {
        return None;
    }
    let (contents, after) = rest.split_at(len);
    Some((found, contents, after))
}
