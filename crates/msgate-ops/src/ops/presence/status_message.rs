//! `presence.status-message`: the note others see beside your presence ("In workshops until
//! 3"), set until a time or for a while, or cleared.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Presence;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct StatusMessage;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message (plain text); leave it out with clear
    #[serde(default)]
    #[schemars(extend("x-positional" = true))]
    pub message: Option<String>,
    /// Remove the status message
    #[serde(default)]
    pub clear: bool,
    /// When it goes away: a duration (2h, 1d) or a time (2026-11-21T17:00:00Z)
    #[serde(default)]
    pub expires: Option<String>,
}

impl Operation for StatusMessage {
    type Input = Input;
    type Output = Presence;
    const SPEC: Spec = Spec {
        name: "presence.status-message",
        summary: "Set or clear the status message others see beside your presence",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::WRITE,
        application: &[],
        columns: super::COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Presence> {
        let message = input.message.as_deref().map(str::trim).unwrap_or_default();
        let status = match (input.clear, message.is_empty()) {
            (true, true) => json!({"message": {"content": "", "contentType": "text"}}),
            (false, false) => {
                let mut status = json!({"message": {"content": message, "contentType": "text"}});
                if let Some(expires) = &input.expires {
                    status["expiryDateTime"] = expiry(expires, jiff::Timestamp::now())?;
                }
                status
            }
            (true, false) => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "give a message or clear, not both",
                ));
            }
            (false, true) => {
                return Err(Error::new(ErrorCode::InvalidInput, "the message is empty")
                    .with_hint("give the message, or pass --clear to remove it"));
            }
        };
        let request = Request::post(
            "/me/presence/setStatusMessage",
            json!({ "statusMessage": status }),
        )
        .permissions(Self::SPEC.delegated)
        .idempotent(true);
        ctx.graph.send(&request).await?;
        super::mine(ctx).await
    }
}

/// Graph's dateTimeTimeZone for `text`: a time as given, or `now` plus a duration; in UTC.
fn expiry(text: &str, now: jiff::Timestamp) -> Result<Value> {
    let at = match text.trim().parse::<jiff::Timestamp>() {
        Ok(at) => at,
        Err(_) => now.checked_add(super::parse_duration(text)?).map_err(|_| {
            Error::new(ErrorCode::InvalidInput, format!("'{text}' is too far away"))
        })?,
    };
    if at <= now {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is in the past"),
        ));
    }
    Ok(json!({
        "dateTime": at.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        "timeZone": "UTC",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_a_time_or_a_duration_from_now_in_utc() {
        let now: jiff::Timestamp = "2026-11-21T09:00:00Z".parse().unwrap();
        assert_eq!(
            expiry("2h", now).unwrap(),
            json!({"dateTime": "2026-11-21T11:00:00", "timeZone": "UTC"})
        );
        assert_eq!(
            expiry("2026-11-21T18:30:00+01:00", now).unwrap(),
            json!({"dateTime": "2026-11-21T17:30:00", "timeZone": "UTC"})
        );
        assert_eq!(
            expiry("2026-11-20T09:00:00Z", now)
                .unwrap_err()
                .exit()
                .status(),
            2
        );
        assert_eq!(expiry("later", now).unwrap_err().exit().status(), 2);
    }
}
