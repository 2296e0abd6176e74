//! `message.edit`: new text for a message you sent, written like a new one (Markdown or HTML,
//! mentions). Only the sender may edit; Graph refuses anyone else, and that refusal is passed on.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Which;
use super::send::compose;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::Conversation;
use crate::spec::{Risk, Spec};
use crate::views::Message;

pub struct Edit;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    /// The new text, in Markdown (or HTML with html); @Name of a member mentions them
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub text: String,
    /// Treat the text as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Mention this person too (email, UPN or name); repeatable
    #[serde(default)]
    pub mention: Vec<String>,
}

impl Operation for Edit {
    type Input = Input;
    type Output = Message;
    const SPEC: Spec = Spec {
        name: "message.edit",
        summary: "Change the text of a message you sent",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["Chat.ReadWrite", "ChannelMessage.ReadWrite"],
        application: &[],
        columns: &["id", "at", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Message> {
        if input.text.trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the new text is empty")
                .with_hint("to remove a message, use: msgate message delete"));
        }
        let at = input.which.resolve(ctx).await?;
        let mut body = compose(
            ctx,
            &at.conversation,
            &input.text,
            input.html,
            &input.mention,
        )
        .await?;
        // The old text's mentions go with it.
        if body.get("mentions").is_none() {
            body["mentions"] = serde_json::json!([]);
        }
        let permissions: &'static [&'static str] = match at.conversation {
            Conversation::Chat { .. } => &["Chat.ReadWrite"],
            Conversation::Channel { .. } => &["ChannelMessage.ReadWrite", "Group.ReadWrite.All"],
        };
        ctx.graph
            .send(&Request::patch(at.path(), body).permissions(permissions))
            .await?;
        let edited = super::fetch(ctx, &at).await?;
        Ok(Message::from_graph(&edited, None))
    }
}
