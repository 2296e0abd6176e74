//! `meeting.get`: one Teams meeting — subject, times, organizer and invitees, how to join (link,
//! meeting ID and passcode, dial-in) and its chat — by join link, event id, subject, meeting id,
//! `last` or `last-with:PERSON`.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Meeting;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, Need};
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: a Teams join link, its event's id or subject, its meeting id, last, or last-with:PERSON
    pub meeting: String,
    /// Time zone for the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
}

impl Operation for Get {
    type Input = Input;
    type Output = Meeting;
    const SPEC: Spec = Spec {
        name: "meeting.get",
        summary: "Show a Teams meeting: times, people, how to join, its chat (by subject or last: also reads your calendar)",
        risk: Risk::Read,
        idempotent: true,
        delegated: refs::calendar::MEETINGS_READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Meeting> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let meeting = refs::meeting(ctx, &input.meeting, Need::Nothing).await?;
        Ok(Meeting::from_graph(&meeting.graph, &zone))
    }
}
