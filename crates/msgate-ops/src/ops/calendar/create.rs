//! `calendar.create`: a new event in the signed-in user's calendar — with attendees it is a
//! meeting and Outlook sends each an invitation; `teams` makes it a Teams meeting with a join
//! link; `recurrence` makes it a series laid out in the event's zone, so a weekly 09:30 stays at
//! 09:30 local time across daylight saving changes.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Event, Repeat, WRITE};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Create;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// What the event is called
    pub subject: String,
    /// When it starts: a local time read in tz (2026-11-20T09:30), RFC 3339, or a span ahead (+2h)
    pub start: String,
    /// When it ends, written the same way (or give a duration)
    #[serde(default)]
    pub end: Option<String>,
    /// How long it lasts instead of an end: 30m, 1h, 1h30m (default 30m)
    #[serde(default)]
    pub duration: Option<String>,
    /// Time zone of the event and of the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// Required attendees: people by name, email or UPN, or any email address; each gets an invitation
    #[serde(default)]
    pub attendees: Vec<String>,
    /// Optional attendees, named the same way
    #[serde(default)]
    pub optional: Vec<String>,
    /// Where it takes place
    #[serde(default)]
    pub location: Option<String>,
    /// The description, as Markdown
    #[serde(default)]
    pub body: Option<String>,
    /// Make it a Teams meeting with a join link
    #[serde(default)]
    pub teams: bool,
    /// Repeat it: daily, weekdays, weekly, biweekly, monthly or yearly (on the start's day)
    #[serde(default)]
    pub recurrence: Option<Repeat>,
    /// Last day of the series (a date); without it or count, the series has no end
    #[serde(default)]
    pub until: Option<String>,
    /// How many times the series happens
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub count: Option<u32>,
}

impl Operation for Create {
    type Input = Input;
    type Output = Event;
    const SPEC: Spec = Spec {
        name: "calendar.create",
        summary: "Create an event or meeting: invite people, add a Teams link, repeat it",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Event> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let start = crate::when::parse_in(&input.start, &zone.tz)?;
        let end = super::end_of(
            &zone,
            start,
            input.end.as_deref(),
            input.duration.as_deref(),
        )?;
        if input.recurrence.is_none() && (input.until.is_some() || input.count.is_some()) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "until and count apply to a series: add a recurrence",
            ));
        }
        let mut attendees = Vec::new();
        for reference in &input.attendees {
            attendees.push(super::attendee(ctx, reference, "required").await?);
        }
        for reference in &input.optional {
            attendees.push(super::attendee(ctx, reference, "optional").await?);
        }
        let mut body = json!({
            "subject": input.subject,
            "start": zone.date_time_time_zone(start),
            "end": zone.date_time_time_zone(end),
            "attendees": attendees,
        });
        if let Some(location) = &input.location {
            body["location"] = json!({"displayName": location});
        }
        if let Some(text) = &input.body {
            body["body"] = super::body(ctx, text);
        }
        if input.teams {
            body["isOnlineMeeting"] = json!(true);
            body["onlineMeetingProvider"] = json!("teamsForBusiness");
        }
        if let Some(repeat) = input.recurrence {
            body["recurrence"] =
                super::recurrence(repeat, start, &zone, input.until.as_deref(), input.count)?;
        }
        let request = Request::post("/me/events", body)
            .header("Prefer", zone.prefer())
            .permissions(Self::SPEC.delegated);
        let created: Value = ctx.graph.json(&request).await?;
        Ok(Event::from_graph(&created, &zone))
    }
}
