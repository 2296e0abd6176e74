//! The one redaction routine every diagnostic path passes through.
//!
//! Logs, `--debug` HTTP lines, error messages, hints and panic messages all end in text a person
//! may paste into a ticket or an agent may put in its context. [`redact`] removes anything shaped
//! like a credential — JWTs, `Authorization` values, bearer tokens, Entra refresh tokens and
//! client secrets, PEM private keys, OAuth parameters in URLs and forms, signatures of pre-signed
//! download URLs — and every value that was wrapped in a [`crate::Secret`] in this process. It
//! errs on the side of removing too much: a diagnostic with a hole in it is a nuisance, a leaked
//! refresh token is an incident.

use std::borrow::Cow;
use std::sync::{LazyLock, RwLock};

use regex::{Captures, Regex};
use zeroize::Zeroizing;

use crate::secret::REDACTED;

/// Names whose value is a credential wherever they appear: `name=value`, `name: value`,
/// `"name":"value"`. Matched case-insensitively.
const SECRET_NAMES: &str = "access_token|refresh_token|id_token|client_secret|client_assertion|\
     code_verifier|device_code|password|passwd|tempauth|authtoken|x-amz-signature|x-amz-security-token|\
     x-amz-credential|x-goog-signature|x-goog-credential|sig|signature|api_key|apikey|\
     secret|private_key|assertion";

/// Names whose value is a credential only as a URL or form parameter (`?code=…&`), because as
/// JSON keys they are ordinary words (`"code":"not_found"`, `"token_type":"Bearer"`).
const PARAM_ONLY_NAMES: &str = "code|token|key|state_token|skey|credential";

/// Secrets shorter than this are not registered: scrubbing every "abc" would maul diagnostics.
const MIN_KNOWN_SECRET_LEN: usize = 8;

struct Rule {
    pattern: Regex,
    replace: fn(&Captures<'_>) -> String,
}

fn rule(pattern: &str, replace: fn(&Captures<'_>) -> String) -> Option<Rule> {
    // The patterns are constants covered by tests; a typo shows up there, not at a user's desk.
    Regex::new(pattern)
        .ok()
        .map(|pattern| Rule { pattern, replace })
}

fn redacted_value(value: &str) -> String {
    match value.chars().next() {
        Some(quote @ ('"' | '\'')) => format!("{quote}{REDACTED}{quote}"),
        _ => REDACTED.to_string(),
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    [
        rule(
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)",
            |_| "[redacted private key]".into(),
        ),
        rule(
            r#"(?i)\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|negotiate|pop|ntlm)\s+)?[^\s"',;]+"#,
            |c| match c.get(2) {
                Some(scheme) => format!("{}{} {REDACTED}", &c[1], scheme.as_str()),
                None => format!("{}{REDACTED}", &c[1]),
            },
        ),
        rule(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*", |_| {
            format!("Bearer {REDACTED}")
        }),
        rule(
            r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,4}",
            |_| "[redacted jwt]".into(),
        ),
        rule(
            r"\b(?:[01]\.A[A-Za-z0-9_-]|M\.C\d{3}_)[A-Za-z0-9_.!*$~-]{40,}",
            |_| "[redacted refresh token]".into(),
        ),
        rule(r"\b[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,34}", |_| {
            "[redacted client secret]".into()
        }),
        rule(
            &format!(
                r#"(?i)((?:^|[^A-Za-z0-9_-])["']?(?:{SECRET_NAMES})["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&#"',;}}\]\[][^\s&#"',;}}\]]*)"#
            ),
            |c| format!("{}{}", &c[1], redacted_value(&c[2])),
        ),
        rule(
            &format!(r"(?i)((?:^|[?&;\s])(?:{PARAM_ONLY_NAMES})=)([^&#\s\[][^&#\s]*)"),
            |c| format!("{}{REDACTED}", &c[1]),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
});

static KNOWN_SECRETS: RwLock<Vec<Zeroizing<String>>> = RwLock::new(Vec::new());

/// Remember a secret value so that [`redact`] scrubs it verbatim wherever it shows up.
pub(crate) fn register_known_secret(value: &str) {
    if value.len() < MIN_KNOWN_SECRET_LEN {
        return;
    }
    let mut known = KNOWN_SECRETS
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !known.iter().any(|k| k.as_str() == value) {
        known.push(Zeroizing::new(value.to_owned()));
    }
}

/// Remove credential-shaped content from diagnostic text.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    {
        let known = KNOWN_SECRETS
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for secret in known.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
    }
    for rule in RULES.iter() {
        if rule.pattern.is_match(&out) {
            let replaced = rule
                .pattern
                .replace_all(&out, |c: &Captures<'_>| (rule.replace)(c))
                .into_owned();
            out = Cow::Owned(replaced);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_testkit::fake_jwt;

    fn assert_scrubbed(input: &str, secret: &str) -> String {
        let out = redact(input).into_owned();
        assert!(!out.contains(secret), "{secret:?} survived in {out:?}");
        out
    }

    #[test]
    fn all_rules_compile() {
        assert_eq!(RULES.len(), 8);
    }

    #[test]
    fn jwts_anywhere() {
        let jwt = fake_jwt("redact-jwt");
        let out = assert_scrubbed(&format!("token={jwt} and {jwt}."), &jwt);
        assert!(out.contains("[redacted"), "{out}");
        let signature = jwt.rsplit('.').next().unwrap_or_default();
        assert!(!out.contains(signature));
    }

    #[test]
    fn a_lone_jwt_segment_is_still_redacted() {
        let jwt = fake_jwt("segment");
        let payload = jwt.split('.').nth(1).unwrap_or_default();
        assert_scrubbed(&format!("undefined '{payload}'"), payload);
    }

    #[test]
    fn authorization_headers_keep_the_scheme() {
        let value = "fake-bearer-value-abcdefghijklmnop";
        let out = assert_scrubbed(&format!("Authorization: Bearer {value}"), value);
        assert_eq!(out, "Authorization: Bearer [redacted]");
        let out = assert_scrubbed(&format!("authorization=Basic {value}"), value);
        assert_eq!(out, "authorization=Basic [redacted]");
        let out = assert_scrubbed(&format!(r#"{{"Authorization":"{value}"}}"#), value);
        assert_eq!(out, r#"{"Authorization":"[redacted]"}"#);
    }

    #[test]
    fn bare_bearer_values() {
        let value = "fake.bearer~value/with+chars==";
        let out = assert_scrubbed(&format!("sent bearer {value} to graph"), value);
        assert_eq!(out, "sent Bearer [redacted] to graph");
    }

    #[test]
    fn entra_refresh_tokens_and_client_secrets() {
        let refresh = format!("0.AXoA{}", "fakeRefreshTokenBody_".repeat(4));
        assert_scrubbed(&format!("refresh failed for {refresh} today"), &refresh);
        let client_secret = format!("abc{}Q~{}", 8, "fakeClientSecretValue_0123456789ab");
        assert_scrubbed(&format!("secret is {client_secret}"), &client_secret);
    }

    #[test]
    fn oauth_parameters_in_urls_and_forms() {
        let url = "https://login.example.invalid/cb?code=fakeAuthCode123&state=xyz";
        let out = assert_scrubbed(url, "fakeAuthCode123");
        assert!(out.contains("state=xyz"), "state is not secret: {out}");
        let form = "grant_type=authorization_code&code=fakecode42&code_verifier=fakeverifier42&client_secret=fakesecret42&redirect_uri=http%3A%2F%2Flocalhost";
        let out = redact(form);
        for secret in ["fakecode42", "fakeverifier42", "fakesecret42"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("grant_type=authorization_code"));
        assert!(out.contains("redirect_uri="));
    }

    #[test]
    fn presigned_download_urls() {
        let sas = "https://x.blob.example.invalid/f?sv=2024&se=2026&sig=fakeSasSignature%3D";
        let out = assert_scrubbed(sas, "fakeSasSignature");
        assert!(out.contains("sv=2024"), "{out}");
        let spo = "https://x.sharepoint.example.invalid/download.aspx?UniqueId=1&tempauth=fakeTempAuthValue";
        assert_scrubbed(spo, "fakeTempAuthValue");
        let s3 = "https://s3.example.invalid/o?X-Amz-Signature=fakeamzsig&X-Amz-Date=1";
        assert_scrubbed(s3, "fakeamzsig");
        let outlook = "https://outlook.example.invalid/api/v2.0/Users('x')/Messages('y')/AttachmentSessions('z')?authtoken=fakeOutlookUploadToken";
        assert_scrubbed(outlook, "fakeOutlookUploadToken");
    }

    #[test]
    fn json_token_responses() {
        let body = r#"{"token_type":"Bearer","access_token":"fake-at-1","refresh_token":"fake-rt-1","expires_in":3599}"#;
        let out = redact(body);
        assert!(
            !out.contains("fake-at-1") && !out.contains("fake-rt-1"),
            "{out}"
        );
        let parsed: serde_json::Value =
            serde_json::from_str(&out).expect("redaction keeps JSON valid");
        assert_eq!(parsed["token_type"], "Bearer");
        assert_eq!(parsed["expires_in"], 3599);
    }

    #[test]
    fn private_keys() {
        let pem = format!(
            "key:\n-----BEGIN {0}-----\nMIIfakekeymaterial\n-----END {0}-----\nafter",
            "PRIVATE KEY"
        );
        let out = assert_scrubbed(&pem, "MIIfakekeymaterial");
        assert!(out.ends_with("after"), "{out}");
    }

    #[test]
    fn ordinary_diagnostics_are_left_alone() {
        for text in [
            r#"{"error":{"code":"not_found","exit":13,"message":"chat 19:abc@thread.v2 not found"}}"#,
            "GET https://graph.microsoft.com/v1.0/me/chats?$top=50&$skiptoken=abc 200 in 120 ms",
            "user 6e1b6e2c-0f0a-4e0b-9a53-3c1f3d8f1a10 in tenant contoso.example.invalid",
            "unknown config key 'outptu' in /home/x/.config/msgate/config.toml",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
