//! `msgate config` through the real binary: file location and modes, precedence, preservation
//! of comments and unknown keys, and refusal to use or overwrite a bad file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::{Home, error_json, status, stderr, stdout};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn set_creates_a_private_file_under_xdg_config_home() {
    let home = Home::new();
    let out = home
        .msgate(&["config", "set", "output", "ndjson"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "status goes to stderr, not stdout");
    assert_eq!(home.read_config(), "output = \"ndjson\"\n");
    #[cfg(unix)]
    {
        assert_eq!(mode(&home.config_dir()), 0o700);
        assert_eq!(mode(&home.config_file()), 0o600);
    }
    let out = home.msgate(&["config", "path"]).output().unwrap();
    let path: String = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(std::path::Path::new(&path), home.config_file());
}

#[test]
fn msgate_config_dir_overrides_the_location() {
    let home = Home::new();
    let dir = home.path().join("elsewhere");
    let out = home
        .msgate(&["config", "set", "no_color", "true"])
        .env("MSGATE_CONFIG_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).unwrap(),
        "no_color = true\n"
    );
    assert!(!home.config_file().exists());
}

#[test]
fn the_configured_output_is_the_default_and_env_and_flags_override_it() {
    let home = Home::new();
    home.msgate(&["config", "set", "output", "ndjson"])
        .assert()
        .success();
    let first_line = |args: &[&str], env: Option<&str>| {
        let mut cmd = home.msgate(args);
        if let Some(format) = env {
            cmd.env("MSGATE_OUTPUT", format);
        }
        let out = cmd.output().unwrap();
        assert_eq!(status(&out), 0, "{}", stderr(&out));
        stdout(&out).lines().next().unwrap_or_default().to_owned()
    };
    assert!(
        first_line(&["config", "list"], None).starts_with("{\"key\""),
        "file → ndjson"
    );
    assert_eq!(
        first_line(&["config", "list"], Some("csv")),
        "key,value,source",
        "env beats file"
    );
    assert!(
        first_line(&["config", "list", "-o", "json"], Some("csv")).starts_with('['),
        "flag beats env"
    );
}

#[test]
fn profiles_have_their_own_section() {
    let home = Home::new();
    home.msgate(&["config", "set", "profiles.work.output", "csv"])
        .assert()
        .success();
    assert_eq!(home.read_config(), "[profiles.work]\noutput = \"csv\"\n");
    let out = home
        .msgate(&["--profile", "work", "config", "list"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("key,value,source\r\n"),
        "{}",
        stdout(&out)
    );
    let out = home
        .msgate(&["config", "get", "profiles.work.output"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "\"csv\"\n");
}

#[test]
fn set_keeps_comments_ordering_and_unknown_keys() {
    let home = Home::new();
    let original = "# managed by me\nprofile = \"work\" # my default\nfuture_setting = [1, 2]\n\n[profiles.work]\noutput = \"csv\" # for spreadsheets\n";
    home.write_config(original);
    let out = home
        .msgate(&["config", "set", "profiles.work.output", "json"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(
        home.read_config(),
        original.replace("output = \"csv\"", "output = \"json\"")
    );
    assert!(stderr(&out).contains("unknown config key 'future_setting'"));
    home.msgate(&["config", "unset", "profile"])
        .assert()
        .success();
    assert!(!home.read_config().contains("profile = \"work\""));
    assert!(home.read_config().contains("future_setting = [1, 2]"));
}

#[test]
fn unknown_keys_warn_but_do_not_fail() {
    let home = Home::new();
    home.write_config("outptu = \"json\"\n");
    let out = home.msgate(&["config", "list"]).output().unwrap();
    assert_eq!(status(&out), 0);
    assert!(
        stderr(&out).contains("warning: unknown config key 'outptu'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_invalid_value_exits_2_naming_the_key_and_set_repairs_it() {
    let home = Home::new();
    home.write_config("output = \"xml\"\n");
    let out = home
        .msgate(&["--err-json", "config", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "config_invalid");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'output'")
    );
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("msgate config set output")
    );

    home.msgate(&["config", "set", "output", "json"])
        .assert()
        .success();
    home.msgate(&["config", "list"]).assert().success();
}

#[test]
fn setting_an_invalid_value_or_unknown_key_exits_2_and_writes_nothing() {
    let home = Home::new();
    home.write_config("output = \"csv\"\n");
    for args in [
        ["config", "set", "output", "xml"],
        ["config", "set", "no_color", "yes"],
        ["config", "set", "outptu", "json"],
        ["config", "set", "profiles.bad.name.output", "json"],
    ] {
        let out = home.msgate(&args).output().unwrap();
        assert_eq!(status(&out), 2, "{args:?}");
        assert!(
            stderr(&out).contains(args[2]),
            "the error names the key: {}",
            stderr(&out)
        );
    }
    assert_eq!(home.read_config(), "output = \"csv\"\n");
}

#[test]
fn a_corrupt_file_is_reported_and_never_overwritten() {
    let home = Home::new();
    let corrupt = "output = \"json\n[profiles.work\n";
    home.write_config(corrupt);
    let out = home
        .msgate(&["--err-json", "config", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "config_invalid");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid TOML")
    );

    let out = home
        .msgate(&["config", "set", "output", "csv"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert_eq!(home.read_config(), corrupt);

    let out = home.msgate(&["config", "path"]).output().unwrap();
    assert_eq!(
        status(&out),
        0,
        "the path is still shown so the user can fix the file"
    );
}

#[cfg(unix)]
#[test]
fn a_group_or_world_readable_file_is_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    home.write_config("output = \"csv\"\n");
    std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home
        .msgate(&["--err-json", "config", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    let err = error_json(&out);
    assert_eq!(err["error"]["code"], "config_insecure");
    assert!(err["error"]["hint"].as_str().unwrap().contains("chmod 600"));
    let out = home
        .msgate(&["config", "set", "output", "json"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert_eq!(home.read_config(), "output = \"csv\"\n");
    assert_eq!(mode(&home.config_file()), 0o644);
}

#[test]
fn get_prints_the_stored_value_or_exits_13() {
    let home = Home::new();
    home.write_config("no_color = true\n");
    let out = home
        .msgate(&["config", "get", "no_color"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        Value::Bool(true)
    );
    let out = home
        .msgate(&["config", "get", "no_color", "-o", "table"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "true\n");
    let out = home
        .msgate(&["--err-json", "config", "get", "output"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 13);
    assert_eq!(error_json(&out)["error"]["code"], "not_found");
}
