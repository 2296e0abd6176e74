//! App-only sign-in (the client credentials grant), for daemons and automation that act as an
//! application rather than a person. The app proves who it is with one of:
//!
//! - a client secret, read from stdin or a file (never from argv) and kept in the token store;
//! - a certificate: a PEM file with the certificate and its RSA private key. msgate signs a
//!   short-lived client assertion (RS256, `x5t#S256` and `x5t` thumbprints in the header,
//!   `aud` = the token endpoint, `iss` = `sub` = the client id, a fresh `jti`) for every token;
//! - a federated workload identity: a token file an outside issuer keeps fresh (Kubernetes'
//!   projected service account token, a CI job's OIDC token), sent as the client assertion.
//!   The file is read anew for every token, because its issuer rotates it.
//!
//! The scope is always `{graph}/.default`: app permissions are granted by an administrator on
//! the app registration, not requested per sign-in.

use std::path::{Path, PathBuf};

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use msgate_core::{Error, ErrorCode, Result, Secret};
use serde_json::json;
use zeroize::Zeroizing;

use super::random_token;
use crate::entra::{Authority, EntraClient, Tokens, tokens_from, unix_now};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long a certificate assertion is valid: long enough for clock skew, short enough to be
/// useless if it leaks.
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// How an app proves who it is.
#[derive(Debug)]
pub enum AppCredential {
    Secret(Secret),
    Certificate(Certificate),
    /// The path of a workload identity token file.
    Federated(PathBuf),
}

/// An app's certificate and private key, loaded from a PEM file.
pub struct Certificate {
    der: Vec<u8>,
    key: KeyPair,
    path: PathBuf,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("path", &self.path)
            .field("x5t#S256", &self.thumbprint_sha256())
            .finish()
    }
}

impl Certificate {
    /// A PEM file holding a `CERTIFICATE` block (the first one is the app's) and its RSA key
    /// as `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1).
    pub fn load(path: &Path) -> Result<Certificate> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::io(
                format!("cannot read certificate file {}", path.display()),
                &e,
            )
        })?);
        let unusable = |why: &str| {
            Error::usage(format!("certificate file {}: {why}", path.display())).with_hint(
                "give a PEM file with the certificate and its RSA private key (e.g. cat cert.pem key.pem > app.pem)",
            )
        };
        let der =
            pem_block(&text, "CERTIFICATE").ok_or_else(|| unusable("no CERTIFICATE block"))?;
        let key = match (
            pem_block(&text, "PRIVATE KEY"),
            pem_block(&text, "RSA PRIVATE KEY"),
        ) {
            (Some(pkcs8), _) => KeyPair::from_pkcs8(&Zeroizing::new(pkcs8)),
            (None, Some(pkcs1)) => KeyPair::from_der(&Zeroizing::new(pkcs1)),
            (None, None) => return Err(unusable("no RSA private key block")),
        }
        .map_err(|_| unusable("the private key is not an RSA key msgate can use"))?;
        Ok(Certificate {
            der,
            key,
            path: path.to_path_buf(),
        })
    }

    pub fn thumbprint_sha256(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest(&SHA256, &self.der))
    }

    /// A signed client assertion for `token_url`.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<Secret> {
        let now = unix_now();
        let header = json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t#S256": self.thumbprint_sha256(),
            "x5t": URL_SAFE_NO_PAD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &self.der)),
        });
        let claims = json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": random_token(16)?,
            "iat": now,
            "nbf": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::internal("cannot sign the client assertion"))?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }
}

/// The DER bytes of the first PEM block labelled exactly `label`.
fn pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop].split_whitespace().collect();
    STANDARD.decode(body).ok()
}

/// Read a workload identity token file (trimmed); an empty or missing file is exit 11.
pub fn read_federated_token(path: &Path) -> Result<Secret> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorCode::AuthRequired,
            format!("cannot read the federated token file {}: {e}", path.display()),
        )
        .with_hint("check that the workload identity token is mounted (e.g. AZURE_FEDERATED_TOKEN_FILE in Kubernetes)")
    })?);
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::new(
            ErrorCode::AuthRequired,
            format!("the federated token file {} is empty", path.display()),
        ));
    }
    Ok(Secret::new(token))
}

/// One app-only token.
pub async fn acquire(
    client: &EntraClient,
    authority: &Authority,
    client_id: &str,
    credential: &AppCredential,
    scope: &str,
    login_command: &str,
) -> Result<Tokens> {
    let token_url = authority.token_url();
    let proof: Secret;
    let mut form = vec![
        ("client_id", client_id),
        ("grant_type", "client_credentials"),
        ("scope", scope),
    ];
    match credential {
        AppCredential::Secret(secret) => form.push(("client_secret", secret.expose())),
        AppCredential::Certificate(certificate) => {
            proof = certificate.assertion(client_id, &token_url)?;
            form.push(("client_assertion_type", JWT_BEARER));
            form.push(("client_assertion", proof.expose()));
        }
        AppCredential::Federated(path) => {
            proof = read_federated_token(path)?;
            form.push(("client_assertion_type", JWT_BEARER));
            form.push(("client_assertion", proof.expose()));
        }
    }
    let answer = client
        .post(&token_url, &form)
        .await?
        .map_err(|e| e.into_error(login_command))?;
    tokens_from(&answer, unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_found_by_exact_label() {
        // Built at run time so no key-shaped header sits in the source.
        let block = |label: &str, body: &str| {
            format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
        };
        let rsa = format!("RSA {}", "PRIVATE KEY");
        let text = format!(
            "junk\n{}{}",
            block(&rsa, "AAEC"),
            block("CERTIFICATE", "AwQF")
        );
        assert_eq!(pem_block(&text, "CERTIFICATE"), Some(vec![3, 4, 5]));
        assert_eq!(pem_block(&text, &rsa), Some(vec![0, 1, 2]));
        assert_eq!(pem_block(&text, "PRIVATE KEY"), None);
    }
}
