//! The Graph client: one place where every request gets its token, its ids, its retries and its
//! error mapping — and where the rules that keep the token safe are enforced.
//!
//! Each call runs a small loop. An attempt that Graph throttles (429) or that fails before Graph
//! did anything is tried again after `Retry-After` or a jittered backoff, within the call's time
//! budget. A write (a POST, unless marked idempotent) is repeated only where Graph guarantees it
//! was not done — 429, or 503 with `Retry-After` — never after a timeout, a dropped answer or a
//! 504; the caller gets `outcome_unknown` instead of a possible duplicate. A 401 gets exactly one
//! token refresh. The token is only ever sent to the configured Graph origin.

use std::sync::Arc;
use std::time::{Duration, Instant};

use msgate_core::{Error, ErrorCode, Result, redact};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::breaker::CircuitBreaker;
use crate::cloud::{Cloud, same_origin};
use crate::error::{self, GraphErrorBody};
use crate::record::{WriteLog, WriteOutcome};
use crate::request::{Body, Request};
use crate::retry::{Deadline, RetryPolicy, retry_after};
use crate::token::TokenSource;

/// How the client behaves; the defaults suit both a CLI and a server.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub cloud: Cloud,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// The longest one attempt may take (the call's budget may cut it shorter).
    pub attempt_timeout: Duration,
    /// `--debug-bodies`: log request and response bodies, redacted, at debug level.
    pub debug_bodies: bool,
    /// Consecutive server failures after which a host is not called for `breaker_cool_down`.
    pub breaker_threshold: u32,
    pub breaker_cool_down: Duration,
}

impl ClientOptions {
    pub fn new(cloud: Cloud) -> Self {
        ClientOptions {
            cloud,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            debug_bodies: false,
            breaker_threshold: 5,
            breaker_cool_down: Duration::from_secs(30),
        }
    }
}

/// A Graph answer with a success status.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub request_id: Option<String>,
    pub body: bytes::Bytes,
}

impl Response {
    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        self.parse()
    }

    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!("Graph's answer was not the JSON msgate expected: {e}"),
            )
        })
    }
}

/// A cheap handle: clones share the connection pool, the token source and the breaker.
#[derive(Clone, Debug)]
pub struct GraphClient {
    inner: Arc<Inner>,
    /// Where this handle records its writes, if it does (see `record`).
    pub(crate) log: Option<Arc<WriteLog>>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    graph_url: Url,
    tokens: Arc<dyn TokenSource>,
    options: ClientOptions,
    breaker: CircuitBreaker,
}

/// What one attempt came to.
enum Outcome {
    Success(Answer),
    Status(StatusCode, HeaderMap, bytes::Bytes),
    Transport(reqwest::Error),
}

/// Whether the loop reads the body of a successful answer (and retries a body that breaks off)
/// or hands the unread answer to the caller (downloads stream it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyMode {
    Buffer,
    Stream,
}

/// A successful attempt, read or unread.
pub(crate) enum Answer {
    Read(Response),
    Unread(reqwest::Response),
}

impl GraphClient {
    pub fn new(options: ClientOptions, tokens: Arc<dyn TokenSource>) -> Result<GraphClient> {
        let http = http_client(&options)?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                graph_url: options.cloud.graph_url(),
                breaker: CircuitBreaker::new(options.breaker_threshold, options.breaker_cool_down),
                tokens,
                options,
            }),
            log: None,
        })
    }

    pub fn cloud(&self) -> &Cloud {
        &self.inner.options.cloud
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Sends a request and returns the successful answer, or the error the taxonomy gives it.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        match self.execute(request, BodyMode::Buffer).await? {
            Answer::Read(response) => Ok(response),
            Answer::Unread(response) => read(response)
                .await
                .map_err(|e| error::from_transport(&e, "Graph")),
        }
    }

    /// Sends a request and parses the JSON answer into `T`.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.send(request).await?.parse()
    }

    /// The absolute URL of a request: below the Graph root, or an absolute URL that must be on
    /// the Graph origin — a nextLink or deltaLink pointing elsewhere is refused, so the token
    /// cannot follow it.
    pub(crate) fn url_for(&self, request: &Request) -> Result<Url> {
        let graph = &self.inner.graph_url;
        let mut url = if request.path.starts_with("https://") || request.path.starts_with("http://")
        {
            let url = Url::parse(&request.path).map_err(|e| {
                Error::new(
                    ErrorCode::Internal,
                    format!("Graph returned a link that is not a URL: {e}"),
                )
            })?;
            if !same_origin(graph, &url) {
                return Err(Error::new(
                    ErrorCode::Internal,
                    format!(
                        "refusing to follow a link to {} with the Graph token: it is not the Graph host {}",
                        url.host_str().unwrap_or("an unknown host"),
                        graph.host_str().unwrap_or_default()
                    ),
                )
                .with_hint("this answer did not come from Microsoft Graph as configured; check MSGATE_GRAPH_URL and any proxy"));
            }
            url
        } else {
            let text = format!("{}{}", graph.as_str().trim_end_matches('/'), request.path);
            Url::parse(&text)
                .map_err(|e| Error::internal(format!("bad Graph path {}: {e}", request.path)))?
        };
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }

    /// One logical call: held back if this handle holds writes, recorded if it records them.
    pub(crate) async fn execute(&self, request: &Request, mode: BodyMode) -> Result<Answer> {
        self.hold_back(request)?;
        let answer = self.attempts(request, mode).await;
        if request.is_write() {
            // A call refused before anything left (breaker open, no token) made no write.
            let reached = match &answer {
                Ok(Answer::Read(response)) => {
                    Some((WriteOutcome::Done, response.request_id.clone()))
                }
                Ok(Answer::Unread(response)) => Some((
                    WriteOutcome::Done,
                    header_text(response.headers(), "request-id"),
                )),
                Err(err) if err.code() == ErrorCode::OutcomeUnknown => {
                    Some((WriteOutcome::Unknown, err.request_id().map(str::to_owned)))
                }
                Err(err) => err
                    .request_id()
                    .map(|id| (WriteOutcome::Refused, Some(id.to_owned()))),
            };
            if let Some((outcome, request_id)) = reached {
                self.record_sent(request, outcome, request_id);
            }
        }
        answer
    }

    /// The retry loop around one logical call.
    async fn attempts(&self, request: &Request, mode: BodyMode) -> Result<Answer> {
        let url = self.url_for(request)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let policy = &self.inner.options.retry;
        let deadline = Deadline::after(policy.budget);
        let client_request_id = new_guid();
        let mut token_in_use = self.inner.tokens.token().await?;
        let mut authorization = bearer(&token_in_use)?;
        let mut refreshed = false;
        let mut retries = 0u32;
        loop {
            self.inner.breaker.check(&host)?;
            let started = Instant::now();
            let outcome = self
                .attempt(
                    request,
                    &url,
                    &authorization,
                    &client_request_id,
                    deadline,
                    mode,
                )
                .await;
            let (verdict, wait_hint) = match outcome {
                Outcome::Success(answer) => {
                    self.inner.breaker.success(&host);
                    let (status, headers) = match &answer {
                        Answer::Read(response) => (response.status, &response.headers),
                        Answer::Unread(response) => (response.status(), response.headers()),
                    };
                    log_attempt(request, &url, status, started, headers);
                    return Ok(answer);
                }
                Outcome::Status(status, headers, body) => {
                    log_attempt(request, &url, status, started, &headers);
                    self.log_body("response", &body);
                    let wait = retry_after(&headers);
                    let request_id = header_text(&headers, "request-id");
                    let parsed = GraphErrorBody::parse(&body);
                    let final_error = || {
                        error::from_status(
                            status,
                            &parsed,
                            request_id.as_deref(),
                            request.permissions,
                            wait.map(|w| w.as_secs()),
                        )
                    };
                    if status == StatusCode::UNAUTHORIZED {
                        if refreshed {
                            return Err(final_error());
                        }
                        refreshed = true;
                        token_in_use = self.inner.tokens.refresh(&token_in_use).await?;
                        authorization = bearer(&token_in_use)?;
                        continue;
                    }
                    if status.is_server_error() {
                        self.inner.breaker.failure(&host);
                    }
                    match retry_rule(status, wait.is_some(), request.idempotent) {
                        Rule::Retry => (final_error(), wait),
                        Rule::Final => return Err(final_error()),
                        Rule::Unknown => {
                            return Err(error::outcome_unknown(
                                request.method.as_str(),
                                &display_url(&url),
                                &format!("Graph answered {status} after the request was sent"),
                            )
                            .with_request_id(request_id.unwrap_or_default()));
                        }
                    }
                }
                Outcome::Transport(err) => {
                    tracing::debug!(target: "msgate::graph", "{} {} failed after {} ms: {}", request.method, display_url(&url), started.elapsed().as_millis(), redact(&err.to_string()));
                    let nothing_sent = err.is_connect();
                    if nothing_sent {
                        self.inner.breaker.failure(&host);
                    }
                    if !nothing_sent && !request.idempotent {
                        return Err(error::outcome_unknown(
                            request.method.as_str(),
                            &display_url(&url),
                            "the connection failed after the request was sent",
                        ));
                    }
                    (error::from_transport(&err, &display_url(&url)), None)
                }
            };
            let wait = wait_hint.unwrap_or_else(|| policy.backoff(retries));
            retries += 1;
            if retries >= policy.max_attempts || !deadline.allows(wait) {
                return Err(verdict);
            }
            tracing::debug!(target: "msgate::graph", "retrying in {} ms (retry {retries})", wait.as_millis());
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        authorization: &HeaderValue,
        client_request_id: &str,
        deadline: Deadline,
        mode: BodyMode,
    ) -> Outcome {
        let timeout = self
            .inner
            .options
            .attempt_timeout
            .min(deadline.remaining().max(Duration::from_millis(1)));
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .timeout(timeout)
            .header("client-request-id", client_request_id)
            .header(reqwest::header::AUTHORIZATION, authorization.clone());
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        match &request.body {
            Some(Body::Json(body)) => {
                self.log_body("request", body.to_string().as_bytes());
                builder = builder.json(body);
            }
            Some(Body::Bytes {
                content_type,
                bytes,
            }) => {
                builder = builder
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes.clone());
            }
            None => {}
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(err) => return Outcome::Transport(err),
        };
        let status = response.status();
        let succeeded = status.is_success() || status.is_redirection();
        if succeeded && mode == BodyMode::Stream {
            return Outcome::Success(Answer::Unread(response));
        }
        // A body that breaks off counts as a dropped connection: repeated for idempotent
        // requests, `outcome_unknown` for writes.
        match read(response).await {
            Ok(response) if succeeded => {
                self.log_body("response", &response.body);
                Outcome::Success(Answer::Read(response))
            }
            Ok(response) => Outcome::Status(status, response.headers, response.body),
            Err(err) => Outcome::Transport(err),
        }
    }

    fn log_body(&self, what: &str, body: &[u8]) {
        if self.inner.options.debug_bodies && !body.is_empty() {
            let text = String::from_utf8_lossy(body);
            tracing::debug!(target: "msgate::graph", "{what} body: {}", redact(&text));
        }
    }
}

enum Rule {
    Retry,
    Final,
    /// A write that may have been applied.
    Unknown,
}

/// Which failures are tried again. 429 and a 503 that names a `Retry-After` are Graph's
/// "nothing was done, come back later"; anything else from a server is repeated only for
/// idempotent requests.
fn retry_rule(status: StatusCode, has_retry_after: bool, idempotent: bool) -> Rule {
    match status.as_u16() {
        429 => Rule::Retry,
        503 if has_retry_after => Rule::Retry,
        500 | 502 | 503 | 504 if idempotent => Rule::Retry,
        500 | 502 | 503 | 504 => Rule::Unknown,
        _ => Rule::Final,
    }
}

/// One `--debug` line per attempt: method, URL (credentials redacted), status, time, request-id.
fn log_attempt(
    request: &Request,
    url: &Url,
    status: StatusCode,
    started: Instant,
    headers: &HeaderMap,
) {
    tracing::debug!(
        target: "msgate::graph",
        "{} {} -> {} in {} ms, request-id {}",
        request.method,
        display_url(url),
        status.as_u16(),
        started.elapsed().as_millis(),
        header_text(headers, "request-id").as_deref().unwrap_or("-")
    );
}

/// A URL as diagnostics may show it.
pub(crate) fn display_url(url: &Url) -> String {
    redact(url.as_str()).into_owned()
}

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn read(response: reqwest::Response) -> std::result::Result<Response, reqwest::Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok(Response {
        status,
        request_id: header_text(&headers, "request-id"),
        headers,
        body,
    })
}

/// The `Authorization` header for a token, marked sensitive so no HTTP-layer log prints it.
fn bearer(token: &msgate_core::Secret) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        Error::new(
            ErrorCode::AuthExpired,
            "the access token contains characters no HTTP header can carry",
        )
        .with_hint("sign in again with: msgate auth login")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn http_client(options: &ClientOptions) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("msgate/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(options.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(matches!(
            options.cloud,
            Cloud::Global | Cloud::UsGov | Cloud::UsGovDod | Cloud::China
        ))
        .build()
        .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))
}

/// A random GUID for `client-request-id`, which Microsoft support uses to find a call.
pub(crate) fn new_guid() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let draw = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0);
        hasher.finish()
    };
    let (a, b) = (draw(), draw());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}
