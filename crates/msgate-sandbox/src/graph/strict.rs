//! Strict requests: in a test build, every JSON request body of an operation Graph's OpenAPI
//! description covers is checked against it, and one that does not match is refused with 400 —
//! so every test that drives msgate against the sandbox also proves msgate sends only what Graph
//! accepts. Real Graph is more forgiving in places; the sandbox is stricter on purpose.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use msgate_testkit::openapi::OpenApi;
use serde_json::Value;

use super::PREFIX;
use super::error::GraphError;
use crate::state::AppState;

/// Bodies larger than this are not JSON msgate sends (uploads go elsewhere).
const LIMIT: usize = 4 * 1024 * 1024;

pub async fn check(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if !state.strict_requests {
        return next.run(request).await;
    }
    let is_json = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or(request.uri().path())
        .to_owned();
    let subset = OpenApi::graph_subset();
    if !is_json || path == "/$batch" || subset.operation(&method, &path).is_none() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, LIMIT).await else {
        return GraphError::bad_request("The request body could not be read.").into_response();
    };
    let parsed: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !bytes.is_empty()
        && let Err(problems) = subset.validate_request(&method, &path, &parsed)
    {
        return GraphError::bad_request(format!(
            "The request body does not match Graph's description of {method} {path} (the sandbox checks request bodies strictly): {}",
            problems.join("; ")
        ))
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
