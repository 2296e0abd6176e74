//! Long-running actions: Graph starts some work (a drive item's copy) and answers 202 with a
//! monitor URL in `Location`, to be polled until the work is done
//! (https://learn.microsoft.com/graph/long-running-actions-overview).
//!
//! The monitor URL carries its own authorization and is not on the Graph host: like a
//! download's redirect it gets no token, and it is polled only on one of the cloud's content
//! hosts. Polls start quickly and slow down (or follow `Retry-After`), within the caller's time
//! limit; what the monitor last said is returned either way, so a caller can report work that
//! is still going on instead of failing it.

use std::time::{Duration, Instant};

use msgate_core::{Error, ErrorCode, Result};
use reqwest::Url;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::client::{GraphClient, display_url};
use crate::error::{self, GraphErrorBody};
use crate::retry::retry_after;

/// The first wait between polls; each wait doubles up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(200);
const LONGEST_WAIT: Duration = Duration::from_secs(5);

/// Where a long-running action stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Progressing {
    /// The monitor's `status`: `notStarted`, `inProgress`, `completed`, `failed`, …
    pub status: String,
    /// The id of the resource the action made, once it says.
    pub resource_id: Option<String>,
    pub percentage: Option<f64>,
}

impl Progressing {
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }
}

impl GraphClient {
    /// Polls the monitor at `location` until the action completes or `limit` passes; a failed
    /// action is an error with the monitor's reason.
    pub async fn follow_monitor(&self, location: &str, limit: Duration) -> Result<Progressing> {
        let url = self.monitor_location(location)?;
        let started = Instant::now();
        let mut wait = FIRST_WAIT;
        loop {
            let response = self
                .http()
                .get(url.clone())
                .send()
                .await
                .map_err(|e| error::from_transport(&e, &display_url(&url)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap_or_default();
            let state = match status.as_u16() {
                // Some services answer a finished action with a redirect to what it made.
                303 => Progressing {
                    status: "completed".to_owned(),
                    resource_id: headers
                        .get(LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                        .map(str::to_owned),
                    percentage: Some(100.0),
                },
                200..=299 => parse_state(&serde_json::from_slice(&body).unwrap_or(json!({}))),
                _ => {
                    return Err(error::from_status(
                        status,
                        &GraphErrorBody::parse(&body),
                        crate::client::header_text(&headers, "request-id").as_deref(),
                        &[],
                        None,
                    ));
                }
            };
            if state.status == "failed" {
                let reason: Value = serde_json::from_slice(&body).unwrap_or_default();
                let message = reason["error"]["message"]
                    .as_str()
                    .unwrap_or("the service gave no reason");
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("the action failed: {message}"),
                ));
            }
            let pause = retry_after(&headers).unwrap_or(wait);
            if state.completed() || started.elapsed() + pause > limit {
                return Ok(state);
            }
            tokio::time::sleep(pause).await;
            wait = (wait * 2).min(LONGEST_WAIT);
        }
    }

    fn monitor_location(&self, text: &str) -> Result<Url> {
        let url = Url::parse(text).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!("Graph returned a monitor URL that is not a URL: {e}"),
            )
        })?;
        if !self.cloud().is_content_host(&url) {
            return Err(Error::new(
                ErrorCode::Internal,
                format!(
                    "refusing to poll {}: it is not a content host of the {} cloud",
                    url.host_str().unwrap_or("an unknown host"),
                    self.cloud()
                ),
            )
            .with_hint("the monitor URL did not come from Microsoft Graph as configured; check MSGATE_GRAPH_URL and any proxy"));
        }
        Ok(url)
    }
}

/// The monitor's answer: an `asyncJobStatus`-like object.
fn parse_state(body: &Value) -> Progressing {
    Progressing {
        status: body["status"].as_str().unwrap_or("inProgress").to_owned(),
        resource_id: body["resourceId"].as_str().map(str::to_owned),
        percentage: body["percentageComplete"].as_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_answers_are_read() {
        let done = parse_state(
            &json!({"status": "completed", "resourceId": "01X", "percentageComplete": 100.0}),
        );
        assert!(done.completed());
        assert_eq!(done.resource_id.as_deref(), Some("01X"));
        let going = parse_state(&json!({"operation": "itemCopy", "percentageComplete": 12.5}));
        assert_eq!(going.status, "inProgress");
        assert!(!going.completed());
    }
}
