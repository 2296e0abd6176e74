//! The HTTP transport's bearer token: long enough to resist guessing, kept only as its SHA-256
//! digest, and compared in constant time — so neither the token nor how much of a guess was
//! right can leak through the server.

use aws_lc_rs::{constant_time, digest};
use msgate_core::secret::Secret;
use msgate_core::{Error, ErrorCode, Result};

/// Tokens shorter than this are refused at startup.
pub const MIN_TOKEN_CHARS: usize = 32;

/// The token the server accepts, as a digest.
pub struct BearerToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(..)")
    }
}

impl BearerToken {
    /// A token of at least [`MIN_TOKEN_CHARS`] characters; `origin` names where it came from
    /// for the error that refuses a short one.
    pub fn new(token: &Secret, origin: &str) -> Result<Self> {
        let token = token.expose().trim();
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(Error::new(
                ErrorCode::Usage,
                format!(
                    "the bearer token from {origin} is too short: it needs at least {MIN_TOKEN_CHARS} characters"
                ),
            )
            .with_hint("generate one with: openssl rand -base64 48"));
        }
        Ok(BearerToken {
            digest: sha256(token.as_bytes()),
        })
    }

    /// Whether `presented` is the token. Both sides are digested first, so the comparison
    /// takes the same time whatever the presented length, and is constant-time over the digest.
    pub fn accepts(&self, presented: &[u8]) -> bool {
        constant_time::verify_slices_are_equal(&self.digest, &sha256(presented)).is_ok()
    }

    /// A short, stable key for per-token accounting (rate limits) that reveals nothing usable.
    pub fn key(&self) -> [u8; 8] {
        let mut key = [0; 8];
        key.copy_from_slice(&self.digest[..8]);
        key
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tokens_are_refused_and_long_ones_compare_exactly() {
        let short = Secret::new("fake-token-too-short");
        assert_eq!(
            BearerToken::new(&short, "MSGATE_MCP_TOKEN")
                .unwrap_err()
                .code(),
            ErrorCode::Usage
        );
        let token = BearerToken::new(
            &Secret::new("fake-mcp-token-0123456789abcdefghij"),
            "MSGATE_MCP_TOKEN",
        )
        .unwrap();
        assert!(token.accepts(b"fake-mcp-token-0123456789abcdefghij"));
        assert!(!token.accepts(b"fake-mcp-token-0123456789abcdefghiJ"));
        assert!(!token.accepts(b""));
    }
}
