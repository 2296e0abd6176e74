//! Presence: whether people are available, busy or away, and your own — the status you choose
//! (Teams' "preferred presence"), clearing it, and the status message others see.

mod clear;
mod get;
mod set;
mod status_message;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::text::markdown;
use crate::views::string;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<get::Get>(),
        entry::<set::Set>(),
        entry::<clear::Clear>(),
        entry::<status_message::StatusMessage>(),
    ]
}

/// The one delegated permission for changing your own presence.
pub const WRITE: &[&str] = &["Presence.ReadWrite"];

/// Presence columns for people.
pub const COLUMNS: &[&str] = &[
    "user_id",
    "name",
    "availability",
    "activity",
    "status_message",
];

/// Someone's presence.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Presence {
    /// The user's id
    pub user_id: String,
    /// The user's name, when msgate already knows it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Available, AvailableIdle, Away, BeRightBack, Busy, BusyIdle, DoNotDisturb, Offline or
    /// PresenceUnknown
    pub availability: String,
    /// What they are doing: Available, InACall, InAMeeting, Presenting, OffWork, Away, …
    pub activity: String,
    /// The status message they set
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// When the status message goes away (RFC 3339, or the time and its time zone)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_expires: Option<String>,
}

impl Presence {
    pub fn from_graph(presence: &Value, name: Option<String>) -> Presence {
        let status = &presence["statusMessage"];
        let message = &status["message"];
        let status_message = string(&message["content"]).map(|content| {
            if message["contentType"] == "html" {
                markdown::from_html(&content)
            } else {
                content
            }
        });
        let expiry = &status["expiryDateTime"];
        let status_expires = status_message
            .as_ref()
            .and_then(|_| string(&expiry["dateTime"]))
            .map(|at| match string(&expiry["timeZone"]).as_deref() {
                Some("UTC") | None if !at.ends_with('Z') => format!("{at}Z"),
                Some("UTC") | None => at,
                Some(zone) => format!("{at} {zone}"),
            });
        Presence {
            user_id: string(&presence["id"]).unwrap_or_default(),
            name,
            availability: string(&presence["availability"])
                .unwrap_or_else(|| "PresenceUnknown".to_owned()),
            activity: string(&presence["activity"]).unwrap_or_else(|| "PresenceUnknown".to_owned()),
            status_message,
            status_expires,
        }
    }
}

/// Your presence as others now see it: what the presence actions answer with, so a change can
/// be seen to have taken effect (a preferred presence shows only while a session exists).
async fn mine(ctx: &Ctx) -> Result<Presence> {
    let request =
        Request::get("/me/presence").permissions(&["Presence.Read", "Presence.ReadWrite"]);
    let presence: Value = ctx.graph.json(&request).await?;
    Ok(Presence::from_graph(&presence, None))
}

/// A span of time as people write it (`30m`, `1h30m`, `2 days`) or as ISO 8601 (`PT1H`).
fn parse_duration(text: &str) -> Result<jiff::SignedDuration> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is not a duration"),
        )
        .with_hint("write it like 30m, 1h30m, 2d or PT1H")
    };
    let span: jiff::Span = text.trim().parse().map_err(|_| bad())?;
    let duration = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| bad())?;
    if duration.is_negative() || duration.is_zero() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is not a positive duration"),
        ));
    }
    Ok(duration)
}

/// A duration as ISO 8601 (`PT1H30M`), the form Graph's `Edm.Duration` takes.
fn iso_duration(duration: jiff::SignedDuration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = "PT".to_owned();
    if hours > 0 {
        text.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || text == "PT" {
        text.push_str(&format!("{seconds}S"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_as_people_write_them_become_iso_8601() {
        for (text, iso) in [
            ("30m", "PT30M"),
            ("1h30m", "PT1H30M"),
            ("2d", "PT48H"),
            ("PT1H", "PT1H"),
            ("1 hour", "PT1H"),
            ("90s", "PT1M30S"),
        ] {
            assert_eq!(iso_duration(parse_duration(text).unwrap()), iso, "{text}");
        }
        for bad in ["soon", "", "-1h", "0s"] {
            assert_eq!(parse_duration(bad).unwrap_err().exit().status(), 2, "{bad}");
        }
    }

    #[test]
    fn a_graph_presence_becomes_compact() {
        let graph = json!({
            "id": "u1",
            "availability": "Busy",
            "activity": "InACall",
            "statusMessage": {
                "message": {"content": "Workshops <b>all day</b>", "contentType": "html"},
                "expiryDateTime": {"dateTime": "2026-11-21T17:00:00.0000000", "timeZone": "UTC"},
            },
        });
        let presence = Presence::from_graph(&graph, Some("Ben Okafor".into()));
        assert_eq!(
            presence.status_message.as_deref(),
            Some("Workshops **all day**")
        );
        assert_eq!(
            presence.status_expires.as_deref(),
            Some("2026-11-21T17:00:00.0000000Z")
        );
        let plain = Presence::from_graph(
            &json!({"id": "u2", "availability": "Away", "activity": "Away", "statusMessage": null}),
            None,
        );
        assert_eq!(
            serde_json::to_value(plain).unwrap(),
            json!({"user_id": "u2", "availability": "Away", "activity": "Away"})
        );
    }
}
