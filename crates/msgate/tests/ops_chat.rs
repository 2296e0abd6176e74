//! The chat operations through the CLI against a running sandbox tenant (Ada Brennan signed in):
//! get, members, find, create, rename, mark-read and mark-unread — each read back after it
//! changes something, refused with the right exit code when the chat or person does not exist
//! (13), is named ambiguously (2) or the token lacks the permission (12), and still working when
//! Graph throttles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const READ: &[&str] = &["User.Read", "User.ReadBasic.All", "Chat.ReadBasic"];
const WRITE: &[&str] = &["User.Read", "User.ReadBasic.All", "Chat.ReadWrite"];

fn run(tenant: &Running, home: &Home, args: &[&str]) -> Output {
    let mut all = vec!["--err-json"];
    all.extend_from_slice(args);
    tenant.msgate(home, &all).output().unwrap()
}

/// The command's JSON output; the test fails unless it succeeded.
fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

/// The command's `--err-json` error; the test fails unless it exited with `exit`.
fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

fn names(people: &Value) -> Vec<String> {
    let mut names: Vec<String> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn upn(tenant: &Running, nickname: &str) -> String {
    tenant
        .sandbox
        .info()
        .users
        .iter()
        .find(|u| u.upn.starts_with(&format!("{nickname}@")))
        .unwrap()
        .upn
        .clone()
}

fn unread(chats: &Value, name: &str) -> bool {
    chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no chat '{name}' in {chats}"))["unread"]
        .as_bool()
        .unwrap()
}

#[test]
fn a_chat_in_detail_and_its_members() {
    let tenant = running(READ);
    let home = Home::new();
    let chat = ok(&tenant, &home, &["chat", "get", "--chat", "Release 4.2"]);
    assert_eq!(chat["topic"], "Release 4.2");
    assert_eq!(chat["type"], "group");
    assert!(chat["id"].as_str().unwrap().starts_with("19:"));
    assert!(chat["created"].as_str().unwrap().ends_with('Z'));
    assert!(
        chat["web_url"]
            .as_str()
            .unwrap()
            .contains(chat["id"].as_str().unwrap())
    );
    assert_eq!(
        names(&chat["members"]),
        ["Ada Brennan", "Dev Patel", "Kira Tanaka", "Liam O'Connor"]
    );

    // Resolving the chat by topic reads its members already: one Graph request in all.
    tenant.reset_log();
    let members = ok(
        &tenant,
        &home,
        &["chat", "members", "--chat", "Quarterly planning review"],
    );
    assert_eq!(
        names(&members),
        ["Ada Brennan", "Grace Kim", "Hugo Lindqvist", "Ines Duarte"]
    );
    assert!(members[0]["id"].as_str().unwrap().len() == 36);
    let requests = tenant.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].1, "/v1.0/me/chats");

    // A raw id goes straight to Graph; so does the one-on-one chat named by its other member.
    let by_id = ok(
        &tenant,
        &home,
        &["chat", "members", "--chat", chat["id"].as_str().unwrap()],
    );
    assert_eq!(names(&by_id), names(&chat["members"]));
    let one_on_one = ok(
        &tenant,
        &home,
        &["chat", "get", "--chat", &upn(&tenant, "chloe.martin")],
    );
    assert_eq!(one_on_one["type"], "oneOnOne");
    assert!(one_on_one.get("topic").is_none());
    assert_eq!(
        names(&one_on_one["members"]),
        ["Ada Brennan", "Chloe Martin"]
    );

    let error = fails(
        &tenant,
        &home,
        &["chat", "get", "--chat", "19:missing@thread.v2"],
        13,
    );
    assert_eq!(error["code"], "not_found");
    fails(
        &tenant,
        &home,
        &["chat", "members", "--chat", "nobody@example.invalid"],
        13,
    );
    // Kira is in a group chat with Ada but has no one-on-one chat with her.
    let error = fails(
        &tenant,
        &home,
        &["chat", "get", "--chat", &upn(&tenant, "kira.tanaka")],
        13,
    );
    assert!(
        error["hint"].as_str().unwrap().contains("chat create"),
        "{error}"
    );
}

#[test]
fn chats_are_found_by_member_and_topic() {
    let tenant = running(READ);
    let home = Home::new();
    let found = ok(
        &tenant,
        &home,
        &["chat", "find", "--member", &upn(&tenant, "dev.patel")],
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"], "Release 4.2");
    assert!(found[0]["last_text"].as_str().unwrap().contains("export"));

    let found = ok(
        &tenant,
        &home,
        &[
            "chat",
            "find",
            "--member",
            "Grace Kim",
            "--member",
            "Duarte",
            "--topic",
            "PLANNING",
        ],
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"], "Quarterly planning review");
    assert_eq!(found[0]["type"], "group");

    let found = ok(&tenant, &home, &["chat", "find", "--member", "Chloe"]);
    let found: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["oneOnOne"], "only the chat Chloe is in");
    let none = ok(
        &tenant,
        &home,
        &["chat", "find", "--topic", "no such topic"],
    );
    assert_eq!(none, json!([]));

    let error = fails(&tenant, &home, &["chat", "find"], 2);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("member or a topic")
    );
    fails(
        &tenant,
        &home,
        &["chat", "find", "--member", "nobody@example.invalid"],
        13,
    );
    // Two people's surnames start with O: Ben Okafor and Liam O'Connor.
    let error = fails(&tenant, &home, &["chat", "find", "--member", "O"], 2);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("Ben Okafor") && message.contains("Liam O'Connor"),
        "{message}"
    );
}

#[test]
fn chats_are_created_renamed_and_named_ambiguously() {
    let tenant = running(WRITE);
    let home = Home::new();
    let hugo = upn(&tenant, "hugo.lindqvist");
    let created = ok(&tenant, &home, &["chat", "create", "--with", &hugo]);
    assert_eq!(created["type"], "oneOnOne");
    assert_eq!(
        names(&created["members"]),
        ["Ada Brennan", "Hugo Lindqvist"]
    );
    let again = ok(
        &tenant,
        &home,
        &["chat", "create", "--with", "Hugo Lindqvist", "--with", "me"],
    );
    assert_eq!(again["id"], created["id"], "the existing chat comes back");
    let read_back = ok(&tenant, &home, &["chat", "get", "--chat", &hugo]);
    assert_eq!(read_back["id"], created["id"]);

    let group = ok(
        &tenant,
        &home,
        &[
            "chat",
            "create",
            "--with",
            "Okafor",
            "--with",
            "grace",
            "--topic",
            "Runner costs",
        ],
    );
    assert_eq!(group["type"], "group");
    assert_eq!(group["topic"], "Runner costs");
    let read_back = ok(&tenant, &home, &["chat", "get", "--chat", "runner costs"]);
    assert_eq!(read_back["id"], group["id"]);
    assert_eq!(
        names(&read_back["members"]),
        ["Ada Brennan", "Ben Okafor", "Grace Kim"]
    );

    let renamed = ok(
        &tenant,
        &home,
        &[
            "chat",
            "rename",
            "--chat",
            "Runner costs",
            "--topic",
            "Runner cost review",
        ],
    );
    assert_eq!(renamed["topic"], "Runner cost review");
    let read_back = ok(
        &tenant,
        &home,
        &["chat", "get", "--chat", group["id"].as_str().unwrap()],
    );
    assert_eq!(read_back["topic"], "Runner cost review");

    // Only group chats have a topic: refused before Graph is asked, known by the chat's type
    // or by its id.
    for chat in [hugo.as_str(), created["id"].as_str().unwrap()] {
        tenant.reset_log();
        let error = fails(
            &tenant,
            &home,
            &["chat", "rename", "--chat", chat, "--topic", "Hugo and me"],
            2,
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("only group chats can be renamed"),
            "{error}"
        );
        assert!(
            !tenant.requests().iter().any(|r| r.0 == "PATCH"),
            "no PATCH was sent"
        );
    }
    fails(
        &tenant,
        &home,
        &["chat", "rename", "--chat", "Release 4.2", "--topic", "a:b"],
        2,
    );

    // A second 'Release 4.2' makes the topic ambiguous for every chat operation.
    ok(
        &tenant,
        &home,
        &[
            "chat",
            "create",
            "--with",
            "Dev Patel",
            "--with",
            "Kira Tanaka",
            "--topic",
            "Release 4.2",
        ],
    );
    for op in ["get", "members", "mark-read"] {
        let error = fails(&tenant, &home, &["chat", op, "--chat", "Release 4.2"], 2);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("matches 2 chats"),
            "{op}: {error}"
        );
    }
    fails(
        &tenant,
        &home,
        &[
            "chat",
            "rename",
            "--chat",
            "Release 4.2",
            "--topic",
            "Release 4.3",
        ],
        2,
    );

    let error = fails(
        &tenant,
        &home,
        &["chat", "create", "--with", "nobody@example.invalid"],
        13,
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nobody@example.invalid")
    );
    fails(&tenant, &home, &["chat", "create", "--with", "O"], 2);
    fails(&tenant, &home, &["chat", "create", "--with", "me"], 2);
    fails(
        &tenant,
        &home,
        &[
            "chat",
            "rename",
            "--chat",
            "19:missing@thread.v2",
            "--topic",
            "x",
        ],
        13,
    );
}

#[test]
fn read_markers_move_and_are_read_back() {
    let tenant = running(WRITE);
    let home = Home::new();
    let ben = upn(&tenant, "ben.okafor");
    let before = ok(&tenant, &home, &["chat", "list", "--all"]);
    assert!(!unread(&before, "Ben Okafor"));
    assert!(unread(&before, "Release 4.2"));

    let marked = ok(&tenant, &home, &["chat", "mark-unread", "--chat", &ben]);
    assert_eq!(marked["unread"], true);
    tenant.reset_log();
    let marked = ok(
        &tenant,
        &home,
        &["chat", "mark-read", "--chat", "Release 4.2"],
    );
    assert_eq!(marked["unread"], false);
    // The user id and tenant Graph wants come from what resolving the chat read.
    let requests: Vec<(String, String)> = tenant
        .requests()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[2].0, "POST");
    assert!(
        requests[2].1.ends_with("/markChatReadForUser"),
        "{requests:?}"
    );

    let after = ok(&tenant, &home, &["chat", "list", "--all"]);
    assert!(unread(&after, "Ben Okafor"));
    assert!(!unread(&after, "Release 4.2"));
    // Marking again changes nothing and is no error.
    let chat_id = marked["id"].as_str().unwrap();
    ok(&tenant, &home, &["chat", "mark-read", "--chat", chat_id]);
    let after = ok(&tenant, &home, &["chat", "list", "--all"]);
    assert!(!unread(&after, "Release 4.2"));

    fails(
        &tenant,
        &home,
        &["chat", "mark-read", "--chat", "19:missing@thread.v2"],
        13,
    );
    fails(
        &tenant,
        &home,
        &["chat", "mark-unread", "--chat", "No such chat"],
        13,
    );
}

#[test]
fn missing_permissions_are_named() {
    let tenant = running(READ);
    let home = Home::new();
    for args in [
        &["chat", "mark-read", "--chat", "Release 4.2"][..],
        &["chat", "mark-unread", "--chat", "Release 4.2"],
        &[
            "chat",
            "rename",
            "--chat",
            "Release 4.2",
            "--topic",
            "Release 4.3",
        ],
        &["chat", "create", "--with", "Ben Okafor"],
    ] {
        let error = fails(&tenant, &home, args, 12);
        assert_eq!(error["code"], "scope_insufficient", "{args:?}");
        let hint = error["hint"].as_str().unwrap();
        let wanted = if args[1] == "create" {
            "Chat.Create"
        } else {
            "Chat.ReadWrite"
        };
        assert!(hint.contains(wanted), "{args:?}: {hint}");
    }

    let tenant = running(&["User.Read", "User.ReadBasic.All"]);
    for args in [
        &["chat", "get", "--chat", "19:abc@thread.v2"][..],
        &["chat", "members", "--chat", "19:abc@thread.v2"],
        &["chat", "find", "--topic", "release"],
    ] {
        let error = fails(&tenant, &home, args, 12);
        assert!(
            error["hint"].as_str().unwrap().contains("Chat.ReadBasic"),
            "{args:?}: {error}"
        );
    }
}

#[test]
fn throttled_calls_still_succeed() {
    let tenant = running(WRITE);
    let home = Home::new();
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 7}));
    let chat = ok(&tenant, &home, &["chat", "get", "--chat", "Release 4.2"]);
    assert_eq!(chat["type"], "group");
    let members = ok(
        &tenant,
        &home,
        &["chat", "members", "--chat", "Release 4.2"],
    );
    assert_eq!(members.as_array().unwrap().len(), 4);
    let found = ok(&tenant, &home, &["chat", "find", "--member", "Dev Patel"]);
    assert_eq!(found[0]["name"], "Release 4.2");
    let created = ok(
        &tenant,
        &home,
        &[
            "chat", "create", "--with", "Ines", "--with", "Farid", "--topic", "Budget",
        ],
    );
    let renamed = ok(
        &tenant,
        &home,
        &[
            "chat",
            "rename",
            "--chat",
            created["id"].as_str().unwrap(),
            "--topic",
            "Budget 2027",
        ],
    );
    assert_eq!(renamed["topic"], "Budget 2027");
    ok(
        &tenant,
        &home,
        &["chat", "mark-unread", "--chat", &upn(&tenant, "ben.okafor")],
    );
    ok(
        &tenant,
        &home,
        &["chat", "mark-read", "--chat", "Release 4.2"],
    );
    let throttled = tenant.requests().iter().filter(|r| r.2 == 429).count();
    assert!(throttled > 0, "faults were on");
    tenant.set_faults(json!({}));
    let chats = ok(&tenant, &home, &["chat", "list", "--all"]);
    assert!(unread(&chats, "Ben Okafor"));
    assert!(!unread(&chats, "Release 4.2"));
    assert!(
        chats
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Budget 2027")
    );
}
