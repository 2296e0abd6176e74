//! Shared helpers for the CLI tests: a msgate command in a private, empty home.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use tempfile::TempDir;

#[derive(Debug)]
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path().join(".config/msgate")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    /// Write the config file as a user would, private.
    pub fn write_config(&self, text: &str) {
        msgate_core::atomic::create_private_dir(&self.config_dir()).unwrap();
        msgate_core::atomic::write_atomic(&self.config_file(), text.as_bytes()).unwrap();
    }

    pub fn read_config(&self) -> String {
        std::fs::read_to_string(self.config_file()).unwrap()
    }

    /// `msgate ARGS` with HOME and XDG dirs inside this home and no MSGATE_ variables inherited.
    pub fn msgate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msgate"));
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("MSGATE_") || name == "NO_COLOR" {
                cmd.env_remove(name);
            }
        }
        cmd.env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env("XDG_STATE_HOME", self.path().join(".local/state"))
            .args(args);
        cmd
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `--err-json` object: the last line on stderr.
pub fn error_json(output: &Output) -> Value {
    let stderr = stderr(output);
    let last = stderr.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("last stderr line is not JSON ({e}):\n{stderr}"))
}

pub fn status(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// A sandbox served on a background runtime for the duration of a test, and a token for it.
pub struct Running {
    _runtime: tokio::runtime::Runtime,
    pub sandbox: Sandbox,
    pub token: String,
}

pub fn running(scopes: &[&str]) -> Running {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    let (sandbox, token) = runtime.block_on(async {
        // Strict: every request body msgate sends is checked against Graph's description.
        let options = SandboxOptions {
            strict_requests: true,
            ..SandboxOptions::default()
        };
        let sandbox = Sandbox::start(options).await.unwrap();
        let signed_in = sandbox.sign_in(None, &scopes).await.unwrap();
        (sandbox, signed_in.access_token.expose().to_owned())
    });
    Running {
        _runtime: runtime,
        sandbox,
        token,
    }
}

impl Running {
    /// A token for another user of the tenant, e.g. to have a colleague send Ada a message.
    pub fn token_for(&self, upn: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self._runtime.block_on(async {
            let signed_in = self.sandbox.sign_in(Some(upn), &scopes).await.unwrap();
            signed_in.access_token.expose().to_owned()
        })
    }

    /// `msgate ARGS` acting as another user (a token from [`Running::token_for`]).
    pub fn msgate_as(&self, home: &Home, token: &str, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.msgate(home, args);
        cmd.env("MSGATE_ACCESS_TOKEN", token);
        cmd
    }

    fn control(&self, path: &str) -> String {
        format!("{}/_sandbox/{path}", self.sandbox.info().login_url)
    }

    /// Switch Graph faults on (`{"throttle_rate":0.3,"retry_after_s":0,"seed":7}`) or off (`{}`).
    pub fn set_faults(&self, spec: Value) {
        let url = self.control("faults");
        let status = self._runtime.block_on(async {
            reqwest::Client::new()
                .post(url)
                .json(&spec)
                .send()
                .await
                .unwrap()
                .status()
        });
        assert!(status.is_success(), "setting faults: {status}");
    }

    /// The sandbox's log of Graph requests since the last reset: (method, path, status).
    pub fn requests(&self) -> Vec<(String, String, u16)> {
        let url = self.control("requests");
        let log: Value = self._runtime.block_on(async {
            reqwest::Client::new()
                .get(url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["method"].as_str().unwrap().to_owned(),
                    e["path"].as_str().unwrap().to_owned(),
                    u16::try_from(e["status"].as_u64().unwrap()).unwrap(),
                )
            })
            .collect()
    }

    pub fn reset_log(&self) {
        let url = self.control("reset-log");
        self._runtime
            .block_on(async { reqwest::Client::new().post(url).send().await.unwrap() });
    }

    /// A Graph call with the test's token, to set up or read back state: (status, JSON body or
    /// null). `path` is below the Graph root.
    pub fn graph(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.sandbox.info().graph_url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self._runtime.block_on(async {
            let mut request = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(&self.token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        })
    }

    pub fn msgate(&self, home: &Home, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = home.msgate(args);
        cmd.env("MSGATE_GRAPH_URL", &self.sandbox.info().graph_url)
            .env("MSGATE_LOGIN_URL", &self.sandbox.info().login_url)
            .env("MSGATE_ACCESS_TOKEN", &self.token);
        cmd
    }
}

pub fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}
