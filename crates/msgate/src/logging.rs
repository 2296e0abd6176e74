//! `--debug` logging: tracing events on stderr, every line redacted before it is written.
//!
//! Later crates log HTTP requests, token refreshes and retries at debug level; routing the
//! subscriber's output through [`msgate_core::redact`] here means no crate has to remember to.

use std::io::{self, Write};

use msgate_core::redact;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Install the subscriber: debug level for msgate's own crates with `--debug` (the HTTP stack's
/// internals stay at warnings: they would bury msgate's one line per request), warnings otherwise.
pub fn init(debug: bool) {
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::WARN
    };
    let filter = Targets::new()
        .with_target("msgate", level)
        .with_default(LevelFilter::WARN);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(RedactingStderr)
        .with_target(debug)
        .without_time()
        .finish()
        .with(filter)
        .try_init();
}

/// Hands each event a buffer that is redacted and written to stderr when the event is done.
struct RedactingStderr;

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactedLine;

    fn make_writer(&'a self) -> Self::Writer {
        RedactedLine(Vec::new())
    }
}

struct RedactedLine(Vec<u8>);

impl Write for RedactedLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(redact(&text).as_bytes());
    }
}
