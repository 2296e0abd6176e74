//! Teams meetings, transcripts, recordings and attendance through the CLI against the sandbox
//! tenant: "the transcript of my last meeting with Ben" (`last-with:ben`) as Markdown with
//! speakers, skipping more recent meetings that have no transcript; meetings listed from the
//! calendar with join links and found again by link, subject and id; a standalone meeting
//! created and read back; attendance with joins, leaves and the time between; a recording saved
//! to a file. Errors: no such meeting (13), an event without a Teams meeting and an ambiguous
//! subject (2), too few permissions (12, naming the one needed), a meeting someone else
//! organized (12); throttling changes no result.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const ALL: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Calendars.ReadWrite",
    "OnlineMeetings.ReadWrite",
    "OnlineMeetingTranscript.Read.All",
    "OnlineMeetingRecording.Read.All",
    "OnlineMeetingArtifact.Read.All",
];

fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = tenant.msgate(home, args).output().unwrap();
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

fn throttle(tenant: &Running) {
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 5}));
}

fn throttled(tenant: &Running) -> usize {
    tenant
        .requests()
        .iter()
        .filter(|(_, _, status)| *status == 429)
        .count()
}

#[test]
fn the_transcript_of_my_last_meeting_with_ben_reads_as_markdown_with_speakers() {
    let tenant = running(ALL);
    let home = Home::new();
    throttle(&tenant);

    let transcript = ok(
        &tenant,
        &home,
        &[
            "transcript",
            "get",
            "--meeting",
            "last-with:ben",
            "--tz",
            "UTC",
        ],
    );
    assert_eq!(transcript["meeting"], "Runner cost review");
    assert_eq!(transcript["format"], "md");
    assert_eq!(
        transcript["speakers"],
        json!(["Ada Brennan", "Grace Kim", "Ben Okafor", "Farid Haddad"])
    );
    let text = transcript["text"].as_str().unwrap();
    assert!(
        text.starts_with("[00:03] **Ada Brennan:** Thanks for joining, everyone."),
        "{text}"
    );
    // Farid's two cues in a row are one turn.
    assert!(
        text.contains("**Farid Haddad:** I pulled the numbers for the cost side. The managed pool costs us about thirty-eight hundred a month at current usage. The self-hosted runners were around twenty-nine hundred"),
        "{text}"
    );
    let turns: Vec<&str> = text.split("\n\n").collect();
    assert!(
        turns
            .iter()
            .all(|t| t.starts_with('[') && t.contains(":** "))
    );
    assert!(
        turns
            .windows(2)
            .all(|w| w[0].split("**").nth(1) != w[1].split("**").nth(1)),
        "no speaker follows themselves"
    );
    assert!(throttled(&tenant) > 0, "the faults must have fired");

    // `last` skips the more recent stand-ups, which have no transcript.
    let last = ok(&tenant, &home, &["transcript", "list", "--meeting", "last"]);
    assert_eq!(last[0]["meeting"], "Runner cost review");
    assert_eq!(last[0]["id"], transcript["id"]);
    let with_chloe = ok(
        &tenant,
        &home,
        &["transcript", "list", "--meeting", "last-with:Chloe"],
    );
    assert_eq!(with_chloe[0]["meeting"], "Roadmap sync: onboarding");

    let plain = ok(
        &tenant,
        &home,
        &[
            "transcript",
            "get",
            "--meeting",
            "Runner cost review",
            "--format",
            "text",
        ],
    );
    assert_eq!(
        plain["text"].as_str().unwrap().lines().nth(1),
        Some(
            "Grace Kim: Sounds good. Ben, do you want to start with where we are on the cut-over?"
        )
    );
    let webvtt = ok(
        &tenant,
        &home,
        &[
            "transcript",
            "get",
            "--meeting",
            "last-with:Ben Okafor",
            "--format",
            "vtt",
        ],
    );
    let raw = webvtt["text"].as_str().unwrap();
    assert!(raw.starts_with("WEBVTT"));
    assert!(raw.contains("<v Ben Okafor>Sure. We moved about sixty percent"));

    let (code, error) = fails(
        &tenant,
        &home,
        &["transcript", "get", "--meeting", "last-with:jonas"],
    );
    assert_eq!(
        code, 13,
        "Jonas's only meeting with Ada is still ahead: {error}"
    );
    assert!(error["message"].as_str().unwrap().contains("Jonas Weber"));
}

#[test]
fn meetings_are_listed_found_by_link_subject_and_id_and_created() {
    let tenant = running(ALL);
    let home = Home::new();
    throttle(&tenant);

    let meetings = ok(&tenant, &home, &["meeting", "list", "--tz", "UTC"]);
    let meetings = meetings.as_array().unwrap();
    let subjects: Vec<&str> = meetings
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Runner cost review"),
        "a week back: {subjects:?}"
    );
    assert!(
        subjects.contains(&"Quarterly planning review"),
        "a week ahead"
    );
    assert!(!subjects.contains(&"Focus time"), "not a Teams meeting");
    assert!(meetings.iter().all(|m| m["join_url"].is_string()));
    let with_ben = ok(&tenant, &home, &["meeting", "list", "--with", "ben"]);
    assert_eq!(
        with_ben
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["subject"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Runner cost review"]
    );

    let review = meetings
        .iter()
        .find(|m| m["subject"] == "Runner cost review")
        .unwrap();
    let join_url = review["join_url"].as_str().unwrap();
    let by_link = ok(
        &tenant,
        &home,
        &["meeting", "get", "--meeting", join_url, "--tz", "UTC"],
    );
    assert_eq!(by_link["subject"], "Runner cost review");
    assert_eq!(by_link["organizer"], "Ada Brennan");
    assert_eq!(by_link["start"], review["start"]);
    assert!(
        by_link["chat_id"]
            .as_str()
            .unwrap()
            .starts_with("19:meeting_")
    );
    assert_eq!(by_link["attendees"].as_array().unwrap().len(), 3);
    let id = by_link["id"].as_str().unwrap();
    let by_id = ok(&tenant, &home, &["meeting", "get", "--meeting", id]);
    assert_eq!(by_id["join_url"], join_url);
    let by_event = ok(
        &tenant,
        &home,
        &[
            "meeting",
            "get",
            "--meeting",
            review["id"].as_str().unwrap(),
        ],
    );
    assert_eq!(by_event["id"], id);
    let planning = ok(
        &tenant,
        &home,
        &["meeting", "get", "--meeting", "quarterly planning review"],
    );
    assert_eq!(planning["organizer"], "Hugo Lindqvist");

    let created = ok(
        &tenant,
        &home,
        &[
            "meeting",
            "create",
            "--subject",
            "Quick sync",
            "--start",
            "2030-03-04T15:00",
            "--duration",
            "20m",
            "--tz",
            "UTC",
            "--attendees",
            "ben",
        ],
    );
    assert_eq!(created["start"], "2030-03-04T15:00:00+00:00");
    assert_eq!(created["end"], "2030-03-04T15:20:00+00:00");
    let read_back = ok(
        &tenant,
        &home,
        &[
            "meeting",
            "get",
            "--meeting",
            created["join_url"].as_str().unwrap(),
        ],
    );
    assert_eq!(read_back["id"], created["id"]);
    assert_eq!(read_back["attendees"], json!(["Ben Okafor"]));
    assert!(throttled(&tenant) > 0);

    let (code, _) = fails(
        &tenant,
        &home,
        &["meeting", "get", "--meeting", "No such meeting"],
    );
    assert_eq!(code, 13);
    let (code, error) = fails(
        &tenant,
        &home,
        &["meeting", "get", "--meeting", "Focus time"],
    );
    assert_eq!(code, 2, "an event without a Teams meeting: {error}");
    let (code, error) = fails(&tenant, &home, &["meeting", "get", "--meeting", "Ada /"]);
    assert_eq!(code, 2, "two 1:1s start with 'Ada /': {error}");
    let (code, _) = fails(
        &tenant,
        &home,
        &[
            "meeting",
            "get",
            "--meeting",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_bm9uZQ%40thread.v2/0",
        ],
    );
    assert_eq!(code, 13);
}

#[test]
fn attendance_shows_joins_leaves_and_time_in_the_meeting() {
    let tenant = running(ALL);
    let home = Home::new();
    throttle(&tenant);

    let report = ok(
        &tenant,
        &home,
        &[
            "meeting",
            "attendance",
            "--meeting",
            "last-with:ben",
            "--tz",
            "UTC",
        ],
    );
    assert_eq!(report["subject"], "Runner cost review");
    assert_eq!(report["participants"], 4);
    let records = report["records"].as_array().unwrap();
    let names: Vec<&str> = records
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Ada Brennan", "Grace Kim", "Ben Okafor", "Farid Haddad"],
        "longest first"
    );
    let ben = &records[2];
    // Ben dropped out at 14 minutes and came back at 17 until 45: 13 + 28 minutes.
    assert_eq!(
        (&ben["duration"], &ben["seconds"], &ben["visits"]),
        (&json!("41m"), &json!(2460), &json!(2))
    );
    let at = |field: &str| {
        ben[field]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
    };
    assert_eq!(at("left").duration_since(at("joined")).as_mins(), 44);
    assert_eq!(records[0]["role"], "Organizer");

    let roadmap = ok(
        &tenant,
        &home,
        &[
            "meeting",
            "attendance",
            "--meeting",
            "Roadmap sync: onboarding",
        ],
    );
    assert!(
        !roadmap.to_string().contains("Kira"),
        "invited but never came: {roadmap}"
    );

    let (code, error) = fails(
        &tenant,
        &home,
        &[
            "meeting",
            "attendance",
            "--meeting",
            "Quarterly planning review",
        ],
    );
    assert_eq!(code, 12, "Hugo organizes it: {error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("only the organizer")
    );
}

#[test]
fn a_recording_is_saved_to_a_file() {
    let tenant = running(ALL);
    let home = Home::new();
    throttle(&tenant);

    let recordings = ok(
        &tenant,
        &home,
        &["recording", "list", "--meeting", "Runner cost review"],
    );
    assert_eq!(recordings.as_array().unwrap().len(), 1);
    let out = home.path().join("recordings");
    std::fs::create_dir(&out).unwrap();
    let out_arg = out.to_str().unwrap();
    let saved = ok(
        &tenant,
        &home,
        &[
            "recording",
            "download",
            "--meeting",
            "last-with:ben",
            "--out",
            out_arg,
        ],
    );
    assert_eq!(saved["id"], recordings[0]["id"]);
    let path = std::path::PathBuf::from(saved["path"].as_str().unwrap());
    assert_eq!(path.parent().unwrap(), out);
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("Runner cost review ") && name.ends_with(".mp4"),
        "{name}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(saved["bytes"], bytes.len());
    assert_eq!(&bytes[4..8], b"ftyp");
    assert!(String::from_utf8_lossy(&bytes).contains("sandbox recording of Runner cost review"));
    assert!(
        std::fs::read_dir(&out).unwrap().count() == 1,
        "no partial file is left behind"
    );

    let (code, error) = fails(
        &tenant,
        &home,
        &[
            "recording",
            "download",
            "--meeting",
            "last-with:ben",
            "--out",
            out_arg,
        ],
    );
    assert_eq!(code, 15, "the file is there: {error}");
    let again = ok(
        &tenant,
        &home,
        &[
            "recording",
            "download",
            "--meeting",
            "last-with:ben",
            "--out",
            out_arg,
            "--force",
        ],
    );
    assert_eq!(again["bytes"], saved["bytes"]);
}

#[test]
fn missing_permissions_name_the_one_needed() {
    let tenant = running(&[
        "User.Read",
        "User.ReadBasic.All",
        "Calendars.Read",
        "OnlineMeetings.Read",
    ]);
    let home = Home::new();
    let meeting = ok(
        &tenant,
        &home,
        &["meeting", "get", "--meeting", "Runner cost review"],
    );
    assert_eq!(meeting["subject"], "Runner cost review");
    for (args, permission) in [
        (
            &["transcript", "get", "--meeting", "Runner cost review"][..],
            "OnlineMeetingTranscript.Read.All",
        ),
        (
            &["recording", "list", "--meeting", "Runner cost review"][..],
            "OnlineMeetingRecording.Read.All",
        ),
        (
            &["meeting", "attendance", "--meeting", "Runner cost review"][..],
            "OnlineMeetingArtifact.Read.All",
        ),
        (
            &["meeting", "create", "--subject", "x"][..],
            "OnlineMeetings.ReadWrite",
        ),
    ] {
        let (code, error) = fails(&tenant, &home, args);
        assert_eq!(code, 12, "{args:?}: {error}");
        assert!(
            error["hint"].as_str().unwrap().contains(permission),
            "{args:?}: {error}"
        );
    }
}
