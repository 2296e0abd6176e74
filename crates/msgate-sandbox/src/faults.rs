//! Fault injection: Graph's bad days on demand, deterministic under a seed.
//!
//! msgate's retry logic must be proven against what Graph really does: 429 with `Retry-After`,
//! 503 before anything was done, 504 after the work was done but the answer was lost, slow
//! answers and connections that drop mid-response. Each Graph request (each `$batch` item on its
//! own) draws from a seeded generator, so a failing test replays exactly.

use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use msgate_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::budgets::Budgets;
use crate::graph::error::GraphError;
use crate::state::AppState;

/// What to inject, as `--faults SPEC` or `POST /_sandbox/faults` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSpec {
    /// Share of requests answered 429 with `Retry-After`, before any processing.
    pub throttle_rate: f64,
    /// The `Retry-After` seconds of throttled and 503 answers.
    pub retry_after_s: u64,
    /// Share answered 503 (before processing) or 504 (after processing), half each.
    pub error_rate: f64,
    /// Share whose connection drops after processing, before the answer is complete.
    pub drop_rate: f64,
    /// Added to every Graph request.
    pub latency_ms: u64,
    pub seed: u64,
    /// Enforce per-app request budgets modelled on Graph's Teams service limits (`budgets`).
    pub budgets: bool,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            throttle_rate: 0.0,
            retry_after_s: 1,
            error_rate: 0.0,
            drop_rate: 0.0,
            latency_ms: 0,
            seed: 0,
            budgets: false,
        }
    }
}

impl FaultSpec {
    fn validate(self) -> Result<Self> {
        for (name, rate) in [
            ("throttle_rate", self.throttle_rate),
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(Error::usage(format!(
                    "fault {name} must be between 0 and 1, not {rate}"
                )));
            }
        }
        Ok(self)
    }
}

/// `throttle_rate=0.3,retry_after_s=1,error_rate=0.05,drop_rate=0,latency_ms=0,seed=7,budgets=true`
impl FromStr for FaultSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        let mut fields = serde_json::Map::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| Error::usage(format!("fault '{pair}' is not KEY=VALUE")))?;
            let number: Value = serde_json::from_str(value.trim())
                .map_err(|_| Error::usage(format!("fault {key} needs a number, not '{value}'")))?;
            fields.insert(key.trim().to_owned(), number);
        }
        let spec: FaultSpec = serde_json::from_value(Value::Object(fields)).map_err(|e| {
            Error::usage(format!("bad fault spec: {e}")).with_hint(
                "keys: throttle_rate, retry_after_s, error_rate, drop_rate, latency_ms, seed, budgets",
            )
        })?;
        spec.validate()
    }
}

/// The spec in force and the generator's position.
#[derive(Debug)]
pub struct Faults {
    spec: FaultSpec,
    state: u64,
    budgets: Budgets,
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Self {
        let state = spec.seed;
        Faults {
            spec,
            state,
            budgets: Budgets::default(),
        }
    }

    /// Charges a request to its app's budgets when budgets are on; the 429 to answer when one is
    /// spent. `place` is the team or channel the request is about.
    pub fn charge(
        &mut self,
        app: &str,
        method: &axum::http::Method,
        template: &str,
        place: Option<&str>,
    ) -> Option<Response> {
        if !self.spec.budgets {
            return None;
        }
        let wait = self.budgets.take(app, method, template, place).err()?;
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Some(with_retry_after(
            GraphError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests for this application on this resource. Retry after the time given in the Retry-After header.",
            ),
            seconds.max(1),
        ))
    }

    /// SplitMix64: tiny, fast and good enough to spread faults evenly.
    fn next(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn draw(&mut self) -> (Fault, Duration) {
        let spec = self.spec.clone();
        let (throttle, error, drop, which) = (self.next(), self.next(), self.next(), self.next());
        let fault = if throttle < spec.throttle_rate {
            Fault::Throttle(spec.retry_after_s)
        } else if error < spec.error_rate {
            if which < 0.5 {
                Fault::Unavailable(spec.retry_after_s)
            } else {
                Fault::GatewayTimeout
            }
        } else if drop < spec.drop_rate {
            Fault::Drop
        } else {
            Fault::None
        };
        (fault, Duration::from_millis(spec.latency_ms))
    }
}

enum Fault {
    None,
    Throttle(u64),
    Unavailable(u64),
    GatewayTimeout,
    Drop,
}

pub async fn inject(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.uri().path().ends_with("/$batch") {
        return next.run(request).await;
    }
    let (fault, latency) = state
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .draw();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => next.run(request).await,
        Fault::Throttle(after) => with_retry_after(
            GraphError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests. Retry after the time given in the Retry-After header.",
            ),
            after,
        ),
        Fault::Unavailable(after) => with_retry_after(
            GraphError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The service is temporarily unavailable. Retry after the time given in the Retry-After header.",
            ),
            after,
        ),
        Fault::GatewayTimeout => {
            // The work is done; only the answer is lost — what makes blind retries unsafe.
            let _ = next.run(request).await;
            GraphError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "GatewayTimeout",
                "The gateway did not receive a timely response.",
            )
            .into_response()
        }
        Fault::Drop => {
            let response = next.run(request).await;
            let (parts, _) = response.into_parts();
            Response::from_parts(parts, Body::new(BrokenBody))
        }
    }
}

fn with_retry_after(error: GraphError, seconds: u64) -> Response {
    let mut response = error.into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A body that fails on the first read, so the server aborts the connection mid-response.
struct BrokenBody;

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other(
            "sandbox fault: connection dropped",
        ))))
    }
}

/// `GET /_sandbox/faults`: the spec in force.
pub async fn show(State(state): State<Arc<AppState>>) -> Json<FaultSpec> {
    Json(
        state
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .spec
            .clone(),
    )
}

/// `POST /_sandbox/faults {…}`: replace the spec (absent keys reset to none) and reseed.
pub async fn set(State(state): State<Arc<AppState>>, Json(spec): Json<Value>) -> Response {
    let parsed = serde_json::from_value::<FaultSpec>(spec)
        .map_err(|e| Error::usage(e.to_string()))
        .and_then(FaultSpec::validate);
    match parsed {
        Ok(spec) => {
            *state.faults.lock().unwrap_or_else(|p| p.into_inner()) = Faults::new(spec.clone());
            Json(spec).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": e.message()})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_validate() {
        let spec: FaultSpec = "throttle_rate=0.3, retry_after_s=2,seed=7".parse().unwrap();
        assert_eq!(spec.throttle_rate, 0.3);
        assert_eq!(spec.retry_after_s, 2);
        assert_eq!(spec.seed, 7);
        assert!("throttle_rate=2".parse::<FaultSpec>().is_err());
        assert!("bogus=1".parse::<FaultSpec>().is_err());
        assert!("throttle_rate".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn the_same_seed_gives_the_same_faults_at_the_right_rate() {
        let spec = FaultSpec {
            throttle_rate: 0.3,
            seed: 7,
            ..FaultSpec::default()
        };
        let run = || {
            let mut faults = Faults::new(spec.clone());
            (0..1000)
                .map(|_| matches!(faults.draw().0, Fault::Throttle(_)))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let throttled = first.iter().filter(|t| **t).count();
        assert!((250..350).contains(&throttled), "{throttled}");
    }
}
