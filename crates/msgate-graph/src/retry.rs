//! When to try a Graph request again, and how long to wait first.
//!
//! Graph tells a throttled client when to come back (`Retry-After`, in seconds or as an HTTP
//! date); where it does not, waits grow exponentially with full jitter so that many clients
//! throttled together do not return together. Every call has a total time budget: a wait that
//! would overrun it ends the call with the last error instead of sleeping past the caller's
//! patience.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How persistent the client is.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// The longest a call may take, retries and waits included.
    pub budget: Duration,
    /// The first backoff step; attempt n waits up to `base * 2^n`.
    pub base: Duration,
    /// No single backoff wait is longer than this.
    pub max_backoff: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(60),
            base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_attempts: 5,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 for the first retry): full jitter, uniform in
    /// `[0, min(max_backoff, base * 2^attempt)]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_backoff);
        ceiling.mul_f64(jitter())
    }
}

/// A uniform draw in [0, 1). Jitter needs spread, not unpredictability; std's randomly keyed
/// hasher gives that without a random-number crate.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as seconds or an HTTP date; a date in the past means "now".
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The time left for one call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    pub fn after(budget: Duration) -> Self {
        Deadline(Instant::now() + budget)
    }

    /// Whether waiting `wait` still leaves the call inside its budget.
    pub fn allows(&self, wait: Duration) -> bool {
        Instant::now() + wait < self.0
    }

    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let date = jiff::fmt::rfc2822::to_string(&soon.to_zoned(jiff::tz::TimeZone::UTC)).unwrap();
        let wait = retry_after(&headers(&date)).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?} for {date}"
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_is_jittered_under_an_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for attempt in 0..12 {
            let ceiling = (policy.base * 2u32.pow(attempt)).min(policy.max_backoff);
            for _ in 0..50 {
                assert!(policy.backoff(attempt) <= ceiling);
            }
        }
        let draws: std::collections::HashSet<Duration> =
            (0..50).map(|_| policy.backoff(3)).collect();
        assert!(
            draws.len() > 40,
            "full jitter spreads waits: {} distinct of 50",
            draws.len()
        );
    }

    #[test]
    fn a_deadline_refuses_waits_past_the_budget() {
        let deadline = Deadline::after(Duration::from_secs(5));
        assert!(deadline.allows(Duration::from_secs(1)));
        assert!(!deadline.allows(Duration::from_secs(6)));
    }
}
