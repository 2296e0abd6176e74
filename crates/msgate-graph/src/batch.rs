//! JSON batching: N independent requests in as few round trips as Graph allows.
//!
//! Graph takes at most 20 requests per `$batch` and answers each with its own status, so one
//! throttled item must not fail the rest. Batches go out a few at a time; items Graph throttled
//! (429, or 503 with `Retry-After`) are sent again after their own `Retry-After`, within the call
//! budget; every other answer is final. Results come back in input order.

use std::time::Duration;

use futures_util::StreamExt;
use msgate_core::{Error, Result};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

use crate::client::{GraphClient, Response};
use crate::error::{self, GraphErrorBody};
use crate::request::Request;
use crate::retry::Deadline;

/// Graph's limit on requests per `$batch`.
pub const MAX_BATCH: usize = 20;
/// Batches in flight at once: enough to hide latency, few enough to stay polite.
const CONCURRENT_BATCHES: usize = 4;

impl GraphClient {
    /// Runs `requests` through `$batch`; the i-th result answers the i-th request.
    pub async fn batch(&self, requests: &[Request]) -> Vec<Result<Response>> {
        let mut results: Vec<Option<Result<Response>>> =
            (0..requests.len()).map(|_| None).collect();
        let deadline = Deadline::after(self.options().retry.budget);
        // A dry run holds writes back one by one; the reads among them still go out.
        let mut pending: Vec<usize> = Vec::with_capacity(requests.len());
        for (index, request) in requests.iter().enumerate() {
            match self.hold_back(request) {
                Ok(()) => pending.push(index),
                Err(held) => results[index] = Some(Err(held)),
            }
        }
        let mut round = 0u32;
        while !pending.is_empty() {
            let chunks: Vec<Vec<usize>> =
                pending.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
            let answers: Vec<(Vec<usize>, Result<Vec<ItemAnswer>>)> =
                futures_util::stream::iter(chunks)
                    .map(|chunk| async move {
                        let answer = self.send_batch(requests, &chunk).await;
                        (chunk, answer)
                    })
                    .buffer_unordered(CONCURRENT_BATCHES)
                    .collect()
                    .await;
            pending.clear();
            let mut wait = Duration::ZERO;
            for (chunk, answer) in answers {
                match answer {
                    Err(err) => chunk
                        .iter()
                        .for_each(|&i| results[i] = Some(Err(err.clone()))),
                    Ok(items) => {
                        for item in items {
                            let Some(&index) = chunk.get(item.position) else {
                                continue;
                            };
                            match item.throttled_for {
                                Some(after) => {
                                    wait = wait.max(after);
                                    pending.push(index);
                                    results[index] = Some(Err(item.error_for(&requests[index])));
                                }
                                None => results[index] = Some(item.into_result(&requests[index])),
                            }
                        }
                    }
                }
            }
            round += 1;
            if pending.is_empty() {
                break;
            }
            let wait = if wait.is_zero() {
                self.options().retry.backoff(round)
            } else {
                wait
            };
            if round >= self.options().retry.max_attempts || !deadline.allows(wait) {
                break;
            }
            tracing::debug!(target: "msgate::graph", "{} batched requests throttled; again in {} ms", pending.len(), wait.as_millis());
            tokio::time::sleep(wait).await;
            pending.sort_unstable();
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::internal("a batched request got no answer"))))
            .collect()
    }

    /// One `$batch` round trip for the requests at `chunk`'s positions.
    async fn send_batch(&self, requests: &[Request], chunk: &[usize]) -> Result<Vec<ItemAnswer>> {
        let graph_root = self.cloud().graph_url();
        let mut items = Vec::with_capacity(chunk.len());
        for (position, &index) in chunk.iter().enumerate() {
            let request = &requests[index];
            let url = self.url_for(request)?;
            let relative = url
                .as_str()
                .strip_prefix(graph_root.as_str().trim_end_matches('/'))
                .unwrap_or(url.as_str())
                .to_owned();
            let mut item = json!({"id": position.to_string(), "method": request.method.as_str(), "url": relative});
            let mut headers: Map<String, Value> = request
                .headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), json!(value)))
                .collect();
            if let Some(body) = request.body_json() {
                item["body"] = body.clone();
                headers.insert("Content-Type".into(), json!("application/json"));
            }
            if !headers.is_empty() {
                item["headers"] = Value::Object(headers);
            }
            items.push(item);
        }
        let all_idempotent = chunk.iter().all(|&i| requests[i].idempotent);
        let mut envelope =
            Request::post("/$batch", json!({"requests": items})).idempotent(all_idempotent);
        if chunk.iter().all(|&i| !requests[i].is_write()) {
            envelope = envelope.read_only();
        }
        let answer = self.send(&envelope).await?.json()?;
        let responses = answer["responses"].as_array().cloned().unwrap_or_default();
        Ok(responses.iter().filter_map(ItemAnswer::parse).collect())
    }
}

/// One item of a `$batch` answer.
struct ItemAnswer {
    position: usize,
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    /// Graph said "not done, come back after this".
    throttled_for: Option<Duration>,
}

impl ItemAnswer {
    fn parse(item: &Value) -> Option<ItemAnswer> {
        let position = item["id"].as_str()?.parse().ok()?;
        let status = StatusCode::from_u16(u16::try_from(item["status"].as_u64()?).ok()?).ok()?;
        let mut headers = HeaderMap::new();
        if let Some(map) = item["headers"].as_object() {
            for (name, value) in map {
                if let (Ok(name), Some(Ok(value))) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    value.as_str().map(HeaderValue::from_str),
                ) {
                    headers.insert(name, value);
                }
            }
        }
        let retry_after = crate::retry::retry_after(&headers);
        let throttled_for = match status.as_u16() {
            429 => Some(retry_after.unwrap_or(Duration::from_secs(1))),
            503 => retry_after,
            _ => None,
        };
        Some(ItemAnswer {
            position,
            status,
            headers,
            body: item["body"].clone(),
            throttled_for,
        })
    }

    fn error_for(&self, request: &Request) -> Error {
        let body = GraphErrorBody::parse(self.body.to_string().as_bytes());
        let request_id = crate::client::header_text(&self.headers, "request-id");
        error::from_status(
            self.status,
            &body,
            request_id.as_deref(),
            request.permissions,
            self.throttled_for.map(|d| d.as_secs()),
        )
    }

    fn into_result(self, request: &Request) -> Result<Response> {
        if !self.status.is_success() {
            return Err(self.error_for(request));
        }
        let body = match &self.body {
            Value::Null => bytes::Bytes::new(),
            body => bytes::Bytes::from(body.to_string()),
        };
        Ok(Response {
            status: self.status,
            request_id: crate::client::header_text(&self.headers, "request-id"),
            headers: self.headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_answers_read_status_headers_and_throttling() {
        let ok = ItemAnswer::parse(&json!({"id": "3", "status": 200, "headers": {"request-id": "r-1"}, "body": {"id": "x"}})).unwrap();
        assert_eq!((ok.position, ok.status.as_u16()), (3, 200));
        assert!(ok.throttled_for.is_none());
        let throttled = ItemAnswer::parse(
            &json!({"id": "0", "status": 429, "headers": {"Retry-After": "2"}, "body": {}}),
        )
        .unwrap();
        assert_eq!(throttled.throttled_for, Some(Duration::from_secs(2)));
        let busy = ItemAnswer::parse(&json!({"id": "0", "status": 503, "body": {}})).unwrap();
        assert_eq!(
            busy.throttled_for, None,
            "503 without Retry-After may have been processed"
        );
        assert!(ItemAnswer::parse(&json!({"id": "zero", "status": 200})).is_none());
    }
}
