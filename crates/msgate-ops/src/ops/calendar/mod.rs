//! The signed-in user's calendar: events over a time range (series expanded into occurrences),
//! one event in detail, creating, changing, cancelling and deleting events, answering
//! invitations, other people's free/busy time and meeting times that suit everyone.
//!
//! Every request carries `Prefer: outlook.timezone` for the zone the command works in (`--tz`,
//! see [`crate::zone`]), so Graph answers in wall-clock time there; the compact view adds the UTC offset.

mod cancel;
mod create;
mod delete;
mod find_times;
mod free_busy;
mod get;
mod list;
mod respond;
mod update;

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::policy::Target;
use crate::refs;
use crate::text::{html, markdown};
use crate::views::string;
use crate::when;
use crate::zone::Zone;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<create::Create>(),
        entry::<update::Update>(),
        entry::<respond::Respond>(),
        entry::<cancel::Cancel>(),
        entry::<delete::Delete>(),
        entry::<free_busy::FreeBusy>(),
        entry::<find_times::FindTimes>(),
    ]
}

/// Reading the calendar.
pub const READ: &[&str] = refs::calendar::CALENDAR_READ;
/// The one delegated permission for changing the calendar.
pub const WRITE: &[&str] = &["Calendars.ReadWrite"];

/// What a list shows of each event.
pub const LIST_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "location",
    "organizer",
    "responseStatus",
    "showAs",
    "onlineMeeting",
    "seriesMasterId",
    "type",
    "isCancelled",
    "recurrence",
];

/// What `calendar get` (and every change) shows: the list's fields, the people and the body.
pub const DETAIL_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "location",
    "organizer",
    "responseStatus",
    "showAs",
    "onlineMeeting",
    "seriesMasterId",
    "type",
    "isCancelled",
    "recurrence",
    "attendees",
    "body",
];

/// A calendar event, or one occurrence of a series.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Event {
    /// The event id; one occurrence of a series has its own id
    pub id: String,
    pub subject: String,
    /// When it starts, in the zone asked for, with its UTC offset (a date for all-day events)
    pub start: String,
    /// When it ends, the same way
    pub end: String,
    /// It lasts whole days
    #[serde(skip_serializing_if = "crate::views::is_false")]
    pub all_day: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Who organizes it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// Your answer: organizer, accepted, tentativelyAccepted, declined, notResponded or none
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// How it shows on your calendar: free, tentative, busy, oof or workingElsewhere
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_as: Option<String>,
    /// The Teams join link, for a Teams meeting
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// For one occurrence of a series: the series' id
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_id: Option<String>,
    /// How a series repeats
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<String>,
    /// The organizer cancelled it
    #[serde(skip_serializing_if = "crate::views::is_false")]
    pub cancelled: bool,
    /// Who is invited, with their answers
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// The description, as Markdown
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Someone invited to an event.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Attendee {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
    /// required, optional or resource
    #[serde(rename = "type")]
    pub kind: String,
    /// Their answer: accepted, tentativelyAccepted, declined, notResponded or none
    pub response: String,
}

impl Event {
    /// The compact view of a Graph event whose times are in `zone` (as `Prefer` asked).
    pub fn from_graph(event: &Value, zone: &Zone) -> Event {
        let all_day = event["isAllDay"] == true;
        let time = |value: &Value| {
            if all_day {
                value["dateTime"]
                    .as_str()
                    .map(|d| d.get(..10).unwrap_or(d).to_owned())
            } else {
                zone.show_graph(value)
            }
            .unwrap_or_default()
        };
        let body = match event["body"]["contentType"].as_str() {
            Some("html") => string(&event["body"]["content"]).map(|c| markdown::from_html(&c)),
            _ => string(&event["body"]["content"]),
        };
        Event {
            id: string(&event["id"]).unwrap_or_default(),
            subject: event["subject"].as_str().unwrap_or_default().to_owned(),
            start: time(&event["start"]),
            end: time(&event["end"]),
            all_day,
            location: string(&event["location"]["displayName"]),
            organizer: string(&event["organizer"]["emailAddress"]["name"])
                .or_else(|| string(&event["organizer"]["emailAddress"]["address"])),
            response: string(&event["responseStatus"]["response"]),
            show_as: string(&event["showAs"]),
            join_url: string(&event["onlineMeeting"]["joinUrl"]),
            series_id: string(&event["seriesMasterId"]),
            repeats: repeats(&event["recurrence"]),
            cancelled: event["isCancelled"] == true,
            attendees: event["attendees"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| Attendee {
                    name: string(&a["emailAddress"]["name"]),
                    email: a["emailAddress"]["address"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    kind: string(&a["type"]).unwrap_or_else(|| "required".to_owned()),
                    response: string(&a["status"]["response"]).unwrap_or_else(|| "none".to_owned()),
                })
                .collect(),
            body: body.filter(|b| !b.trim().is_empty()),
        }
    }
}

/// A recurrence in a few words: `weekly on monday, thursday until 2026-12-01 (Europe/Berlin)`.
fn repeats(recurrence: &Value) -> Option<String> {
    let pattern = recurrence.get("pattern").filter(|p| p.is_object())?;
    let interval = pattern["interval"].as_i64().unwrap_or(1).max(1);
    let every = |one: &str, many: &str| match interval {
        1 => one.to_owned(),
        n => format!("every {n} {many}"),
    };
    let days: Vec<&str> = pattern["daysOfWeek"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let index = pattern["index"].as_str().unwrap_or("first");
    let mut text = match pattern["type"].as_str()? {
        "daily" => every("daily", "days"),
        "weekly" => format!("{} on {}", every("weekly", "weeks"), days.join(", ")),
        "absoluteMonthly" => format!(
            "{} on day {}",
            every("monthly", "months"),
            pattern["dayOfMonth"]
        ),
        "relativeMonthly" => format!(
            "{} on the {index} {}",
            every("monthly", "months"),
            days.join(", ")
        ),
        "absoluteYearly" => format!(
            "{} on {}-{}",
            every("yearly", "years"),
            pattern["month"],
            pattern["dayOfMonth"]
        ),
        "relativeYearly" => format!(
            "{} on the {index} {} of month {}",
            every("yearly", "years"),
            days.join(", "),
            pattern["month"]
        ),
        _ => return None,
    };
    let range = &recurrence["range"];
    if let Some(start) = range["startDate"].as_str() {
        text.push_str(&format!(" from {start}"));
    }
    match range["type"].as_str() {
        Some("endDate") => text.push_str(&format!(
            " until {}",
            range["endDate"].as_str().unwrap_or("?")
        )),
        Some("numbered") => text.push_str(&format!(
            ", {} times",
            range["numberOfOccurrences"].as_i64().unwrap_or(0)
        )),
        _ => {}
    }
    if let Some(zone) = range["recurrenceTimeZone"]
        .as_str()
        .filter(|z| !z.is_empty())
    {
        text.push_str(&format!(" ({zone})"));
    }
    Some(text)
}

/// The event below the Graph root.
fn event_path(id: &str) -> String {
    format!("/me/events/{}", segment(id))
}

/// Reads an event in detail, times in `zone`.
async fn read_event(ctx: &Ctx, id: &str, zone: &Zone) -> Result<Value> {
    let request = Request::get(event_path(id))
        .select(DETAIL_FIELDS)
        .header("Prefer", zone.prefer())
        .permissions(READ);
    ctx.graph.json(&request).await
}

/// A time range from what was typed: `from` (default now) to `to` (default `from` plus
/// `default_length`), dates and local times read in `zone`.
pub(crate) fn range(
    zone: &Zone,
    from: Option<&str>,
    to: Option<&str>,
    default_from: Timestamp,
    default_length: SignedDuration,
) -> Result<(Timestamp, Timestamp)> {
    let from = match from {
        Some(text) => when::parse_in(text, &zone.tz)?,
        None => default_from,
    };
    let to = match to {
        Some(text) => when::parse_in(text, &zone.tz)?,
        None => from
            .checked_add(default_length)
            .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))?,
    };
    if to <= from {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the range ends before it starts")
                .with_hint("give --to a later time than --from"),
        );
    }
    Ok((from, to))
}

/// When an event that starts at `start` ends: at `end`, or after `duration` (default 30
/// minutes, Outlook's).
pub(crate) fn end_of(
    zone: &Zone,
    start: Timestamp,
    end: Option<&str>,
    duration: Option<&str>,
) -> Result<Timestamp> {
    let end = match (end, duration) {
        (Some(_), Some(_)) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "give either an end or a duration, not both",
            ));
        }
        (Some(end), None) => when::parse_in(end, &zone.tz)?,
        (None, duration) => {
            let length = match duration {
                Some(text) => when::duration(text)?,
                None => SignedDuration::from_mins(30),
            };
            start
                .checked_add(length)
                .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))?
        }
    };
    if end <= start {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the event ends before it starts")
                .with_hint("give a later end, or a duration like 30m or 1h"),
        );
    }
    Ok(end)
}

/// A person's email address, and their name when they are in the organization: a reference
/// to a user (name, email or UPN), or any email address outside it.
async fn person(ctx: &Ctx, reference: &str) -> Result<(String, Option<String>)> {
    match refs::user(ctx, reference).await {
        Ok(user) => Ok((
            user.mail.or(user.user_principal_name).unwrap_or_default(),
            user.display_name,
        )),
        Err(e) if e.code() == ErrorCode::NotFound && reference.contains('@') => {
            Ok((reference.trim().to_owned(), None))
        }
        Err(e) => Err(e),
    }
}

/// An attendee as Graph takes one (`type`: required, optional or resource), for an invitation:
/// invitations are mail, so the address is also checked as a mail recipient.
async fn attendee(ctx: &Ctx, reference: &str, kind: &str) -> Result<Value> {
    let (address, name) = person(ctx, reference).await?;
    ctx.note(Target::MailRecipient {
        address: address.clone(),
    })
    .await?;
    Ok(attendee_value(&address, name.as_deref(), kind))
}

fn attendee_value(address: &str, name: Option<&str>, kind: &str) -> Value {
    let mut email = json!({ "address": address });
    if let Some(name) = name {
        email["name"] = json!(name);
    }
    json!({"type": kind, "emailAddress": email})
}

/// An event body from Markdown: sanitized HTML, and the policy's signature as a last paragraph.
fn body(ctx: &Ctx, text: &str) -> Value {
    let mut content = markdown::to_html(text);
    if let Some(signature) = ctx.signature() {
        content.push_str(&format!("<p>{}</p>", html::escape_text(signature)));
    }
    json!({"contentType": "html", "content": content})
}

/// A note to the organizer or attendees (an answer, a cancellation), with the signature.
fn comment(ctx: &Ctx, text: Option<&str>) -> String {
    let text = text.unwrap_or_default().trim();
    match ctx.signature() {
        Some(signature) if text.is_empty() => signature.to_owned(),
        Some(signature) => format!("{text}\n\n{signature}"),
        None => text.to_owned(),
    }
}

/// How a new event repeats.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Repeat {
    Daily,
    Weekdays,
    Weekly,
    Biweekly,
    Monthly,
    Yearly,
}

/// Graph's `patternedRecurrence` for a series starting at `start` (laid out in `zone`), ending on
/// `until` (a date), after `count` occurrences, or never.
fn recurrence(
    repeat: Repeat,
    start: Timestamp,
    zone: &Zone,
    until: Option<&str>,
    count: Option<u32>,
) -> Result<Value> {
    let first = start.to_zoned(zone.tz.clone());
    let weekday = format!("{:?}", first.weekday()).to_lowercase();
    let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];
    let pattern = match repeat {
        Repeat::Daily => json!({"type": "daily", "interval": 1}),
        Repeat::Weekdays => {
            json!({"type": "weekly", "interval": 1, "daysOfWeek": weekdays, "firstDayOfWeek": "monday"})
        }
        Repeat::Weekly => {
            json!({"type": "weekly", "interval": 1, "daysOfWeek": [weekday], "firstDayOfWeek": "monday"})
        }
        Repeat::Biweekly => {
            json!({"type": "weekly", "interval": 2, "daysOfWeek": [weekday], "firstDayOfWeek": "monday"})
        }
        Repeat::Monthly => {
            json!({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": first.day()})
        }
        Repeat::Yearly => json!({
            "type": "absoluteYearly",
            "interval": 1,
            "dayOfMonth": first.day(),
            "month": first.month(),
        }),
    };
    let start_date = first.date().to_string();
    let range = match (until, count) {
        (Some(_), Some(_)) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "give either until or count, not both",
            ));
        }
        (Some(until), None) => {
            let end = when::parse_in(until, &zone.tz)?
                .to_zoned(zone.tz.clone())
                .date();
            if end < first.date() {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "the series ends before it starts",
                ));
            }
            json!({"type": "endDate", "startDate": start_date, "endDate": end.to_string()})
        }
        (None, Some(0)) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "a series needs at least one occurrence",
            ));
        }
        (None, Some(count)) => {
            json!({"type": "numbered", "startDate": start_date, "numberOfOccurrences": count})
        }
        (None, None) => json!({"type": "noEnd", "startDate": start_date}),
    };
    let mut range = range;
    range["recurrenceTimeZone"] = json!(zone.name);
    Ok(json!({"pattern": pattern, "range": range}))
}

/// What a change did to an event.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Done {
    /// The event id
    pub id: String,
    pub subject: String,
    /// What happened: cancelled, deleted, accepted, tentativelyAccepted or declined
    pub done: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_shown_in_its_zone_with_offsets_and_people() {
        let zone = Zone::resolve(Some("Europe/Berlin")).unwrap();
        let event = json!({
            "id": "AAMk1",
            "subject": "Design review",
            "start": {"dateTime": "2026-10-26T09:30:00.0000000", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-10-26T10:00:00.0000000", "timeZone": "Europe/Berlin"},
            "isAllDay": false,
            "location": {"displayName": ""},
            "organizer": {"emailAddress": {"name": "Ada Brennan", "address": "ada@x"}},
            "responseStatus": {"response": "organizer"},
            "onlineMeeting": null,
            "type": "seriesMaster",
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["monday"]},
                "range": {"type": "numbered", "startDate": "2026-10-19", "numberOfOccurrences": 4, "recurrenceTimeZone": "Europe/Berlin"},
            },
            "attendees": [{"type": "required", "emailAddress": {"name": "Ben Okafor", "address": "ben@x"}, "status": {"response": "accepted"}}],
            "body": {"contentType": "html", "content": "<p><b>Agenda</b></p>"},
        });
        let shown = serde_json::to_value(Event::from_graph(&event, &zone)).unwrap();
        assert_eq!(shown["start"], "2026-10-26T09:30:00+01:00");
        assert_eq!(shown["end"], "2026-10-26T10:00:00+01:00");
        assert_eq!(shown["organizer"], "Ada Brennan");
        assert_eq!(
            shown["repeats"],
            "every 2 weeks on monday from 2026-10-19, 4 times (Europe/Berlin)"
        );
        assert_eq!(shown["attendees"][0]["response"], "accepted");
        assert_eq!(shown["body"], "**Agenda**");
        assert!(shown.get("location").is_none() && shown.get("cancelled").is_none());
    }

    #[test]
    fn series_are_laid_out_in_their_zone() {
        let zone = Zone::resolve(Some("America/New_York")).unwrap();
        // 23:30 on a Sunday in New York is already Monday in UTC: the pattern takes Sunday.
        let start: Timestamp = "2026-10-19T03:30:00Z".parse().unwrap();
        let weekly = recurrence(Repeat::Weekly, start, &zone, None, Some(3)).unwrap();
        assert_eq!(weekly["pattern"]["daysOfWeek"], json!(["sunday"]));
        assert_eq!(weekly["range"]["startDate"], "2026-10-18");
        assert_eq!(weekly["range"]["recurrenceTimeZone"], "America/New_York");
        let until = recurrence(Repeat::Monthly, start, &zone, Some("2027-01-31"), None).unwrap();
        assert_eq!(until["range"]["endDate"], "2027-01-31");
        assert_eq!(until["pattern"]["dayOfMonth"], 18);
        assert!(recurrence(Repeat::Daily, start, &zone, Some("2026-01-01"), None).is_err());
        assert!(recurrence(Repeat::Daily, start, &zone, None, Some(0)).is_err());
    }

    #[test]
    fn ranges_and_lengths() {
        let zone = Zone::utc();
        let now = Timestamp::now();
        let (from, to) = range(&zone, None, None, now, SignedDuration::from_hours(168)).unwrap();
        assert_eq!(to.duration_since(from).as_hours(), 168);
        assert!(
            range(
                &zone,
                Some("2026-10-20"),
                Some("2026-10-19"),
                now,
                SignedDuration::ZERO
            )
            .is_err()
        );
        let start = when::parse("2026-10-20T09:00").unwrap();
        let end = end_of(&zone, start, None, Some("1h30m")).unwrap();
        assert_eq!(end.duration_since(start).as_mins(), 90);
        let end = end_of(&zone, start, None, None).unwrap();
        assert_eq!(end.duration_since(start).as_mins(), 30);
        assert!(end_of(&zone, start, Some("2026-10-20T08:00"), None).is_err());
        assert!(end_of(&zone, start, Some("2026-10-20T10:00"), Some("1h")).is_err());
    }
}
