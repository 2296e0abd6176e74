//! `chat.mark-read`: move your read marker to the end of a chat, as opening it in Teams does.
//! Repeating it is harmless, so the Graph client may retry it.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::ReadMarker;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct MarkRead;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The chat: its id, topic, members (ada@x,ben@y), one person for your 1:1 chat, or a Teams link
    pub chat: String,
}

impl Operation for MarkRead {
    type Input = Input;
    type Output = ReadMarker;
    const SPEC: Spec = Spec {
        name: "chat.mark-read",
        summary: "Mark a chat as read for you",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::READ_WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<ReadMarker> {
        super::move_read_marker(ctx, &input.chat, false).await
    }
}
