//! The sandbox's token signer: RS256 JWTs like Entra's, verifiable with the key at `/keys`.
//!
//! The key pair is generated on first start (and kept in the store when `--data` is given, so
//! tokens survive a restart). Nothing here is a real credential: the key exists only inside
//! this sandbox.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msgate_core::{Error, Result};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct Signer {
    key: KeyPair,
    kid: String,
    public_der: Vec<u8>,
    rng: SystemRandom,
}

impl Signer {
    /// A new 2048-bit key, or the one stored as PKCS#8 DER.
    pub fn new(pkcs8: Option<&[u8]>) -> Result<Self> {
        let key = match pkcs8 {
            Some(der) => KeyPair::from_pkcs8(der).map_err(|e| {
                Error::internal(format!("stored sandbox signing key is unusable: {e}"))
            })?,
            None => KeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| Error::internal("cannot generate the sandbox signing key"))?,
        };
        let public_der = key.public_key().as_ref().to_vec();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &public_der);
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]);
        Ok(Signer {
            key,
            kid,
            public_der,
            rng: SystemRandom::new(),
        })
    }

    /// The private key as PKCS#8 DER, for the store.
    pub fn pkcs8(&self) -> Result<Vec<u8>> {
        self.key
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .map_err(|_| Error::internal("cannot serialize the sandbox signing key"))
    }

    pub fn sign(&self, claims: &Value) -> Result<String> {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::internal("cannot sign a sandbox token"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// The claims of a token this signer issued, if its signature checks out. Expiry and
    /// audience are the caller's business: Graph and the token endpoint judge them differently.
    pub fn verify(&self, token: &str) -> Option<Value> {
        let (header, claims) = peek(token)?;
        if header["kid"] != self.kid.as_str() || !verify_with_der(token, &self.public_der) {
            return None;
        }
        Some(claims)
    }

    /// The JSON Web Key Set published at `/discovery/v2.0/keys`.
    pub fn jwks(&self) -> Value {
        let components: PublicKeyComponents<Vec<u8>> = self.key.public_key().into();
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "e": URL_SAFE_NO_PAD.encode(&components.e),
        }]})
    }
}

/// The header and claims of a compact JWS, unverified: enough to decide whose key must verify
/// it. Only three-part tokens with a JSON header and payload qualify.
pub fn peek(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    Some((decode(header)?, decode(payload)?))
}

/// Whether `token` carries a valid RS256 signature by the RSA key in PKCS#1 DER form.
pub fn verify_with_der(token: &str, public_key_der: &[u8]) -> bool {
    split_signed(token).is_some_and(|(message, signature)| {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public_key_der)
            .verify(message.as_bytes(), &signature)
            .is_ok()
    })
}

/// Whether `token` carries a valid RS256 signature by the RSA key of a JSON Web Key.
pub fn verify_with_jwk(token: &str, jwk: &Value) -> bool {
    let component = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
    };
    let (Some(n), Some(e)) = (component("n"), component("e")) else {
        return false;
    };
    split_signed(token).is_some_and(|(message, signature)| {
        signature::RsaPublicKeyComponents { n, e }
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .is_ok()
    })
}

/// The signed part of an RS256 token and its decoded signature.
fn split_signed(token: &str) -> Option<(&str, Vec<u8>)> {
    let (header, _) = peek(token)?;
    if header["alg"] != "RS256" {
        return None;
    }
    let (message, signature) = token.rsplit_once('.')?;
    Some((message, URL_SAFE_NO_PAD.decode(signature).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_tampering() {
        let signer = Signer::new(None).unwrap();
        let token = signer
            .sign(&json!({"sub": "fake-user", "scp": "User.Read"}))
            .unwrap();
        assert_eq!(signer.verify(&token).unwrap()["scp"], "User.Read");

        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"fake-user","scp":"Mail.Send"}"#);
        parts[1] = &forged;
        assert!(signer.verify(&parts.join(".")).is_none());

        let other = Signer::new(None).unwrap();
        assert!(
            other.verify(&token).is_none(),
            "another sandbox's key must not verify"
        );
    }

    #[test]
    fn a_stored_key_round_trips() {
        let signer = Signer::new(None).unwrap();
        let token = signer.sign(&json!({"a": 1})).unwrap();
        let again = Signer::new(Some(&signer.pkcs8().unwrap())).unwrap();
        assert_eq!(again.verify(&token).unwrap()["a"], 1);
        assert_eq!(again.jwks(), signer.jwks());
    }
}
