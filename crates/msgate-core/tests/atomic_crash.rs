//! A process killed between writing the new contents and renaming them over the target must
//! leave the old file intact. The parent test re-runs this test binary as a child that stages a
//! write and then aborts — a real crash, with no destructors run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

const CHILD_TARGET: &str = "MSGATE_CRASH_TEST_TARGET";

#[test]
#[ignore = "run only as the child of crash_between_write_and_rename_keeps_the_old_file"]
fn crash_child() {
    let target = PathBuf::from(std::env::var_os(CHILD_TARGET).expect("target path"));
    let staged = msgate_core::atomic::stage(&target, b"new contents, never committed").unwrap();
    assert!(staged.temp_path().exists());
    std::process::abort();
}

#[test]
fn crash_between_write_and_rename_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("config.toml");
    msgate_core::atomic::write_atomic(&target, b"old contents").unwrap();

    let status = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_TARGET, &target)
        .status()
        .unwrap();
    assert!(!status.success(), "the child was meant to abort");

    assert_eq!(std::fs::read(&target).unwrap(), b"old contents");
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "config.toml")
        .collect();
    assert_eq!(leftovers.len(), 1, "the crash should strand one temp file");
    assert!(leftovers[0].starts_with(".config.toml.tmp-"));

    msgate_core::atomic::write_atomic(&target, b"next contents").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"next contents");
}
