//! The writes one client handle makes, kept for its caller — and, for a dry run, held back.
//!
//! Whoever runs an operation needs two facts about its writes that only the client sees: Graph's
//! request-id for each one (what an audit record and Microsoft support ask for), and, when the
//! caller wants to know what would happen without it happening, the exact request (method, URL,
//! headers, body). A handle made with [`GraphClient::recording`] keeps both in a [`WriteLog`].
//! When the log holds writes back, a write is recorded and not sent: the call ends with
//! [`ErrorCode::DryRun`] while reads still run, so references still resolve. This crate knows no
//! more than "record writes" and "do not send writes"; what they mean is the caller's business.

use std::sync::{Arc, Mutex, PoisonError};

use msgate_core::{Error, ErrorCode, Result};
use serde_json::{Map, Value, json};

use crate::client::GraphClient;
use crate::request::{Body, Request};

/// One write, as sent or as it would have been sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    pub method: String,
    /// The absolute URL, query included.
    pub url: String,
    /// Headers the request sets beyond authorization and ids.
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub outcome: WriteOutcome,
    /// Graph's request-id of the answer, when one came.
    pub request_id: Option<String>,
}

/// What became of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// A dry run held it back: it was never sent.
    Held,
    /// Graph did it.
    Done,
    /// Graph answered with an error: it was not done.
    Refused,
    /// It was sent and the answer was lost (`outcome_unknown`): it may have been done.
    Unknown,
}

impl WriteOutcome {
    /// Whether the tenant may have changed.
    pub fn may_have_changed(self) -> bool {
        matches!(self, WriteOutcome::Done | WriteOutcome::Unknown)
    }
}

impl Write {
    /// The request as JSON: `{"method", "url", "headers"?, "body"?}` — what a dry run prints.
    pub fn request_json(&self) -> Value {
        let mut request = json!({"method": self.method, "url": self.url});
        if !self.headers.is_empty() {
            let headers: Map<String, Value> = self
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect();
            request["headers"] = Value::Object(headers);
        }
        if let Some(body) = &self.body {
            request["body"] = body.clone();
        }
        request
    }
}

/// The writes of one recording handle, in the order they were made.
#[derive(Debug, Default)]
pub struct WriteLog {
    hold: bool,
    writes: Mutex<Vec<Write>>,
}

impl WriteLog {
    /// A log; with `hold`, writes are recorded and never sent (a dry run).
    pub fn new(hold: bool) -> Self {
        WriteLog {
            hold,
            writes: Mutex::new(Vec::new()),
        }
    }

    /// Everything recorded so far.
    pub fn writes(&self) -> Vec<Write> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Write>> {
        // A panic while pushing cannot leave the vector half-written; keep what is there.
        self.writes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, write: Write) {
        self.lock().push(write);
    }
}

impl GraphClient {
    /// A handle on the same connection pool, token source and breaker that records its writes
    /// in `log` (and, if the log holds writes, does not send them).
    pub fn recording(&self, log: Arc<WriteLog>) -> GraphClient {
        let mut handle = self.clone();
        handle.log = Some(log);
        handle
    }

    /// Before a request goes out: a write held back by a dry run is recorded and ends the call.
    pub(crate) fn hold_back(&self, request: &Request) -> Result<()> {
        match &self.log {
            Some(log) if log.hold && request.is_write() => {
                let write = self.describe(request, WriteOutcome::Held, None)?;
                let message = format!(
                    "dry run: {} {} was not sent",
                    write.method,
                    msgate_core::redact(&write.url)
                );
                log.push(write);
                Err(Error::new(ErrorCode::DryRun, message))
            }
            _ => Ok(()),
        }
    }

    /// After a write reached Graph: what became of it, and its request-id.
    pub(crate) fn record_sent(
        &self,
        request: &Request,
        outcome: WriteOutcome,
        request_id: Option<String>,
    ) {
        if let Some(log) = &self.log
            && let Ok(write) = self.describe(request, outcome, request_id)
        {
            log.push(write);
        }
    }

    fn describe(
        &self,
        request: &Request,
        outcome: WriteOutcome,
        request_id: Option<String>,
    ) -> Result<Write> {
        let url = self.url_for(request)?;
        Ok(Write {
            method: request.method.as_str().to_owned(),
            url: url.as_str().to_owned(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
            body: request.body.as_ref().map(|body| match body {
                // A file's bytes are described, not printed.
                Body::Bytes {
                    content_type,
                    bytes,
                } => json!({"content_type": content_type, "bytes": bytes.len()}),
                Body::Json(value) => value.clone(),
            }),
            outcome,
            request_id,
        })
    }
}
