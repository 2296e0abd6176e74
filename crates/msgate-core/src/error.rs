//! The error taxonomy: one table of stable codes, each tied to one exit status.
//!
//! People read the message and the hint; scripts and agents branch on the exit status or on the
//! snake_case code, so both are part of msgate's public contract and are defined here and nowhere
//! else. Messages and hints are redacted when the error is built, so no later path — a terminal,
//! `--err-json`, an MCP result, a log line — can carry a secret that slipped into one.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::redact::redact;

/// The process exit statuses of the contract. Several error codes may share one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    Success,
    Usage,
    Network,
    Auth,
    Permission,
    NotFound,
    Throttled,
    Conflict,
    PolicyDenied,
    Internal,
}

impl Exit {
    pub const ALL: [Exit; 10] = [
        Exit::Success,
        Exit::Usage,
        Exit::Network,
        Exit::Auth,
        Exit::Permission,
        Exit::NotFound,
        Exit::Throttled,
        Exit::Conflict,
        Exit::PolicyDenied,
        Exit::Internal,
    ];

    pub const fn status(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Usage => 2,
            Exit::Network => 10,
            Exit::Auth => 11,
            Exit::Permission => 12,
            Exit::NotFound => 13,
            Exit::Throttled => 14,
            Exit::Conflict => 15,
            Exit::PolicyDenied => 16,
            Exit::Internal => 20,
        }
    }

    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Usage => "usage error (bad flags, bad input)",
            Exit::Network => "network error (DNS, TLS, timeout, connection)",
            Exit::Auth => "authentication required or expired (sign in again)",
            Exit::Permission => "permission/scope insufficient or consent missing",
            Exit::NotFound => "not found",
            Exit::Throttled => "rate limited / throttled (after retries were exhausted)",
            Exit::Conflict => "conflict or precondition failed",
            Exit::PolicyDenied => "denied by policy",
            Exit::Internal => "internal error",
        }
    }
}

macro_rules! error_codes {
    ($($variant:ident => $name:literal, $exit:ident;)+) => {
        /// Every stable error code msgate can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The snake_case name scripts match on; never changes once released.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name),+ }
            }

            pub const fn exit(self) -> Exit {
                match self { $(ErrorCode::$variant => Exit::$exit),+ }
            }
        }
    };
}

error_codes! {
    Usage => "usage_error", Usage;
    InvalidInput => "invalid_input", Usage;
    ConfigInvalid => "config_invalid", Usage;
    ConfigInsecure => "config_insecure", Usage;
    Network => "network_error", Network;
    OutcomeUnknown => "outcome_unknown", Network;
    AuthRequired => "auth_required", Auth;
    AuthExpired => "auth_expired", Auth;
    ScopeInsufficient => "scope_insufficient", Permission;
    NotFound => "not_found", NotFound;
    Throttled => "throttled", Throttled;
    Conflict => "conflict", Conflict;
    PreconditionFailed => "precondition_failed", Conflict;
    PolicyDenied => "policy_denied", PolicyDenied;
    // A write a dry run held back: the catalog turns it into the dry run's result, so it ends a
    // call inside msgate and never reaches a user as an error.
    DryRun => "dry_run", Success;
    Io => "io_error", Internal;
    Internal => "internal_error", Internal;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as every face reports it: code, message, optional hint and Graph request-id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    hint: Option<String>,
    request_id: Option<String>,
    graph_code: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl AsRef<str>) -> Self {
        Error {
            code,
            message: redact(message.as_ref()).into_owned(),
            hint: None,
            request_id: None,
            graph_code: None,
        }
    }

    pub fn usage(message: impl AsRef<str>) -> Self {
        Error::new(ErrorCode::Usage, message)
    }

    pub fn internal(message: impl AsRef<str>) -> Self {
        Error::new(ErrorCode::Internal, message)
            .with_hint("this is a bug in msgate; please report it with the command you ran")
    }

    /// A local file operation failed; `what` says what msgate was doing, in a few words.
    pub fn io(what: impl fmt::Display, err: &std::io::Error) -> Self {
        Error::new(ErrorCode::Io, format!("{what}: {err}"))
    }

    pub fn with_hint(mut self, hint: impl AsRef<str>) -> Self {
        self.hint = Some(redact(hint.as_ref()).into_owned());
        self
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Graph's own error code (`ErrorItemNotFound`, `Forbidden`, …), kept beside ours.
    pub fn with_graph_code(mut self, graph_code: impl Into<String>) -> Self {
        self.graph_code = Some(graph_code.into());
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn exit(&self) -> Exit {
        self.code.exit()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    pub fn graph_code(&self) -> Option<&str> {
        self.graph_code.as_deref()
    }

    /// The `{"error":{…}}` object of `--err-json` and of MCP error results.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("code".into(), json!(self.code.as_str()));
        body.insert("exit".into(), json!(self.exit().status()));
        body.insert("message".into(), json!(self.message));
        if let Some(hint) = &self.hint {
            body.insert("hint".into(), json!(hint));
        }
        if let Some(request_id) = &self.request_id {
            body.insert("request_id".into(), json!(request_id));
        }
        if let Some(graph_code) = &self.graph_code {
            body.insert("graph_code".into(), json!(graph_code));
        }
        json!({ "error": body })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
        }
    }

    #[test]
    fn exit_statuses_match_the_brief() {
        let table: Vec<u8> = Exit::ALL.iter().map(|e| e.status()).collect();
        assert_eq!(table, [0, 2, 10, 11, 12, 13, 14, 15, 16, 20]);
        assert_eq!(ErrorCode::PolicyDenied.exit().status(), 16);
        assert_eq!(ErrorCode::ScopeInsufficient.exit().status(), 12);
        assert_eq!(ErrorCode::AuthRequired.exit().status(), 11);
    }

    #[test]
    fn every_exit_but_success_has_a_code() {
        for exit in Exit::ALL.iter().filter(|e| **e != Exit::Success) {
            assert!(
                ErrorCode::ALL.iter().any(|c| c.exit() == *exit),
                "no error code exits {}",
                exit.status()
            );
        }
    }

    #[test]
    fn json_shape_omits_absent_fields() {
        let err = Error::new(ErrorCode::NotFound, "no such chat");
        assert_eq!(
            err.to_json(),
            json!({"error": {"code": "not_found", "exit": 13, "message": "no such chat"}})
        );
        let err = err
            .with_hint("list chats")
            .with_request_id("req-1")
            .with_graph_code("ErrorItemNotFound");
        assert_eq!(err.to_json()["error"]["hint"], "list chats");
        assert_eq!(err.to_json()["error"]["request_id"], "req-1");
        assert_eq!(err.to_json()["error"]["graph_code"], "ErrorItemNotFound");
    }

    #[test]
    fn message_and_hint_are_redacted_on_construction() {
        let token = msgate_testkit::fake_jwt("error-path");
        let err = Error::usage(format!("bad value {token}")).with_hint(format!("not {token}"));
        assert!(!err.message().contains(&token));
        assert!(!err.hint().unwrap_or_default().contains(&token));
        assert!(!err.to_json().to_string().contains(&token));
    }
}
