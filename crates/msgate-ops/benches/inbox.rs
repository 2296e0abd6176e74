//! `inbox` over 50 chats: Graph requests and wall time of a run with nothing new (the common
//! case for an agent polling) and of a run after new messages in 5 chats. Runs the operation
//! through the catalog against an in-process sandbox grown to 50 chats. Reports; asserts nothing.
//!
//! Run: `bench/inbox.sh` (or `cargo bench -p msgate-ops --bench inbox`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use msgate_graph::{ClientOptions, Cloud, GraphClient, Request, StaticToken};
use msgate_ops::{Catalog, Ctx, Face, OpenGate};
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

const CHATS: usize = 50;
const ROUNDS: usize = 20;

fn client(sandbox: &Sandbox, token: msgate_core::Secret) -> GraphClient {
    let info = sandbox.info();
    GraphClient::new(
        ClientOptions::new(Cloud::custom(&info.graph_url, &info.login_url).unwrap()),
        Arc::new(StaticToken::new(token, "the benchmark")),
    )
    .unwrap()
}

async fn graph_requests(login: &str) -> u64 {
    let stats: Value = reqwest::get(format!("{login}/_sandbox/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["graph_requests"].as_u64().unwrap()
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let info = sandbox.info().clone();
    let scopes = vec!["User.Read".to_owned(), "Chat.ReadWrite".to_owned()];
    let ada = client(
        &sandbox,
        sandbox.sign_in(None, &scopes).await.unwrap().access_token,
    );
    let ben = client(
        &sandbox,
        sandbox
            .sign_in(Some(&info.users[1].upn), &scopes)
            .await
            .unwrap()
            .access_token,
    );
    let bind = |id: &str| {
        json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
        "user@odata.bind": format!("{}/users('{id}')", info.graph_url)})
    };
    let existing: Value = ada.json(&Request::get("/me/chats").top(50)).await.unwrap();
    let mut bench_chats = Vec::new();
    for n in existing["value"].as_array().unwrap().len()..CHATS {
        let chat: Value = ada
            .json(&Request::post("/chats", json!({"chatType": "group", "topic": format!("Bench chat {n}"),
                "members": [bind(&info.users[0].id), bind(&info.users[1].id), bind(&info.users[2 + n % 9].id)]})))
            .await
            .unwrap();
        bench_chats.push(chat["id"].as_str().unwrap().to_owned());
    }
    let state = tempfile::tempdir().unwrap();
    let ctx = Ctx::new(ada.clone(), Face::Cli, Some(state.path().to_path_buf()));
    let catalog = Catalog::get();
    catalog
        .invoke(&ctx, &OpenGate, "inbox", json!({}))
        .await
        .unwrap();

    let mut quiet = Vec::new();
    let before = graph_requests(&info.login_url).await;
    for _ in 0..ROUNDS {
        let ctx = Ctx::new(ada.clone(), Face::Cli, Some(state.path().to_path_buf()));
        let started = Instant::now();
        let news = catalog
            .invoke(&ctx, &OpenGate, "inbox", json!({}))
            .await
            .unwrap();
        quiet.push(started.elapsed());
        assert!(news["items"].as_array().unwrap().is_empty());
    }
    let quiet_requests = (graph_requests(&info.login_url).await - before) as f64 / ROUNDS as f64;

    let mut busy = Vec::new();
    let mut busy_requests = 0;
    for round in 0..ROUNDS {
        for chat in bench_chats.iter().skip(round % 10).take(5) {
            let body = json!({"body": {"contentType": "text", "content": format!("news {round}")}});
            ben.send(&Request::post(format!("/chats/{chat}/messages"), body))
                .await
                .unwrap();
        }
        let ctx = Ctx::new(ada.clone(), Face::Cli, Some(state.path().to_path_buf()));
        let before = graph_requests(&info.login_url).await;
        let started = Instant::now();
        let news = catalog
            .invoke(&ctx, &OpenGate, "inbox", json!({}))
            .await
            .unwrap();
        busy.push(started.elapsed());
        busy_requests += graph_requests(&info.login_url).await - before;
        assert_eq!(news["items"].as_array().unwrap().len(), 5);
    }

    println!("inbox over {CHATS} chats, sandbox on loopback, median of {ROUNDS} runs:");
    println!(
        "  nothing new:         {quiet_requests:.1} Graph requests, {:.2} ms",
        median(quiet)
    );
    println!(
        "  new in 5 chats:      {:.1} Graph requests, {:.2} ms",
        busy_requests as f64 / ROUNDS as f64,
        median(busy)
    );
    sandbox.shutdown().await;
}
