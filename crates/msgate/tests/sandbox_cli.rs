//! `msgate sandbox serve` through the real binary: one JSON line on stdout, a working server,
//! and a clean stop on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn http_get(base: &str, path: &str) -> String {
    let host = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[cfg(unix)]
#[test]
fn serve_prints_one_json_line_serves_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgate"))
        .args(["sandbox", "serve", "--port", "0", "--seed", "demo"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("the first line is JSON");
    for key in [
        "graph_url",
        "login_url",
        "tenant_id",
        "public_client_id",
        "confidential_client_id",
        "confidential_client_secret",
    ] {
        assert!(info[key].is_string(), "{key} missing in {line}");
    }
    assert_eq!(info["users"].as_array().unwrap().len(), 12);
    let login = info["login_url"].as_str().unwrap();
    assert!(
        login.starts_with("http://127.0.0.1:"),
        "loopback by default: {login}"
    );

    let response = http_get(login, "/common/v2.0/.well-known/openid-configuration");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let response = http_get(login, "/v1.0/me");
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "Graph needs a token: {response}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the sandbox did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "exactly one line on stdout, got more: {rest}"
    );
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("sandbox stopped"), "{stderr}");
}
