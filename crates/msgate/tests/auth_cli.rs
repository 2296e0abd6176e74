//! `msgate auth` end to end through the binary against a sandbox tenant running beside it:
//! device code and browser sign-in, app-only with a secret on stdin, profiles, logout --all,
//! the keyring failing closed, and the canary with real tokens — no access or refresh token in
//! any output, log or file except the encrypted store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use msgate_auth::store::TokenStore;
use msgate_auth::store::encrypted_file::{EncryptedFileStore, TokenKey};
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use support::{Home, status, stderr, stdout};

const KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

struct Running {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
}

fn running(options: SandboxOptions) -> Running {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(Sandbox::start(options)).unwrap();
    Running { runtime, sandbox }
}

fn auto_approving() -> Running {
    running(SandboxOptions {
        auto_approve: true,
        ..SandboxOptions::default()
    })
}

impl Running {
    /// msgate pointed at this sandbox, with the file store's key and no keyring.
    fn msgate(&self, home: &Home, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = home.msgate(args);
        cmd.env("MSGATE_GRAPH_URL", &self.sandbox.info().graph_url)
            .env("MSGATE_LOGIN_URL", &self.sandbox.info().login_url)
            .env("MSGATE_TOKEN_KEY", KEY)
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/msgate-test-bus",
            )
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("BROWSER");
        cmd
    }
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

fn token_file(home: &Home, profile: &str) -> PathBuf {
    home.path()
        .join(format!(".local/state/msgate/tokens/{profile}.tokens"))
}

fn stored_tokens(home: &Home, profile: &str) -> msgate_auth::store::StoredTokens {
    EncryptedFileStore::new(
        home.path().join(".local/state/msgate/tokens"),
        Some(TokenKey::from_hex(KEY).unwrap()),
    )
    .load(profile)
    .unwrap()
    .unwrap()
}

#[test]
fn device_code_sign_in_to_an_encrypted_file_then_graph_then_logout_all() {
    let r = auto_approving();
    let home = Home::new();
    let login = r
        .msgate(
            &home,
            &[
                "--profile",
                "work",
                "auth",
                "login",
                "--token-store",
                "file",
                "--capabilities",
                "chat,people",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&login), 0, "{}", stderr(&login));
    assert!(
        stderr(&login).contains("enter the code"),
        "device code shown: {}",
        stderr(&login)
    );
    assert!(stdout(&login).is_empty());

    let state = r
        .msgate(&home, &["--profile", "work", "auth", "status"])
        .output()
        .unwrap();
    assert_eq!(status(&state), 0, "{}", stderr(&state));
    let state = json(&state);
    assert_eq!(state["account"], r.sandbox.info().users[0].upn.as_str());
    assert_eq!(state["flow"], "device_code");
    assert!(
        state["store"]
            .as_str()
            .unwrap()
            .starts_with("encrypted file")
    );
    assert!(
        state["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Chat.ReadWrite")
    );

    let chats = r
        .msgate(&home, &["--profile", "work", "chat", "list"])
        .output()
        .unwrap();
    assert_eq!(status(&chats), 0, "{}", stderr(&chats));
    assert!(!json(&chats).as_array().unwrap().is_empty());

    let switched = r
        .msgate(&home, &["auth", "switch", "work"])
        .output()
        .unwrap();
    assert_eq!(status(&switched), 0, "{}", stderr(&switched));
    let listed = json(&r.msgate(&home, &["auth", "list"]).output().unwrap());
    let work = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profile"] == "work")
        .unwrap();
    assert_eq!(
        (work["current"].as_bool(), work["signed_in"].as_bool()),
        (Some(true), Some(true))
    );

    let second = r
        .msgate(
            &home,
            &[
                "--profile",
                "home",
                "auth",
                "login",
                "--device-code",
                "--token-store",
                "file",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&second), 0, "{}", stderr(&second));
    assert!(token_file(&home, "home").exists() && token_file(&home, "work").exists());

    let logout = r
        .msgate(&home, &["auth", "logout", "--all"])
        .output()
        .unwrap();
    assert_eq!(status(&logout), 0, "{}", stderr(&logout));
    let said = stderr(&logout);
    assert!(
        said.contains("Profile 'work': removed the tokens in encrypted file"),
        "{said}"
    );
    assert!(said.contains("Profile 'home': removed"), "{said}");
    assert!(said.contains("could not check the OS keyring"), "{said}");
    assert!(!token_file(&home, "home").exists() && !token_file(&home, "work").exists());
    assert!(
        !home.read_config().contains("account"),
        "{}",
        home.read_config()
    );

    let after = r.msgate(&home, &["chat", "list"]).output().unwrap();
    assert_eq!(status(&after), 11, "{}", stderr(&after));
    assert!(stderr(&after).contains("msgate auth login --profile work"));
}

#[test]
fn without_a_keyring_sign_in_fails_closed_and_names_the_other_stores() {
    let r = auto_approving();
    let home = Home::new();
    let out = r
        .msgate(&home, &["auth", "login", "--device-code"])
        .output()
        .unwrap();
    assert_eq!(status(&out), 11, "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("keyring is not reachable"), "{said}");
    assert!(
        said.contains("--token-store file") && said.contains("--token-store memory"),
        "{said}"
    );
    assert!(
        !home.config_file().exists(),
        "nothing recorded for a sign-in that did not happen"
    );

    let memory = r
        .msgate(
            &home,
            &["auth", "login", "--device-code", "--token-store", "memory"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&memory), 0, "{}", stderr(&memory));
    assert!(home.read_config().contains("token_store = \"memory\""));
    let later = r.msgate(&home, &["chat", "list"]).output().unwrap();
    assert_eq!(status(&later), 11);
    assert!(
        stderr(&later).contains("in memory only"),
        "{}",
        stderr(&later)
    );
}

#[test]
fn app_only_with_a_secret_on_stdin_never_in_argv() {
    let r = auto_approving();
    let home = Home::new();
    let info = r.sandbox.info().clone();
    let args = [
        "--profile",
        "daemon",
        "auth",
        "login",
        "--client-secret-stdin",
        "--client-id",
        &info.confidential_client_id,
        "--tenant",
        &info.tenant_id,
        "--token-store",
        "file",
    ];
    let out = r
        .msgate(&home, &args)
        .write_stdin(format!("{}\n", info.confidential_client_secret))
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert!(
        !home
            .read_config()
            .contains(&info.confidential_client_secret)
    );
    let state = json(
        &r.msgate(&home, &["--profile", "daemon", "auth", "status"])
            .output()
            .unwrap(),
    );
    assert_eq!(state["flow"], "client_secret");
    assert_eq!(state["account"], info.confidential_client_id.as_str());

    let refused = r
        .msgate(&home, &["--profile", "daemon", "auth", "token"])
        .output()
        .unwrap();
    assert_eq!(status(&refused), 2);
    assert!(stderr(&refused).contains("--yes-print-secret"));
    let shown = r
        .msgate(
            &home,
            &["--profile", "daemon", "auth", "token", "--yes-print-secret"],
        )
        .output()
        .unwrap();
    assert_eq!(status(&shown), 0, "{}", stderr(&shown));
    let token = json(&shown)["access_token"].as_str().unwrap().to_owned();
    let claims = msgate_auth::entra::claims(&token).unwrap();
    assert_eq!(claims["appid"], info.confidential_client_id.as_str());

    // A secret is never an argument: there is no flag to take one.
    let argv = r
        .msgate(
            &home,
            &[
                "auth",
                "login",
                "--client-secret",
                "fake-client-secret-argv",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(status(&argv), 2);
}

#[test]
fn the_browser_flow_through_the_binary() {
    let r = auto_approving();
    let home = Home::new();
    let info = r.sandbox.info().clone();
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgate"))
        .args(["auth", "login", "--token-store", "file"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_STATE_HOME", home.path().join(".local/state"))
        .env("MSGATE_GRAPH_URL", &info.graph_url)
        .env("MSGATE_LOGIN_URL", &info.login_url)
        .env("MSGATE_TOKEN_KEY", KEY)
        .env("BROWSER", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.starts_with("http"))
        .expect("the authorize URL on stderr");
    // The browser: follow Entra's redirect back to msgate's loopback listener.
    let page = r
        .runtime
        .block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() });
    assert!(page.contains("You can close this window"), "{page}");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let done = child.wait().unwrap();
    assert!(done.success(), "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("Signed in to profile 'default'")),
        "{rest:?}"
    );
    let state = r.msgate(&home, &["auth", "status"]).output().unwrap();
    assert_eq!(json(&state)["flow"], "browser");
}

/// Every fragment of `token` worth searching for: the whole, and each JWT segment.
fn fragments(token: &str) -> Vec<String> {
    std::iter::once(token.to_owned())
        .chain(token.split('.').filter(|p| p.len() >= 8).map(str::to_owned))
        .collect()
}

fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn canary_real_tokens_appear_nowhere_but_the_encrypted_store() {
    let r = auto_approving();
    let home = Home::new();
    let run = |args: &[&str]| (args.join(" "), r.msgate(&home, args).output().unwrap());
    let outputs: Vec<(String, Output)> = [
        &[
            "--debug",
            "auth",
            "login",
            "--token-store",
            "file",
            "--device-code",
        ][..],
        &["--debug", "auth", "status"],
        &["--debug", "--debug-bodies", "chat", "list"],
        &["--debug", "--err-json", "auth", "doctor"],
        &["--debug", "auth", "scopes"],
        &["--debug", "auth", "token"],
        &["--debug", "auth", "list"],
        &["config", "list"],
    ]
    .into_iter()
    .map(run)
    .collect();
    let tokens = stored_tokens(&home, "default");
    let secrets: Vec<String> = [tokens.access_token, tokens.refresh_token]
        .into_iter()
        .flatten()
        .flat_map(|s| fragments(s.expose()))
        .collect();
    assert!(
        secrets.len() >= 4,
        "an access token (3 segments) and a refresh token"
    );

    let mut leaks = Vec::new();
    for (command, out) in &outputs {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            if secrets.iter().any(|s| text.contains(s.as_str())) {
                leaks.push(format!("{stream} of `msgate {command}`"));
            }
        }
    }
    run(&["auth", "logout"]);
    let store = token_file(&home, "default");
    for file in files_under(home.path()).into_iter().filter(|f| *f != store) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        if secrets.iter().any(|s| text.contains(s.as_str())) {
            leaks.push(file.display().to_string());
        }
    }
    assert!(leaks.is_empty(), "tokens leaked into: {leaks:#?}");
    let debug = &outputs[2].1;
    assert_eq!(status(debug), 0, "{}", stderr(debug));
    assert!(
        stderr(debug).contains("refreshed") || stderr(debug).contains("GET"),
        "--debug logged: {}",
        stderr(debug)
    );
}

#[test]
fn a_wrong_token_key_is_a_clear_error_and_the_file_is_kept() {
    let r = auto_approving();
    let home = Home::new();
    let login = r
        .msgate(&home, &["auth", "login", "--token-store", "file"])
        .output()
        .unwrap();
    assert_eq!(status(&login), 0, "{}", stderr(&login));
    let before = std::fs::read(token_file(&home, "default")).unwrap();
    let wrong = r
        .msgate(&home, &["chat", "list"])
        .env("MSGATE_TOKEN_KEY", "0".repeat(64))
        .output()
        .unwrap();
    assert_eq!(status(&wrong), 11);
    assert!(stderr(&wrong).contains("wrong key"), "{}", stderr(&wrong));
    assert_eq!(std::fs::read(token_file(&home, "default")).unwrap(), before);
}
