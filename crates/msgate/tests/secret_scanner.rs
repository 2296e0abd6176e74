//! `scripts/check-no-secrets` against throwaway git repositories: it must fail on
//! credential-shaped content, name the place without printing the secret, and let obviously fake
//! test values through.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn scanner() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check-no-secrets")
}

fn scan(files: &[(&str, &str)]) -> Output {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    for (name, text) in files {
        std::fs::write(repo.path().join(name), text).unwrap();
    }
    git(&["add", "."]);
    Command::new("bash")
        .arg(scanner())
        .arg(repo.path())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fake_values_pass() {
    let out = scan(&[
        (
            "ok.rs",
            "let token = \"fake-access-token\";\nlet h = \"Bearer fake-access-token-for-tests-0000000000\";\n",
        ),
        (
            "ok.toml",
            "upn = \"adele@example.invalid\"\nclient_secret = \"fake-client-secret-for-tests-000\"\n",
        ),
        (
            "code.rs",
            "let info = Info { client_secret: state.tenant.confidential_client_secret.clone() };\n",
        ),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn credential_shapes_fail_without_being_printed() {
    let real_looking_jwt = format!(
        "eyJ{}.eyJ{}.{}",
        "hbGciOiJSUzI1NiJ9abc",
        "zdWIiOiIxMjM0NTY3ODkwIn0",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    );
    let cases = [
        ("jwt.txt", format!("token: {real_looking_jwt}\n"), "JWT"),
        (
            "key.pem",
            format!("-----BEGIN {} KEY-----\nMIIB\n", "RSA PRIVATE"),
            "private key",
        ),
        (
            "h.txt",
            format!("Authorization: Bearer {}\n", "A1b2C3d4".repeat(5)),
            "bearer value",
        ),
        (
            "s.env",
            format!(
                "SECRET={}7Q~{}\n",
                "Xy_", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3k"
            ),
            "Entra client secret",
        ),
        (
            "c.json",
            format!("{{\"refresh_token\": \"{}\"}}\n", "R2d2C3po".repeat(4)),
            "credential assignment",
        ),
        (
            "ci.env",
            format!("export AZURE_CLIENT_SECRET={}\n", "R2d2C3po".repeat(4)),
            "credential in env file",
        ),
    ];
    for (name, text, kind) in &cases {
        let out = scan(&[(name, text)]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} should fail: {}",
            stderr(&out)
        );
        let report = stderr(&out);
        assert!(
            report.contains(&format!("{name}:1: looks like a {kind}")),
            "{report}"
        );
        assert!(
            !report.contains(text.trim()),
            "the finding must not print the secret"
        );
    }
}
