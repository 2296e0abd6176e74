//! `chat.mark-unread`: mark a chat's last message unread for you, as Teams' "Mark as unread"
//! does. Repeating it is harmless, so the Graph client may retry it.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::ReadMarker;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct MarkUnread;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The chat: its id, topic, members (ada@x,ben@y), one person for your 1:1 chat, or a Teams link
    pub chat: String,
}

impl Operation for MarkUnread {
    type Input = Input;
    type Output = ReadMarker;
    const SPEC: Spec = Spec {
        name: "chat.mark-unread",
        summary: "Mark a chat as unread for you (its last message shows as new)",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::READ_WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<ReadMarker> {
        super::move_read_marker(ctx, &input.chat, true).await
    }
}
