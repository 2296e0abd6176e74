//! The calendar through the CLI against the sandbox tenant: a weekly meeting keeps its local time
//! across the autumn daylight saving changes and reads right in any zone; an invitation reaches
//! an attendee's calendar, their answer reaches the organizer, changes and cancellations reach
//! everyone; free/busy and meeting-time suggestions agree with the busy time people booked. Dates
//! are fixed (2026 for the DST changes, 2030 for the rest), so nothing depends on today. Every
//! change, held back by a dry run with every option set, validates against Graph's OpenAPI
//! description and carries the policy's signature where people read it. Errors:
//! no such event (13), an ambiguous subject (2), too few permissions (12, naming the one needed),
//! destructive operations under the default policy (16); throttling changes no result.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const ALL: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
];

/// A home whose policy allows destructive operations (cancel, delete).
fn home_allowing_everything() -> Home {
    let home = Home::new();
    home.write_config("[policy]\npreset = \"full\"\n");
    home
}

fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = tenant.msgate(home, args).output().unwrap();
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

fn ok_as(tenant: &Running, home: &Home, token: &str, args: &[&str]) -> Value {
    let output = tenant.msgate_as(home, token, args).output().unwrap();
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

fn fails(tenant: &Running, home: &Home, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--err-json"];
    all.extend_from_slice(args);
    let output = tenant.msgate(home, &all).output().unwrap();
    let code = status(&output);
    assert_ne!(code, 0, "{args:?} should fail");
    (code, error_json(&output)["error"].clone())
}

fn with_subject<'a>(events: &'a Value, subject: &str) -> Vec<&'a Value> {
    events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == subject)
        .collect()
}

fn field<'a>(events: &[&'a Value], name: &str) -> Vec<&'a str> {
    events.iter().map(|e| e[name].as_str().unwrap()).collect()
}

fn upn(tenant: &Running, first_name: &str) -> String {
    tenant
        .sandbox
        .info()
        .users
        .iter()
        .find(|u| u.upn.starts_with(first_name))
        .unwrap()
        .upn
        .clone()
}

#[test]
fn a_weekly_meeting_keeps_its_local_time_across_the_dst_changes() {
    let tenant = running(ALL);
    let home = Home::new();
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 7}));

    // Mondays at 09:30 in Berlin: 19 Oct (summer time), then 26 Oct, 2 and 9 Nov (standard time;
    // Berlin changes on 25 Oct, New York on 1 Nov).
    let created = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "create",
            "--subject",
            "DST check",
            "--start",
            "2026-10-19T09:30",
            "--duration",
            "30m",
            "--tz",
            "Europe/Berlin",
            "--recurrence",
            "weekly",
            "--count",
            "4",
            "--attendees",
            "ben",
            "--teams",
        ],
    );
    assert_eq!(created["start"], "2026-10-19T09:30:00+02:00");
    assert_eq!(
        created["repeats"],
        "weekly on monday from 2026-10-19, 4 times (Europe/Berlin)"
    );
    assert!(
        created["join_url"]
            .as_str()
            .unwrap()
            .contains("meetup-join")
    );

    let window = ["--from", "2026-10-19", "--to", "2026-11-10", "--all"];
    let view = |tz: &str| {
        let mut args = vec!["calendar", "list", "--tz", tz];
        args.extend_from_slice(&window);
        ok(&tenant, &home, &args)
    };
    let berlin = view("Europe/Berlin");
    let occurrences = with_subject(&berlin, "DST check");
    assert_eq!(
        field(&occurrences, "start"),
        [
            "2026-10-19T09:30:00+02:00",
            "2026-10-26T09:30:00+01:00",
            "2026-11-02T09:30:00+01:00",
            "2026-11-09T09:30:00+01:00",
        ],
        "the same wall-clock time, its offset changing with the clocks"
    );
    assert!(
        occurrences
            .iter()
            .all(|o| o["series_id"] == created["id"] && o["id"] != created["id"])
    );

    // New York, by its Windows name: a week when Berlin has changed and New York has not.
    let new_york = view("Eastern Standard Time");
    assert_eq!(
        field(&with_subject(&new_york, "DST check"), "start"),
        [
            "2026-10-19T03:30:00-04:00",
            "2026-10-26T04:30:00-04:00",
            "2026-11-02T03:30:00-05:00",
            "2026-11-09T03:30:00-05:00",
        ]
    );
    let utc = view("UTC");
    assert_eq!(
        field(&with_subject(&utc, "DST check"), "end"),
        [
            "2026-10-19T08:00:00+00:00",
            "2026-10-26T09:00:00+00:00",
            "2026-11-02T09:00:00+00:00",
            "2026-11-09T09:00:00+00:00",
        ]
    );

    // A date typed with --tz is midnight there: 26 Oct in Berlin holds one occurrence.
    let day = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "list",
            "--from",
            "2026-10-26",
            "--to",
            "2026-10-27",
            "--tz",
            "W. Europe Standard Time",
            "--all",
        ],
    );
    let that_day = with_subject(&day, "DST check");
    assert_eq!(field(&that_day, "start"), ["2026-10-26T09:30:00+01:00"]);

    let throttled = tenant
        .requests()
        .iter()
        .filter(|(_, _, status)| *status == 429)
        .count();
    assert!(throttled > 0, "the faults must have fired");

    let (code, error) = fails(
        &tenant,
        &home,
        &["calendar", "list", "--tz", "Mars/Olympus"],
    );
    assert_eq!(code, 2, "{error}");
    assert!(error["message"].as_str().unwrap().contains("Mars/Olympus"));
}

#[test]
fn an_invitation_reaches_the_attendee_and_answers_and_changes_travel() {
    let tenant = running(ALL);
    let home = home_allowing_everything();
    let ben = tenant.token_for(&upn(&tenant, "ben."), ALL);
    let grace = tenant.token_for(&upn(&tenant, "grace."), ALL);

    let created = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "create",
            "--subject",
            "Budget sync",
            "--start",
            "2030-01-08T10:00",
            "--end",
            "2030-01-08T10:45",
            "--tz",
            "UTC",
            "--attendees",
            "Ben Okafor",
            "--attendees",
            "tomas.reyes@customer.example.invalid",
            "--location",
            "Harbour Office - Room 2",
            "--body",
            "Numbers for **Q1**",
        ],
    );
    assert_eq!(created["response"], "organizer");
    assert_eq!(created["location"], "Harbour Office - Room 2");
    assert_eq!(created["body"], "Numbers for **Q1**");
    let invited: Vec<&str> = created["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        invited,
        [
            upn(&tenant, "ben.").as_str(),
            "tomas.reyes@customer.example.invalid"
        ]
    );

    // Ben finds the invitation in his own calendar.
    let day = [
        "--from",
        "2030-01-08",
        "--to",
        "2030-01-09",
        "--tz",
        "UTC",
        "--all",
    ];
    let mut list = vec!["calendar", "list"];
    list.extend_from_slice(&day);
    let bens = ok_as(&tenant, &home, &ben, &list);
    let invitation = with_subject(&bens, "Budget sync");
    assert_eq!(invitation.len(), 1, "{bens}");
    assert_eq!(invitation[0]["organizer"], "Ada Brennan");
    assert_eq!(invitation[0]["response"], "notResponded");
    assert_eq!(invitation[0]["start"], "2030-01-08T10:00:00+00:00");

    let answered = ok_as(
        &tenant,
        &home,
        &ben,
        &[
            "calendar",
            "respond",
            "--event",
            "Budget sync",
            "--accept",
            "--message",
            "See you there",
        ],
    );
    assert_eq!(answered["done"], "accepted");
    let seen = ok(
        &tenant,
        &home,
        &["calendar", "get", "--event", "Budget sync", "--tz", "UTC"],
    );
    let ben_there = seen["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Ben Okafor")
        .unwrap();
    assert_eq!(ben_there["response"], "accepted", "{seen}");
    let bens = ok_as(&tenant, &home, &ben, &list);
    assert_eq!(
        with_subject(&bens, "Budget sync")[0]["response"],
        "accepted"
    );

    // The organizer cannot answer, an attendee cannot cancel.
    let (code, error) = fails(
        &tenant,
        &home,
        &["calendar", "respond", "--event", "Budget sync", "--accept"],
    );
    assert_eq!(code, 2, "{error}");
    let output = tenant
        .msgate_as(
            &home,
            &ben,
            &["--err-json", "calendar", "cancel", "--event", "Budget sync"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 2, "{}", stderr(&output));

    // One occurrence of a series is answered on its own.
    ok(
        &tenant,
        &home,
        &[
            "calendar",
            "create",
            "--subject",
            "Weekly numbers",
            "--start",
            "2030-01-14T09:00",
            "--tz",
            "UTC",
            "--recurrence",
            "weekly",
            "--count",
            "3",
            "--attendees",
            "ben",
        ],
    );
    let weeks = [
        "calendar",
        "list",
        "--from",
        "2030-01-14",
        "--to",
        "2030-02-01",
        "--tz",
        "UTC",
        "--all",
    ];
    let bens = ok_as(&tenant, &home, &ben, &weeks);
    let second = with_subject(&bens, "Weekly numbers")[1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok_as(
        &tenant,
        &home,
        &ben,
        &["calendar", "respond", "--event", &second, "--tentative"],
    );
    let bens = ok_as(&tenant, &home, &ben, &weeks);
    assert_eq!(
        field(&with_subject(&bens, "Weekly numbers"), "response"),
        ["notResponded", "tentativelyAccepted", "notResponded"]
    );
    let adas = ok(&tenant, &home, &weeks);
    let second_for_ada = with_subject(&adas, "Weekly numbers")[1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = ok(
        &tenant,
        &home,
        &["calendar", "get", "--event", &second_for_ada],
    );
    assert_eq!(
        seen["attendees"][0]["response"], "tentativelyAccepted",
        "{seen}"
    );

    // Moving it keeps its length; Grace is added and finds her invitation.
    let moved = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "update",
            "--event",
            "Budget sync",
            "--start",
            "2030-01-08T11:00",
            "--tz",
            "UTC",
            "--add",
            "grace",
        ],
    );
    assert_eq!(moved["start"], "2030-01-08T11:00:00+00:00");
    assert_eq!(moved["end"], "2030-01-08T11:45:00+00:00");
    assert_eq!(moved["attendees"].as_array().unwrap().len(), 3);
    let graces = ok_as(&tenant, &home, &grace, &list);
    assert_eq!(
        with_subject(&graces, "Budget sync")[0]["start"],
        "2030-01-08T11:00:00+00:00"
    );
    let bens = ok_as(&tenant, &home, &ben, &list);
    assert_eq!(
        with_subject(&bens, "Budget sync")[0]["start"],
        "2030-01-08T11:00:00+00:00",
        "the change reached Ben's copy"
    );

    // Destructive operations are refused under the default policy.
    let plain = Home::new();
    let (code, _) = fails(
        &tenant,
        &plain,
        &["calendar", "cancel", "--event", "Budget sync"],
    );
    assert_eq!(code, 16);

    let cancelled = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "cancel",
            "--event",
            "Budget sync",
            "--message",
            "Numbers are not ready",
        ],
    );
    assert_eq!(cancelled["done"], "cancelled");
    let bens = ok_as(&tenant, &home, &ben, &list);
    let copy = with_subject(&bens, "Canceled: Budget sync");
    assert_eq!(copy.len(), 1, "{bens}");
    assert_eq!(copy[0]["cancelled"], true);
    let (code, _) = fails(
        &tenant,
        &home,
        &["calendar", "get", "--event", "Budget sync"],
    );
    assert_eq!(code, 13, "gone from the organizer's calendar");

    let scratch = ok(
        &tenant,
        &home,
        &[
            "calendar",
            "create",
            "--subject",
            "Scratch",
            "--start",
            "2030-01-09T09:00",
            "--tz",
            "UTC",
        ],
    );
    let id = scratch["id"].as_str().unwrap();
    assert_eq!(
        scratch["end"], "2030-01-09T09:30:00+00:00",
        "30 minutes by default"
    );
    let deleted = ok(&tenant, &home, &["calendar", "delete", "--event", id]);
    assert_eq!(
        (&deleted["id"], &deleted["done"]),
        (&json!(id), &json!("deleted"))
    );
    let (code, _) = fails(&tenant, &home, &["calendar", "get", "--event", id]);
    assert_eq!(code, 13);
}

#[test]
fn free_busy_and_meeting_times_agree_with_booked_busy_time() {
    let tenant = running(ALL);
    let home = Home::new();
    let ben = tenant.token_for(&upn(&tenant, "ben."), ALL);
    let grace = tenant.token_for(&upn(&tenant, "grace."), ALL);
    // Monday 7 January 2030, UTC: Ben is busy 13:00-14:00, Grace 14:00-15:30.
    ok_as(
        &tenant,
        &home,
        &ben,
        &[
            "calendar",
            "create",
            "--subject",
            "Deploy window",
            "--start",
            "2030-01-07T13:00",
            "--duration",
            "1h",
            "--tz",
            "UTC",
        ],
    );
    ok_as(
        &tenant,
        &home,
        &grace,
        &[
            "calendar",
            "create",
            "--subject",
            "Hiring loop",
            "--start",
            "2030-01-07T14:00",
            "--duration",
            "1h30m",
            "--tz",
            "UTC",
        ],
    );
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 11}));
    let window = [
        "--from",
        "2030-01-07T13:00",
        "--to",
        "2030-01-07T17:00",
        "--tz",
        "UTC",
    ];

    let mut args = vec![
        "calendar",
        "free-busy",
        "--people",
        "ben",
        "--people",
        "Grace Kim",
    ];
    args.extend_from_slice(&window);
    let schedules = ok(&tenant, &home, &args);
    let schedules = schedules.as_array().unwrap();
    assert_eq!(schedules.len(), 2);
    assert_eq!(schedules[0]["name"], "Ben Okafor");
    assert_eq!(schedules[0]["view"], "22000000", "half hours from 13:00");
    assert_eq!(schedules[0]["busy"][0]["subject"], "Deploy window");
    assert_eq!(
        schedules[0]["busy"][0]["start"],
        "2030-01-07T13:00:00+00:00"
    );
    assert_eq!(schedules[1]["view"], "00222000");
    assert_eq!(schedules[1]["busy"][0]["end"], "2030-01-07T15:30:00+00:00");

    let mut args = vec![
        "calendar",
        "find-times",
        "--people",
        "ben",
        "--people",
        "grace",
    ];
    args.extend_from_slice(&window);
    let slots = ok(&tenant, &home, &args);
    let starts: Vec<&str> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2030-01-07T15:30:00+00:00",
            "2030-01-07T16:00:00+00:00",
            "2030-01-07T16:30:00+00:00",
        ],
        "only when both are free"
    );
    assert!(
        slots
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["confidence"] == 100.0 && s["you"] == "free")
    );

    args.extend_from_slice(&["--min-attendance", "50", "--max", "20"]);
    let slots = ok(&tenant, &home, &args);
    let first = &slots[0];
    assert_eq!(
        first["confidence"], 100.0,
        "the best suggestions come first"
    );
    let half = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == "2030-01-07T13:00:00+00:00")
        .unwrap();
    assert_eq!(half["confidence"], 50.0);
    assert_eq!(
        half["not_free"],
        json!([format!("{} (busy)", upn(&tenant, "ben."))])
    );

    let mut args = vec![
        "calendar",
        "find-times",
        "--people",
        "ben",
        "--duration",
        "4h",
    ];
    args.extend_from_slice(&window);
    let (code, error) = fails(&tenant, &home, &args);
    assert_eq!(code, 13, "{error}");
    assert!(error["message"].as_str().unwrap().contains("no time suits"));
    assert!(error["hint"].as_str().unwrap().contains("--to"));
}

#[test]
fn references_that_miss_or_match_twice_and_missing_permissions() {
    let tenant = running(ALL);
    let home = Home::new();
    for subject in ["Sync A", "Sync B"] {
        ok(
            &tenant,
            &home,
            &[
                "calendar",
                "create",
                "--subject",
                subject,
                "--start",
                "2030-02-01T09:00",
                "--tz",
                "UTC",
            ],
        );
    }
    let (code, error) = fails(&tenant, &home, &["calendar", "get", "--event", "sync"]);
    assert_eq!(code, 2, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("Sync A") && message.contains("Sync B"),
        "{message}"
    );
    let sync_a = ok(
        &tenant,
        &home,
        &["calendar", "get", "--event", "sync a", "--tz", "UTC"],
    );
    assert_eq!(sync_a["start"], "2030-02-01T09:00:00+00:00");

    let (code, _) = fails(
        &tenant,
        &home,
        &["calendar", "get", "--event", "No such meeting"],
    );
    assert_eq!(code, 13);
    let (code, _) = fails(
        &tenant,
        &home,
        &[
            "calendar",
            "respond",
            "--event",
            "nobody@nowhere.invalid",
            "--accept",
        ],
    );
    assert_eq!(code, 13);
    let (code, error) = fails(
        &tenant,
        &home,
        &[
            "calendar",
            "respond",
            "--event",
            "Sync A",
            "--accept",
            "--decline",
        ],
    );
    assert_eq!(code, 2, "{error}");

    let reader = running(&["User.Read", "User.ReadBasic.All", "Calendars.ReadBasic"]);
    let listed = ok(
        &reader,
        &home,
        &["calendar", "list", "--from", "1d", "--to", "+1d"],
    );
    assert!(listed.as_array().is_some());
    let (code, error) = fails(
        &reader,
        &home,
        &["calendar", "create", "--subject", "Nope", "--start", "+1d"],
    );
    assert_eq!(code, 12, "{error}");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("Calendars.ReadWrite"),
        "{error}"
    );
    let (code, error) = fails(
        &reader,
        &home,
        &["calendar", "find-times", "--people", "ben"],
    );
    assert_eq!(code, 12, "{error}");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("Calendars.Read.Shared"),
        "{error}"
    );
}

#[test]
fn the_changes_sent_are_shaped_as_graph_documents_them_and_signed() {
    let tenant = running(ALL);
    let home = Home::new();
    home.write_config("[policy]\npreset = \"full\"\nsignature = \"Sent by an agent\"\n");
    let api = msgate_testkit::openapi::OpenApi::graph_subset();
    let runs: &[&[&str]] = &[
        &[
            "calendar",
            "create",
            "--subject",
            "Planning",
            "--start",
            "2030-01-01T10:00",
            "--tz",
            "Europe/Berlin",
            "--attendees",
            "ben",
            "--optional",
            "tomas@customer.example.invalid",
            "--location",
            "Room 2",
            "--body",
            "*agenda*",
            "--recurrence",
            "monthly",
            "--until",
            "2030-06-01",
            "--teams",
        ],
        &[
            "calendar",
            "update",
            "--event",
            "Focus time",
            "--start",
            "2030-01-01T10:00",
            "--add",
            "grace",
            "--location",
            "Room 3",
            "--body",
            "b",
            "--teams",
            "--subject",
            "Deep work",
        ],
        &[
            "calendar",
            "respond",
            "--event",
            "Quarterly planning review",
            "--tentative",
            "--message",
            "Late by 5",
        ],
        &[
            "calendar",
            "cancel",
            "--event",
            "Runner cost review",
            "--message",
            "Moved",
        ],
        &["calendar", "delete", "--event", "Runner cost review"],
        &[
            "meeting",
            "create",
            "--subject",
            "Quick sync",
            "--attendees",
            "ben",
        ],
    ];
    for args in runs {
        let mut all = vec!["--dry-run"];
        all.extend_from_slice(args);
        let held = ok(&tenant, &home, &all);
        assert_eq!(held["dry_run"], true);
        let requests = held["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 1, "{args:?}: {held}");
        let request = &requests[0];
        let url = request["url"].as_str().unwrap();
        let path = &url[url.find("/v1.0").unwrap() + "/v1.0".len()..];
        let body = request.get("body").unwrap_or(&Value::Null);
        let method = request["method"].as_str().unwrap();
        api.validate_request(method, path, body)
            .unwrap_or_else(|problems| panic!("{args:?}: {problems:?}\n{body}"));
        // What reaches other people carries the policy's signature.
        let said = body["body"]["content"]
            .as_str()
            .or(body["comment"].as_str());
        match (args[0], args[1]) {
            ("calendar", "create" | "update") => {
                assert!(said.unwrap().ends_with("<p>Sent by an agent</p>"), "{body}");
            }
            ("calendar", "respond" | "cancel") => {
                assert!(said.unwrap().ends_with("\n\nSent by an agent"), "{body}");
            }
            _ => assert!(said.is_none(), "{body}"),
        }
    }
}
