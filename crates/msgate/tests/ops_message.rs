//! Messages through the CLI against a running sandbox tenant: reading one in full and as Graph
//! sent it, threads, replies, edits, soft delete and undo, reactions, pins, Teams links, files
//! and inline images sent, listed and saved — each read back from the tenant — and the exit
//! codes for what is missing, not allowed, ambiguous or throttled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Chat.ReadWrite",
    "ChatMember.Read",
    "ChannelMessage.Read.All",
    "ChannelMessage.Send",
    "ChannelMessage.ReadWrite",
    "ChannelMember.Read.All",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "Files.ReadWrite",
    "Files.ReadWrite.All",
];

fn run(tenant: &Running, home: &Home, args: &[&str]) -> Output {
    tenant.msgate(home, args).output().unwrap()
}

/// Runs a command that must succeed and returns its JSON.
fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

/// Runs a command that must fail with `exit`, and returns its JSON error.
fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let mut args = args.to_vec();
    args.insert(0, "--err-json");
    let output = run(tenant, home, &args);
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

fn chat_id(tenant: &Running, topic: &str) -> String {
    let (_, chats) = tenant.graph("GET", "/me/chats", None);
    chats["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == topic)
        .map(id)
        .unwrap()
}

#[test]
fn a_chat_message_is_read_edited_reacted_pinned_deleted_and_restored() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let chat = "Release 4.2";
    let sent = ok(
        &tenant,
        &home,
        &["message", "send", "--chat", chat, "Draft **notes** for 4.2"],
    );
    let message = id(&sent);
    let at = ["--chat", chat, "--id", &message];
    let with = |verb: &[&str], extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["message"].iter().map(|s| (*s).to_owned()).collect();
        args.extend(verb.iter().map(|s| (*s).to_owned()));
        args.extend(at.iter().map(|s| (*s).to_owned()));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let call = |verb: &[&str], extra: &[&str]| -> Value {
        let args = with(verb, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&tenant, &home, &args)
    };

    let got = call(&["get"], &[]);
    assert_eq!(got["text"], "Draft **notes** for 4.2");
    assert_eq!(got["from"], "Ada Brennan");
    let raw = call(&["get"], &["--raw"]);
    assert_eq!(
        raw["body"]["content"],
        "<p>Draft <strong>notes</strong> for 4.2</p>"
    );
    assert_eq!(raw["chatId"], chat_id(&tenant, chat));

    let edited = call(&["edit"], &["Final **notes** for 4.2, @Dev Patel"]);
    assert_eq!(edited["text"], "Final **notes** for 4.2, @Dev Patel");
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["mentions"], json!(["Dev Patel"]));

    let reacted = call(&["react"], &["--reaction", "Like"]);
    assert_eq!(reacted["done"], "reacted");
    assert_eq!(reacted["reaction"], "like");
    call(&["react"], &["--reaction", "like"]);
    call(&["react"], &["--reaction", "🚀"]);
    let got = call(&["get"], &[]);
    assert_eq!(
        got["reactions"],
        json!([{"reaction": "like", "count": 1}, {"reaction": "🚀", "count": 1}]),
        "reacting twice is one reaction"
    );
    call(&["unreact"], &["--reaction", "like"]);
    call(&["unreact"], &["--reaction", "like"]);
    let got = call(&["get"], &[]);
    assert_eq!(got["reactions"], json!([{"reaction": "🚀", "count": 1}]));

    let chat_path = format!(
        "/chats/{}/pinnedMessages?$expand=message",
        chat_id(&tenant, chat)
    );
    assert_eq!(call(&["pin"], &[])["done"], "pinned");
    let (_, pins) = tenant.graph("GET", &chat_path, None);
    assert_eq!(pins["value"][0]["message"]["id"], message.as_str());
    call(&["unpin"], &[]);
    call(&["unpin"], &[]);
    let (_, pins) = tenant.graph("GET", &chat_path, None);
    assert_eq!(pins["value"], json!([]));

    assert_eq!(call(&["delete"], &[])["done"], "deleted");
    let got = call(&["get"], &[]);
    assert_eq!(
        (got["deleted"].clone(), got["text"].clone()),
        (json!(true), json!(""))
    );
    call(&["undelete"], &[]);
    let got = call(&["get"], &[]);
    assert!(got.get("deleted").is_none(), "{got}");
    assert_eq!(got["text"], "Final **notes** for 4.2, @Dev Patel");

    let thread = call(&["thread"], &[]);
    assert_eq!(thread["post"]["id"], message.as_str());
    assert_eq!(thread["replies"], json!([]), "chats have no threads");

    let error = fails(
        &tenant,
        &home,
        &["message", "reply", "--chat", chat, "--id", &message, "hi"],
        2,
    );
    assert!(
        error["message"].as_str().unwrap().contains("no replies"),
        "{error}"
    );
    let listed = ok(
        &tenant,
        &home,
        &["message", "list", "--chat", chat, "--limit", "1", "--raw"],
    );
    assert_eq!(listed[0]["id"], message.as_str());
    assert!(
        listed[0]["body"]["content"]
            .as_str()
            .unwrap()
            .contains("<at id=\"0\">Dev Patel</at>")
    );
}

#[test]
fn channel_threads_replies_links_and_other_peoples_posts() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let channel = "Platform/eng";
    let posts = ok(&tenant, &home, &["message", "list", "--channel", channel]);
    let grace = posts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["from"] == "Grace Kim")
        .map(id)
        .unwrap();

    let thread = ok(
        &tenant,
        &home,
        &["message", "thread", "--channel", channel, "--id", &grace],
    );
    assert_eq!(thread["post"]["from"], "Grace Kim");
    let from: Vec<&str> = thread["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from"].as_str().unwrap())
        .collect();
    assert_eq!(from, ["Ben Okafor", "Dev Patel"], "oldest first");

    let reply = ok(
        &tenant,
        &home,
        &[
            "message",
            "reply",
            "--channel",
            channel,
            "--id",
            &grace,
            "I'll watch the _old_ pool, @Ben Okafor",
        ],
    );
    assert_eq!(reply["reply_to"], grace.as_str());
    assert_eq!(reply["mentions"], json!(["Ben Okafor"]));

    // A reply is addressed through its post, or by its Teams link.
    let raw = ok(
        &tenant,
        &home,
        &[
            "message",
            "get",
            "--channel",
            channel,
            "--parent",
            &grace,
            "--id",
            &id(&reply),
            "--raw",
        ],
    );
    let link = raw["webUrl"].as_str().unwrap().to_owned();
    assert!(link.contains("parentMessageId="), "{link}");
    let edited = ok(
        &tenant,
        &home,
        &["message", "edit", "--link", &link, "Watching the old pool"],
    );
    assert_eq!(edited["text"], "Watching the old pool");
    ok(
        &tenant,
        &home,
        &["message", "react", "--link", &link, "--reaction", "heart"],
    );
    ok(&tenant, &home, &["message", "delete", "--link", &link]);
    let thread = ok(
        &tenant,
        &home,
        &["message", "thread", "--link", &link, "--limit", "2"],
    );
    assert_eq!(
        thread["post"]["id"],
        grace.as_str(),
        "a reply's link opens its thread"
    );
    assert_eq!(thread["truncated"], true);
    let newest = &thread["replies"][1];
    assert_eq!(newest["id"], id(&reply).as_str());
    assert_eq!(newest["deleted"], true);
    assert_eq!(
        newest["reactions"],
        json!([{"reaction": "heart", "count": 1}])
    );
    ok(&tenant, &home, &["message", "undelete", "--link", &link]);
    let got = ok(&tenant, &home, &["message", "get", "--link", &link]);
    assert_eq!(got["text"], "Watching the old pool");

    // Replying to a reply continues the thread; only the sender may edit.
    let again = ok(
        &tenant,
        &home,
        &[
            "message",
            "reply",
            "--link",
            &link,
            "Rollback plan is ready",
        ],
    );
    assert_eq!(again["reply_to"], grace.as_str());
    let error = fails(
        &tenant,
        &home,
        &[
            "message",
            "edit",
            "--channel",
            channel,
            "--id",
            &grace,
            "mine now",
        ],
        12,
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("only the sender"),
        "{error}"
    );
    let error = fails(
        &tenant,
        &home,
        &["message", "pin", "--channel", channel, "--id", &grace],
        2,
    );
    assert!(
        error["message"].as_str().unwrap().contains("chats"),
        "{error}"
    );
    let error = fails(
        &tenant,
        &home,
        &["message", "get", "--link", &link, "--channel", channel],
        2,
    );
    assert!(
        error["message"].as_str().unwrap().contains("link"),
        "{error}"
    );
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A tiny valid PNG.
const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 156, 99, 248, 15, 4, 0, 9, 251, 3,
    253, 227, 85, 242, 156, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

#[test]
fn files_and_images_are_sent_listed_and_saved() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let local = tempfile::tempdir().unwrap();
    let notes = write(
        local.path(),
        "runbook notes.md",
        b"# Runbook\n\n1. Drain the pool.\n",
    );
    let picture = write(local.path(), "pool.png", PNG);
    let big: Vec<u8> = (0..5 * 1024 * 1024 + 123)
        .map(|i| (i % 251) as u8)
        .collect();
    let archive = write(local.path(), "logs.bin", &big);

    let channel = "Platform/General";
    let sent = ok(
        &tenant,
        &home,
        &[
            "message",
            "send",
            "--channel",
            channel,
            "Runbook and logs",
            "--attach",
            &notes,
            "--attach",
            &archive,
            "--image",
            &picture,
        ],
    );
    let message = id(&sent);
    let sessions = tenant
        .requests()
        .iter()
        .filter(|(method, path, _)| method == "POST" && path.ends_with("/createUploadSession"))
        .count();
    assert_eq!(
        sessions, 1,
        "only the file over 4 MB goes through an upload session"
    );
    let kinds: Vec<(&str, &str)> = sent["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("reference", "runbook notes.md"), ("reference", "logs.bin")]
    );

    // The files landed in the channel's folder, the way Teams puts them there.
    let (_, teams) = tenant.graph("GET", "/me/joinedTeams", None);
    let team = teams["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "Platform")
        .map(id)
        .unwrap();
    let (_, channels) = tenant.graph("GET", &format!("/teams/{team}/channels"), None);
    let general = channels["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == "General")
        .map(id)
        .unwrap();
    let (_, folder) = tenant.graph(
        "GET",
        &format!("/teams/{team}/channels/{general}/filesFolder"),
        None,
    );
    let (_, children) = tenant.graph(
        "GET",
        &format!(
            "/drives/{}/items/{}/children",
            folder["parentReference"]["driveId"].as_str().unwrap(),
            id(&folder)
        ),
        None,
    );
    let names: Vec<&str> = children["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"runbook notes.md") && names.contains(&"logs.bin"),
        "{names:?}"
    );

    let at = ["--channel", channel, "--id", message.as_str()];
    let mut args = vec!["message", "attachments", "list"];
    args.extend(at);
    let listed = ok(&tenant, &home, &args);
    let kinds: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["file", "file", "image"]);
    assert_eq!(listed[2]["name"], "pool.png");

    let saved = tempfile::tempdir().unwrap();
    let out = saved.path().to_string_lossy().into_owned();
    let download = |which: &str, extra: &[&str]| -> Output {
        let mut args = vec!["--err-json", "message", "attachments", "download"];
        args.extend(at);
        args.extend(["--attachment", which, "--out", &out]);
        args.extend(extra);
        run(&tenant, &home, &args)
    };
    for (name, bytes) in [
        (
            "runbook notes.md",
            b"# Runbook\n\n1. Drain the pool.\n".as_slice(),
        ),
        ("logs.bin", &big),
        ("pool.png", PNG),
    ] {
        let output = download(name, &[]);
        assert_eq!(status(&output), 0, "{name}: {}", stderr(&output));
        let result = json(&output);
        assert_eq!(result["bytes"], bytes.len());
        assert_eq!(
            std::fs::read(saved.path().join(name)).unwrap(),
            bytes,
            "{name}"
        );
    }
    let again = download("pool.png", &[]);
    assert_eq!(status(&again), 15, "{}", stderr(&again));
    assert_eq!(status(&download("pool.png", &["--force"])), 0);
    let leftovers: Vec<String> = std::fs::read_dir(saved.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("msgate-part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // New text keeps the files and the image.
    let mut args = vec!["message", "edit"];
    args.extend(at);
    args.push("Runbook and logs, v2");
    assert_eq!(
        ok(&tenant, &home, &args)["text"]
            .as_str()
            .unwrap()
            .lines()
            .next(),
        Some("Runbook and logs, v2")
    );
    let mut args = vec!["message", "attachments", "list"];
    args.extend(at);
    assert_eq!(ok(&tenant, &home, &args), listed);

    // In a chat the file goes to the sender's OneDrive, and comes back through the shares API.
    let chat_file = write(local.path(), "budget.csv", b"item,amount\nrunners,6400\n");
    let sent = ok(
        &tenant,
        &home,
        &[
            "message",
            "send",
            "--chat",
            "Release 4.2",
            "--attach",
            &chat_file,
        ],
    );
    let (_, item) = tenant.graph(
        "GET",
        "/me/drive/root:/Microsoft Teams Chat Files/budget.csv",
        None,
    );
    assert_eq!(item["size"], 25, "{item}");
    let (_, permissions) = tenant.graph(
        "GET",
        &format!("/me/drive/items/{}/permissions", id(&item)),
        None,
    );
    let mut shared_with: Vec<&str> = permissions["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["roles"] == json!(["read"]))
        .map(|p| p["grantedToV2"]["user"]["displayName"].as_str().unwrap())
        .collect();
    shared_with.sort_unstable();
    assert_eq!(
        shared_with,
        ["Dev Patel", "Kira Tanaka", "Liam O'Connor"],
        "the chat's other members can open it"
    );
    let output = run(
        &tenant,
        &home,
        &[
            "message",
            "attachments",
            "download",
            "--chat",
            "Release 4.2",
            "--id",
            &id(&sent),
            "--out",
            &format!("{out}/copy.csv"),
        ],
    );
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read(saved.path().join("copy.csv")).unwrap(),
        b"item,amount\nrunners,6400\n"
    );
}

#[test]
fn missing_forbidden_ambiguous_and_throttled() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let error = fails(
        &tenant,
        &home,
        &["message", "get", "--chat", "Release 4.2", "--id", "1234"],
        13,
    );
    assert_eq!(error["code"], "not_found");
    fails(
        &tenant,
        &home,
        &[
            "message",
            "react",
            "--channel",
            "Platform/nope",
            "--id",
            "1",
            "--reaction",
            "like",
        ],
        13,
    );
    let error = fails(
        &tenant,
        &home,
        &[
            "message",
            "react",
            "--chat",
            "Release 4.2",
            "--id",
            "1",
            "--reaction",
            "thumbs",
        ],
        2,
    );
    assert!(
        error["hint"].as_str().unwrap().contains("surprised"),
        "{error}"
    );

    // Two chats with one topic: the reference is ambiguous and the candidates are listed.
    let me = tenant.graph("GET", "/me", None).1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dev = tenant
        .graph("GET", "/users/dev.patel@larkspur.example.invalid", None)
        .1;
    let bind = |user: &str| {
        json!({
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "roles": ["owner"],
            "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{user}')"),
        })
    };
    let (created, body) = tenant.graph(
        "POST",
        "/chats",
        Some(json!({
            "chatType": "group",
            "topic": "Release 4.2",
            "members": [bind(&me), bind(dev["id"].as_str().unwrap())],
        })),
    );
    assert_eq!(created, 201, "{body}");
    let error = fails(
        &tenant,
        &home,
        &["message", "get", "--chat", "Release 4.2", "--id", "1"],
        2,
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("matches 2 chats"),
        "{error}"
    );

    // Throttled: every call is retried after Retry-After and the work is done once.
    tenant.set_faults(json!({"throttle_rate": 0.4, "retry_after_s": 0, "seed": 7}));
    let local = tempfile::tempdir().unwrap();
    let file = write(local.path(), "plan.txt", b"plan");
    let sent = ok(
        &tenant,
        &home,
        &[
            "message",
            "send",
            "--channel",
            "Platform/eng",
            "Plan attached",
            "--attach",
            &file,
        ],
    );
    let at = [
        "--channel",
        "Platform/eng",
        "--id",
        sent["id"].as_str().unwrap(),
    ];
    for (verb, extra) in [
        (vec!["react"], vec!["--reaction", "laugh"]),
        (vec!["edit"], vec!["Plan attached (v2)"]),
        (vec!["reply"], vec!["Looks good"]),
        (vec!["delete"], vec![]),
        (vec!["undelete"], vec![]),
    ] {
        let mut args = vec!["message"];
        args.extend(verb);
        args.extend(at);
        args.extend(extra);
        ok(&tenant, &home, &args);
    }
    let mut args = vec!["message", "thread"];
    args.extend(at);
    let thread = ok(&tenant, &home, &args);
    tenant.set_faults(json!({}));
    assert_eq!(thread["post"]["text"], "Plan attached (v2)");
    assert_eq!(
        thread["post"]["reactions"],
        json!([{"reaction": "laugh", "count": 1}])
    );
    assert_eq!(thread["replies"].as_array().unwrap().len(), 1, "sent once");
    let throttled = tenant
        .requests()
        .iter()
        .filter(|(_, _, status)| *status == 429 || *status == 503)
        .count();
    assert!(throttled > 0, "faults were on");
}

#[test]
fn a_missing_permission_is_named() {
    let tenant = running(&[
        "User.Read",
        "Chat.Read",
        "Team.ReadBasic.All",
        "Channel.ReadBasic.All",
    ]);
    let home = Home::new();
    let listed = ok(
        &tenant,
        &home,
        &["message", "list", "--chat", "Release 4.2", "--limit", "1"],
    );
    let message = id(&listed[0]);
    for (args, permission) in [
        (
            vec!["message", "react", "--reaction", "like"],
            "ChatMessage.Send",
        ),
        (vec!["message", "delete"], "Chat.ReadWrite"),
        (vec!["message", "edit", "new text"], "Chat.ReadWrite"),
    ] {
        let mut args = args;
        args.extend(["--chat", "Release 4.2", "--id", message.as_str()]);
        let error = fails(&tenant, &home, &args, 12);
        assert!(
            error["hint"].as_str().unwrap().contains(permission),
            "{args:?}: {error}"
        );
    }
    let error = fails(
        &tenant,
        &home,
        &[
            "message",
            "thread",
            "--channel",
            "Platform/eng",
            "--id",
            "1",
        ],
        12,
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("ChannelMessage.Read.All"),
        "{error}"
    );
}
