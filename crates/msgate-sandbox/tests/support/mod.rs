//! Shared helpers for the sandbox's HTTP tests: an in-process sandbox on port 0, a client that
//! does not follow redirects, and sign-in as msgate would do it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msgate_sandbox::{Sandbox, SandboxOptions};
use msgate_testkit::openapi::OpenApi;
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub const REDIRECT_URI: &str = "http://127.0.0.1:53682/callback";
pub const ALL_CHAT_SCOPES: &str = "User.Read User.ReadBasic.All Presence.Read.All Chat.ReadWrite ChannelMessage.Read.All ChannelMessage.Send Team.ReadBasic.All Channel.ReadBasic.All TeamMember.Read.All offline_access openid profile";

#[derive(Debug)]
pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub http: Client,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

pub async fn start() -> TestSandbox {
    start_with(SandboxOptions::default()).await
}

pub async fn start_with(options: SandboxOptions) -> TestSandbox {
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestSandbox { sandbox, http }
}

pub fn pkce() -> (String, String) {
    let verifier =
        URL_SAFE_NO_PAD.encode(b"fake-verifier-with-enough-entropy-for-tests-0123456789");
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

impl TestSandbox {
    pub fn login(&self, path: &str) -> String {
        format!(
            "{}/common/oauth2/v2.0/{path}",
            self.sandbox.info().login_url
        )
    }

    pub fn default_upn(&self) -> &str {
        &self.sandbox.info().users[0].upn
    }

    /// Authorization code + PKCE, auto-approved; returns the code from the redirect.
    pub async fn authorize(
        &self,
        scopes: &str,
        challenge: &str,
        login_hint: Option<&str>,
    ) -> String {
        let mut query = vec![
            ("client_id", msgate_sandbox::PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT_URI),
            ("scope", scopes),
            ("state", "fake-state-1"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ];
        if let Some(hint) = login_hint {
            query.push(("login_hint", hint));
        }
        let response = self
            .http
            .get(self.login("authorize"))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT_URI), "{location}");
        assert!(location.contains("state=fake-state-1"), "{location}");
        location
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("code="))
            .expect("a code in the redirect")
            .to_owned()
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        let response = self
            .http
            .post(self.login("token"))
            .form(form)
            .send()
            .await
            .unwrap();
        into_response(response).await
    }

    /// Sign in as a user with PKCE; returns the token response.
    pub async fn sign_in(&self, scopes: &str, login_hint: Option<&str>) -> Value {
        let (verifier, challenge) = pkce();
        let code = self.authorize(scopes, &challenge, login_hint).await;
        let response = self
            .token(&[
                ("client_id", msgate_sandbox::PUBLIC_CLIENT_ID),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &verifier),
            ])
            .await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
        response.body
    }

    pub async fn user_token(&self, scopes: &str) -> String {
        self.sign_in(scopes, None).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn app_token(&self) -> String {
        let info = self.sandbox.info();
        let response = self
            .token(&[
                ("client_id", &info.confidential_client_id),
                ("client_secret", &info.confidential_client_secret),
                ("grant_type", "client_credentials"),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
        response.body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn graph(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.sandbox.info().graph_url)
        };
        let mut request = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        into_response(request.send().await.unwrap()).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.graph(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        self.graph(Method::POST, token, path, Some(body)).await
    }
}

pub async fn into_response(response: reqwest::Response) -> Response {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Response {
        status,
        headers,
        body,
    }
}

/// Navigation properties: the subset drops them from its schemas, so `$expand`ed ones are
/// removed before a body is checked (and checked on their own where a test cares).
const NAVIGATION_PROPERTIES: &[&str] = &["members", "lastMessagePreview", "replies"];

/// Fails the test unless `response` is shaped as Graph documents `method path` (`path` below
/// /v1.0; a query string is ignored).
pub fn assert_faithful(method: &str, path: &str, response: &Response) {
    let path = path.split('?').next().unwrap_or(path);
    let mut body = response.body.clone();
    let mut strip = |item: &mut Value| {
        if let Some(obj) = item.as_object_mut() {
            for property in NAVIGATION_PROPERTIES {
                obj.remove(*property);
            }
        }
    };
    match body.get_mut("value").and_then(Value::as_array_mut) {
        Some(items) => items.iter_mut().for_each(&mut strip),
        None => strip(&mut body),
    }
    if let Err(problems) =
        OpenApi::graph_subset().validate_response(method, path, response.status.as_u16(), &body)
    {
        panic!(
            "{method} {path} is not shaped like Graph:\n{}",
            problems.join("\n")
        );
    }
}

/// Fails the test unless `body` is a request body Graph accepts for `method path`.
pub fn assert_request_ok(method: &str, path: &str, body: &Value) {
    let path = path.split('?').next().unwrap_or(path);
    if let Err(problems) = OpenApi::graph_subset().validate_request(method, path, body) {
        panic!("request {method} {path}:\n{}", problems.join("\n"));
    }
}
