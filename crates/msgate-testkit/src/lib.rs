//! Test support shared by msgate's crates.
//!
//! Credentials in tests are built at run time from obviously fake parts, so no token-shaped
//! string is ever committed (the secret scanner would rightly refuse it), and the canary proves
//! end to end that a secret in play never reaches anything msgate writes. `openapi` checks JSON
//! bodies against Microsoft Graph's own OpenAPI description, so the emulator cannot drift from it.
#![forbid(unsafe_code)]
// This crate only runs inside tests, where a failed assertion is the point.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod canary;
pub mod openapi;

pub use canary::Canary;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A JWT-shaped fake access token, distinct per `label`, that no service would accept.
pub fn fake_jwt(label: &str) -> String {
    let encode = |s: &str| URL_SAFE_NO_PAD.encode(s);
    let header = encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = encode(&format!(
        r#"{{"sub":"fake-{label}","aud":"https://graph.example.invalid","note":"fake-access-token for tests"}}"#
    ));
    let signature = encode(&format!("fake-signature-{label}"));
    format!("{header}.{payload}.{signature}")
}
