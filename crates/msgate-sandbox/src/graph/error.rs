//! Graph's error responses, byte for byte in shape:
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//!
//! Handlers return a [`GraphError`] with status, code and message; the request ids come from the
//! request being served (see [`super::request_ids`]), so every error carries the same ids as the
//! response headers — what a support engineer asks for first.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::request_ids;
use crate::clock;

#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

pub type GraphResult<T> = Result<T, GraphError>;

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        GraphError::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    /// The 404 Graph gives for an id that names nothing in a collection.
    pub fn item_not_found(what: &str, id: &str) -> Self {
        GraphError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{what} with id '{id}' was not found."),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        GraphError::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    pub fn internal(err: &msgate_core::Error) -> Self {
        tracing::error!(error = %err, "sandbox internal error");
        GraphError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The sandbox failed to process the request.",
        )
    }
}

impl From<msgate_core::Error> for GraphError {
    fn from(err: msgate_core::Error) -> Self {
        GraphError::internal(&err)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let ids = request_ids::current();
        let body = json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": clock::now_seconds(),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
            }
        }});
        (self.status, Json(body)).into_response()
    }
}
