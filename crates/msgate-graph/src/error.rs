//! Graph's answers mapped onto msgate's error taxonomy, so a script or an agent can branch on the
//! exit status whatever went wrong, and a person reads Graph's own words plus what to do next.
//! Graph's error code and request-id travel with every error: the request-id is what Microsoft
//! support asks for.

use msgate_core::{Error, ErrorCode};
use reqwest::StatusCode;
use serde_json::Value;

/// Graph's `{"error":{"code","message","innerError":{"request-id"}}}`, as far as it is present.
#[derive(Debug, Default)]
pub(crate) struct GraphErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

impl GraphErrorBody {
    pub fn parse(body: &[u8]) -> GraphErrorBody {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return GraphErrorBody::default();
        };
        let error = &value["error"];
        let inner = if error["innerError"].is_object() {
            &error["innerError"]
        } else {
            &error["innererror"]
        };
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        GraphErrorBody {
            code: text(&error["code"]),
            message: text(&error["message"]),
            request_id: text(&inner["request-id"]),
        }
    }
}

/// The error for a final (not retried) Graph answer with a failure status.
pub(crate) fn from_status(
    status: StatusCode,
    body: &GraphErrorBody,
    request_id: Option<&str>,
    permissions: &[&str],
    retry_after: Option<u64>,
) -> Error {
    let graph_says = body
        .message
        .as_deref()
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("no reason given"));
    let error = match status.as_u16() {
        400 | 405 | 413 | 414 | 422 => Error::new(
            ErrorCode::InvalidInput,
            format!("Graph refused the request: {graph_says}"),
        ),
        401 => Error::new(
            ErrorCode::AuthExpired,
            format!("Graph rejected the access token: {graph_says}"),
        )
        .with_hint("sign in again with: msgate auth login"),
        403 => forbidden(graph_says, permissions),
        404 | 410 => Error::new(ErrorCode::NotFound, format!("not found: {graph_says}")),
        409 => Error::new(ErrorCode::Conflict, format!("conflict: {graph_says}")),
        412 => Error::new(
            ErrorCode::PreconditionFailed,
            format!("precondition failed: {graph_says}"),
        )
        .with_hint("the item changed since it was read; read it again and retry"),
        429 => {
            let error = Error::new(
                ErrorCode::Throttled,
                format!("Graph is throttling requests: {graph_says}"),
            );
            match retry_after {
                Some(seconds) => error.with_hint(format!("retry after {seconds} s")),
                None => error.with_hint("wait a minute and retry"),
            }
        }
        500..=599 => Error::new(
            ErrorCode::Internal,
            format!("Graph failed with {status}: {graph_says}"),
        )
        .with_hint(
            "Microsoft's service failed; retry later, quoting the request id if it persists",
        ),
        _ => Error::new(
            ErrorCode::InvalidInput,
            format!("Graph answered {status}: {graph_says}"),
        ),
    };
    let error = match &body.code {
        Some(code) => error.with_graph_code(code.clone()),
        None => error,
    };
    match request_id.or(body.request_id.as_deref()) {
        Some(id) => error.with_request_id(id),
        None => error,
    }
}

fn forbidden(graph_says: &str, permissions: &[&str]) -> Error {
    let error = Error::new(
        ErrorCode::ScopeInsufficient,
        format!("Graph denied the request: {graph_says}"),
    );
    match permissions {
        [] => error
            .with_hint("the signed-in account or app lacks a permission; see: msgate auth scopes"),
        _ => error.with_hint(format!(
            "this needs one of the permissions {}; add one with: msgate auth login --add-scope {}",
            permissions.join(", "),
            permissions[0]
        )),
    }
}

/// A transport failure: DNS, TLS, connection, timeout.
pub(crate) fn from_transport(err: &reqwest::Error, url: &str) -> Error {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    Error::new(
        ErrorCode::Network,
        format!("request to {url} {what}: {}", describe(err)),
    )
    .with_hint("check the network connection, proxy (HTTPS_PROXY) and firewall, then retry")
}

/// A write whose answer was lost: Graph may or may not have done it.
pub(crate) fn outcome_unknown(method: &str, url: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::OutcomeUnknown,
        format!("{method} {url} may have been applied: {why}"),
    )
    .with_hint("check whether it took effect before trying again; msgate does not repeat writes it cannot prove were not done")
}

/// The error chain of a reqwest error in one line (reqwest's Display stops at the top).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, message: &str) -> GraphErrorBody {
        GraphErrorBody::parse(
            serde_json::json!({"error": {"code": code, "message": message,
                "innerError": {"request-id": "fake-request-1", "date": "2026-01-01T00:00:00"}}})
            .to_string()
            .as_bytes(),
        )
    }

    #[test]
    fn statuses_map_onto_the_taxonomy() {
        let cases = [
            (400, 2),
            (401, 11),
            (403, 12),
            (404, 13),
            (409, 15),
            (412, 15),
            (429, 14),
            (500, 20),
            (503, 20),
        ];
        for (status, exit) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let error = from_status(status, &body("X", "graph words"), None, &[], None);
            assert_eq!(error.exit().status(), exit, "{status}");
            assert!(
                error.message().contains("graph words"),
                "{status}: {}",
                error.message()
            );
            assert_eq!(error.graph_code(), Some("X"));
            assert_eq!(error.request_id(), Some("fake-request-1"));
        }
    }

    #[test]
    fn a_403_names_the_permissions_that_would_allow_the_call() {
        let error = from_status(
            StatusCode::FORBIDDEN,
            &body("Forbidden", "Missing scope permissions on the request."),
            Some("header-request-id"),
            &["Chat.Read", "Chat.ReadWrite"],
            None,
        );
        assert_eq!(error.code(), ErrorCode::ScopeInsufficient);
        let hint = error.hint().unwrap();
        assert!(hint.contains("Chat.Read, Chat.ReadWrite"), "{hint}");
        assert!(hint.contains("--add-scope Chat.Read"), "{hint}");
        assert_eq!(
            error.request_id(),
            Some("header-request-id"),
            "the header wins"
        );
    }

    #[test]
    fn a_body_that_is_not_graphs_still_gives_an_error() {
        let error = from_status(
            StatusCode::BAD_GATEWAY,
            &GraphErrorBody::parse(b"<html>proxy error</html>"),
            None,
            &[],
            None,
        );
        assert_eq!(error.code(), ErrorCode::Internal);
        assert!(
            error.message().contains("Bad Gateway"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn throttling_says_when_to_come_back() {
        let error = from_status(
            StatusCode::TOO_MANY_REQUESTS,
            &body("TooManyRequests", "slow down"),
            None,
            &[],
            Some(7),
        );
        assert_eq!(error.hint(), Some("retry after 7 s"));
    }
}
