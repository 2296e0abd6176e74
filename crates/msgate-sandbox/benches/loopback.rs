//! Sandbox figures on loopback: start-up time, latency of `GET /chats/{id}/messages?$top=50`,
//! and sustained requests per second. Reports numbers; asserts nothing.
//!
//! Run: `cargo bench -p msgate-sandbox --bench loopback` (or `bench/sandbox.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msgate_sandbox::{PUBLIC_CLIENT_ID, Sandbox, SandboxOptions};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:53682/callback";

async fn token(http: &reqwest::Client, login: &str) -> String {
    let verifier = "fake-benchmark-verifier-0123456789-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    let redirect = http
        .get(format!("{login}/common/oauth2/v2.0/authorize"))
        .query(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "User.Read Chat.ReadWrite"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code="))
        .unwrap();
    let tokens: Value = http
        .post(format!("{login}/common/oauth2/v2.0/token"))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let starts: Vec<Duration> = {
        let mut v = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
            v.push(started.elapsed());
            sandbox.shutdown().await;
        }
        v.sort();
        v
    };
    println!(
        "start-up (in-process, demo seed, new RSA key): median {:?}",
        percentile(&starts, 0.5)
    );

    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let info = sandbox.info().clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = token(&http, &info.login_url).await;
    let chats: Value = http
        .get(format!("{}/me/chats", info.graph_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat = chats["value"][0]["id"].as_str().unwrap().to_owned();
    let messages_url = format!("{}/chats/{chat}/messages", info.graph_url);
    for i in 0..50 {
        http.post(&messages_url)
            .bearer_auth(&token)
            .json(&json!({"body": {"contentType": "html", "content": format!("<p>benchmark message {i}</p>")}}))
            .send()
            .await
            .unwrap();
    }
    let page_url = format!("{messages_url}?$top=50");

    let mut latencies = Vec::with_capacity(2000);
    let mut bytes = 0;
    for _ in 0..2000 {
        let started = Instant::now();
        let body = http
            .get(&page_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        latencies.push(started.elapsed());
        bytes = body.len();
    }
    latencies.sort();
    println!(
        "GET 50 chat messages ({bytes} bytes): median {:?}, p99 {:?} over {} requests",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.len()
    );

    for (label, url) in [
        ("GET /me", format!("{}/me", info.graph_url)),
        ("GET 50 chat messages", page_url.clone()),
    ] {
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (http, url, token, done) =
                (http.clone(), url.clone(), token.clone(), Arc::clone(&done));
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let response = http.get(&url).bearer_auth(&token).send().await.unwrap();
                    response.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        let started = Instant::now();
        for task in tasks {
            task.await.unwrap();
        }
        let total = done.load(Ordering::Relaxed);
        println!(
            "{label}: {:.0} requests/s sustained (32 concurrent clients, 5 s, client and server on the same 2 cores)",
            total as f64 / started.elapsed().as_secs_f64()
        );
    }
    sandbox.shutdown().await;
}
