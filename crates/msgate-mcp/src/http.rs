//! Streamable HTTP at `/mcp`, locked down: a bearer token (or an explicit, loopback-only
//! `--allow-insecure`), Host and Origin checks against DNS rebinding, a body limit, a
//! per-token rate limit, `/health` for probes, and a graceful stop.
//!
//! The Authorization header is read here and nowhere else, and never logged.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use http::{HeaderValue, StatusCode, header};
use msgate_core::{Error, ErrorCode, Result};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::bearer::BearerToken;
use crate::server::Server;

/// How the HTTP transport is exposed.
#[derive(Debug)]
pub struct HttpOptions {
    pub bind: IpAddr,
    /// `None` only with `allow_insecure`.
    pub token: Option<BearerToken>,
    pub allow_insecure: bool,
    /// Host names clients use besides loopback ones (a non-loopback bind's DNS name).
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call (`https://app.example.com:443`); loopback origins always are.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Requests per minute per token.
    pub rate_per_minute: u32,
}

impl HttpOptions {
    /// Refuses configurations that would expose the account, and returns the warnings a
    /// risky but allowed one deserves.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        match (&self.token, self.allow_insecure) {
            (None, false) => {
                return Err(Error::new(
                    ErrorCode::Usage,
                    "refusing to serve MCP over HTTP without authentication",
                )
                .with_hint(
                    "set MSGATE_MCP_TOKEN or pass --token-file FILE (a token of 32+ characters); --allow-insecure serves loopback without one",
                ));
            }
            (None, true) if !self.bind.is_loopback() => {
                return Err(Error::new(
                    ErrorCode::Usage,
                    format!(
                        "--allow-insecure serves only on loopback, not on {}",
                        self.bind
                    ),
                )
                .with_hint("give the server a token, or bind 127.0.0.1"));
            }
            (None, true) => warnings.push(
                "INSECURE: serving MCP over HTTP WITHOUT AUTHENTICATION; any local process can act as this account"
                    .to_owned(),
            ),
            (Some(_), true) => warnings.push(
                "--allow-insecure is ignored: a token is configured and required".to_owned(),
            ),
            (Some(_), false) => {}
        }
        if !self.bind.is_loopback() {
            warnings.push(format!(
                "serving MCP on {}: anyone who can reach it and holds the token acts as this account; put TLS in front, and name the host clients use with --allow-host",
                self.bind
            ));
        }
        Ok(warnings)
    }
}

/// Serves until `shutdown` completes, then lets calls in flight finish.
pub async fn serve_http(
    server: Server,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    options.check()?;
    let stop = CancellationToken::new();
    let router = router(server, options, stop.clone());
    let stopping = stop.clone();
    // Without TCP_NODELAY a response written in pieces (SSE) waits on the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, router)
        // Cancelling ends rmcp's open SSE streams, so the graceful stop does not wait on them.
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.cancel();
        })
        .await
        .map_err(|e| Error::io("the MCP HTTP server failed", &e))
}

fn router(server: Server, options: HttpOptions, stop: CancellationToken) -> Router {
    let mut hosts: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "[::1]".into(),
        "::1".into(),
    ];
    hosts.extend(options.allowed_hosts.iter().cloned());
    if !options.bind.is_loopback() && !options.bind.is_unspecified() {
        hosts.push(options.bind.to_string());
    }
    let mut origins: Vec<String> = vec![
        "http://localhost:*".into(),
        "http://127.0.0.1:*".into(),
        "http://[::1]:*".into(),
    ];
    origins.extend(options.allowed_origins.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_cancellation_token(stop);
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let guard = Arc::new(Guard {
        token: options.token,
        limit: options.rate_per_minute.max(1),
        buckets: Mutex::new(HashMap::new()),
    });
    Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(guard, authorize))
        .route("/health", get(health))
}

/// Liveness for probes: no account data.
async fn health() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

#[derive(Debug)]
struct Guard {
    token: Option<BearerToken>,
    limit: u32,
    buckets: Mutex<HashMap<[u8; 8], Bucket>>,
}

/// A token bucket: `limit` requests a minute, refilled continuously.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Guard {
    /// Takes one request from the key's bucket, or says how long until one is free.
    fn take(&self, key: [u8; 8]) -> std::result::Result<(), Duration> {
        let per_second = f64::from(self.limit) / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: f64::from(self.limit),
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(f64::from(self.limit));
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

async fn authorize(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let key = match &guard.token {
        None => [0; 8],
        Some(token) => {
            let presented = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| {
                    value
                        .strip_prefix("Bearer ")
                        .or_else(|| value.strip_prefix("bearer "))
                });
            match presented {
                Some(presented) if token.accepts(presented.trim().as_bytes()) => token.key(),
                Some(_) => return unauthorized(r#"Bearer realm="msgate", error="invalid_token""#),
                None => return unauthorized(r#"Bearer realm="msgate""#),
            }
        }
    };
    if let Err(wait) = guard.take(key) {
        let seconds = wait.as_secs().max(1);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, seconds.to_string())],
            "rate limit reached; retry later",
        )
            .into_response();
    }
    next.run(request).await
}

fn unauthorized(challenge: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        )],
        "a valid bearer token is required",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_core::secret::Secret;

    fn options(token: Option<&str>, allow_insecure: bool, bind: &str) -> HttpOptions {
        HttpOptions {
            bind: bind.parse().unwrap(),
            token: token.map(|t| BearerToken::new(&Secret::new(t), "test").unwrap()),
            allow_insecure,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: 1 << 20,
            rate_per_minute: 60,
        }
    }

    #[test]
    fn without_a_token_only_an_explicit_loopback_override_serves() {
        assert!(options(None, false, "127.0.0.1").check().is_err());
        assert!(options(None, true, "0.0.0.0").check().is_err());
        let warnings = options(None, true, "127.0.0.1").check().unwrap();
        assert!(warnings[0].starts_with("INSECURE"));
        let token = "fake-mcp-token-0123456789abcdefghij";
        assert!(
            options(Some(token), false, "127.0.0.1")
                .check()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            options(Some(token), false, "0.0.0.0")
                .check()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn the_bucket_refuses_past_its_limit_and_says_when() {
        let guard = Guard {
            token: None,
            limit: 2,
            buckets: Mutex::new(HashMap::new()),
        };
        assert!(guard.take([1; 8]).is_ok());
        assert!(guard.take([1; 8]).is_ok());
        let wait = guard.take([1; 8]).unwrap_err();
        assert!(wait > Duration::from_secs(20), "{wait:?}");
        assert!(
            guard.take([2; 8]).is_ok(),
            "another token has its own bucket"
        );
    }
}
