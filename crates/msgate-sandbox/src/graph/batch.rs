//! `POST /$batch`: up to 20 requests in one, each authorized, throttled and answered on its own,
//! with `dependsOn` sequencing (a dependency that failed gives 424), results in request order.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::middleware;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::{PREFIX, request_ids, router};
use crate::state::AppState;

const MAX_REQUESTS: usize = 20;

/// Response headers worth passing through to a batch item.
const KEPT_HEADERS: [&str; 4] = ["content-type", "retry-after", "location", "request-id"];

pub async fn batch(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let requests = body["requests"].as_array().ok_or_else(|| {
        GraphError::bad_request("Invalid batch payload format: 'requests' must be an array.")
    })?;
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!(
            "Batch request must contain between 1 and {MAX_REQUESTS} requests, not {}.",
            requests.len()
        )));
    }
    let mut seen = Vec::new();
    for item in requests {
        let id = item["id"]
            .as_str()
            .ok_or_else(|| GraphError::bad_request("Every batch request needs a string 'id'."))?;
        if seen.contains(&id) {
            return Err(GraphError::bad_request(format!(
                "Batch request id '{id}' is used more than once."
            )));
        }
        for dependency in item["dependsOn"].as_array().into_iter().flatten() {
            if !dependency.as_str().is_some_and(|d| seen.contains(&d)) {
                return Err(GraphError::bad_request(format!(
                    "Batch request '{id}' depends on {dependency}, which is not an earlier request in the batch."
                )));
            }
        }
        seen.push(id);
    }

    let service = router(Arc::clone(&state))
        .layer(middleware::from_fn(request_ids::assign))
        .with_state(Arc::clone(&state));
    let authorization = headers.get(header::AUTHORIZATION).cloned();
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(requests.len());
    for item in requests {
        let id = item["id"].as_str().unwrap_or_default().to_owned();
        let failed_dependency = item["dependsOn"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|d| statuses.get(d).is_none_or(|s| *s >= 400));
        let response = if failed_dependency {
            json!({"id": id, "status": 424, "body": {"error": {"code": "FailedDependency", "message": "A request this one depends on failed."}}})
        } else {
            run_one(&service, &id, item, authorization.as_ref()).await
        };
        statuses.insert(id, response["status"].as_u64().unwrap_or(500) as u16);
        responses.push(response);
    }
    Ok(Json(json!({"responses": responses})))
}

async fn run_one(
    service: &axum::Router,
    id: &str,
    item: &Value,
    authorization: Option<&axum::http::HeaderValue>,
) -> Value {
    let bad = |message: &str| json!({"id": id, "status": 400, "body": {"error": {"code": "BadRequest", "message": message}}});
    let Some(method) = item["method"]
        .as_str()
        .and_then(|m| m.to_ascii_uppercase().parse::<Method>().ok())
    else {
        return bad("Each batch request needs a valid 'method'.");
    };
    let Some(url) = item["url"].as_str().filter(|u| !u.starts_with("http")) else {
        return bad("Each batch request needs a relative 'url', such as /me.");
    };
    let uri = format!("{PREFIX}/{}", url.trim_start_matches('/'));
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(auth) = authorization {
        request = request.header(header::AUTHORIZATION, auth);
    }
    for (name, value) in item["headers"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            request = request.header(name.as_str(), value);
        }
    }
    let body = match &item["body"] {
        Value::Null => Body::empty(),
        body => {
            if item["headers"]["Content-Type"].is_null()
                && item["headers"]["content-type"].is_null()
            {
                request = request.header(header::CONTENT_TYPE, "application/json");
            }
            Body::from(body.to_string())
        }
    };
    let Ok(request) = request.body(body) else {
        return bad("The batch request could not be read.");
    };
    let Ok(response) = service.clone().oneshot(request).await;
    let status = response.status();
    let mut headers = Map::new();
    for name in KEPT_HEADERS {
        if let Some(value) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.to_owned(), json!(value));
        }
    }
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), usize::MAX).await else {
        return json!({"id": id, "status": 500, "body": {"error": {"code": "InternalServerError", "message": "The response to this request was lost."}}});
    };
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut out = json!({"id": id, "status": status.as_u16(), "headers": headers});
    if status != StatusCode::NO_CONTENT && !body.is_null() {
        out["body"] = body;
    }
    out
}
