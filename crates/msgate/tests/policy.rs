//! The policy through the real binary against the sandbox tenant: denials and their exit code,
//! dry runs that send nothing (the sandbox's request log says so), scopes, send caps counted
//! across runs, confirmations without a terminal, signatures, the audit log, policy files, and
//! `msgate policy show|check|explain`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use msgate_ops::{Catalog, Risk};
use serde_json::Value;
use support::{Home, Running, error_json, json, running, status, stderr, stdout};

const SCOPES: &[&str] = &["User.Read", "User.ReadBasic.All", "Chat.ReadWrite"];

fn audit_log(home: &Home) -> PathBuf {
    home.path().join(".local/state/msgate/audit.jsonl")
}

fn audit_lines(home: &Home) -> Vec<Value> {
    std::fs::read_to_string(audit_log(home))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Graph writes the sandbox saw since its log was last reset.
fn writes(tenant: &Running) -> Vec<(String, String, u16)> {
    tenant
        .requests()
        .into_iter()
        .filter(|(method, _, _)| method != "GET")
        .collect()
}

fn send(tenant: &Running, home: &Home, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--err-json", "message", "send"];
    all.extend_from_slice(args);
    tenant.msgate(home, &all).output().unwrap()
}

#[test]
fn a_dry_run_prints_the_exact_request_and_sends_nothing() {
    let tenant = running(SCOPES);
    let home = Home::new();
    tenant.reset_log();
    let output = send(
        &tenant,
        &home,
        &["--dry-run", "--chat", "Release 4.2", "Ship **it**"],
    );
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let result = json(&output);
    assert_eq!(result["dry_run"], true);
    let requests = result["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["method"], "POST");
    let url = requests[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&tenant.sandbox.info().graph_url) && url.ends_with("/messages"),
        "{url}"
    );
    assert_eq!(
        requests[0]["body"]["body"]["content"],
        "<p>Ship <strong>it</strong></p>"
    );
    assert!(
        writes(&tenant).is_empty(),
        "a dry run makes no Graph write: {:?}",
        tenant.requests()
    );
    assert!(
        tenant.requests().iter().any(|(m, _, _)| m == "GET"),
        "reads still run to resolve the chat"
    );

    // The same from the policy, in a file named by MSGATE_POLICY.
    let policy = home.path().join("agent.toml");
    msgate_core::atomic::write_atomic(&policy, b"dry_run = true\n").unwrap();
    let output = tenant
        .msgate(
            &home,
            &["message", "send", "--chat", "Release 4.2", "again"],
        )
        .env("MSGATE_POLICY", &policy)
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert_eq!(json(&output)["dry_run"], true);
    assert!(writes(&tenant).is_empty());
    // Reads are not affected.
    let output = tenant
        .msgate(
            &home,
            &["--dry-run", "message", "list", "--chat", "Release 4.2"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(json(&output).is_array());

    let decisions: Vec<Value> = audit_lines(&home)
        .iter()
        .map(|l| l["decision"].clone())
        .collect();
    assert_eq!(decisions, ["dry_run", "dry_run"], "reads are not audited");
}

#[test]
fn denials_exit_16_name_the_rule_and_need_no_sign_in() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("[profiles.default.policy]\ndeny = [\"message.send\"]\n");
    tenant.reset_log();
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "hello"]);
    assert_eq!(status(&output), 16, "{}", stderr(&output));
    let error = error_json(&output)["error"].clone();
    assert_eq!(error["code"], "policy_denied");
    assert_eq!(error["exit"], 16);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("policy denies message.send (write): rule deny 'message.send'"),
        "{message}"
    );
    assert!(
        message.contains("[profiles.default.policy] in "),
        "{message}"
    );
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("remove 'message.send' from deny"), "{hint}");
    assert!(tenant.requests().is_empty(), "denied before any Graph call");

    // Signed in or not, a denial is a denial.
    let output = home
        .msgate(&["--err-json", "message", "send", "--chat", "x", "hi"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 16, "{}", stderr(&output));

    // Reads go on.
    let output = tenant
        .msgate(
            &home,
            &["message", "list", "--chat", "Release 4.2", "--limit", "1"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));

    let lines = audit_lines(&home);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["decision"], "deny");
    assert_eq!(lines[0]["rule"], "deny 'message.send'");
    assert_eq!(lines[0]["outcome"], "policy_denied");
}

/// A command line for `entry` with every required input filled in.
fn minimal_args(entry: &msgate_ops::Entry) -> Vec<String> {
    let schema = entry.input_schema();
    let mut args: Vec<String> = entry.spec.name.split('.').map(str::to_owned).collect();
    for property in schema["required"].as_array().into_iter().flatten() {
        let property = property.as_str().unwrap();
        let definition = &schema["properties"][property];
        let value = definition["enum"][0]
            .as_str()
            .map_or_else(|| "1".to_owned(), str::to_owned);
        if definition["x-positional"] != true {
            args.push(format!("--{}", property.replace('_', "-")));
        }
        args.push(value);
    }
    args
}

/// Runs every operation of `risk` with its required inputs and no sign-in: each must be denied
/// with exit 16 and an error that `check` accepts.
fn every_operation_of(risk: Risk, home: &Home, check: impl Fn(&str, &Value)) -> usize {
    let mut ran = 0;
    for entry in Catalog::get()
        .entries()
        .iter()
        .filter(|e| e.spec.risk == risk)
    {
        let mut args = vec!["--err-json".to_owned()];
        args.extend(minimal_args(entry));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = home.msgate(&args).output().unwrap();
        assert_eq!(status(&output), 16, "{args:?}: {}", stderr(&output));
        check(entry.spec.name, &error_json(&output)["error"]);
        ran += 1;
    }
    ran
}

#[test]
fn every_destructive_operation_is_denied_by_the_default_cli_policy() {
    let home = Home::new();
    every_operation_of(Risk::Destructive, &home, |name, error| {
        assert!(
            error["message"].as_str().unwrap().contains(
                "preset 'standard' (the default for the CLI) denies destructive operations"
            ),
            "{error}"
        );
        assert!(
            error["hint"]
                .as_str()
                .unwrap()
                .contains(&format!("allow = [\"{name}\"]")),
            "{error}"
        );
    });
    // The same path, proven on the writes the catalog has today.
    home.write_config("[policy]\ndeny = [\"write\"]\n");
    let ran = every_operation_of(Risk::Write, &home, |_, error| {
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("rule deny 'write'"),
            "{error}"
        );
    });
    assert!(ran > 0);
}

#[test]
fn scopes_let_writes_reach_only_what_they_list() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("[profiles.default.policy.scopes]\nchats = [\"Release 4.2\"]\n");
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "in scope"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));

    tenant.reset_log();
    let output = send(
        &tenant,
        &home,
        &["--chat", "Quarterly planning review", "out of scope"],
    );
    assert_eq!(status(&output), 16, "{}", stderr(&output));
    let error = error_json(&output)["error"].clone();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("policy denies message.send on this chat: it is outside rule scope 'chats'"),
        "{error}"
    );
    assert!(
        error["hint"].as_str().unwrap().contains("scopes.chats"),
        "{error}"
    );
    assert!(writes(&tenant).is_empty(), "{:?}", tenant.requests());

    // Reading outside the scopes is still allowed: scopes bind writes.
    let output = tenant
        .msgate(
            &home,
            &[
                "message",
                "list",
                "--chat",
                "Quarterly planning review",
                "--limit",
                "1",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));

    let lines = audit_lines(&home);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[1]["decision"], "deny");
    assert_eq!(lines[1]["rule"], "scope 'chats'");
    assert_eq!(lines[1]["targets"][0]["kind"], "chat");

    // `policy check` resolves the target the same way.
    let output = tenant
        .msgate(
            &home,
            &[
                "policy",
                "check",
                "message.send",
                "--target",
                "chat:Quarterly planning review",
                "--target",
                "chat:Release 4.2",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let check = json(&output);
    assert_eq!(check["decision"], "deny");
    assert_eq!(check["rule"], "scope 'chats'");
    assert_eq!(check["targets"][0]["outside"], "chats");
    assert_eq!(check["targets"][1]["outside"], Value::Null);
}

#[test]
fn a_send_cap_counts_across_runs_and_failed_calls_cost_nothing() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("[profiles.default.policy.caps]\n\"message.send\" = 1\n");
    let output = send(&tenant, &home, &["--chat", "19:missing@thread.v2", "lost"]);
    assert_eq!(status(&output), 13, "{}", stderr(&output));
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "one"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let output = send(
        &tenant,
        &home,
        &["--dry-run", "--chat", "Release 4.2", "dry"],
    );
    assert_eq!(
        status(&output),
        0,
        "a dry run is not capped: {}",
        stderr(&output)
    );
    tenant.reset_log();
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "two"]);
    assert_eq!(status(&output), 16, "{}", stderr(&output));
    let error = error_json(&output)["error"].clone();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("rule cap 'message.send' (1 per hour) is used up (1 in the last hour)"),
        "{error}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("the next one is allowed in"),
        "{error}"
    );
    assert!(tenant.requests().is_empty());

    let output = home
        .msgate(&["policy", "check", "message.send"])
        .output()
        .unwrap();
    let check = json(&output);
    assert_eq!(check["decision"], "deny");
    assert_eq!(check["cap"]["used"], 1);
    assert_eq!(check["cap"]["limit"], 1);

    let caps = home.path().join(".local/state/msgate/default/caps.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&caps).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn confirmations_are_refused_without_a_terminal_unless_the_policy_accepts_yes() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("[profiles.default.policy]\nconfirm = [\"message.*\"]\n");
    tenant.reset_log();
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "hi"]);
    assert_eq!(status(&output), 16, "{}", stderr(&output));
    let error = error_json(&output)["error"].clone();
    assert_eq!(
        error["message"],
        "message.send needs confirmation (rule confirm 'message.*'), and stdin is not a terminal to ask on"
    );
    let output = send(&tenant, &home, &["--yes", "--chat", "Release 4.2", "hi"]);
    assert_eq!(status(&output), 16);
    assert!(
        error_json(&output)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allow_yes is not set")
    );
    assert!(tenant.requests().is_empty());

    home.write_config("[profiles.default.policy]\nconfirm = [\"message.*\"]\nallow_yes = true\n");
    let output = send(&tenant, &home, &["-y", "--chat", "Release 4.2", "hi"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    // Reads named by a confirm rule are asked about too.
    let output = tenant
        .msgate(&home, &["message", "list", "--chat", "Release 4.2"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 16);
}

#[test]
fn a_signature_is_appended_to_what_is_sent() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("[policy]\nsignature = \"Sent by an agent <via msgate>\"\n");
    let output = send(
        &tenant,
        &home,
        &["--dry-run", "--chat", "Release 4.2", "hello"],
    );
    assert_eq!(
        json(&output)["requests"][0]["body"]["body"]["content"],
        "<p>hello</p><p>Sent by an agent &lt;via msgate&gt;</p>"
    );
    let output = send(&tenant, &home, &["--chat", "Release 4.2", "hello"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let output = tenant
        .msgate(
            &home,
            &["message", "list", "--chat", "Release 4.2", "--limit", "1"],
        )
        .output()
        .unwrap();
    let text = json(&output)[0]["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("hello") && text.contains("Sent by an agent <via msgate>"),
        "{text}"
    );
}

#[test]
fn the_audit_log_holds_no_secret_and_no_content_by_default() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let text = "the launch moves to Thursday";
    let output = send(&tenant, &home, &["--chat", "Release 4.2", text]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let sent = json(&output);
    let chats = json(
        &tenant
            .msgate(&home, &["chat", "list", "--all"])
            .output()
            .unwrap(),
    );
    let chat_id = chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Release 4.2")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ada = tenant.sandbox.info().users[0].id.clone();
    let output = send(
        &tenant,
        &home,
        &[
            "--chat",
            "Release 4.2",
            "--mention",
            "dev.patel@larkspur.example.invalid",
            "ping",
        ],
    );
    assert_eq!(status(&output), 0, "{}", stderr(&output));

    let raw = std::fs::read_to_string(audit_log(&home)).unwrap();
    for (i, segment) in tenant.token.split('.').enumerate() {
        assert!(!raw.contains(segment), "token segment {i} in the audit log");
    }
    for leaked in [text, "ping", chat_id.as_str(), ada.as_str(), "dev.patel"] {
        assert!(!raw.contains(leaked), "{leaked} in the audit log:\n{raw}");
    }
    let lines = audit_lines(&home);
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    for field in [
        "time",
        "profile",
        "face",
        "operation",
        "decision",
        "rule",
        "targets",
        "request_ids",
    ] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(first["face"], "cli");
    assert_eq!(first["operation"], "message.send");
    assert_eq!(first["decision"], "allow");
    assert_eq!(first["outcome"], "ok");
    assert_eq!(first["request_ids"].as_array().unwrap().len(), 1);
    let hashed = first["targets"][0]["id"].as_str().unwrap();
    assert!(hashed.starts_with("h:"), "{hashed}");
    assert_eq!(
        lines[1]["targets"][0]["id"], hashed,
        "the same chat hashes the same"
    );
    assert_eq!(lines[1]["targets"][1]["kind"], "user");
    assert!(sent["id"].is_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(audit_log(&home))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // With include_content, support gets what it needs.
    home.write_config("[policy.audit]\ninclude_content = true\n");
    let output = send(&tenant, &home, &["--chat", "Release 4.2", text]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let last = audit_lines(&home).pop().unwrap();
    assert_eq!(last["input"]["text"], text);
    assert_eq!(last["targets"][0]["id"], chat_id.as_str());
}

#[test]
fn policy_show_check_and_explain() {
    let home = Home::new();
    let output = home.msgate(&["policy", "show"]).output().unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let shown = json(&output);
    assert_eq!(shown["preset"], "standard");
    assert_eq!(shown["source"], "no policy configured: the face's default");
    assert!(
        shown["audit"]["path"]
            .as_str()
            .unwrap()
            .ends_with("msgate/audit.jsonl")
    );
    let output = home
        .msgate(&["policy", "show", "--face", "mcp"])
        .output()
        .unwrap();
    assert_eq!(json(&output)["preset"], "read-only");

    let output = home
        .msgate(&["policy", "check", "message.send", "--face", "mcp"])
        .output()
        .unwrap();
    let check = json(&output);
    assert_eq!(check["decision"], "deny");
    assert_eq!(check["rule"], "preset 'read-only'");
    assert!(
        check["how_to_allow"]
            .as_str()
            .unwrap()
            .contains("allow = [\"message.send\"]")
    );
    let output = home
        .msgate(&[
            "policy",
            "check",
            "message.send",
            "--target",
            "mail:ada@elsewhere.example",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&output)["decision"], "allow", "{}", stderr(&output));

    let output = home
        .msgate(&["--err-json", "policy", "check", "message.sned"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);
    let output = home
        .msgate(&[
            "--err-json",
            "policy",
            "check",
            "message.send",
            "--target",
            "room:x",
        ])
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);

    home.write_config("[policy]\npreset = \"read-only\"\nallow = [\"message.send\"]\n");
    let output = home.msgate(&["policy", "explain"]).output().unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let rows = json(&output);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), Catalog::get().entries().len());
    let send = rows
        .iter()
        .find(|r| r["operation"] == "message.send")
        .unwrap();
    assert_eq!(send["read-only"], "deny");
    assert_eq!(send["standard"], "allow");
    assert_eq!(send["effective"], "allow");
    assert_eq!(send["rule"], "allow 'message.send'");
    let output = home
        .msgate(&["-o", "table", "policy", "explain"])
        .output()
        .unwrap();
    assert!(stdout(&output).contains("EFFECTIVE"), "{}", stdout(&output));

    let output = home.msgate(&["policy", "--help"]).output().unwrap();
    let help = stdout(&output);
    for expected in [
        "read-only",
        "standard",
        "full",
        "[profiles.agent.policy]",
        "mail_domains",
        "allow_yes",
    ] {
        assert!(help.contains(expected), "{expected} in:\n{help}");
    }
}

#[test]
fn a_bad_policy_stops_operations_and_warnings_do_not() {
    let tenant = running(SCOPES);
    let home = Home::new();
    home.write_config("output = \"json\"\n\n[profiles.default.policy]\npreset = \"all\"\n");
    let output = tenant
        .msgate(&home, &["--err-json", "chat", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 2, "{}", stderr(&output));
    let message = error_json(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("config.toml:4"), "{message}");
    assert!(
        message.contains("'profiles.default.policy.preset'"),
        "{message}"
    );
    // The commands that repair the file still run.
    let output = home.msgate(&["config", "get", "output"]).output().unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));

    home.write_config("[profiles.default.policy]\npresett = \"full\"\n");
    let output = tenant
        .msgate(&home, &["chat", "list", "--limit", "1"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: unknown policy key 'profiles.default.policy.presett'"),
        "{}",
        stderr(&output)
    );
    let output = home.msgate(&["config", "list"]).output().unwrap();
    assert!(!stdout(&output).contains("policy"), "{}", stdout(&output));

    let policy = home.path().join("shared.toml");
    std::fs::write(&policy, "preset = \"full\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o666)).unwrap();
        let output = tenant
            .msgate(
                &home,
                &[
                    "--err-json",
                    "--policy",
                    policy.to_str().unwrap(),
                    "chat",
                    "list",
                ],
            )
            .output()
            .unwrap();
        assert_eq!(status(&output), 2);
        assert_eq!(error_json(&output)["error"]["code"], "config_insecure");
    }
}
