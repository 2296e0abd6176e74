//! Diagnostics on stderr: errors, warnings, notes and hints, in one voice (see docs/STYLE.md).
//!
//! Everything here passes through [`msgate_core::redact`], and nothing here touches stdout, which
//! belongs to data. Under `--err-json` an error is one JSON object on the last line of stderr,
//! so a script can read it without parsing prose.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use msgate_core::{Error, redact};

static COLOR: AtomicBool = AtomicBool::new(false);
static ERR_JSON: AtomicBool = AtomicBool::new(false);

/// Decide how diagnostics look; colour only where a person is reading stderr.
pub fn configure(no_color: bool, err_json: bool) {
    COLOR.store(
        !no_color && std::io::stderr().is_terminal(),
        Ordering::Relaxed,
    );
    ERR_JSON.store(err_json, Ordering::Relaxed);
}

pub fn err_json() -> bool {
    ERR_JSON.load(Ordering::Relaxed)
}

pub fn warning(message: &str) {
    emit(&format!("{}: {message}\n", paint("warning", "33;1")));
}

pub fn note(message: &str) {
    emit(&format!("{}: {message}\n", paint("note", "36")));
}

/// Print a status line (what was changed, where) — the human counterpart of data on stdout.
pub fn status(message: &str) {
    emit(&format!("{message}\n"));
}

pub fn error(err: &Error) {
    if err_json() {
        emit(&format!("{}\n", err.to_json()));
        return;
    }
    let mut text = format!("{}: {}\n", paint("error", "31;1"), err.message());
    if let Some(hint) = err.hint() {
        text.push_str(&format!("\n{}: {hint}\n", paint("hint", "36;1")));
    }
    if let Some(request_id) = err.request_id() {
        text.push_str(&format!("request-id: {request_id}\n"));
    }
    emit(&text);
}

/// Write raw text (help, the panic report) to stderr, redacted.
pub fn emit(text: &str) {
    let mut stderr = std::io::stderr().lock();
    // Nothing sensible is left to do when stderr itself is gone.
    let _ = stderr.write_all(redact(text).as_bytes());
    let _ = stderr.flush();
}

fn paint(word: &str, sgr: &str) -> String {
    if COLOR.load(Ordering::Relaxed) {
        format!("\x1b[{sgr}m{word}\x1b[0m")
    } else {
        word.to_owned()
    }
}
