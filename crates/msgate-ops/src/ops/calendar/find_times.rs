//! `calendar.find-times`: times when you and the people named are free for a meeting of a given
//! length (`findMeetingTimes`), best first — by default within working hours over the next 7
//! days, and only times when everyone is free. It is a POST that only reads.

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct FindTimes;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Who should come: people by name, email or UPN, or any email address
    pub people: Vec<String>,
    /// How long the meeting lasts: 30m, 1h, 1h30m (default 30m)
    #[serde(default)]
    pub duration: Option<String>,
    /// Earliest start: a date, a local time, RFC 3339, today, or a span (+2h ahead); default now
    #[serde(default)]
    pub from: Option<String>,
    /// Latest end, written the same way; default 7 days after the start
    #[serde(default)]
    pub to: Option<String>,
    /// Time zone for the times shown and typed: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// Also outside working hours
    #[serde(default)]
    pub any_time: bool,
    /// Lowest share of attendees likely to come, in percent (default 100: everyone free)
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub min_attendance: Option<i64>,
    /// How many times to suggest (default 5)
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub max: Option<i64>,
}

/// A time that suits.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Slot {
    pub start: String,
    pub end: String,
    /// How likely everyone comes, in percent
    pub confidence: f64,
    /// Whether you are free then: free, tentative, busy, oof, workingElsewhere or unknown
    pub you: String,
    /// Attendees who are not free then, with their availability: ben@x (tentative)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_free: Vec<String>,
}

impl Operation for FindTimes {
    type Input = Input;
    type Output = Listing<Slot>;
    const SPEC: Spec = Spec {
        name: "calendar.find-times",
        summary: "Suggest meeting times when you and the people named are free",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"],
        application: &[],
        columns: &["start", "end", "confidence", "you", "not_free"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Slot>> {
        if input.people.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "name who should come"));
        }
        let zone = Zone::resolve(input.tz.as_deref())?;
        let length = match &input.duration {
            Some(text) => crate::when::duration(text)?,
            None => SignedDuration::from_mins(30),
        };
        let (from, to) = super::range(
            &zone,
            input.from.as_deref(),
            input.to.as_deref(),
            Timestamp::now(),
            SignedDuration::from_hours(24 * 7),
        )?;
        let mut attendees = Vec::new();
        for reference in &input.people {
            let (address, name) = super::person(ctx, reference).await?;
            attendees.push(super::attendee_value(&address, name.as_deref(), "required"));
        }
        let body = json!({
            "attendees": attendees,
            "timeConstraint": {
                "activityDomain": if input.any_time { "unrestricted" } else { "work" },
                "timeSlots": [{
                    "start": zone.date_time_time_zone(from),
                    "end": zone.date_time_time_zone(to),
                }],
            },
            "meetingDuration": format!("PT{}M", length.as_mins()),
            "maxCandidates": input.max.unwrap_or(5).clamp(1, 100),
            "isOrganizerOptional": false,
            "returnSuggestionReasons": true,
            "minimumAttendeePercentage": input.min_attendance.unwrap_or(100).clamp(0, 100),
        });
        let request = Request::post("/me/findMeetingTimes", body)
            .header("Prefer", zone.prefer())
            .permissions(Self::SPEC.delegated)
            .idempotent(true)
            .read_only();
        let answer: Value = ctx.graph.json(&request).await?;
        let slots: Vec<Slot> = answer["meetingTimeSuggestions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| slot(s, &zone))
            .collect();
        if slots.is_empty() {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "no time suits: {}",
                    why_empty(answer["emptySuggestionsReason"].as_str().unwrap_or_default())
                ),
            )
            .with_hint("widen the range with --to, shorten --duration, allow --any-time, or lower --min-attendance"));
        }
        Ok(Listing::complete(slots))
    }
}

fn slot(suggestion: &Value, zone: &Zone) -> Slot {
    let time = &suggestion["meetingTimeSlot"];
    Slot {
        start: zone.show_graph(&time["start"]).unwrap_or_default(),
        end: zone.show_graph(&time["end"]).unwrap_or_default(),
        confidence: suggestion["confidence"].as_f64().unwrap_or_default(),
        you: suggestion["organizerAvailability"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned(),
        not_free: suggestion["attendeeAvailability"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["availability"] != "free")
            .map(|a| {
                format!(
                    "{} ({})",
                    a["attendee"]["emailAddress"]["address"]
                        .as_str()
                        .unwrap_or("?"),
                    a["availability"].as_str().unwrap_or("unknown")
                )
            })
            .collect(),
    }
}

/// Graph's `emptySuggestionsReason` in words.
fn why_empty(reason: &str) -> String {
    match reason {
        "attendeesUnavailable" => "the attendees are busy at every time in the range".to_owned(),
        "attendeesUnavailableOrUnknown" => {
            "the attendees are busy, or their calendars cannot be read".to_owned()
        }
        "locationsUnavailable" => "no location is free".to_owned(),
        "organizerUnavailable" => "you are busy at every time in the range".to_owned(),
        "" | "unknown" => "no reason given".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_name_who_is_not_free() {
        let suggestion = json!({
            "confidence": 50.0,
            "organizerAvailability": "free",
            "meetingTimeSlot": {
                "start": {"dateTime": "2030-01-07T13:00:00.0000000", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-07T13:30:00.0000000", "timeZone": "UTC"},
            },
            "attendeeAvailability": [
                {"attendee": {"emailAddress": {"address": "ben@x"}}, "availability": "busy"},
                {"attendee": {"emailAddress": {"address": "grace@x"}}, "availability": "free"},
            ],
        });
        let shown = slot(&suggestion, &Zone::utc());
        assert_eq!(shown.start, "2030-01-07T13:00:00+00:00");
        assert_eq!(shown.not_free, vec!["ben@x (busy)".to_owned()]);
        assert_eq!(
            why_empty("organizerUnavailable"),
            "you are busy at every time in the range"
        );
    }
}
