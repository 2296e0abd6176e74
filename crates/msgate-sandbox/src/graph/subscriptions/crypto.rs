//! Rich notifications: resource data encrypted for the subscriber, as Graph does it
//! (https://learn.microsoft.com/graph/change-notifications-with-resource-data#decrypting-resource-data-from-change-notifications).
//!
//! A fresh AES-256 key per notification encrypts the data (CBC, PKCS7, the key's first 16 bytes
//! as IV) and signs it (HMAC-SHA256 over the ciphertext); the key itself travels encrypted with
//! the subscriber's RSA public key (OAEP with SHA-1, which is what Graph uses). The public key
//! comes out of the `encryptionCertificate` through a short DER walk: the certificate's
//! `SubjectPublicKeyInfo` is all that is needed, and aws-lc-rs parses that itself, so no X.509
//! crate is pulled in for one field.

use aws_lc_rs::cipher::{AES_256, EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey};
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use msgate_core::{Error, Result};
use serde_json::{Value, json};

use crate::ids;

/// Graph accepts RSA keys of 2048 to 4096 bits.
const KEY_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// A subscriber's encryption certificate, ready to encrypt for.
#[derive(Debug)]
pub struct Certificate {
    key: OaepPublicEncryptingKey,
    /// SHA-1 of the certificate, upper-case hex, as `encryptionCertificateThumbprint`.
    thumbprint: String,
}

impl Certificate {
    /// The certificate in `encoded` (base64 DER, as Graph takes it); `None` when it is not an
    /// X.509 certificate with an RSA key Graph would accept.
    pub fn parse(encoded: &str) -> Option<Certificate> {
        let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD.decode(compact).ok()?;
        let key = PublicEncryptingKey::from_der(subject_public_key_info(&der)?).ok()?;
        if !KEY_BITS.contains(&key.key_size_bits()) {
            return None;
        }
        let thumbprint = digest(&SHA1_FOR_LEGACY_USE_ONLY, &der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        Some(Certificate {
            key: OaepPublicEncryptingKey::new(key).ok()?,
            thumbprint,
        })
    }

    /// `encryptedContent` for `plaintext`.
    pub fn encrypt(&self, certificate_id: &str, plaintext: &[u8]) -> Result<Value> {
        let failed = || Error::internal("cannot encrypt a rich notification");
        let secret = ids::random_bytes::<32>();
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&secret[..16]);
        let cipher = UnboundCipherKey::new(&AES_256, &secret)
            .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
            .map_err(|_| failed())?;
        let mut data = plaintext.to_vec();
        cipher
            .less_safe_encrypt(&mut data, EncryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| failed())?;
        let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &secret), &data);
        let mut data_key = vec![0u8; self.key.ciphertext_size()];
        let data_key = self
            .key
            .encrypt(&OAEP_SHA1_MGF1SHA1, &secret, &mut data_key, None)
            .map_err(|_| failed())?;
        Ok(json!({
            "data": STANDARD.encode(&data),
            "dataSignature": STANDARD.encode(signature.as_ref()),
            "dataKey": STANDARD.encode(data_key),
            "encryptionCertificateId": certificate_id,
            "encryptionCertificateThumbprint": self.thumbprint,
        }))
    }
}

/// One DER element: its tag, its contents, and everything after it.
struct Element<'a> {
    tag: u8,
    contents: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn element(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_length) = after_tag.split_first()?;
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = after_length.get(..count)?;
        let length = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (length, 2 + count)
    };
    let end = header.checked_add(length)?;
    Some(Element {
        tag,
        contents: input.get(header..end)?,
        whole: input.get(..end)?,
        rest: input.get(end..)?,
    })
}

const SEQUENCE: u8 = 0x30;
/// `[0] EXPLICIT Version`, present in every v3 certificate.
const VERSION: u8 = 0xa0;

/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … }` (RFC 5280 §4.1).
fn subject_public_key_info(der: &[u8]) -> Option<&[u8]> {
    let certificate = element(der).filter(|e| e.tag == SEQUENCE)?;
    let tbs = element(certificate.contents).filter(|e| e.tag == SEQUENCE)?;
    let mut field = element(tbs.contents)?;
    if field.tag == VERSION {
        field = element(field.rest)?;
    }
    // serialNumber, signature, issuer, validity, subject: the key info comes next.
    for _ in 0..5 {
        field = element(field.rest)?;
    }
    (field.tag == SEQUENCE).then_some(field.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_in_long_form_are_read_and_truncation_is_refused() {
        let mut long = vec![0x04, 0x81, 200];
        long.extend([7u8; 200]);
        let e = element(&long).unwrap();
        assert_eq!((e.tag, e.contents.len(), e.rest.len()), (0x04, 200, 0));
        assert!(element(&long[..100]).is_none());
        assert!(element(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(Certificate::parse("not base64 !").is_none());
        assert!(Certificate::parse(&STANDARD.encode([0x30, 0x03, 0x02, 0x01, 0x01])).is_none());
    }
}
