//! The README's exit-code table is part of the contract; it must match the taxonomy in code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgate_core::{ErrorCode, Exit};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap()
}

#[test]
fn every_error_code_is_documented_under_its_exit_status() {
    let readme = readme();
    for code in ErrorCode::ALL {
        let status = code.exit().status();
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {status} |")))
            .unwrap_or_else(|| panic!("README has no row for exit {status}"));
        assert!(
            row.contains(&format!("`{}`", code.as_str())),
            "README row for exit {status} does not list `{}`: {row}",
            code.as_str()
        );
    }
}

#[test]
fn every_exit_status_is_in_the_help() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgate"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let section = help
        .split("Exit codes:")
        .nth(1)
        .expect("an exit code section");
    for exit in Exit::ALL {
        let status = exit.status().to_string();
        assert!(
            section.split_whitespace().any(|w| w == status),
            "--help does not explain exit {status}"
        );
    }
}
