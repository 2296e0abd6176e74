//! `/_sandbox/*`: what tests and benchmarks need to see and steer — the request log, counters,
//! and a reset back to the seed. Not part of Graph; never under `/v1.0`.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::graph::PREFIX;
use crate::state::{AppState, LOG_CAPACITY, LogEntry};
use crate::{Seed, clock, seed};

pub async fn requests(State(state): State<Arc<AppState>>) -> Json<Value> {
    let log = state.log.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!({"value": log.entries}))
}

pub async fn stats(State(state): State<Arc<AppState>>) -> Json<Value> {
    let log = state.log.lock().unwrap_or_else(|p| p.into_inner());
    Json(json!({
        "graph_requests": log.graph_requests,
        "login_requests": log.login_requests,
    }))
}

pub async fn reset_log(State(state): State<Arc<AppState>>) -> StatusCode {
    let mut log = state.log.lock().unwrap_or_else(|p| p.into_inner());
    log.entries.clear();
    log.graph_requests = 0;
    log.login_requests = 0;
    StatusCode::NO_CONTENT
}

/// Back to the demo seed: every change made through Graph is forgotten, uploaded content and
/// unfinished upload sessions with it; the signing key and client secret stay, so tokens
/// issued before still work.
pub async fn reset(State(state): State<Arc<AppState>>) -> Response {
    let result = async {
        state.store.clear().await?;
        match state.seed {
            Seed::Demo => seed::demo(&state.store, &state.tenant, &state.graph_url()).await,
            Seed::Empty => Ok(()),
        }
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": e.message()})),
        )
            .into_response(),
    }
}

/// Paths of the content host (downloads, upload sessions, copy monitors): logged like Graph
/// requests, so a test can see what a client sent there, but counted as neither Graph nor
/// sign-in requests.
const CONTENT_HOST: &[&str] = &[
    "/_sandbox/content/",
    "/_sandbox/upload/",
    "/_sandbox/monitor/",
];

/// Record every Graph, sign-in and content-host request (not the control endpoints themselves).
pub async fn record(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let content_host = CONTENT_HOST.iter().any(|p| path.starts_with(p));
    if path.starts_with("/_sandbox/") && path != "/_sandbox/device/approve" && !content_host {
        return response;
    }
    let entry = LogEntry {
        method,
        status: response.status().as_u16(),
        time: clock::now(),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        path: path.clone(),
    };
    let mut log = state.log.lock().unwrap_or_else(|p| p.into_inner());
    if path.starts_with(PREFIX) {
        log.graph_requests += 1;
    } else if !content_host {
        log.login_requests += 1;
    }
    if log.entries.len() >= LOG_CAPACITY {
        log.entries.pop_front();
    }
    log.entries.push_back(entry);
    response
}
