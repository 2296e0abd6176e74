//! The machine contract through the real binary: exit codes, `--err-json`, output modes, `--jq`,
//! help, version, completions and man pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::{Home, error_json, status, stderr, stdout};

#[test]
fn version_and_help_succeed_on_stdout() {
    let home = Home::new();
    let out = home.msgate(&["--version"]).output().unwrap();
    assert_eq!(status(&out), 0);
    assert_eq!(
        stdout(&out),
        format!("msgate {}\n", env!("CARGO_PKG_VERSION"))
    );

    let out = home.msgate(&["--help"]).output().unwrap();
    assert_eq!(status(&out), 0);
    let help = stdout(&out);
    for expected in [
        "Exit codes:",
        "--output",
        "--jq",
        "--err-json",
        "--profile",
        "config",
    ] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
    assert!(stderr(&out).is_empty());
}

#[test]
fn no_command_is_a_usage_error_with_help_on_stderr() {
    let out = Home::new().msgate(&[]).output().unwrap();
    assert_eq!(status(&out), 2);
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("Usage:"));
}

#[test]
fn an_unknown_subcommand_exits_2_with_a_one_line_json_error() {
    let out = Home::new()
        .msgate(&["--err-json", "confg"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert!(stdout(&out).is_empty());
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "usage_error");
    assert_eq!(err["error"]["exit"], 2);
    assert_eq!(err["error"]["message"], "unrecognized subcommand 'confg'");
    let hint = err["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("'config'") && !hint.contains('\n'), "{hint}");
}

#[test]
fn a_bad_flag_exits_2_and_the_env_switch_enables_json_errors() {
    let out = Home::new()
        .msgate(&["config", "list", "--bogus"])
        .env("MSGATE_ERR_JSON", "1")
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "usage_error");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus")
    );
    assert_eq!(err["error"]["hint"], "see 'msgate config list --help'");
}

#[test]
fn human_errors_are_one_line_then_a_hint() {
    let out = Home::new()
        .msgate(&["--output", "xml", "config", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let text = stderr(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("error: "), "{text}");
    assert_eq!(lines[1], "", "a blank line before the hint: {text}");
    assert!(lines[2].starts_with("hint: "), "{text}");
}

#[test]
fn a_command_that_needs_sign_in_exits_11_pointing_at_auth_login() {
    let home = Home::new();
    let out = home
        .msgate(&["--err-json", "auth", "status"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 11);
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "auth_required");
    assert_eq!(err["error"]["exit"], 11);
    assert_eq!(err["error"]["hint"], "sign in with: msgate auth login");

    let out = home
        .msgate(&["--profile", "work", "auth", "status"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 11);
    assert!(stderr(&out).contains("msgate auth login --profile work"));
}

#[test]
fn piped_output_is_json_and_lists_are_arrays() {
    let out = Home::new().msgate(&["config", "list"]).output().unwrap();
    assert_eq!(status(&out), 0);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = rows.as_array().expect("a JSON array");
    assert!(
        rows.iter()
            .any(|r| r["key"] == "output" && r["value"] == "auto")
    );
}

#[test]
fn every_output_format_renders_the_same_rows() {
    let home = Home::new();
    let run = |format: &str| {
        let out = home
            .msgate(&["config", "list", "-o", format])
            .output()
            .unwrap();
        assert_eq!(status(&out), 0, "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let ndjson = run("ndjson");
    assert_eq!(ndjson.lines().count(), 3);
    for line in ndjson.lines() {
        assert!(serde_json::from_str::<Value>(line).unwrap().is_object());
    }
    let csv = run("csv");
    assert!(csv.starts_with("key,value,source\r\n"), "{csv}");
    assert!(csv.contains("output,csv,flag --output\r\n"), "{csv}");
    let table = run("table");
    assert!(table.starts_with("KEY"), "{table}");
    assert!(
        table.lines().any(|l| l
            .split_whitespace()
            .eq(["output", "table", "flag", "--output"])),
        "{table}"
    );
}

#[test]
fn jq_filters_the_json_and_prints_strings_raw() {
    let out = Home::new()
        .msgate(&[
            "config",
            "list",
            "--jq",
            ".[] | select(.key == \"profile\") | .value",
        ])
        .output()
        .unwrap();
    assert_eq!(status(&out), 0);
    assert_eq!(stdout(&out), "default\n");
}

#[test]
fn a_bad_jq_expression_fails_before_the_command_runs() {
    let home = Home::new();
    let out = home
        .msgate(&[
            "--err-json",
            "--jq",
            ".[",
            "config",
            "set",
            "output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert!(
        error_json(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid --jq expression")
    );
    assert!(
        !home.config_file().exists(),
        "the command must not have run"
    );
}

#[test]
fn completions_for_every_shell() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = home.msgate(&["completions", shell]).output().unwrap();
        assert_eq!(status(&out), 0, "{shell}");
        let script = stdout(&out);
        assert!(
            script.contains("msgate") && script.contains("config"),
            "{shell}"
        );
    }
    let out = home.msgate(&["completions", "tcsh"]).output().unwrap();
    assert_eq!(status(&out), 2);
}

#[test]
fn man_pages_come_from_the_same_definition() {
    let home = Home::new();
    let out = home.msgate(&["man"]).output().unwrap();
    assert_eq!(status(&out), 0);
    let page = stdout(&out);
    assert!(page.contains(".TH msgate 1"), "{page}");
    assert!(
        page.contains("\\-\\-err\\-json"),
        "global flags are documented"
    );

    let dir = home.path().join("man");
    let out = home
        .msgate(&["man", "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(status(&out), 0);
    let set_page = std::fs::read_to_string(dir.join("msgate-config-set.1")).unwrap();
    assert!(set_page.contains("msgate\\-config\\-set"), "{set_page}");
}

/// On a terminal (a pty from util-linux `script`), output defaults to a table and diagnostics
/// are coloured unless --no-color or NO_COLOR says otherwise.
#[test]
fn a_terminal_gets_a_table_and_colour() {
    let home = Home::new();
    let bin = env!("CARGO_BIN_EXE_msgate");
    let in_pty = |command: &str| {
        let mut script = std::process::Command::new("script");
        script
            .args(["-qec", &format!("{bin} {command}"), "/dev/null"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("TERM", "xterm")
            .stdin(std::process::Stdio::null())
            .env_remove("NO_COLOR")
            .env_remove("MSGATE_OUTPUT");
        let out = script.output().expect("util-linux `script` is available");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let table = in_pty("config list");
    assert!(table.contains("KEY") && table.contains("SOURCE"), "{table}");
    assert!(!table.trim_start().starts_with('['), "{table}");

    let coloured = in_pty("confg");
    assert!(coloured.contains("\x1b[31;1merror\x1b[0m"), "{coloured:?}");
    let plain = in_pty("--no-color confg");
    assert!(
        plain.contains("error: unrecognized") && !plain.contains("\x1b["),
        "{plain:?}"
    );
}
