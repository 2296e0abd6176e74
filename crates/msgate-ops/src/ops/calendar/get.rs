//! `calendar.get`: one event in detail — times in the zone asked for, who is invited and how
//! they answered, how a series repeats, the description as Markdown, the Teams join link.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Event, READ};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The event: its id (from calendar list), its subject (a series as a whole), or a Teams join link
    pub event: String,
    /// Time zone for the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
}

impl Operation for Get {
    type Input = Input;
    type Output = Event;
    const SPEC: Spec = Spec {
        name: "calendar.get",
        summary: "Show one event: times, attendees and their answers, recurrence, description, join link",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Event> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let event = refs::event(ctx, &input.event).await?;
        let graph = super::read_event(ctx, &event.id, &zone).await?;
        Ok(Event::from_graph(&graph, &zone))
    }
}
