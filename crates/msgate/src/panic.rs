//! The panic hook: a short, redacted report instead of Rust's default message.
//!
//! A panic message can quote whatever value was being handled — a token included. The default
//! hook prints it raw; this one prints one redacted line, where it happened, and what to do, and
//! under `--err-json` the `internal_error` object as the last line. `main` turns the unwind into
//! exit status 20.

use std::panic::PanicHookInfo;

use msgate_core::{Error, ErrorCode};

use crate::diag;

pub fn install() {
    std::panic::set_hook(Box::new(|info| diag::error(&report(info))));
}

/// The error a panic is reported as; its message is redacted like any other.
pub fn report(info: &PanicHookInfo<'_>) -> Error {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    Error::new(
        ErrorCode::Internal,
        format!("msgate crashed{place}: {payload}"),
    )
    .with_hint("this is a bug in msgate; please report it with the command you ran (tokens are never included in this message)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn the_report_is_redacted_and_locates_the_panic() {
        let token = msgate_testkit::fake_jwt("panic");
        let captured: Arc<Mutex<Option<Error>>> = Arc::default();
        let sink = Arc::clone(&captured);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            *sink.lock().unwrap() = Some(report(info));
        }));
        let token_for_panic = token.clone();
        let result = std::panic::catch_unwind(move || {
            panic!("refresh failed with Authorization: Bearer {token_for_panic}")
        });
        std::panic::set_hook(previous);
        assert!(result.is_err());
        let err = captured.lock().unwrap().take().expect("the hook ran");
        assert_eq!(err.code(), ErrorCode::Internal);
        assert_eq!(err.exit().status(), 20);
        assert!(!err.message().contains(&token), "{}", err.message());
        assert!(err.message().contains("panic.rs"), "{}", err.message());
        assert!(
            err.message().contains("Bearer [redacted]"),
            "{}",
            err.message()
        );
    }
}
