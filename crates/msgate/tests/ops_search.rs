//! `msgate search` through the CLI against a running sandbox tenant: one query finds a seeded chat
//! message, a mail, an event and a file, each with the matched words marked, in one request per
//! group of kinds Graph searches together; KQL narrows it; pages continue by cursor; kinds the
//! user may not search are left out with a note (or refused when asked for by name); a dry run
//! still searches; throttling is ridden out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &[
    "User.Read",
    "Chat.Read",
    "ChannelMessage.Read.All",
    "Mail.Read",
    "Calendars.Read",
    "Files.Read.All",
];

const ADA: &str = "ada.brennan@larkspur.example.invalid";

fn run(tenant: &Running, home: &Home, args: &[&str]) -> Output {
    tenant.msgate(home, args).output().unwrap()
}

fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

fn hits(list: &Value) -> &Vec<Value> {
    list.as_array().unwrap()
}

fn of_kind<'a>(list: &'a Value, kind: &str) -> Vec<&'a Value> {
    hits(list).iter().filter(|h| h["kind"] == kind).collect()
}

fn searches(tenant: &Running) -> usize {
    tenant
        .requests()
        .iter()
        .filter(|(method, path, _)| method == "POST" && path.ends_with("/search/query"))
        .count()
}

#[test]
fn one_query_finds_chats_mail_events_and_files_with_the_matches_marked() {
    let tenant = running(SCOPES);
    let home = Home::new();
    tenant.reset_log();
    let found = ok(&tenant, &home, &["search", "roadmap"]);
    assert_eq!(
        searches(&tenant),
        3,
        "mail and Teams messages in one request; events and files in their own"
    );

    let chat = of_kind(&found, "chat");
    let slide = chat
        .iter()
        .find(|h| h["summary"].as_str().unwrap().contains("slide"))
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(slide["from"], "Ines Duarte");
    assert!(
        slide["summary"].as_str().unwrap().contains("**roadmap**"),
        "{slide}"
    );
    let (_, chats) = tenant.graph("GET", "/me/chats", None);
    let planning = chats["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == "Quarterly planning review")
        .unwrap();
    assert_eq!(
        slide["where"], planning["id"],
        "the chat, to pass as --chat"
    );
    // The hit chains into the message commands.
    let message = ok(
        &tenant,
        &home,
        &[
            "message",
            "get",
            "--chat",
            slide["where"].as_str().unwrap(),
            "--id",
            slide["id"].as_str().unwrap(),
        ],
    );
    assert!(message["text"].as_str().unwrap().contains("roadmap slide"));

    let mail = of_kind(&found, "mail");
    assert!(!mail.is_empty(), "{found}");
    let review = mail
        .iter()
        .find(|h| h["title"] == "Q3 roadmap review")
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(review["from"], "Hugo Lindqvist");
    assert!(review["summary"].as_str().unwrap().contains("**roadmap**"));
    assert!(review["link"].as_str().unwrap().starts_with("https://"));
    let (code, _) = tenant.graph(
        "GET",
        &format!("/me/messages/{}", review["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(code, 200, "the id is the mail's");

    let events = of_kind(&found, "event");
    assert!(
        events
            .iter()
            .any(|h| h["title"] == "Roadmap sync: onboarding"),
        "{found}"
    );

    let files = of_kind(&found, "file");
    let roadmap = files
        .iter()
        .find(|h| h["title"] == "Roadmap 2026.md")
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(roadmap["where"], "/Documents");
    assert!(roadmap["summary"].as_str().unwrap().contains("**roadmap**"));
    let (_, item) = tenant.graph("GET", "/me/drive/root:/Documents/Roadmap 2026.md", None);
    assert_eq!(roadmap["id"], item["id"]);

    // Merged rank by rank: the first hits are each group's best.
    let first: Vec<&str> = hits(&found)[..3]
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        first.contains(&"event") && first.contains(&"file"),
        "{first:?}"
    );
}

#[test]
fn kql_paging_and_chosen_kinds() {
    let tenant = running(SCOPES);
    let home = Home::new();

    let from_hugo = ok(
        &tenant,
        &home,
        &["search", "from:hugo roadmap", "--in", "mail"],
    );
    assert!(!hits(&from_hugo).is_empty());
    assert!(
        hits(&from_hugo)
            .iter()
            .all(|h| h["kind"] == "mail" && h["from"] == "Hugo Lindqvist"),
        "{from_hugo}"
    );
    let markdown = ok(
        &tenant,
        &home,
        &["search", "filetype:md roadmap", "--in", "files,events"],
    );
    assert!(hits(&markdown).iter().all(|h| {
        h["kind"] == "event"
            || (h["kind"] == "file" && h["title"].as_str().unwrap().ends_with(".md"))
    }));
    assert!(!of_kind(&markdown, "file").is_empty());

    // Pages continue where the last stopped.
    let output = run(
        &tenant,
        &home,
        &["search", "roadmap", "--in", "mail", "--limit", "2"],
    );
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let first = json(&output);
    assert_eq!(hits(&first).len(), 2);
    assert!(
        stderr(&output).contains("--cursor '2'"),
        "{}",
        stderr(&output)
    );
    let next = ok(
        &tenant,
        &home,
        &[
            "search", "roadmap", "--in", "mail", "--limit", "2", "--cursor", "2",
        ],
    );
    assert!(!hits(&next).is_empty());
    for hit in hits(&next) {
        assert!(!hits(&first).iter().any(|h| h["id"] == hit["id"]), "{hit}");
    }
    let every = ok(
        &tenant,
        &home,
        &["search", "roadmap", "--in", "mail", "--limit", "2", "--all"],
    );
    assert!(hits(&every).len() > 2);
    assert_eq!(
        &hits(&every)[..2],
        &hits(&first)[..],
        "--all starts where the first page does"
    );

    let mut args = vec!["--err-json", "search", "roadmap", "--in", "tweets"];
    let output = run(&tenant, &home, &args);
    assert_eq!(status(&output), 2);
    assert!(
        error_json(&output)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("chat, mail, events, files")
    );
    args = vec!["--err-json", "search", "  "];
    assert_eq!(status(&run(&tenant, &home, &args)), 2);
}

#[test]
fn kinds_not_allowed_are_noted_or_refused_and_dry_runs_and_throttling_still_search() {
    let tenant = running(SCOPES);
    let home = Home::new();

    // Only chats: the rest is left out with a note naming what it would need.
    let chats_only = tenant.token_for(ADA, &["User.Read", "Chat.Read"]);
    let output = tenant
        .msgate_as(&home, &chats_only, &["search", "roadmap"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let found = json(&output);
    assert!(!hits(&found).is_empty());
    assert!(hits(&found).iter().all(|h| h["kind"] == "chat"), "{found}");
    let notes = stderr(&output);
    for note in [
        "note: mail not searched: it needs Mail.Read",
        "note: events not searched: it needs Calendars.Read",
        "note: files not searched: it needs Files.Read.All",
    ] {
        assert!(notes.contains(note), "{notes}");
    }
    // Asked for by name, a kind that cannot be searched is an error naming the permission.
    let output = tenant
        .msgate_as(
            &home,
            &chats_only,
            &["--err-json", "search", "roadmap", "--in", "mail"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 12, "{}", stderr(&output));
    assert!(
        error_json(&output)["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("Mail.Read")
    );
    // Nothing searchable at all.
    let nothing = tenant.token_for(ADA, &["User.Read"]);
    let output = tenant
        .msgate_as(&home, &nothing, &["--err-json", "search", "roadmap"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 12, "{}", stderr(&output));

    // A search is a POST that only reads: a dry run lets it through.
    let dry = ok(
        &tenant,
        &home,
        &["--dry-run", "search", "roadmap", "--in", "files"],
    );
    assert!(!of_kind(&dry, "file").is_empty(), "{dry}");

    tenant.set_faults(json!({"throttle_rate": 0.4, "retry_after_s": 0, "seed": 3}));
    let throttled = ok(&tenant, &home, &["search", "roadmap"]);
    tenant.set_faults(json!({}));
    for kind in ["chat", "mail", "event", "file"] {
        assert!(!of_kind(&throttled, kind).is_empty(), "{kind}: {throttled}");
    }
}

#[test]
fn the_built_in_sandbox_searches_too() {
    let home = Home::new();
    let output = home
        .msgate(&["--sandbox", "search", "roadmap", "--in", "chat"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(!hits(&json(&output)).is_empty());
}
