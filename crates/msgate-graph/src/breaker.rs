//! A circuit breaker per host: after repeated server failures, fail fast for a while instead of
//! adding load to a service that is already down — and instead of making an agent wait a minute
//! of retries for every call it makes in the meantime.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use msgate_core::{Error, ErrorCode, Result};

#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    hosts: Mutex<HashMap<String, HostState>>,
}

#[derive(Debug, Default)]
struct HostState {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker {
            threshold,
            cool_down,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses while the circuit is open. After the cool-down one request goes through (half
    /// open): its success closes the circuit, its failure opens it again.
    pub fn check(&self, host: &str) -> Result<()> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(state) = hosts.get_mut(host) else {
            return Ok(());
        };
        match state.open_until {
            Some(until) if Instant::now() < until => {
                let wait = until.saturating_duration_since(Instant::now()).as_secs() + 1;
                Err(Error::new(
                    ErrorCode::Network,
                    format!(
                        "{host} failed {} times in a row; not calling it for {wait} s",
                        state.consecutive_failures
                    ),
                )
                .with_hint(format!("Microsoft's service is failing; retry in {wait} s")))
            }
            Some(_) => {
                // Half open: let this one through, and fail fast again if it fails.
                state.open_until = None;
                state.consecutive_failures = self.threshold.saturating_sub(1);
                Ok(())
            }
            None => Ok(()),
        }
    }

    pub fn success(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.remove(host);
    }

    /// A server error (5xx) or a failed connection.
    pub fn failure(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let state = hosts.entry(host.to_owned()).or_default();
        state.consecutive_failures += 1;
        if state.consecutive_failures >= self.threshold {
            state.open_until = Some(Instant::now() + self.cool_down);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_repeated_failures_and_half_opens_after_the_cool_down() {
        let breaker = CircuitBreaker::new(3, Duration::from_millis(50));
        for _ in 0..2 {
            breaker.failure("graph.example.invalid");
        }
        assert!(
            breaker.check("graph.example.invalid").is_ok(),
            "below the threshold"
        );
        breaker.failure("graph.example.invalid");
        let refused = breaker.check("graph.example.invalid").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Network);
        assert!(breaker.check("other.example.invalid").is_ok(), "per host");

        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.check("graph.example.invalid").is_ok(), "half open");
        breaker.failure("graph.example.invalid");
        assert!(
            breaker.check("graph.example.invalid").is_err(),
            "one more failure reopens it"
        );
    }

    #[test]
    fn a_success_closes_the_circuit() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(60));
        breaker.failure("h");
        breaker.success("h");
        breaker.failure("h");
        assert!(breaker.check("h").is_ok());
    }
}
