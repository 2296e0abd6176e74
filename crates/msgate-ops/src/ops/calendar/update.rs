//! `calendar.update`: change an event — subject, time (moving the start keeps the length unless
//! an end or duration is given), place, description, attendees added or removed, a Teams link
//! added. The organizer's changes reach every attendee's calendar; a new time asks them to
//! answer again.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Event, WRITE};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Update;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The event: its id (from calendar list), its subject (a series as a whole), or a Teams join link
    pub event: String,
    /// A new subject
    #[serde(default)]
    pub subject: Option<String>,
    /// A new start: a local time read in tz (2026-11-20T09:30), RFC 3339, or a span ahead (+2h); the length stays
    #[serde(default)]
    pub start: Option<String>,
    /// A new end, written the same way
    #[serde(default)]
    pub end: Option<String>,
    /// A new length instead of an end: 30m, 1h, 1h30m
    #[serde(default)]
    pub duration: Option<String>,
    /// Time zone of the times typed and shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// A new place
    #[serde(default)]
    pub location: Option<String>,
    /// A new description, as Markdown
    #[serde(default)]
    pub body: Option<String>,
    /// Invite these people too (name, email or UPN, or any email address)
    #[serde(default)]
    pub add: Vec<String>,
    /// Take these people off the invitation (name, email or UPN)
    #[serde(default)]
    pub remove: Vec<String>,
    /// Add a Teams meeting with a join link
    #[serde(default)]
    pub teams: bool,
}

impl Operation for Update {
    type Input = Input;
    type Output = Event;
    const SPEC: Spec = Spec {
        name: "calendar.update",
        summary: "Change an event: subject, time, place, description, attendees, Teams link",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Event> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let event = refs::event(ctx, &input.event).await?;
        let current = super::read_event(ctx, &event.id, &zone).await?;
        let mut changes = Map::new();
        if let Some(subject) = &input.subject {
            changes.insert("subject".into(), json!(subject));
        }
        if input.start.is_some() || input.end.is_some() || input.duration.is_some() {
            let (old_start, old_end) = match (
                zone.instant(&current["start"]),
                zone.instant(&current["end"]),
            ) {
                (Some(start), Some(end)) => (start, end),
                _ => return Err(Error::internal("Graph sent an event without its times")),
            };
            let start = match &input.start {
                Some(text) => crate::when::parse_in(text, &zone.tz)?,
                None => old_start,
            };
            let end = match (&input.end, &input.duration) {
                (None, None) => start
                    .checked_add(old_end.duration_since(old_start))
                    .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))?,
                (end, duration) => {
                    super::end_of(&zone, start, end.as_deref(), duration.as_deref())?
                }
            };
            changes.insert("start".into(), zone.date_time_time_zone(start));
            changes.insert("end".into(), zone.date_time_time_zone(end));
        }
        if let Some(location) = &input.location {
            changes.insert("location".into(), json!({"displayName": location}));
        }
        if let Some(text) = &input.body {
            changes.insert("body".into(), super::body(ctx, text));
        }
        if !input.add.is_empty() || !input.remove.is_empty() {
            changes.insert(
                "attendees".into(),
                attendees(ctx, &current, &input.add, &input.remove).await?,
            );
        }
        if input.teams {
            changes.insert("isOnlineMeeting".into(), json!(true));
            changes.insert("onlineMeetingProvider".into(), json!("teamsForBusiness"));
        }
        if changes.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "nothing to change")
                .with_hint("give a new subject, start, end, duration, location, body, add, remove or teams"));
        }
        let request = Request::patch(super::event_path(&event.id), Value::Object(changes))
            .header("Prefer", zone.prefer())
            .permissions(Self::SPEC.delegated);
        let updated: Value = ctx.graph.json(&request).await?;
        Ok(Event::from_graph(&updated, &zone))
    }
}

/// The attendee list after adding and removing people: Graph replaces the whole list, so the
/// current one is kept, answers and all.
async fn attendees(ctx: &Ctx, current: &Value, add: &[String], remove: &[String]) -> Result<Value> {
    // Answers are Graph's to keep: only who is invited, and how, is sent back.
    let mut list: Vec<Value> = current["attendees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| json!({"type": a["type"], "emailAddress": a["emailAddress"]}))
        .collect();
    let address = |a: &Value| {
        a["emailAddress"]["address"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    };
    for reference in remove {
        let (wanted, _) = super::person(ctx, reference).await?;
        let before = list.len();
        list.retain(|a| address(a) != wanted.to_lowercase());
        if list.len() == before {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("'{reference}' is not invited to this event"),
            ));
        }
    }
    for reference in add {
        let new = super::attendee(ctx, reference, "required").await?;
        if !list.iter().any(|a| address(a) == address(&new)) {
            list.push(new);
        }
    }
    Ok(Value::Array(list))
}
