//! `calendar.cancel`: the organizer calls a meeting off — it leaves their calendar and every
//! attendee gets the cancellation, with a message. Attendees decline instead
//! (`calendar respond --decline`).

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

pub struct Cancel;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: its id (one occurrence's id cancels just that one), its subject (a series as a whole), or a Teams join link
    pub event: String,
    /// A note to the attendees with the cancellation
    #[serde(default)]
    pub message: Option<String>,
}

impl Operation for Cancel {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "calendar.cancel",
        summary: "Cancel a meeting you organize, telling the attendees why",
        risk: Risk::Destructive,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        let event = refs::event(ctx, &input.event).await?;
        if !event.is_organizer {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("only the organizer can cancel '{}'", event.subject),
            )
            .with_hint("decline it instead: msgate calendar respond --decline"));
        }
        let comment = super::comment(ctx, input.message.as_deref());
        let body = if comment.is_empty() {
            json!({})
        } else {
            json!({"comment": comment})
        };
        let request = Request::post(format!("{}/cancel", super::event_path(&event.id)), body)
            .permissions(Self::SPEC.delegated);
        ctx.graph.send(&request).await?;
        Ok(Done {
            id: event.id,
            subject: event.subject,
            done: "cancelled".to_owned(),
        })
    }
}
