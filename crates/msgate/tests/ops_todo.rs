//! Microsoft To Do through the CLI against a running sandbox tenant: lists, open and all tasks,
//! adding one with a due date and completing it by title or id — each read back — and the exit
//! codes for what is missing (13), ambiguous (2), not permitted (12) and throttled (still done).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &["User.Read", "Tasks.ReadWrite"];

fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = tenant.msgate(home, args).output().unwrap();
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let mut args = args.to_vec();
    args.insert(0, "--err-json");
    let output = tenant.msgate(home, &args).output().unwrap();
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

fn titles(tasks: &Value) -> Vec<String> {
    tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn tasks_are_listed_added_and_completed() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let lists = ok(&tenant, &home, &["todo", "lists"]);
    assert_eq!(lists.as_array().unwrap().len(), 1);
    assert_eq!(lists[0]["name"], "Tasks");
    assert_eq!(lists[0]["default"], true);

    let open = ok(&tenant, &home, &["todo", "tasks"]);
    assert_eq!(
        titles(&open),
        [
            "Review release notes for 4.2",
            "Prepare roadmap slide",
            "Reply to Tomas about renewal"
        ]
    );

    let added = ok(
        &tenant,
        &home,
        &["todo", "add", "Send the 2027 terms", "--due", "2026-12-01"],
    );
    assert_eq!(added["title"], "Send the 2027 terms");
    assert_eq!(added["status"], "notStarted");
    assert_eq!(added["due"], "2026-12-01T00:00:00Z");
    let in_tasks = ok(&tenant, &home, &["todo", "tasks", "--list", "tasks"]);
    assert_eq!(in_tasks.as_array().unwrap().len(), 4);
    assert_eq!(in_tasks[3]["due"], "2026-12-01T00:00:00Z");

    let done = ok(
        &tenant,
        &home,
        &["todo", "complete", "prepare roadmap slide"],
    );
    assert_eq!(done["status"], "completed");
    assert!(done["completed_at"].is_string());
    let by_id = ok(
        &tenant,
        &home,
        &["todo", "complete", added["id"].as_str().unwrap()],
    );
    assert_eq!(by_id["title"], "Send the 2027 terms");

    let open = ok(&tenant, &home, &["todo", "tasks"]);
    assert_eq!(
        titles(&open),
        [
            "Review release notes for 4.2",
            "Reply to Tomas about renewal"
        ]
    );
    let all = ok(&tenant, &home, &["todo", "tasks", "--completed"]);
    let statuses: Vec<(String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["title"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("Review release notes for 4.2", "notStarted"),
            ("Prepare roadmap slide", "completed"),
            ("Reply to Tomas about renewal", "notStarted"),
            ("Send the 2027 terms", "completed"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let (_, graph) = tenant.graph(
        "GET",
        &format!("/me/todo/lists/{}/tasks", lists[0]["id"].as_str().unwrap()),
        None,
    );
    let completed = graph["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "completed")
        .count();
    assert_eq!(completed, 2, "completed in the tenant");
}

#[test]
fn missing_ambiguous_not_permitted_and_throttled() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let error = fails(&tenant, &home, &["todo", "tasks", "--list", "Errands"], 13);
    assert!(
        error["hint"].as_str().unwrap().contains("todo lists"),
        "{error}"
    );
    fails(
        &tenant,
        &home,
        &["todo", "complete", "Water the plants"],
        13,
    );
    fails(&tenant, &home, &["todo", "add", "x", "--due", "someday"], 2);

    // Two open tasks of one title: ambiguous; completing one leaves the other to match.
    ok(&tenant, &home, &["todo", "add", "Call Grace"]);
    ok(&tenant, &home, &["todo", "add", "Call Grace"]);
    let error = fails(&tenant, &home, &["todo", "complete", "Call Grace"], 2);
    assert!(
        error["message"].as_str().unwrap().contains("2 tasks"),
        "{error}"
    );

    let read_only = tenant.token_for("ada.brennan@larkspur.example.invalid", &["Tasks.Read"]);
    let output = tenant
        .msgate_as(&home, &read_only, &["--err-json", "todo", "add", "x"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 12, "{}", stderr(&output));
    let error = error_json(&output)["error"].clone();
    assert!(
        error["hint"].as_str().unwrap().contains("Tasks.ReadWrite"),
        "{error}"
    );
    let output = tenant
        .msgate_as(&home, &read_only, &["todo", "tasks"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "reading needs only Tasks.Read");

    tenant.set_faults(json!({"throttle_rate": 0.5, "retry_after_s": 0, "seed": 5}));
    ok(&tenant, &home, &["todo", "lists"]);
    ok(
        &tenant,
        &home,
        &[
            "todo",
            "add",
            "Book the venue",
            "--due",
            "2026-12-10T15:00:00Z",
        ],
    );
    let done = ok(&tenant, &home, &["todo", "complete", "Book the venue"]);
    assert_eq!(done["status"], "completed");
    let open = ok(&tenant, &home, &["todo", "tasks"]);
    tenant.set_faults(json!({}));
    assert!(!titles(&open).contains(&"Book the venue".to_owned()));
    assert!(
        tenant.requests().iter().any(|(_, _, s)| *s == 429),
        "faults were on"
    );
}
