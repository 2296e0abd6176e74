//! Timestamps formatted the way Graph writes them.

use jiff::{Timestamp, ToSpan};

/// `2026-11-22T05:11:15.123Z`, as in entity timestamps.
pub fn now() -> String {
    format_millis(Timestamp::now())
}

/// `2026-11-22T05:11:15`, as in `innerError.date`.
pub fn now_seconds() -> String {
    Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

pub fn format_millis(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `minutes` before now (negative: after), for seed data relative to the present.
pub fn minutes_before_now(minutes: i64) -> Timestamp {
    let now = Timestamp::now();
    now.checked_sub(minutes.minutes()).unwrap_or(now)
}

pub fn minutes_ago(minutes: i64) -> String {
    format_millis(minutes_before_now(minutes))
}

pub fn unix_now() -> i64 {
    Timestamp::now().as_second()
}

/// Parse a Graph timestamp; `None` when it is not one.
pub fn parse(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}
