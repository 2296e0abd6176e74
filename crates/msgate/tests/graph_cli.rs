//! The first Graph commands end to end: `chat list`, `message list` and `message send` against
//! the sandbox tenant — in-process with `--sandbox`, and running beside the CLI, reached through
//! MSGATE_GRAPH_URL / MSGATE_LOGIN_URL with a token in MSGATE_ACCESS_TOKEN.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Home, error_json, json, running, status, stderr, stdout};

#[test]
fn sandbox_flag_lists_the_demo_users_chats_compactly() {
    let home = Home::new();
    let output = home
        .msgate(&["--sandbox", "chat", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let chats = json(&output);
    let chats = chats.as_array().unwrap();
    assert!(chats.len() >= 3);
    let planning = chats
        .iter()
        .find(|c| c["name"] == "Quarterly planning review")
        .unwrap();
    assert_eq!(planning["type"], "group");
    assert!(
        planning["last_text"]
            .as_str()
            .unwrap()
            .contains("roadmap slide")
    );
    assert!(planning["unread"].is_boolean());
    assert!(
        !planning["last_text"].as_str().unwrap().contains('<'),
        "compact text, not HTML"
    );

    let output = home
        .msgate(&["--sandbox", "chat", "list", "--limit", "2"])
        .output()
        .unwrap();
    assert_eq!(json(&output).as_array().unwrap().len(), 2);
    assert!(
        stderr(&output).contains("showing the first 2 items; rerun with --all"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_sent_message_is_read_back_through_a_running_sandbox() {
    let tenant = running(&["User.Read", "Chat.ReadWrite"]);
    let home = Home::new();
    let chats = json(
        &tenant
            .msgate(&home, &["chat", "list", "--all"])
            .output()
            .unwrap(),
    );
    let chat = chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Release 4.2")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let output = tenant
        .msgate(
            &home,
            &[
                "message",
                "send",
                "--chat",
                &chat,
                "Fix is in 4.2 <b>final</b>",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let sent = json(&output);
    assert_eq!(
        sent["text"], "Fix is in 4.2 <b>final</b>",
        "text is sent as text, not HTML"
    );

    let output = tenant
        .msgate(&home, &["message", "list", "--chat", &chat, "--limit", "1"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let newest = json(&output);
    assert_eq!(newest[0]["id"], sent["id"]);
    assert_eq!(newest[0]["from"], "Ada Brennan");
}

#[test]
fn debug_prints_one_redacted_line_per_request_and_never_the_token() {
    let tenant = running(&["User.Read", "Chat.ReadWrite"]);
    let home = Home::new();
    let output = tenant
        .msgate(&home, &["--debug-bodies", "chat", "list", "--limit", "3"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let log = stderr(&output);
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("GET http://127.0.0.1") && l.contains("/me/chats"))
        .collect();
    assert_eq!(request_lines.len(), 1, "one line per request: {log}");
    assert!(request_lines[0].contains("-> 200 in"), "{log}");
    assert!(request_lines[0].contains("request-id "), "{log}");
    assert!(
        log.contains("response body:"),
        "--debug-bodies logs bodies: {log}"
    );
    let everything = format!("{}{log}", stdout(&output));
    for (i, segment) in tenant.token.split('.').enumerate() {
        assert!(!everything.contains(segment), "token segment {i} leaked");
    }
}

#[test]
fn graph_refusals_map_to_the_exit_code_taxonomy() {
    let tenant = running(&["User.Read"]);
    let home = Home::new();
    let output = tenant
        .msgate(&home, &["--err-json", "chat", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 12, "{}", stderr(&output));
    let error = error_json(&output);
    assert_eq!(error["error"]["code"], "scope_insufficient");
    assert!(
        error["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("Chat.ReadBasic")
    );
    assert!(error["error"]["request_id"].as_str().is_some());
    assert!(error["error"]["graph_code"].as_str().is_some());

    let output = tenant
        .msgate(
            &home,
            &[
                "--err-json",
                "message",
                "list",
                "--chat",
                "19:missing@thread.v2",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(
        status(&output),
        12,
        "Chat.Read is missing too: {}",
        stderr(&output)
    );

    let mut stale = home.msgate(&["--err-json", "chat", "list"]);
    stale
        .env("MSGATE_GRAPH_URL", &tenant.sandbox.info().graph_url)
        .env("MSGATE_LOGIN_URL", &tenant.sandbox.info().login_url)
        .env("MSGATE_ACCESS_TOKEN", "fake-access-token");
    let output = stale.output().unwrap();
    assert_eq!(status(&output), 11);
    assert_eq!(error_json(&output)["error"]["code"], "auth_expired");
}

#[test]
fn not_found_and_unsigned_and_half_configured_runs_fail_clearly() {
    let tenant = running(&["User.Read", "Chat.ReadWrite"]);
    let home = Home::new();
    let output = tenant
        .msgate(
            &home,
            &[
                "--err-json",
                "message",
                "list",
                "--chat",
                "19:missing@thread.v2",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 13);
    assert_eq!(error_json(&output)["error"]["code"], "not_found");

    let output = home
        .msgate(&["--err-json", "chat", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 11);
    assert!(
        error_json(&output)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("msgate auth login")
    );

    let output = home
        .msgate(&["--err-json", "chat", "list"])
        .env("MSGATE_GRAPH_URL", "http://127.0.0.1:9/v1.0")
        .env("MSGATE_ACCESS_TOKEN", "fake-access-token")
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);
    assert!(
        error_json(&output)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MSGATE_LOGIN_URL")
    );
}

#[test]
fn an_unreachable_graph_is_a_network_error() {
    let home = Home::new();
    let output = home
        .msgate(&["--err-json", "chat", "list"])
        .env("MSGATE_GRAPH_URL", "http://127.0.0.1:9/v1.0")
        .env("MSGATE_LOGIN_URL", "http://127.0.0.1:9")
        .env("MSGATE_ACCESS_TOKEN", "fake-access-token")
        .output()
        .unwrap();
    assert_eq!(status(&output), 10, "{}", stderr(&output));
    assert_eq!(error_json(&output)["error"]["code"], "network_error");
}

#[test]
fn the_readme_main_command_shows_the_demo_tenants_news() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    assert!(
        readme.contains("cargo run --release -- --sandbox inbox"),
        "the Quickstart names the command tested here"
    );
    let home = Home::new();
    let output = home.msgate(&["--sandbox", "inbox"]).output().unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let news = json(&output);
    let news = news.as_array().unwrap();
    assert!(news.len() >= 3, "{news:?}");
    assert!(
        news.iter().any(|i| i["mentions_me"] == true),
        "Ada was mentioned today: {news:?}"
    );
    assert!(
        !home.path().join(".local/state").exists(),
        "--sandbox keeps nothing"
    );
}
