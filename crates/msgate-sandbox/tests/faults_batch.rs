//! Fault injection and `$batch`. Graph's throttling contract (429 with `Retry-After`, per batch
//! item) follows https://learn.microsoft.com/graph/throttling; `$batch` follows
//! https://learn.microsoft.com/graph/json-batching (at most 20 requests, `dependsOn`, 424).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Instant;

use msgate_sandbox::{FaultSpec, SandboxOptions};
use msgate_testkit::openapi::OpenApi;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{ALL_CHAT_SCOPES, TestSandbox, start, start_with};

async fn set_faults(t: &TestSandbox, spec: Value) {
    let response = t
        .http
        .post(format!("{}/_sandbox/faults", t.sandbox.info().login_url))
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after_and_spares_sign_in() {
    let faults = FaultSpec {
        throttle_rate: 1.0,
        retry_after_s: 2,
        ..FaultSpec::default()
    };
    let t = start_with(SandboxOptions {
        faults,
        ..SandboxOptions::default()
    })
    .await;
    let token = t.user_token("User.Read").await;
    let response = t.get(&token, "/me").await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers["retry-after"], "2");
    assert_eq!(response.body["error"]["code"], "TooManyRequests");
    assert!(response.body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn a_503_did_nothing_but_a_504_did_the_work() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = t.get(&token, "/me/chats").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/chats/{chat}/messages");
    let before = t.get(&token, &format!("{path}?$top=50")).await.body["value"]
        .as_array()
        .unwrap()
        .len();

    set_faults(&t, json!({"error_rate": 1.0, "seed": 11})).await;
    let (mut unavailable, mut timed_out) = (0, 0);
    for i in 0..12 {
        let response = t
            .post(
                &token,
                &path,
                &json!({"body": {"content": format!("attempt {i}")}}),
            )
            .await;
        match response.status {
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(response.headers.contains_key("retry-after"));
                unavailable += 1;
            }
            StatusCode::GATEWAY_TIMEOUT => timed_out += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        unavailable > 0 && timed_out > 0,
        "both kinds in 12 draws: {unavailable}/{timed_out}"
    );
    set_faults(&t, json!({})).await;
    let after = t.get(&token, &format!("{path}?$top=50")).await.body["value"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after - before, timed_out, "only the 504s were applied");
}

#[tokio::test]
async fn dropped_connections_and_latency() {
    let t = start().await;
    let token = t.user_token("User.Read").await;
    set_faults(&t, json!({"drop_rate": 1.0})).await;
    let url = format!("{}/me", t.sandbox.info().graph_url);
    let outcome = match t.http.get(&url).bearer_auth(&token).send().await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err(), "the connection should drop mid-response");

    set_faults(&t, json!({"latency_ms": 150})).await;
    let started = Instant::now();
    assert_eq!(t.get(&token, "/me").await.status, StatusCode::OK);
    assert!(
        started.elapsed().as_millis() >= 150,
        "latency is at least what was asked"
    );
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let t = start().await;
    let token = t.user_token("User.Read").await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        set_faults(&t, json!({"throttle_rate": 0.5, "seed": 42})).await;
        let mut statuses = Vec::new();
        for _ in 0..16 {
            statuses.push(t.get(&token, "/me").await.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&429) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );

    let bad = t
        .http
        .post(format!("{}/_sandbox/faults", t.sandbox.info().login_url))
        .json(&json!({"throttle_rate": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn batch_runs_items_in_order_with_dependencies() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = t.get(&token, "/me/chats").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=displayName"},
        {"id": "2", "method": "GET", "url": "/chats/19:missing@thread.v2"},
        {"id": "3", "method": "POST", "url": format!("/chats/{chat}/messages"), "dependsOn": ["2"],
         "body": {"body": {"content": "never sent"}}, "headers": {"Content-Type": "application/json"}},
        {"id": "4", "method": "POST", "url": format!("/chats/{chat}/messages"), "dependsOn": ["1"],
         "body": {"body": {"content": "sent from a batch"}}, "headers": {"Content-Type": "application/json"}},
    ]});
    let response = t.post(&token, "/$batch", &batch).await;
    assert_eq!(response.status, StatusCode::OK);
    let items = response.body["responses"].as_array().unwrap();
    let statuses: Vec<u64> = items
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 404, 424, 201]);
    assert_eq!(items[0]["body"]["displayName"], "Ada Brennan");
    assert!(
        items[0]["headers"]["request-id"].is_string(),
        "each item has its own request id"
    );
    let subset = OpenApi::graph_subset();
    subset
        .validate_response("POST", "/$batch", 200, &response.body)
        .unwrap();
    subset
        .validate_response("GET", "/me", 200, &items[0]["body"])
        .unwrap();
    subset
        .validate_response(
            "POST",
            &format!("/chats/{chat}/messages"),
            201,
            &items[3]["body"],
        )
        .unwrap();

    let newest = t
        .get(&token, &format!("/chats/{chat}/messages?$top=1"))
        .await;
    assert_eq!(
        newest.body["value"][0]["body"]["content"],
        "sent from a batch"
    );
}

#[tokio::test]
async fn batch_items_are_throttled_one_by_one_and_limits_hold() {
    let t = start().await;
    let token = t.user_token("User.Read").await;
    set_faults(
        &t,
        json!({"throttle_rate": 0.5, "retry_after_s": 3, "seed": 5}),
    )
    .await;
    let requests: Vec<Value> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let response = t
        .post(&token, "/$batch", &json!({"requests": requests}))
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "the batch itself is not throttled"
    );
    let items = response.body["responses"].as_array().unwrap();
    let throttled: Vec<&Value> = items.iter().filter(|r| r["status"] == 429).collect();
    assert!(!throttled.is_empty() && throttled.len() < 20);
    assert!(throttled.iter().all(|r| r["headers"]["retry-after"] == "3"));
    set_faults(&t, json!({})).await;

    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let response = t
        .post(&token, "/$batch", &json!({"requests": too_many}))
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let duplicate = json!({"requests": [{"id": "a", "method": "GET", "url": "/me"}, {"id": "a", "method": "GET", "url": "/me"}]});
    assert_eq!(
        t.post(&token, "/$batch", &duplicate).await.status,
        StatusCode::BAD_REQUEST
    );
    let forward = json!({"requests": [{"id": "a", "method": "GET", "url": "/me", "dependsOn": ["b"]}, {"id": "b", "method": "GET", "url": "/me"}]});
    assert_eq!(
        t.post(&token, "/$batch", &forward).await.status,
        StatusCode::BAD_REQUEST
    );
}

/// https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits: GET of
/// chat messages is limited to 20 requests per second per app per tenant, and any team or
/// channel to 4 per second per app; each app has budgets of its own.
#[tokio::test]
async fn per_app_budgets_follow_the_teams_service_limits_when_switched_on() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = t.get(&token, "/me/chats").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/chats/{chat}/messages");
    let burst = |token: String| {
        let t = &t;
        let path = path.clone();
        async move {
            let mut statuses = Vec::new();
            for _ in 0..30 {
                let response = t.get(&token, &path).await;
                if response.status == StatusCode::TOO_MANY_REQUESTS {
                    let after: u64 = response.headers["retry-after"]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert!(after >= 1, "Retry-After says when: {after}");
                    assert_eq!(response.body["error"]["code"], "TooManyRequests");
                }
                statuses.push(response.status);
            }
            statuses
        }
    };
    let off = burst(token.clone()).await;
    assert!(
        off.iter().all(|s| *s == StatusCode::OK),
        "budgets are off by default"
    );

    set_faults(&t, json!({"budgets": true})).await;
    let on = burst(token.clone()).await;
    let throttled = on
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        (1..=20).contains(&throttled),
        "30 requests in well under a second exceed 20 rps: {throttled} throttled"
    );
    assert!(on[..20].contains(&StatusCode::OK));

    let app = t.app_token().await;
    let as_app = t.get(&app, &path).await;
    assert_eq!(
        as_app.status,
        StatusCode::OK,
        "another app has its own budget: {as_app:?}"
    );

    let teams = t.get(&token, "/me/joinedTeams").await;
    let team = teams.body["value"][0]["id"].as_str().unwrap().to_owned();
    let mut team_statuses = Vec::new();
    for _ in 0..6 {
        team_statuses.push(
            t.get(&token, &format!("/teams/{team}/channels"))
                .await
                .status,
        );
    }
    assert!(
        team_statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "at most 4 requests per second on one team: {team_statuses:?}"
    );
}
