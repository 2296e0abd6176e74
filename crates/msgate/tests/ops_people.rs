//! The user and presence operations through the CLI against a running sandbox tenant (Ada
//! Brennan signed in): who is who, managers, relevant people, reading presence (several people
//! in one request), and setting, clearing and annotating your own — each change read back, and
//! each operation refused with the right exit code when the person does not exist (13), is named
//! ambiguously (2) or the token lacks the permission (12), and still working under throttling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const DIRECTORY: &[&str] = &["User.Read", "User.Read.All", "People.Read"];
const PRESENCE: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Presence.Read.All",
    "Presence.ReadWrite",
];

fn run(tenant: &Running, home: &Home, args: &[&str]) -> Output {
    let mut all = vec!["--err-json"];
    all.extend_from_slice(args);
    tenant.msgate(home, &all).output().unwrap()
}

fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
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

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

#[test]
fn people_are_found_by_address_name_and_surname() {
    let tenant = running(DIRECTORY);
    let home = Home::new();
    let me = ok(&tenant, &home, &["user", "me"]);
    assert_eq!(me["name"], "Ada Brennan");
    assert_eq!(me["email"], upn(&tenant, "ada.brennan").as_str());
    assert_eq!(me["title"], "Product Manager");
    assert_eq!(me["department"], "Product");
    assert_eq!(me["id"], tenant.sandbox.info().users[0].id.as_str());

    let ben = upn(&tenant, "ben.okafor");
    for reference in [ben.as_str(), "Ben Okafor", "ben", "Okafor"] {
        let user = ok(&tenant, &home, &["user", "get", "--user", reference]);
        assert_eq!(user["name"], "Ben Okafor", "{reference}");
        assert_eq!(user["title"], "Platform Engineer", "{reference}");
        assert_eq!(user["department"], "Engineering", "{reference}");
    }

    // A name searches word prefixes of names and addresses; an address matches from its start.
    let found = ok(&tenant, &home, &["user", "search", "kim"]);
    assert_eq!(names(&found), ["Grace Kim"]);
    let found = ok(&tenant, &home, &["user", "search", "ki"]);
    assert_eq!(
        names(&found),
        ["Grace Kim", "Kira Tanaka"],
        "sorted by name"
    );
    let found = ok(&tenant, &home, &["user", "search", "ben.okafor@"]);
    assert_eq!(names(&found), ["Ben Okafor"]);
    assert_eq!(found[0]["email"], ben.as_str());
    let output = run(
        &tenant,
        &home,
        &["user", "search", "larkspur", "--limit", "2"],
    );
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output).as_array().unwrap().len(), 2);
    assert!(stderr(&output).contains("--cursor"), "{}", stderr(&output));
    assert_eq!(ok(&tenant, &home, &["user", "search", "zebra"]), json!([]));

    let mine = ok(&tenant, &home, &["user", "manager"]);
    assert_eq!(mine["name"], "Hugo Lindqvist");
    assert_eq!(mine["title"], "Chief Executive Officer");
    let bens = ok(&tenant, &home, &["user", "manager", "--user", &ben]);
    assert_eq!(bens["name"], "Grace Kim");

    let people = ok(&tenant, &home, &["user", "people", "--limit", "3"]);
    let people = people.as_array().unwrap();
    assert_eq!(people.len(), 3);
    for person in people {
        assert_ne!(person["name"], "Ada Brennan", "not yourself");
        assert!(person["email"].as_str().unwrap().contains('@'), "{person}");
    }
}

#[test]
fn unknown_and_ambiguous_people_are_refused() {
    let tenant = running(
        PRESENCE
            .iter()
            .chain(DIRECTORY)
            .copied()
            .collect::<Vec<_>>()
            .as_slice(),
    );
    let home = Home::new();
    for args in [
        &["user", "get", "--user", "nobody@example.invalid"][..],
        &["user", "get", "--user", "Zed Nobody"],
        &["user", "manager", "--user", "nobody@example.invalid"],
        &["presence", "get", "--user", "nobody@example.invalid"],
    ] {
        let error = fails(&tenant, &home, args, 13);
        assert_eq!(error["code"], "not_found", "{args:?}");
    }
    let error = fails(
        &tenant,
        &home,
        &["user", "manager", "--user", "Hugo Lindqvist"],
        13,
    );
    assert_eq!(error["message"], "'Hugo Lindqvist' has no manager");

    // Ben Okafor and Liam O'Connor both have surnames starting with O.
    for args in [
        &["user", "get", "--user", "O"][..],
        &["user", "manager", "--user", "O"],
        &["presence", "get", "--user", "ben", "--user", "O"],
    ] {
        let error = fails(&tenant, &home, args, 2);
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("Ben Okafor") && message.contains("Liam O'Connor"),
            "{args:?}: {message}"
        );
    }
    fails(&tenant, &home, &["user", "get", "--user", " "], 2);
    fails(&tenant, &home, &["user", "search", " "], 2);
}

#[test]
fn missing_permissions_are_named() {
    let tenant = running(&["User.Read"]);
    let home = Home::new();
    let ben = upn(&tenant, "ben.okafor");
    for (args, permission) in [
        (
            &["user", "get", "--user", ben.as_str()][..],
            "User.ReadBasic.All",
        ),
        (&["user", "search", "ben"], "User.ReadBasic.All"),
        (&["user", "manager"], "User.Read.All"),
        (&["user", "people"], "People.Read"),
        (&["presence", "get"], "Presence.Read"),
        (&["presence", "set", "busy"], "Presence.ReadWrite"),
        (&["presence", "clear"], "Presence.ReadWrite"),
        (&["presence", "status-message", "Out"], "Presence.ReadWrite"),
    ] {
        let error = fails(&tenant, &home, args, 12);
        assert_eq!(error["code"], "scope_insufficient", "{args:?}");
        assert!(
            error["hint"].as_str().unwrap().contains(permission),
            "{args:?}: {error}"
        );
    }
    // Reading someone else's presence takes more than reading your own.
    let tenant = running(&["User.Read", "User.ReadBasic.All", "Presence.Read"]);
    ok(&tenant, &home, &["presence", "get"]);
    let error = fails(&tenant, &home, &["presence", "get", "--user", &ben], 12);
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("Presence.Read.All")
    );
    let tenant = running(&["Presence.Read"]);
    let error = fails(&tenant, &home, &["user", "me"], 12);
    assert!(error["hint"].as_str().unwrap().contains("User.Read"));
}

#[test]
fn presence_is_read_for_many_in_one_request() {
    let tenant = running(PRESENCE);
    let home = Home::new();
    let mine = ok(&tenant, &home, &["presence", "get"]);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["availability"], "Available");
    assert_eq!(
        mine[0]["user_id"],
        tenant.sandbox.info().users[0].id.as_str()
    );

    let ben = upn(&tenant, "ben.okafor");
    tenant.reset_log();
    let many = ok(
        &tenant,
        &home,
        &[
            "presence",
            "get",
            "--user",
            &ben,
            "--user",
            "Elena Rossi",
            "--user",
            "me",
        ],
    );
    let many = many.as_array().unwrap();
    let shown: Vec<(&str, &str, &str)> = many
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["availability"].as_str().unwrap(),
                p["activity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Ben Okafor", "Busy", "InACall"),
            ("Elena Rossi", "DoNotDisturb", "Presenting"),
            ("Ada Brennan", "Available", "Available"),
        ]
    );
    let presence_requests: Vec<String> = tenant
        .requests()
        .into_iter()
        .filter(|r| r.1.contains("presence") || r.1.contains("Presence"))
        .map(|r| format!("{} {}", r.0, r.1))
        .collect();
    assert_eq!(
        presence_requests,
        ["POST /v1.0/communications/getPresencesByUserId"]
    );
}

#[test]
fn your_status_and_status_message_are_set_and_cleared() {
    let tenant = running(PRESENCE);
    let home = Home::new();
    let set = ok(
        &tenant,
        &home,
        &["presence", "set", "busy", "--expires", "1h"],
    );
    assert_eq!(set["availability"], "Busy");
    assert_eq!(set["activity"], "Busy");
    let seen = ok(
        &tenant,
        &home,
        &["presence", "get", "--user", &upn(&tenant, "ada.brennan")],
    );
    assert_eq!(seen[0]["availability"], "Busy", "others see it");

    let offline = ok(&tenant, &home, &["presence", "set", "offline"]);
    assert_eq!(offline["availability"], "Offline");
    assert_eq!(offline["activity"], "OffWork");
    let cleared = ok(&tenant, &home, &["presence", "clear"]);
    assert_eq!(cleared["availability"], "Available", "back to Teams' own");
    let again = ok(&tenant, &home, &["presence", "clear"]);
    assert_eq!(again, cleared, "clearing twice is harmless");

    let output = run(&tenant, &home, &["presence", "set", "napping"]);
    assert_eq!(status(&output), 2);
    assert!(stderr(&output).contains("napping"), "{}", stderr(&output));
    let error = fails(
        &tenant,
        &home,
        &["presence", "set", "away", "--expires", "soon"],
        2,
    );
    assert!(error["hint"].as_str().unwrap().contains("30m"));

    let noted = ok(
        &tenant,
        &home,
        &[
            "presence",
            "status-message",
            "In workshops, back at 3",
            "--expires",
            "2h",
        ],
    );
    assert_eq!(noted["status_message"], "In workshops, back at 3");
    let expires = noted["status_expires"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() >= 20, "{expires}");
    let seen = ok(
        &tenant,
        &home,
        &["presence", "get", "--user", "Ada Brennan", "--user", "Ben"],
    );
    assert_eq!(seen[0]["status_message"], "In workshops, back at 3");
    assert!(seen[1].get("status_message").is_none());
    let cleared = ok(&tenant, &home, &["presence", "status-message", "--clear"]);
    assert!(cleared.get("status_message").is_none(), "{cleared}");
    assert!(cleared.get("status_expires").is_none(), "{cleared}");

    fails(&tenant, &home, &["presence", "status-message"], 2);
    fails(
        &tenant,
        &home,
        &["presence", "status-message", "x", "--clear"],
        2,
    );
    fails(
        &tenant,
        &home,
        &[
            "presence",
            "status-message",
            "x",
            "--expires",
            "2001-01-01T00:00:00Z",
        ],
        2,
    );
}

#[test]
fn throttled_calls_still_succeed() {
    let scopes: Vec<&str> = PRESENCE.iter().chain(DIRECTORY).copied().collect();
    let tenant = running(&scopes);
    let home = Home::new();
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 7}));
    assert_eq!(ok(&tenant, &home, &["user", "me"])["name"], "Ada Brennan");
    assert_eq!(
        ok(&tenant, &home, &["user", "get", "--user", "Okafor"])["name"],
        "Ben Okafor"
    );
    assert_eq!(
        names(&ok(&tenant, &home, &["user", "search", "kim"])),
        ["Grace Kim"]
    );
    assert_eq!(
        ok(&tenant, &home, &["user", "manager"])["name"],
        "Hugo Lindqvist"
    );
    assert_eq!(
        ok(&tenant, &home, &["user", "people", "--limit", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let many = ok(
        &tenant,
        &home,
        &["presence", "get", "--user", "Ben", "--user", "Dev Patel"],
    );
    assert_eq!(many.as_array().unwrap().len(), 2);
    assert_eq!(
        ok(&tenant, &home, &["presence", "set", "be-right-back"])["availability"],
        "BeRightBack"
    );
    assert_eq!(
        ok(&tenant, &home, &["presence", "status-message", "Lunch"])["status_message"],
        "Lunch"
    );
    assert_eq!(
        ok(&tenant, &home, &["presence", "clear"])["availability"],
        "Available"
    );
    let throttled = tenant.requests().iter().filter(|r| r.2 == 429).count();
    assert!(throttled > 0, "faults were on");
}
