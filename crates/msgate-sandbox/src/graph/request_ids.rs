//! The ids of the request being served, available to anything that builds a response.
//!
//! Graph answers every request with a `request-id` header (and echoes `client-request-id`), and
//! repeats both in an error's `innerError`. A task-local set by the middleware makes them
//! available to [`super::error::GraphError`] without threading them through every handler.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Clone, Debug, Default)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

tokio::task_local! {
    static CURRENT: RequestIds;
}

pub fn current() -> RequestIds {
    CURRENT.try_with(Clone::clone).unwrap_or_default()
}

pub async fn assign(request: Request, next: Next) -> Response {
    let request_id = crate::ids::random_guid();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let ids = RequestIds {
        request_id,
        client_request_id,
    };
    let mut response = CURRENT.scope(ids.clone(), next.run(request)).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("request-id", &ids.request_id),
        ("client-request-id", &ids.client_request_id),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}
