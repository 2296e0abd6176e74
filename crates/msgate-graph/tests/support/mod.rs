//! Test support: a sandbox tenant in-process, a token source that refreshes against its Entra
//! endpoint like msgate-auth will, and the sandbox's request log.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use msgate_core::{Error, ErrorCode, Result, Secret};
use msgate_graph::{BoxFuture, ClientOptions, Cloud, GraphClient, RetryPolicy, TokenSource};
use msgate_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use serde_json::{Value, json};

pub const SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Chat.ReadWrite",
    "ChatMessage.Send",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "ChannelMessage.Read.All",
    "Files.ReadWrite",
];

/// Tokens from the sandbox; `refresh` redeems the refresh token (which rotates) and counts.
#[derive(Debug)]
pub struct SandboxTokens {
    token_url: String,
    tokens: Mutex<(Secret, Option<Secret>)>,
    pub refreshes: AtomicUsize,
}

impl SandboxTokens {
    pub fn current(&self) -> Secret {
        self.tokens.lock().unwrap().0.clone()
    }
}

impl TokenSource for SandboxTokens {
    fn token(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(async move { Ok(self.tokens.lock().unwrap().0.clone()) })
    }

    fn refresh<'a>(&'a self, _rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>> {
        Box::pin(async move {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            let refresh = self.tokens.lock().unwrap().1.clone();
            let refresh =
                refresh.ok_or_else(|| Error::new(ErrorCode::AuthExpired, "no refresh token"))?;
            let answer: Value = reqwest::Client::new()
                .post(&self.token_url)
                .form(&[
                    ("client_id", msgate_sandbox::PUBLIC_CLIENT_ID),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.expose()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let access = Secret::new(answer["access_token"].as_str().unwrap());
            let refresh = answer["refresh_token"].as_str().map(Secret::new);
            *self.tokens.lock().unwrap() = (access.clone(), refresh);
            Ok(access)
        })
    }
}

pub struct Tenant {
    pub sandbox: Sandbox,
    pub tokens: Arc<SandboxTokens>,
    pub client: GraphClient,
    pub http: reqwest::Client,
}

pub fn options(sandbox: &Sandbox) -> ClientOptions {
    let info = sandbox.info();
    let mut options = ClientOptions::new(Cloud::custom(&info.graph_url, &info.login_url).unwrap());
    options.retry = RetryPolicy {
        budget: Duration::from_secs(30),
        base: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        max_attempts: 12,
    };
    options
}

pub async fn tenant(sandbox_options: SandboxOptions) -> Tenant {
    tenant_with(sandbox_options, |_| {}).await
}

pub async fn tenant_with(
    sandbox_options: SandboxOptions,
    adjust: impl FnOnce(&mut ClientOptions),
) -> Tenant {
    tenant_signed_in(sandbox_options, SCOPES, adjust).await
}

pub async fn tenant_with_scopes(scopes: &[&str]) -> Tenant {
    tenant_signed_in(SandboxOptions::default(), scopes, |_| {}).await
}

async fn tenant_signed_in(
    sandbox_options: SandboxOptions,
    scopes: &[&str],
    adjust: impl FnOnce(&mut ClientOptions),
) -> Tenant {
    // Strict: every request body the client sends is checked against Graph's description.
    let sandbox_options = SandboxOptions {
        strict_requests: true,
        ..sandbox_options
    };
    let sandbox = Sandbox::start(sandbox_options).await.unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    let signed_in = sandbox.sign_in(None, &scopes).await.unwrap();
    let tokens = Arc::new(SandboxTokens {
        token_url: format!("{}/common/oauth2/v2.0/token", sandbox.info().login_url),
        tokens: Mutex::new((signed_in.access_token, signed_in.refresh_token)),
        refreshes: AtomicUsize::new(0),
    });
    let mut options = options(&sandbox);
    adjust(&mut options);
    let client = GraphClient::new(options, tokens.clone()).unwrap();
    Tenant {
        sandbox,
        tokens,
        client,
        http: reqwest::Client::new(),
    }
}

impl Tenant {
    fn control(&self, path: &str) -> String {
        format!("{}/_sandbox/{path}", self.sandbox.info().login_url)
    }

    pub async fn set_faults(&self, spec: &FaultSpec) {
        let status = self
            .http
            .post(self.control("faults"))
            .json(&serde_json::to_value(spec).unwrap())
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{status}");
    }

    pub async fn no_faults(&self) {
        self.set_faults(&FaultSpec::default()).await;
    }

    /// The sandbox's log of Graph calls: (method, path, status).
    pub async fn requests(&self) -> Vec<(String, String, u16)> {
        let log: Value = self
            .http
            .get(self.control("requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["method"].as_str().unwrap().to_owned(),
                    e["path"].as_str().unwrap().to_owned(),
                    u16::try_from(e["status"].as_u64().unwrap()).unwrap(),
                )
            })
            .collect()
    }

    pub async fn reset_log(&self) {
        self.http
            .post(self.control("reset-log"))
            .send()
            .await
            .unwrap();
    }

    pub fn user_id(&self, index: usize) -> String {
        self.sandbox.info().users[index].id.clone()
    }

    /// The id of a chat of the default user's with this topic.
    pub async fn chat_id(&self, topic: &str) -> String {
        let chats: Value = self
            .client
            .json(&msgate_graph::Request::get("/me/chats").top(50))
            .await
            .unwrap();
        chats["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["topic"] == topic)
            .unwrap_or_else(|| panic!("no chat {topic}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

pub fn faults(throttle_rate: f64, error_rate: f64, drop_rate: f64, seed: u64) -> FaultSpec {
    serde_json::from_value(json!({
        "throttle_rate": throttle_rate, "retry_after_s": 0, "error_rate": error_rate,
        "drop_rate": drop_rate, "latency_ms": 0, "seed": seed,
    }))
    .unwrap()
}
