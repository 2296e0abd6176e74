//! "The latest message of each of my 50 chats": Graph requests and wall time, msgate's way (one
//! `/me/chats` page with `$expand=lastMessagePreview`) against one request per chat. Runs against
//! an in-process sandbox tenant grown to 50 chats for the default user. Reports; asserts nothing.
//!
//! Run: `bench/graph.sh` (or `cargo bench -p msgate-graph --bench latest_messages`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use msgate_graph::api::{chats, messages};
use msgate_graph::{ClientOptions, Cloud, GraphClient, Limit, Request, StaticToken};
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

const CHATS: usize = 50;
const ROUNDS: usize = 20;

async fn graph_requests(http: &reqwest::Client, login: &str) -> u64 {
    let stats: Value = http
        .get(format!("{login}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["graph_requests"].as_u64().unwrap()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let info = sandbox.info().clone();
    let scopes = vec!["User.Read".to_owned(), "Chat.ReadWrite".to_owned()];
    let token = sandbox.sign_in(None, &scopes).await.unwrap().access_token;
    let client = GraphClient::new(
        ClientOptions::new(Cloud::custom(&info.graph_url, &info.login_url).unwrap()),
        Arc::new(StaticToken::new(token, "the benchmark")),
    )
    .unwrap();

    let (existing, _) = chats::list(&client, Limit::All).await.unwrap();
    for n in existing.len()..CHATS {
        let other = &info.users[1 + n % (info.users.len() - 1)];
        let third = &info.users[1 + (n + 1) % (info.users.len() - 1)];
        let bind = |id: &str| {
            json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
            "user@odata.bind": format!("{}/users('{id}')", info.graph_url)})
        };
        let chat: Value = client
            .json(&Request::post(
                "/chats",
                json!({"chatType": "group", "topic": format!("Bench chat {n}"),
                "members": [bind(&info.users[0].id), bind(&other.id), bind(&third.id)]}),
            ))
            .await
            .unwrap();
        let id = chat["id"].as_str().unwrap();
        messages::send(
            &client,
            id,
            &format!("hello from chat {n}"),
            messages::ContentType::Text,
        )
        .await
        .unwrap();
    }
    let http = reqwest::Client::new();

    let mut expanded = Vec::new();
    let before = graph_requests(&http, &info.login_url).await;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let (list, _) = chats::list(&client, Limit::Items(CHATS)).await.unwrap();
        assert!(list.iter().all(|c| c.last_message_preview.is_some()));
        expanded.push(started.elapsed());
    }
    let expanded_requests = (graph_requests(&http, &info.login_url).await - before) / ROUNDS as u64;

    let mut naive = Vec::new();
    let before = graph_requests(&http, &info.login_url).await;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let list: Value = client
            .json(&Request::get("/me/chats").top(CHATS))
            .await
            .unwrap();
        for chat in list["value"].as_array().unwrap() {
            let id = chat["id"].as_str().unwrap();
            let (latest, _) = messages::list(&client, id, Limit::Items(1)).await.unwrap();
            assert!(latest.len() <= 1);
        }
        naive.push(started.elapsed());
    }
    let naive_requests = (graph_requests(&http, &info.login_url).await - before) / ROUNDS as u64;

    println!(
        "latest message of each of {CHATS} chats, sandbox on loopback, median of {ROUNDS} runs:"
    );
    println!(
        "  msgate ($expand=lastMessagePreview): {expanded_requests} Graph request(s), {:.2} ms",
        median(expanded).as_secs_f64() * 1000.0
    );
    println!(
        "  one request per chat:                {naive_requests} Graph requests, {:.2} ms",
        median(naive).as_secs_f64() * 1000.0
    );
    sandbox.shutdown().await;
}
