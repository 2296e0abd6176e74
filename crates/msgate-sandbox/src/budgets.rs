//! Per-app request budgets modelled on Graph's documented Microsoft Teams service limits
//! (https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits): requests
//! per second per app per tenant for each kind of Teams request, and at most 4 requests per
//! second per app on any one team or channel. A request over a budget is answered 429 with
//! `Retry-After`, before any processing — which is what a client's backoff must cope with when
//! it polls many chats at once. Off unless asked for (`--faults budgets=true`): the real limits
//! are generous enough that ordinary tests and benchmarks would only be slowed down by them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::Method;

/// The per-team-or-channel limit, in requests per second per app.
const PER_TEAM_OR_CHANNEL: f64 = 4.0;

/// (kind of request, requests per second per app per tenant) for a method and route template.
fn limit(method: &Method, template: &str) -> Option<(&'static str, f64)> {
    let teams = template.starts_with("/teams") || template.starts_with("/me/joinedTeams");
    let chats = template.starts_with("/chats") || template.starts_with("/me/chats");
    if !teams && !chats {
        return None;
    }
    let get = method == Method::GET;
    let kind = match template {
        t if t.starts_with("/chats/{id}/messages") && get => ("GET 1:1/group chat message", 20.0),
        "/chats/{id}/messages" if method == Method::POST => ("POST 1:1/group chat message", 20.0),
        t if t.starts_with("/teams/{id}/channels/{id_1}/messages") && get => {
            ("GET channel message", 20.0)
        }
        "/teams/{id}/channels/{id_1}/messages"
        | "/teams/{id}/channels/{id_1}/messages/{id_2}/replies"
            if method == Method::POST =>
        {
            ("POST channel message", 50.0)
        }
        "/teams/{id}/sendActivityNotification" => ("POST sendActivityNotification", 5.0),
        "/teams/{id}/members" | "/teams/{id}/channels" | "/teams/{id}/channels/{id_1}/members"
            if get =>
        {
            ("GET members and channels", 60.0)
        }
        "/teams/{id}" | "/me/joinedTeams" if get => ("GET team, joinedTeams", 30.0),
        "/teams/{id}/channels/{id_1}" | "/teams/{id}/installedApps/{id_1}"
            if method == Method::DELETE =>
        {
            ("DELETE channel, installedApps", 15.0)
        }
        _ if get => ("Other GET API calls for Microsoft Teams", 30.0),
        _ => ("Other API calls for Microsoft Teams", 30.0),
    };
    Some(kind)
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Token buckets keyed by app and budget.
#[derive(Debug, Default)]
pub struct Budgets {
    buckets: HashMap<(String, String), Bucket>,
}

impl Budgets {
    /// Takes one request from every budget `method template` counts against for `app`
    /// (`team` names the team or channel the request is about); `Err(wait)` when one is spent.
    pub fn take(
        &mut self,
        app: &str,
        method: &Method,
        template: &str,
        team: Option<&str>,
    ) -> Result<(), Duration> {
        let Some((kind, rate)) = limit(method, template) else {
            return Ok(());
        };
        let mut keys = vec![((app.to_owned(), kind.to_owned()), rate)];
        if let Some(team) = team {
            keys.push((
                (app.to_owned(), format!("team or channel {team}")),
                PER_TEAM_OR_CHANNEL,
            ));
        }
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        for (key, rate) in &keys {
            let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
                tokens: *rate,
                refilled: now,
            });
            bucket.tokens = (bucket.tokens
                + now.duration_since(bucket.refilled).as_secs_f64() * rate)
                .min(*rate);
            bucket.refilled = now;
            if bucket.tokens < 1.0 {
                wait = wait.max(Duration::from_secs_f64((1.0 - bucket.tokens) / rate));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in &keys {
            if let Some(bucket) = self.buckets.get_mut(key) {
                bucket.tokens -= 1.0;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_limits_by_kind_of_request() {
        let kind = |m: Method, t: &str| limit(&m, t).map(|(_, rate)| rate);
        assert_eq!(kind(Method::GET, "/chats/{id}/messages"), Some(20.0));
        assert_eq!(
            kind(Method::POST, "/teams/{id}/channels/{id_1}/messages"),
            Some(50.0)
        );
        assert_eq!(kind(Method::GET, "/teams/{id}/channels"), Some(60.0));
        assert_eq!(
            kind(Method::POST, "/teams/{id}/sendActivityNotification"),
            Some(5.0)
        );
        assert_eq!(kind(Method::GET, "/me/chats"), Some(30.0));
        assert_eq!(
            kind(Method::GET, "/me/messages"),
            None,
            "Outlook is not a Teams budget"
        );
    }

    #[test]
    fn a_spent_budget_says_how_long_to_wait_and_is_per_app() {
        let mut budgets = Budgets::default();
        for _ in 0..20 {
            budgets
                .take("app-a", &Method::GET, "/chats/{id}/messages", None)
                .unwrap();
        }
        let wait = budgets
            .take("app-a", &Method::GET, "/chats/{id}/messages", None)
            .unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(60),
            "{wait:?}"
        );
        assert!(
            budgets
                .take("app-b", &Method::GET, "/chats/{id}/messages", None)
                .is_ok()
        );
    }

    #[test]
    fn four_requests_per_second_on_one_team() {
        let mut budgets = Budgets::default();
        for _ in 0..4 {
            budgets
                .take("app", &Method::GET, "/teams/{id}/channels", Some("t1"))
                .unwrap();
        }
        assert!(
            budgets
                .take("app", &Method::GET, "/teams/{id}/channels", Some("t1"))
                .is_err()
        );
        assert!(
            budgets
                .take("app", &Method::GET, "/teams/{id}/channels", Some("t2"))
                .is_ok()
        );
    }
}
