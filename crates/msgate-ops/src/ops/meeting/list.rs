//! `meeting.list`: the Teams meetings on your calendar with their join links — by default from
//! 7 days back to 7 days ahead, so recent meetings (the ones with transcripts) show too; each
//! occurrence of a series is listed. Optionally only meetings with a given person.

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, Result};
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::ops::calendar::{self, Event};
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::when;
use crate::zone::Zone;

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Start of the range: a date, a local time, RFC 3339, today, or a span (7d back, +2d ahead); default 7 days ago
    #[serde(default)]
    pub from: Option<String>,
    /// End of the range, written the same way; default 7 days from now
    #[serde(default)]
    pub to: Option<String>,
    /// Time zone for the times shown and typed: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// Only meetings this person organizes or is invited to (name, email or UPN)
    #[serde(default)]
    pub with: Option<String>,
    /// Return at most this many meetings (default 50)
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// Return every meeting in the range
    #[serde(default)]
    pub all: bool,
}

const DEFAULT_LIMIT: usize = 50;
/// The most calendar entries one list reads, whatever the range.
const MAX_READ: usize = 2000;

impl Operation for List {
    type Input = Input;
    type Output = Listing<Event>;
    const SPEC: Spec = Spec {
        name: "meeting.list",
        summary: "List your Teams meetings from a week ago to a week ahead, with join links",
        risk: Risk::Read,
        idempotent: true,
        delegated: calendar::READ,
        application: &[],
        columns: &["start", "end", "subject", "organizer", "join_url", "id"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Event>> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let week = SignedDuration::from_hours(24 * 7);
        let default_from = Timestamp::now()
            .checked_sub(week)
            .map_err(|e| Error::internal(e.to_string()))?;
        let (from, to) = calendar::range(
            &zone,
            input.from.as_deref(),
            input.to.as_deref(),
            default_from,
            week + week,
        )?;
        let person = match &input.with {
            Some(reference) => Some(refs::user(ctx, reference).await?),
            None => None,
        };
        let mut fields = calendar::LIST_FIELDS.to_vec();
        fields.push("attendees");
        let request = Request::get("/me/calendarView")
            .query("startDateTime", when::graph(from))
            .query("endDateTime", when::graph(to))
            .select(&fields)
            .orderby("start/dateTime")
            .top(100)
            .header("Prefer", zone.prefer())
            .permissions(Self::SPEC.delegated);
        let read = ctx.graph.list(request, Limit::Items(MAX_READ)).await?;
        let limit = match input.all {
            true => MAX_READ,
            false => input.limit.unwrap_or(DEFAULT_LIMIT).max(1),
        };
        let mut meetings: Vec<Value> = read
            .items
            .into_iter()
            .filter(|e| e["onlineMeeting"]["joinUrl"].is_string())
            .filter(|e| {
                person
                    .as_ref()
                    .is_none_or(|p| refs::calendar::includes(e, p))
            })
            .collect();
        let truncated = read.truncated || meetings.len() > limit;
        meetings.truncate(limit);
        Ok(Listing {
            items: meetings
                .iter()
                .map(|e| {
                    // The list shows who organizes, not everyone invited.
                    let mut event = Event::from_graph(e, &zone);
                    event.attendees.clear();
                    event
                })
                .collect(),
            next_cursor: None,
            truncated,
        })
    }
}
