//! A string that must never be shown: tokens, client secrets, verifiers.
//!
//! Wrapping a credential in [`Secret`] makes the accidental paths safe — `{:?}` in a log line,
//! `{}` in an error message, a struct dumped by `--debug` — because both print `[redacted]`.
//! Constructing one also registers the value with the redactor, so even a copy that escaped
//! through `expose()` into some diagnostic text is scrubbed by [`crate::redact`]. The memory is
//! zeroed on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::redact;

pub const REDACTED: &str = "[redacted]";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        let value = Zeroizing::new(value.into());
        redact::register_known_secret(&value);
        Secret(value)
    }

    /// The raw value, for the one place that must send it (an HTTP header, a keyring write).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("fake-client-secret-value-0001");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(
            format!("{:?}", Some(&secret)),
            "Some([redacted])",
            "nested Debug must not leak either"
        );
        assert_eq!(secret.expose(), "fake-client-secret-value-0001");
    }

    #[test]
    fn a_constructed_secret_is_scrubbed_from_free_text() {
        let value = "fake-opaque-token-not-shaped-like-anything-0002";
        let _secret = Secret::new(value);
        let line = format!("request failed with token {value} attached");
        assert_eq!(
            crate::redact(&line),
            "request failed with token [redacted] attached"
        );
    }
}
