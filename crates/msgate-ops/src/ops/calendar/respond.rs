//! `calendar.respond`: answer an invitation — accept, tentatively accept or decline, with a
//! message to the organizer (or, with `quiet`, without telling them) — for a whole series or one
//! occurrence. A declined meeting leaves your calendar, as in Outlook.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{Done, WRITE};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Respond;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The event: its id (one occurrence's id, from calendar list, answers just that one), its subject (a series as a whole), or a Teams join link
    pub event: String,
    /// Accept the invitation
    #[serde(default)]
    pub accept: bool,
    /// Accept tentatively
    #[serde(default)]
    pub tentative: bool,
    /// Decline it (the meeting leaves your calendar)
    #[serde(default)]
    pub decline: bool,
    /// A note to the organizer with your answer
    #[serde(default)]
    pub message: Option<String>,
    /// Answer without telling the organizer
    #[serde(default)]
    pub quiet: bool,
}

impl Operation for Respond {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "calendar.respond",
        summary: "Answer an invitation: accept, tentatively accept or decline, with a message",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        let (action, answer) = match (input.accept, input.tentative, input.decline) {
            (true, false, false) => ("accept", "accepted"),
            (false, true, false) => ("tentativelyAccept", "tentativelyAccepted"),
            (false, false, true) => ("decline", "declined"),
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "answer with exactly one of accept, tentative or decline",
                ));
            }
        };
        let event = refs::event(ctx, &input.event).await?;
        if event.is_organizer {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!(
                    "you organize '{}': there is no invitation to answer",
                    event.subject
                ),
            )
            .with_hint(
                "change it with: msgate calendar update; call it off with: msgate calendar cancel",
            ));
        }
        let mut body = json!({"sendResponse": !input.quiet});
        let comment = super::comment(ctx, input.message.as_deref());
        if !input.quiet && !comment.is_empty() {
            body["comment"] = json!(comment);
        }
        let request = Request::post(format!("{}/{action}", super::event_path(&event.id)), body)
            .permissions(Self::SPEC.delegated)
            .idempotent(true);
        ctx.graph.send(&request).await?;
        Ok(Done {
            id: event.id,
            subject: event.subject,
            done: answer.to_owned(),
        })
    }
}
