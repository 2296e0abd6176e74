//! The secret canary through the real binary: with a fake token in the environment and in the
//! command's own input, nothing msgate prints or writes contains any part of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgate_testkit::Canary;

const BIN: &str = env!("CARGO_BIN_EXE_msgate");

fn status(output: &std::process::Output) -> i32 {
    output.status.code().unwrap()
}

#[test]
fn debug_status_with_an_env_token_never_shows_it() {
    let canary = Canary::new("status");
    let out = canary.run(canary.command(BIN).args(["--debug", "auth", "status"]));
    assert_eq!(status(&out), 0);
    let status_json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status_json["signed_in"], true);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("settings resolved"),
        "--debug logged something, so the check covered a real log"
    );
}

#[test]
fn a_token_pasted_as_a_config_value_is_refused_and_redacted() {
    let canary = Canary::new("config-value");
    let token = canary.token().to_owned();
    let out = canary.run(
        canary
            .command(BIN)
            .args(["--debug", "config", "set", "output", &token]),
    );
    assert_eq!(status(&out), 2);
    let out = canary.run(
        canary
            .command(BIN)
            .args(["--err-json", "config", "set", &token, "json"]),
    );
    assert_eq!(status(&out), 2);
    let out = canary.run(
        canary
            .command(BIN)
            .args(["config", "set", "output", "json"]),
    );
    assert_eq!(
        status(&out),
        0,
        "a file was written, and the canary searched it"
    );
}

#[test]
fn a_token_in_flags_is_redacted_from_usage_errors() {
    let canary = Canary::new("flags");
    let token = canary.token().to_owned();
    for args in [
        vec!["--err-json", "--profile", &token, "auth", "status"],
        vec!["--jq", &token, "config", "list"],
        vec!["config", "list", &token],
        vec!["--output", &token, "config", "list"],
    ] {
        let mut command = canary.command(BIN);
        let out = canary.run(command.args(&args));
        assert_eq!(
            status(&out),
            2,
            "{:?}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
