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

/// An HTTP server on the sandbox, errors as JSON.
const HTTP_SERVE: &[&str] = &[
    "--err-json",
    "--sandbox",
    "mcp",
    "serve",
    "--transport",
    "http",
    "--port",
    "0",
];

#[test]
fn http_refuses_to_start_without_a_long_enough_token_or_with_an_exposed_insecure_bind() {
    let home = Home::new();
    let out = home.msgate(HTTP_SERVE).output().unwrap();
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
        .msgate(HTTP_SERVE)
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
        .msgate(&[HTTP_SERVE, &["--allow-insecure", "--bind", "0.0.0.0"]].concat())
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

/// Runs `msgate ARGS mcp serve EXTRA` on stdio, sends `requests` (initialize and the
/// initialized notification first), and returns the process output with every answer by id.
/// Fails if stdout holds anything but JSON-RPC.
fn stdio_exchange(
    home: &Home,
    global: &[&str],
    extra: &[&str],
    requests: &[Value],
) -> (std::process::Output, Vec<Value>) {
    let mut child = Command::new(BIN)
        .args(global)
        .args(["mcp", "serve"])
        .args(extra)
        .env_remove("MSGATE_PROFILE")
        .env_remove("MSGATE_POLICY")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_STATE_HOME", home.path().join(".local/state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let opening = [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ];
    for request in opening.iter().chain(requests) {
        writeln!(stdin, "{request}").unwrap();
    }
    let expected = 1 + requests.iter().filter(|r| r.get("id").is_some()).count();
    let reader = BufReader::new(child.stdout.take().unwrap());
    let mut answers = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!("stdout holds something that is not JSON-RPC ({e}): {line}")
        });
        assert_eq!(answer["jsonrpc"], "2.0", "{line}");
        answers.push(answer);
        if answers.len() == expected {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    // Requests may be answered in any order: sort them by id.
    answers.sort_by_key(|a| a["id"].as_u64());
    (out, answers)
}

fn tool_call(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}

#[test]
fn stdio_carries_only_json_rpc_and_serves_the_sandbox() {
    let home = Home::new();
    let (out, answers) = stdio_exchange(
        &home,
        &["--debug", "--sandbox"],
        &[],
        &[
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
            tool_call(2, "chat_list", json!({"max_items": 2})),
            tool_call(3, "message_send", json!({"chat": "x", "text": "hi"})),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "closing stdin ends the server");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tool call"),
        "logs went to stderr"
    );
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

#[test]
fn the_cli_and_the_mcp_server_reach_the_same_decision_under_one_policy() {
    let home = Home::new();
    let policy = home.path().join("policy.toml");
    std::fs::write(
        &policy,
        "preset = \"standard\"\ndeny = [\"message.send\"]\nallow = [\"team.archive\"]\n",
    )
    .unwrap();
    // msgate refuses a policy file other users could change.
    std::fs::set_permissions(&policy, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let policy = policy.to_str().unwrap();
    let cli = |args: &[&str]| {
        let mut all = vec!["--err-json", "--sandbox", "--policy", policy];
        all.extend_from_slice(args);
        home.msgate(&all).output().unwrap()
    };
    let (_, answers) = stdio_exchange(
        &home,
        &["--sandbox", "--policy", policy],
        &["--tools", "all"],
        &[
            tool_call(
                1,
                "message_send",
                json!({"chat": "Release 4.2", "text": "hi"}),
            ),
            tool_call(2, "team_unarchive", json!({"team": "Platform"})),
            tool_call(3, "chat_list", json!({"max_items": 1})),
        ],
    );
    for (answer, args) in [
        (
            &answers[1],
            vec!["message", "send", "--chat", "Release 4.2", "hi"],
        ),
        (&answers[2], vec!["team", "unarchive", "--team", "Platform"]),
    ] {
        let out = cli(&args);
        assert_eq!(status(&out), 16, "{}", String::from_utf8_lossy(&out.stderr));
        let cli_error = error_json(&out)["error"].clone();
        let mcp_error = &answer["result"]["structuredContent"]["error"];
        assert_eq!(mcp_error["code"], "policy_denied", "{answer}");
        assert_eq!(
            mcp_error["message"], cli_error["message"],
            "same rule, same words"
        );
    }
    assert_eq!(status(&cli(&["chat", "list", "--limit", "1"])), 0);
    assert_eq!(answers[3]["result"]["isError"], false, "{}", answers[3]);
}

/// Starts `command` (an HTTP MCP server) and returns it with the URLs it printed.
fn spawn_http(command: &mut Command) -> (std::process::Child, Value) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    (child, serde_json::from_str(&first).unwrap())
}

/// The HTTP status of an `initialize` POST to `mcp_url` with `token`.
async fn initialize_status(mcp_url: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(mcp_url)
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(token)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Stops a server with SIGTERM and collects what it wrote.
fn terminate(child: std::process::Child) -> std::process::Output {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn http_answers_only_the_token_logs_none_of_it_and_stops_gracefully() {
    let canary = Canary::new("mcp-http");
    let bearer = canary.token().to_owned();
    assert!(bearer.len() >= 32);
    let (child, urls) = spawn_http(
        canary
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
            .env("MSGATE_MCP_TOKEN", &bearer),
    );
    let mcp_url = urls["mcp_url"].as_str().unwrap();
    assert_eq!(initialize_status(mcp_url, &format!("{bearer}x")).await, 401);
    assert_eq!(initialize_status(mcp_url, &bearer).await, 200);
    let health = reqwest::get(urls["health_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let out = terminate(child);
    assert_eq!(out.status.code(), Some(0), "SIGTERM stops it gracefully");
    assert!(String::from_utf8_lossy(&out.stderr).contains("MCP server stopped"));
    if let Err(leaks) = canary.check(&out) {
        panic!("the bearer token leaked: {leaks:?}");
    }
}

#[tokio::test]
async fn a_token_file_is_read_and_warned_about_when_others_can_read_it() {
    let home = Home::new();
    let file = home.path().join("mcp-token");
    let token = "fake-mcp-file-token-0123456789abcdefghij";
    std::fs::write(&file, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (child, urls) = spawn_http(
        Command::new(BIN)
            .args([
                "--sandbox",
                "mcp",
                "serve",
                "--transport",
                "http",
                "--port",
                "0",
                "--token-file",
            ])
            .arg(&file)
            .env_remove("MSGATE_MCP_TOKEN")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("XDG_STATE_HOME", home.path().join(".local/state")),
    );
    assert_eq!(
        initialize_status(urls["mcp_url"].as_str().unwrap(), token).await,
        200,
        "the file's token, without its newline, is the token"
    );
    let out = terminate(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("can be read by other users"), "{stderr}");
    assert!(!stderr.contains(token));
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
