//! Every operation of the OpenAPI subset — the Graph operations msgate uses — is served by the
//! sandbox: sent with placeholder ids and a token holding every delegated permission (an app
//! token where Graph refuses delegated ones), no answer may be the router's own for a path it
//! does not know (400 `Resource not found for the segment …`) or a method it does not serve
//! (405). Whatever else the handler answers for ids that name nothing is its business, tested
//! area by area elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use msgate_testkit::openapi::OpenApi;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Response, TestSandbox, start};

/// The path with each `{parameter}` replaced by an id that names nothing.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "placeholder-id"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn send(t: &TestSandbox, method: &str, token: &str, path: &str) -> Response {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let body = matches!(method, Method::POST | Method::PATCH | Method::PUT).then(|| json!({}));
    t.graph(method, token, path, body.as_ref()).await
}

fn message(response: &Response) -> &str {
    response.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
}

/// The router's answers for what no handler serves.
fn unrouted(response: &Response) -> bool {
    response.status == StatusCode::METHOD_NOT_ALLOWED
        || (response.status == StatusCode::BAD_REQUEST
            && message(response).starts_with("Resource not found for the segment"))
}

#[tokio::test]
async fn every_operation_of_the_subset_is_implemented() {
    let t = start().await;
    let delegated = t
        .sandbox
        .sign_in(None, &msgate_sandbox::all_delegated_permissions())
        .await
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    let app = t.app_token().await;
    let operations = OpenApi::graph_subset().operations();
    assert!(operations.len() > 100, "{} operations", operations.len());
    let mut missing = Vec::new();
    for (method, template) in &operations {
        let path = concrete(template);
        let mut response = send(&t, method, &delegated, &path).await;
        if message(&response) == "This API does not support delegated permissions." {
            response = send(&t, method, &app, &path).await;
        }
        if unrouted(&response) {
            missing.push(format!(
                "{method} {template}: {} {}",
                response.status,
                message(&response)
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} operations are not implemented:\n{}",
        missing.len(),
        operations.len(),
        missing.join("\n")
    );
}
