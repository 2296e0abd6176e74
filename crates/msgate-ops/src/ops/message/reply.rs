//! `message.reply`: a reply in a channel post's thread, written like a new message (Markdown,
//! mentions, files, images). Chats have no threads in Graph: a reply there is refused with the
//! command that does work.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::Which;
use super::send::Writing;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::Conversation;
use crate::spec::{Risk, Spec};
use crate::views::Message;

pub struct Reply;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    #[serde(flatten)]
    pub writing: Writing,
}

impl Operation for Reply {
    type Input = Input;
    type Output = Message;
    const SPEC: Spec = Spec {
        name: "message.reply",
        summary: "Reply in the thread of a channel post (Markdown, @mentions, files, images)",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["ChannelMessage.Send"],
        application: &[],
        columns: &["id", "at", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Message> {
        let in_chat = || {
            Error::new(
                ErrorCode::InvalidInput,
                "messages in chats have no replies in Teams",
            )
            .with_hint("send a new message to the chat with: msgate message send --chat …")
        };
        if input.which.target.chat.is_some() {
            return Err(in_chat());
        }
        let mut at = input.which.resolve(ctx).await?;
        if matches!(at.conversation, Conversation::Chat { .. }) {
            return Err(in_chat());
        }
        // Replying to a reply continues the thread it is in, as Teams does.
        if let Some(parent) = at.parent.take() {
            at.id = parent;
        }
        let body = input.writing.body(ctx, &at.conversation).await?;
        let request = Request::post(format!("{}/replies", at.path()), body)
            .permissions(super::send::send_permissions(&at.conversation));
        let sent: Value = ctx.graph.json(&request).await?;
        Ok(Message::from_graph(&sent, None))
    }
}
