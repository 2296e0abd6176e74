//! The secret canary: run a program with a known fake token in play and prove the token shows up
//! nowhere — not on stdout, not on stderr, not in any file the program wrote.
//!
//! The program runs in a private home (HOME and every XDG directory point into a temp dir), with
//! the token in `MSGATE_ACCESS_TOKEN`, so every file it could write is under that dir and is
//! searched. Fragments are searched too: a leaked JWT signature is a leak even without its header.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

#[derive(Debug)]
pub struct Canary {
    token: String,
    root: TempDir,
}

impl Canary {
    pub fn new(label: &str) -> Self {
        Canary {
            token: crate::fake_jwt(&format!("canary-{label}")),
            root: tempfile::tempdir().expect("canary temp dir"),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The private home the program runs in.
    pub fn home(&self) -> &Path {
        self.root.path()
    }

    /// A command for `program` with a clean msgate environment, a private home and the token
    /// in `MSGATE_ACCESS_TOKEN`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("MSGATE_") {
                command.env_remove(name);
            }
        }
        let home = self.home();
        command
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("TMPDIR", home.join("tmp"))
            .env("MSGATE_ACCESS_TOKEN", &self.token)
            .current_dir(home);
        fs::create_dir_all(home.join("tmp")).expect("canary tmp dir");
        command
    }

    /// Run `command` and panic if any part of the token escaped; returns the output.
    pub fn run(&self, command: &mut Command) -> Output {
        let output = command.output().expect("run the canary command");
        if let Err(leaks) = self.check(&output) {
            panic!(
                "the canary token leaked:\n{}\nstdout:\n{}\nstderr:\n{}",
                leaks.join("\n"),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        output
    }

    /// Every place a fragment of the token appears, or `Ok` when there is none.
    pub fn check(&self, output: &Output) -> Result<(), Vec<String>> {
        let mut leaks = Vec::new();
        self.scan("stdout", &output.stdout, &mut leaks);
        self.scan("stderr", &output.stderr, &mut leaks);
        for file in files_under(self.home()) {
            if let Ok(bytes) = fs::read(&file) {
                self.scan(&file.display().to_string(), &bytes, &mut leaks);
            }
        }
        if leaks.is_empty() { Ok(()) } else { Err(leaks) }
    }

    fn fragments(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.token.as_str())
            .chain(self.token.split('.').filter(|part| part.len() >= 8))
    }

    fn scan(&self, place: &str, bytes: &[u8], leaks: &mut Vec<String>) {
        for fragment in self.fragments() {
            if contains(bytes, fragment.as_bytes()) {
                leaks.push(format!(
                    "{place}: contains {} bytes of the token",
                    fragment.len()
                ));
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                Ok(t) if t.is_file() => files.push(path),
                _ => {}
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_a_token_on_stdout_and_in_a_file() {
        let canary = Canary::new("selftest");
        let output = canary
            .command("sh")
            .args(["-c", "echo \"$MSGATE_ACCESS_TOKEN\"; mkdir -p .cache; echo \"$MSGATE_ACCESS_TOKEN\" | cut -d. -f3 > .cache/log"])
            .output()
            .unwrap();
        let leaks = canary.check(&output).unwrap_err();
        assert!(leaks.iter().any(|l| l.starts_with("stdout")), "{leaks:?}");
        assert!(leaks.iter().any(|l| l.contains(".cache/log")), "{leaks:?}");
    }

    #[test]
    fn passes_a_program_that_keeps_the_secret() {
        let canary = Canary::new("selftest-clean");
        let output = canary
            .command("sh")
            .args([
                "-c",
                "test -n \"$MSGATE_ACCESS_TOKEN\" && echo token present",
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        assert_eq!(canary.check(&output), Ok(()));
    }
}
