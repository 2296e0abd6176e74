//! `calendar.delete`: remove an event from your calendar. For a meeting you organize Outlook
//! also cancels it for the attendees (without a message; `calendar cancel` sends one); one
//! occurrence's id removes just that occurrence.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Done, WRITE};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Delete;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The event: its id (one occurrence's id removes just that one), its subject (a series as a whole), or a Teams join link
    pub event: String,
}

impl Operation for Delete {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "calendar.delete",
        summary: "Delete an event from your calendar (a meeting you organize is cancelled for all)",
        risk: Risk::Destructive,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        let event = refs::event(ctx, &input.event).await?;
        let request =
            Request::delete(super::event_path(&event.id)).permissions(Self::SPEC.delegated);
        ctx.graph.send(&request).await?;
        Ok(Done {
            id: event.id,
            subject: event.subject,
            done: "deleted".to_owned(),
        })
    }
}
