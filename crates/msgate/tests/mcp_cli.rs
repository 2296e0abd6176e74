//! `msgate mcp` through the real binary: the HTTP transport refuses to start unsafely, stdio
//! carries nothing but JSON-RPC, the HTTP server answers only the right token and stops
//! gracefully, its logs never hold the token, and `mcp config` prints each client's snippet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use msgate_testkit::Canary;
use serde_json::{Value, json};
use support::{Home, error_json, status, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_msgate");

#[test]
fn http_refuses_to_start_without_a_long_enough_token_or_with_an_exposed_insecure_bind() {
    let home = Home::new();
    let out = home
        .msgate(&[
            "--err-json",
            "--sandbox",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let error = error_json(&out)["error"].clone();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("without authentication"),
        "{error}"
    );
    assert!(
        error["hint"].as_str().unwrap().contains("MSGATE_MCP_TOKEN"),
        "{error}"
    );
    assert!(stdout(&out).is_empty(), "nothing was served");

    let out = home
        .msgate(&[
            "--err-json",
            "--sandbox",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            "0",
        ])
        .env("MSGATE_MCP_TOKEN", "fake-short-token")
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert!(
        error_json(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too short")
    );

    let out = home
        .msgate(&[
            "--err-json",
            "--sandbox",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            "0",
            "--allow-insecure",
            "--bind",
            "0.0.0.0",
        ])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert!(
        error_json(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only on loopback")
    );
}

#[test]
fn stdio_carries_only_json_rpc_and_serves_the_sandbox() {
    let home = Home::new();
    let mut child = Command::new(BIN)
        .args(["--debug", "--sandbox", "mcp", "serve"])
        .env_remove("MSGATE_PROFILE")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_STATE_HOME", home.path().join(".local/state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "chat_list", "arguments": {"max_items": 2}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "message_send", "arguments": {"chat": "x", "text": "hi"}}}),
    ];
    for request in &requests {
        writeln!(stdin, "{request}").unwrap();
    }
    let reader = BufReader::new(child.stdout.take().unwrap());
    let mut answers = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!("stdout holds something that is not JSON-RPC ({e}): {line}")
        });
        assert_eq!(answer["jsonrpc"], "2.0", "{line}");
        answers.push(answer);
        if answers.len() == 4 {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "closing stdin ends the server");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tool call"),
        "logs went to stderr"
    );
    // Requests may be answered in any order: find each by its id.
    let answer = |id: u64| answers.iter().find(|a| a["id"] == id).unwrap().clone();
    let answers: Vec<Value> = (1..=4).map(answer).collect();
    assert_eq!(answers[0]["result"]["serverInfo"]["name"], "msgate");
    assert!(answers[1]["result"]["tools"].as_array().unwrap().len() > 10);
    let chats = &answers[2]["result"]["structuredContent"]["items"];
    assert_eq!(chats.as_array().unwrap().len(), 2, "{}", answers[2]);
    let denied = &answers[3]["result"];
    assert_eq!(denied["isError"], true);
    assert_eq!(
        denied["structuredContent"]["error"]["code"],
        "policy_denied"
    );
}

#[tokio::test]
async fn http_answers_only_the_token_logs_none_of_it_and_stops_gracefully() {
    let canary = Canary::new("mcp-http");
    let bearer = canary.token().to_owned();
    assert!(bearer.len() >= 32);
    let mut child = canary
        .command(BIN)
        .args([
            "--debug",
            "--sandbox",
            "mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            "0",
        ])
        .env("MSGATE_MCP_TOKEN", &bearer)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    let urls: Value = serde_json::from_str(&first).unwrap();
    let mcp_url = urls["mcp_url"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let post = |token: String| {
        http.post(&mcp_url)
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(token)
            .json(&init)
            .send()
    };
    assert_eq!(post(format!("{bearer}x")).await.unwrap().status(), 401);
    assert_eq!(post(bearer.clone()).await.unwrap().status(), 200);
    let health = http
        .get(urls["health_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "SIGTERM stops it gracefully");
    assert!(String::from_utf8_lossy(&out.stderr).contains("MCP server stopped"));
    if let Err(leaks) = canary.check(&out) {
        panic!("the bearer token leaked: {leaks:?}");
    }
}

#[test]
fn config_prints_each_clients_snippet_for_this_binary() {
    let home = Home::new();
    for client in ["claude-desktop", "cursor"] {
        let out = home
            .msgate(&["mcp", "config", "--client", client])
            .output()
            .unwrap();
        assert_eq!(status(&out), 0);
        let snippet: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let server = &snippet["mcpServers"]["msgate"];
        assert!(
            server["command"].as_str().unwrap().ends_with("msgate"),
            "{snippet}"
        );
        assert_eq!(server["args"], json!(["mcp", "serve"]));
    }
    let out = home
        .msgate(&["--profile", "work", "mcp", "config", "--client", "vscode"])
        .output()
        .unwrap();
    let snippet: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(snippet["servers"]["msgate"]["type"], "stdio");
    assert_eq!(
        snippet["servers"]["msgate"]["args"],
        json!(["--profile", "work", "mcp", "serve"])
    );
    let out = home
        .msgate(&["mcp", "config", "--client", "claude-code"])
        .output()
        .unwrap();
    let line = stdout(&out);
    assert!(line.starts_with("claude mcp add msgate -- "), "{line}");
    assert!(line.trim_end().ends_with("mcp serve"), "{line}");
}

#[test]
fn a_client_that_leaves_before_initializing_ends_the_server_quietly() {
    let home = Home::new();
    let out = home
        .msgate(&["--sandbox", "mcp", "serve"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_tool_list_that_names_nothing_known_is_a_usage_error() {
    let home = Home::new();
    let out = home
        .msgate(&["--err-json", "--sandbox", "mcp", "serve", "--tools", "mial"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert!(
        error_json(&out)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("mail")
    );
}
