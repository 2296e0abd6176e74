//! `msgate inbox` against a running sandbox: what is new across chats, followed channels and
//! mentions; a cursor that moves between runs (and does not with --peek or --since); the cost
//! of a run with nothing new; a damaged state file reported and left alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::{Home, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Chat.ReadWrite",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "ChannelMessage.Read.All",
    "ChannelMessage.Send",
];

fn items(output: &std::process::Output) -> Vec<Value> {
    assert_eq!(status(output), 0, "{}", stderr(output));
    json(output).as_array().unwrap().clone()
}

#[test]
fn new_messages_once_then_nothing_and_nothing_costs_little() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let first = items(&tenant.msgate(&home, &["inbox"]).output().unwrap());
    assert!(first.len() >= 3, "the demo day has news: {first:?}");
    let times: Vec<&str> = first.iter().map(|i| i["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    let mention = first
        .iter()
        .find(|i| i["place"] == "Quarterly planning review")
        .unwrap();
    assert_eq!(mention["mentions_me"], true);
    assert_eq!(mention["kind"], "chat");
    assert!(
        first.iter().all(|i| i["from"] != "Ada Brennan"),
        "my own messages are not news"
    );

    tenant.reset_log();
    let second = items(&tenant.msgate(&home, &["inbox"]).output().unwrap());
    assert!(second.is_empty(), "{second:?}");
    let log = tenant.requests();
    assert!(
        log.len() <= 3,
        "nothing new must cost at most 3 Graph requests: {log:?}"
    );
    assert!(
        !log.iter().any(|(_, path, _)| path == "/v1.0/me"),
        "who I am is remembered: {log:?}"
    );
}

#[test]
fn a_colleagues_mention_and_a_followed_channel_post_arrive() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let output = tenant
        .msgate(&home, &["inbox", "--follow", "Platform/eng"])
        .output()
        .unwrap();
    items(&output);

    let dev = tenant.token_for("dev.patel@larkspur.example.invalid", SCOPES);
    let sent = tenant
        .msgate_as(
            &home,
            &dev,
            &[
                "message",
                "send",
                "--chat",
                "Release 4.2",
                "@Ada Brennan can you sign off 4.2?",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&sent), 0, "{}", stderr(&sent));
    let ben = tenant.token_for("ben.okafor@larkspur.example.invalid", SCOPES);
    let posted = tenant
        .msgate_as(
            &home,
            &ben,
            &[
                "message",
                "send",
                "--channel",
                "Platform/eng",
                "--subject",
                "CI",
                "Runners are back",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&posted), 0, "{}", stderr(&posted));
    let unfollowed = tenant
        .msgate_as(
            &home,
            &ben,
            &[
                "message",
                "send",
                "--channel",
                "Platform/releases",
                "not followed",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&unfollowed), 0, "{}", stderr(&unfollowed));

    let news = items(&tenant.msgate(&home, &["inbox"]).output().unwrap());
    assert_eq!(news.len(), 2, "{news:?}");
    let chat = news.iter().find(|i| i["kind"] == "chat").unwrap();
    assert_eq!(chat["from"], "Dev Patel");
    assert_eq!(chat["mentions_me"], true);
    assert_eq!(chat["text"], "@Ada Brennan can you sign off 4.2?");
    let channel = news.iter().find(|i| i["kind"] == "channel").unwrap();
    assert_eq!(channel["place"], "Platform/eng");
    assert_eq!(channel["text"], "Runners are back");
    assert!(
        channel["place_id"].as_str().unwrap().contains("/19:"),
        "{channel}"
    );
    assert!(items(&tenant.msgate(&home, &["inbox"]).output().unwrap()).is_empty());

    let output = tenant
        .msgate(
            &home,
            &["--err-json", "inbox", "--unfollow", "Platform/releases"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 13, "{}", stderr(&output));
    items(
        &tenant
            .msgate(&home, &["inbox", "--unfollow", "Platform/eng"])
            .output()
            .unwrap(),
    );
}

#[test]
fn peek_and_since_leave_the_cursor_where_it_was() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let peeked = items(&tenant.msgate(&home, &["inbox", "--peek"]).output().unwrap());
    assert!(!peeked.is_empty());
    let again = items(&tenant.msgate(&home, &["inbox", "--peek"]).output().unwrap());
    assert_eq!(again.len(), peeked.len());
    let week = items(
        &tenant
            .msgate(&home, &["inbox", "--since", "7d"])
            .output()
            .unwrap(),
    );
    assert!(week.len() >= peeked.len());
    let limited = tenant
        .msgate(&home, &["inbox", "--limit", "1"])
        .output()
        .unwrap();
    assert_eq!(items(&limited).len(), 1);
    assert!(
        stderr(&limited).contains("showing the first 1 items"),
        "{}",
        stderr(&limited)
    );
    assert!(
        items(&tenant.msgate(&home, &["inbox"]).output().unwrap()).is_empty(),
        "the real run moved the cursor"
    );
}

#[test]
fn a_damaged_state_file_is_reported_and_left_alone() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let dir = home.path().join(".local/state/msgate/default");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inbox.json"), "{not json").unwrap();
    let output = tenant
        .msgate(&home, &["--err-json", "inbox"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 20, "{}", stderr(&output));
    assert!(
        error_json(&output)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("move it aside")
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("inbox.json")).unwrap(),
        "{not json"
    );
    let bad = tenant
        .msgate(&home, &["--err-json", "inbox", "--since", "yesterday-ish"])
        .output()
        .unwrap();
    assert_eq!(status(&bad), 2);
}
