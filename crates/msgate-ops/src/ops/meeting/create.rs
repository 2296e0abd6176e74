//! `meeting.create`: a standalone Teams meeting (`POST /me/onlineMeetings`): a join link to
//! share, with no calendar event and no invitations sent. For a meeting on the calendar that
//! invites people, use `calendar create --teams`.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Meeting;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::when;
use crate::zone::Zone;

pub struct Create;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// What the meeting is called
    pub subject: String,
    /// When it starts: a local time read in tz (2026-11-20T09:30), RFC 3339, or a span ahead (+2h); default now
    #[serde(default)]
    pub start: Option<String>,
    /// When it ends, written the same way (or give a duration)
    #[serde(default)]
    pub end: Option<String>,
    /// How long it lasts instead of an end: 30m, 1h, 1h30m (default 30m)
    #[serde(default)]
    pub duration: Option<String>,
    /// Time zone for the times typed and shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// People in your organization to list as attendees (name, email or UPN); no invitation is sent
    #[serde(default)]
    pub attendees: Vec<String>,
}

impl Operation for Create {
    type Input = Input;
    type Output = Meeting;
    const SPEC: Spec = Spec {
        name: "meeting.create",
        summary: "Create a standalone Teams meeting and get its join link (no calendar invitation)",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["OnlineMeetings.ReadWrite"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Meeting> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let start = match &input.start {
            Some(text) => when::parse_in(text, &zone.tz)?,
            None => jiff::Timestamp::now(),
        };
        let end = crate::ops::calendar::end_of(
            &zone,
            start,
            input.end.as_deref(),
            input.duration.as_deref(),
        )?;
        let mut attendees = Vec::new();
        for reference in &input.attendees {
            let user = refs::user(ctx, reference).await?;
            let upn = user.user_principal_name.or(user.mail).unwrap_or_default();
            attendees.push(json!({
                "identity": {"user": {"id": user.id}},
                "upn": upn,
                "role": "attendee",
            }));
        }
        let body = json!({
            "subject": input.subject,
            "startDateTime": when::graph(start),
            "endDateTime": when::graph(end),
            "participants": {"attendees": attendees},
        });
        let request = Request::post("/me/onlineMeetings", body).permissions(Self::SPEC.delegated);
        let created: Value = ctx.graph.json(&request).await?;
        Ok(Meeting::from_graph(&created, &zone))
    }
}
