//! `calendar.list`: the events overlapping a time range (the next 7 days unless told), series
//! expanded into their occurrences, earliest first, in the zone asked for — one Graph request per
//! page of `calendarView`.

use jiff::{SignedDuration, Timestamp};
use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Event, LIST_FIELDS, READ};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};
use crate::when;
use crate::zone::Zone;

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Start of the range: a date, a local time, RFC 3339, today, or a span (3d back, +2d ahead); default now
    #[serde(default)]
    pub from: Option<String>,
    /// End of the range, written the same way; default 7 days after the start
    #[serde(default)]
    pub to: Option<String>,
    /// Time zone for the times shown and typed: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's page size limit for calendar views.
const MAX_PAGE: usize = 100;
const DEFAULT_DAYS: i64 = 7;

impl Operation for List {
    type Input = Input;
    type Output = Listing<Event>;
    const SPEC: Spec = Spec {
        name: "calendar.list",
        summary: "List your events in a time range (default the next 7 days), recurring ones expanded",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &[
            "start",
            "end",
            "subject",
            "organizer",
            "location",
            "response",
            "id",
        ],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Event>> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let (from, to) = super::range(
            &zone,
            input.from.as_deref(),
            input.to.as_deref(),
            Timestamp::now(),
            SignedDuration::from_hours(24 * DEFAULT_DAYS),
        )?;
        let fresh = Request::get("/me/calendarView")
            .query("startDateTime", when::graph(from))
            .query("endDateTime", when::graph(to))
            .select(LIST_FIELDS)
            .orderby("start/dateTime")
            .top(input.paging.page_size(MAX_PAGE));
        let request = input
            .paging
            .first_request(fresh, Self::SPEC.delegated)
            .header("Prefer", zone.prefer());
        listing::read(ctx, request, &input.paging, |event| {
            Ok(Event::from_graph(&event, &zone))
        })
        .await
    }
}
