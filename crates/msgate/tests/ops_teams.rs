//! Teams and channels through the CLI against the sandbox tenant: every team and channel
//! operation changes or reads real state (read back afterwards), under throttling; references
//! that match nothing exit 13, references that match two teams exit 2 without a write; a token
//! without the operation's permission exits 12 with a hint naming it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const ALL: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Team.ReadBasic.All",
    "TeamSettings.ReadWrite.All",
    "TeamMember.ReadWrite.All",
    "Channel.ReadBasic.All",
    "Channel.Create",
    "ChannelSettings.ReadWrite.All",
    "Channel.Delete.All",
    "ChannelMember.Read.All",
];

/// A home whose policy allows destructive operations: these tests archive, remove and delete
/// (the default CLI policy denies that; tests/policy.rs proves the denial).
fn home_allowing_everything() -> Home {
    let home = Home::new();
    home.write_config("[policy]\npreset = \"full\"\n");
    home
}

/// Runs msgate and returns its JSON output, failing the test unless it exits 0.
fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = tenant.msgate(home, args).output().unwrap();
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

/// Runs msgate with `--err-json` and returns (exit status, error object).
fn fails(tenant: &Running, home: &Home, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--err-json"];
    all.extend_from_slice(args);
    let output = tenant.msgate(home, &all).output().unwrap();
    let code = status(&output);
    assert_ne!(code, 0, "{args:?} should fail");
    (code, error_json(&output)["error"].clone())
}

fn named<'a>(items: &'a Value, name: &str) -> Option<&'a Value> {
    items.as_array().unwrap().iter().find(|i| i["name"] == name)
}

fn throttled(tenant: &Running) -> usize {
    tenant
        .requests()
        .iter()
        .filter(|(_, _, status)| *status == 429)
        .count()
}

fn throttle(tenant: &Running) {
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 7}));
}

#[test]
fn teams_members_and_archiving_work_and_read_back_under_throttling() {
    let tenant = running(ALL);
    let home = home_allowing_everything();
    throttle(&tenant);

    let teams = ok(&tenant, &home, &["team", "list"]);
    assert_eq!(teams.as_array().unwrap().len(), 3, "{teams}");
    assert!(
        tenant
            .requests()
            .iter()
            .any(|(method, path, _)| method == "POST" && path.ends_with("/$batch")),
        "joinedTeams leaves isArchived out: it is read in one batch"
    );
    let platform = named(&teams, "Platform").unwrap();
    assert_eq!(platform["archived"], false);
    assert_eq!(
        platform["description"],
        "Infrastructure, CI and the developer platform"
    );
    let platform_id = platform["id"].as_str().unwrap().to_owned();

    let team = ok(&tenant, &home, &["team", "get", "--team", "platform"]);
    assert_eq!(team["id"], platform_id.as_str(), "names match without case");
    assert_eq!(
        (&team["owners"], &team["members"], &team["guests"]),
        (&json!(1), &json!(4), &json!(0))
    );
    assert_eq!(team["archived"], false);
    assert!(
        team["members_can"]
            .as_array()
            .unwrap()
            .contains(&json!("create_channels"))
    );
    assert_eq!(team["guests_can"], json!([]));
    assert!(team["web_url"].as_str().unwrap().starts_with("https://"));

    let members = ok(
        &tenant,
        &home,
        &["team", "members", "list", "--team", "Platform"],
    );
    let members = members.as_array().unwrap();
    assert_eq!(members.len(), 5);
    assert_eq!(members[0]["name"], "Grace Kim", "owners first");
    assert_eq!(members[0]["roles"], json!(["owner"]));
    let ada = members.iter().find(|m| m["name"] == "Ada Brennan").unwrap();
    assert_eq!(ada["roles"], json!(["member"]));
    assert!(ada["email"].as_str().unwrap().starts_with("ada.brennan@"));

    let jonas = &tenant.sandbox.info().users[9];
    let added = ok(
        &tenant,
        &home,
        &[
            "team", "members", "add", "--team", "Platform", "--user", &jonas.upn, "--owner",
        ],
    );
    assert_eq!(added["id"], jonas.id.as_str());
    assert_eq!(added["name"], "Jonas Weber");
    assert_eq!(added["roles"], json!(["owner"]));
    let team = ok(&tenant, &home, &["team", "get", "--team", &platform_id]);
    assert_eq!(team["owners"], 2, "read back: {team}");

    let removed = ok(
        &tenant,
        &home,
        &[
            "team",
            "members",
            "remove",
            "--team",
            "Platform",
            "--user",
            "Jonas Weber",
        ],
    );
    assert_eq!(
        removed,
        json!({"team_id": platform_id, "user_id": jonas.id, "name": "Jonas Weber", "removed": true})
    );
    let members = ok(
        &tenant,
        &home,
        &["team", "members", "list", "--team", "Platform"],
    );
    assert!(named(&members, "Jonas Weber").is_none(), "{members}");

    let archived = ok(&tenant, &home, &["team", "archive", "--team", "Platform"]);
    assert_eq!(archived["status"], "accepted");
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["name"], "Platform");
    assert!(
        archived["operation"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/teams('{platform_id}')/operations('")),
        "{archived}"
    );
    let teams = ok(&tenant, &home, &["team", "list"]);
    assert_eq!(named(&teams, "Platform").unwrap()["archived"], true);

    let unarchived = ok(&tenant, &home, &["team", "unarchive", "--team", "Platform"]);
    assert_eq!(
        (&unarchived["status"], &unarchived["archived"]),
        (&json!("accepted"), &json!(false))
    );
    let team = ok(&tenant, &home, &["team", "get", "--team", "Platform"]);
    assert_eq!(team["archived"], false);

    assert!(throttled(&tenant) > 0, "faults were on");
}

#[test]
fn channels_are_created_changed_and_deleted_and_read_back_under_throttling() {
    let tenant = running(ALL);
    let home = home_allowing_everything();
    throttle(&tenant);

    let channels = ok(&tenant, &home, &["channel", "list", "--team", "Platform"]);
    let names: Vec<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["General", "eng", "releases"]);
    let eng = ok(
        &tenant,
        &home,
        &["channel", "get", "--channel", "Platform/eng"],
    );
    assert_eq!(eng["description"], "Platform — eng");
    assert_eq!(eng["type"], "standard");
    assert!(eng["id"].as_str().unwrap().starts_with("19:"));
    assert!(eng["web_url"].as_str().is_some());
    let by_ids = format!(
        "{}/{}",
        eng["team_id"].as_str().unwrap(),
        eng["id"].as_str().unwrap()
    );
    let again = ok(&tenant, &home, &["channel", "get", "--channel", &by_ids]);
    assert_eq!(again, eng, "team_id/id chains into --channel");

    let members = ok(
        &tenant,
        &home,
        &["channel", "members", "--channel", "Platform/eng"],
    );
    assert_eq!(
        members.as_array().unwrap().len(),
        5,
        "a standard channel has the team"
    );
    assert_eq!(members[0]["roles"], json!(["owner"]));

    let created = ok(
        &tenant,
        &home,
        &[
            "channel",
            "create",
            "--team",
            "Platform",
            "--name",
            "incidents",
            "--description",
            "On-call",
        ],
    );
    assert_eq!(
        (&created["name"], &created["type"], &created["description"]),
        (&json!("incidents"), &json!("standard"), &json!("On-call"))
    );
    let channels = ok(&tenant, &home, &["channel", "list", "--team", "Platform"]);
    assert_eq!(named(&channels, "incidents").unwrap()["id"], created["id"]);

    let private = ok(
        &tenant,
        &home,
        &[
            "channel",
            "create",
            "--team",
            "Platform",
            "--name",
            "leads",
            "--private",
        ],
    );
    assert_eq!(private["type"], "private");
    let members = ok(
        &tenant,
        &home,
        &["channel", "members", "--channel", "Platform/leads"],
    );
    assert_eq!(
        members,
        json!([{"id": tenant.sandbox.info().users[0].id, "name": "Ada Brennan",
            "email": tenant.sandbox.info().users[0].upn, "roles": ["owner"]}]),
        "only its creator, as owner"
    );

    let updated = ok(
        &tenant,
        &home,
        &[
            "channel",
            "update",
            "--channel",
            "Platform/incidents",
            "--name",
            "sev1",
            "--description",
            "Pager",
        ],
    );
    assert_eq!(
        (&updated["id"], &updated["name"], &updated["description"]),
        (&created["id"], &json!("sev1"), &json!("Pager"))
    );
    let read = ok(
        &tenant,
        &home,
        &["channel", "get", "--channel", "Platform/sev1"],
    );
    assert_eq!(read["description"], "Pager");

    let (code, error) = fails(
        &tenant,
        &home,
        &["channel", "create", "--team", "Platform", "--name", "SEV1"],
    );
    assert_eq!((code, &error["code"]), (15, &json!("conflict")), "{error}");
    assert!(error["message"].as_str().unwrap().contains("'SEV1'"));

    let deleted = ok(
        &tenant,
        &home,
        &["channel", "delete", "--channel", "Platform/sev1"],
    );
    assert_eq!(
        deleted,
        json!({"id": created["id"], "team_id": created["team_id"], "deleted": true})
    );
    let (code, _) = fails(
        &tenant,
        &home,
        &["channel", "get", "--channel", "Platform/sev1"],
    );
    assert_eq!(code, 13, "read back: gone");

    assert!(throttled(&tenant) > 0, "faults were on");
}

#[test]
fn references_to_nothing_exit_13_and_bad_input_exits_2_before_any_request() {
    let tenant = running(ALL);
    let home = home_allowing_everything();
    let kira = &tenant.sandbox.info().users[10].upn;
    let cases: &[&[&str]] = &[
        &["team", "get", "--team", "Nowhere"],
        &["team", "members", "list", "--team", "Nowhere"],
        &[
            "team",
            "members",
            "add",
            "--team",
            "Platform",
            "--user",
            "nobody@nowhere.example",
        ],
        // Kira is in the tenant but not in Platform.
        &[
            "team", "members", "remove", "--team", "Platform", "--user", kira,
        ],
        &["team", "archive", "--team", "Nowhere"],
        &["team", "unarchive", "--team", "Nowhere"],
        &["channel", "list", "--team", "Nowhere"],
        &["channel", "get", "--channel", "Platform/nowhere"],
        &["channel", "create", "--team", "Nowhere", "--name", "x"],
        &[
            "channel",
            "update",
            "--channel",
            "Platform/nowhere",
            "--name",
            "x",
        ],
        &["channel", "delete", "--channel", "Nowhere/eng"],
        &["channel", "members", "--channel", "Platform/nowhere"],
    ];
    for args in cases {
        let (code, error) = fails(&tenant, &home, args);
        assert_eq!(code, 13, "{args:?}: {error}");
        assert_eq!(error["code"], "not_found", "{args:?}");
    }
    let (_, error) = fails(&tenant, &home, cases[3]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is not a member of team 'Platform'"),
        "{error}"
    );

    tenant.reset_log();
    for args in [
        &["channel", "update", "--channel", "Platform/eng"][..],
        &["channel", "create", "--team", "Platform", "--name", "a/b"],
    ] {
        let (code, error) = fails(&tenant, &home, args);
        assert_eq!(
            (code, &error["code"]),
            (2, &json!("invalid_input")),
            "{args:?}"
        );
    }
    assert!(tenant.requests().is_empty(), "refused before asking Graph");
}

#[test]
fn a_name_two_teams_share_is_ambiguous_and_nothing_is_changed() {
    let tenant = running(ALL);
    let home = home_allowing_everything();
    let teams = ok(&tenant, &home, &["team", "list"]);
    let all_company = named(&teams, "All Company").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = tenant.graph(
        "PATCH",
        &format!("/teams/{all_company}"),
        Some(json!({"displayName": "platform"})),
    );
    assert_eq!(status, 204);

    tenant.reset_log();
    let cases: &[&[&str]] = &[
        &["team", "get", "--team", "Platform"],
        &["team", "members", "list", "--team", "Platform"],
        &[
            "team",
            "members",
            "add",
            "--team",
            "Platform",
            "--user",
            "Jonas Weber",
        ],
        &[
            "team",
            "members",
            "remove",
            "--team",
            "Platform",
            "--user",
            "Ben Okafor",
        ],
        &["team", "archive", "--team", "Platform"],
        &["team", "unarchive", "--team", "Platform"],
        &["channel", "list", "--team", "Platform"],
        &["channel", "get", "--channel", "Platform/General"],
        &["channel", "create", "--team", "Platform", "--name", "x"],
        &[
            "channel",
            "update",
            "--channel",
            "Platform/eng",
            "--name",
            "x",
        ],
        &["channel", "delete", "--channel", "Platform/eng"],
        &["channel", "members", "--channel", "Platform/eng"],
    ];
    for args in cases {
        let (code, error) = fails(&tenant, &home, args);
        assert_eq!(code, 2, "{args:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("matches 2 teams") && message.contains(&all_company),
            "{args:?}: the candidates are listed: {message}"
        );
    }
    let writes: Vec<_> = tenant
        .requests()
        .into_iter()
        .filter(|(method, _, _)| method != "GET")
        .collect();
    assert!(
        writes.is_empty(),
        "an ambiguous reference changes nothing: {writes:?}"
    );
}

#[test]
fn a_missing_permission_exits_12_naming_it() {
    let home = home_allowing_everything();
    // Three tokens, each short of what the commands tried with it need.
    let bare = running(&["User.Read"]);
    let teams = running(&["User.Read", "Team.ReadBasic.All", "User.ReadBasic.All"]);
    let channels = running(&[
        "User.Read",
        "Team.ReadBasic.All",
        "User.ReadBasic.All",
        "Channel.ReadBasic.All",
        "TeamMember.ReadWriteNonOwnerRole.All",
    ]);
    // (token, command, a permission the hint must name)
    let cases: &[(&Running, &[&str], &str)] = &[
        (&bare, &["team", "list"], "Team.ReadBasic.All"),
        (
            &bare,
            &["team", "get", "--team", "Platform"],
            "Team.ReadBasic.All",
        ),
        (
            &teams,
            &["channel", "list", "--team", "Platform"],
            "Channel.ReadBasic.All",
        ),
        (
            &teams,
            &["channel", "get", "--channel", "Platform/eng"],
            "Channel.ReadBasic.All",
        ),
        (
            &teams,
            &["team", "members", "list", "--team", "Platform"],
            "TeamMember.Read.All",
        ),
        (
            &teams,
            &[
                "team",
                "members",
                "add",
                "--team",
                "Platform",
                "--user",
                "Jonas Weber",
            ],
            "TeamMember.ReadWriteNonOwnerRole.All",
        ),
        (
            &teams,
            &[
                "team",
                "members",
                "remove",
                "--team",
                "Platform",
                "--user",
                "Ben Okafor",
            ],
            "TeamMember.ReadWrite.All",
        ),
        (
            &teams,
            &["team", "archive", "--team", "Platform"],
            "TeamSettings.ReadWrite.All",
        ),
        (
            &teams,
            &["team", "unarchive", "--team", "Platform"],
            "TeamSettings.ReadWrite.All",
        ),
        (
            &teams,
            &["channel", "create", "--team", "Platform", "--name", "x"],
            "Channel.Create",
        ),
        (
            &channels,
            &[
                "channel",
                "update",
                "--channel",
                "Platform/eng",
                "--description",
                "x",
            ],
            "ChannelSettings.ReadWrite.All",
        ),
        (
            &channels,
            &["channel", "delete", "--channel", "Platform/eng"],
            "Channel.Delete.All",
        ),
        (
            &channels,
            &["channel", "members", "--channel", "Platform/eng"],
            "ChannelMember.Read.All",
        ),
        // Members may be added with the narrower permission, owners only with the broader one.
        (
            &channels,
            &[
                "team",
                "members",
                "add",
                "--team",
                "Platform",
                "--user",
                "Jonas Weber",
                "--owner",
            ],
            "TeamMember.ReadWrite.All",
        ),
    ];
    for (tenant, args, permission) in cases {
        let (code, error) = fails(tenant, &home, args);
        assert_eq!(code, 12, "{args:?}: {error}");
        assert_eq!(error["code"], "scope_insufficient");
        assert!(
            error["hint"].as_str().unwrap().contains(permission),
            "{args:?}: the hint names {permission}: {error}"
        );
    }
}
