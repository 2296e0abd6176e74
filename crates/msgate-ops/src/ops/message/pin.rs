//! `message.pin` and `message.unpin`: a chat's pinned messages. Graph pins messages in chats
//! only; channel posts cannot be pinned through it.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use serde_json::{Value, json};

use super::{Done, Which};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{Conversation, MessageAt};
use crate::spec::{Risk, Spec};

pub struct Pin;
pub struct Unpin;

fn not_in_channels() -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        "only messages in chats can be pinned; Graph cannot pin channel posts",
    )
}

/// The chat a message to pin is in; channel posts are refused.
fn chat_of(at: &MessageAt) -> Result<&str> {
    match &at.conversation {
        Conversation::Chat { chat_id } => Ok(chat_id),
        Conversation::Channel { .. } => Err(not_in_channels()),
    }
}

impl Operation for Pin {
    type Input = Which;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.pin",
        summary: "Pin a message in a chat",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["ChatMessage.Send", "Chat.ReadWrite"],
        application: &[],
        columns: &["id", "done"],
    };

    async fn run(ctx: &Ctx, input: Which) -> Result<Done> {
        if input.target.channel.is_some() {
            return Err(not_in_channels());
        }
        let at = input.resolve(ctx).await?;
        let chat = chat_of(&at)?;
        let graph_root = ctx.graph.cloud().graph_url();
        let bind = format!("{}{}", graph_root.as_str().trim_end_matches('/'), at.path());
        let request = Request::post(
            format!("/chats/{}/pinnedMessages", segment(chat)),
            json!({"message@odata.bind": bind}),
        )
        .permissions(Self::SPEC.delegated);
        ctx.graph.send(&request).await?;
        Ok(Done::new(&at, "pinned"))
    }
}

impl Operation for Unpin {
    type Input = Which;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.unpin",
        summary: "Unpin a message in a chat",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["Chat.ReadWrite"],
        application: &[],
        columns: &["id", "done"],
    };

    async fn run(ctx: &Ctx, input: Which) -> Result<Done> {
        if input.target.channel.is_some() {
            return Err(not_in_channels());
        }
        let at = input.resolve(ctx).await?;
        let chat = chat_of(&at)?.to_owned();
        let pins = Request::get(format!("/chats/{}/pinnedMessages", segment(&chat)))
            .expand("message")
            .permissions(Self::SPEC.delegated);
        let pins = ctx.graph.list(pins, Limit::All).await?.items;
        let pin = pins
            .iter()
            .find(|p| p["message"]["id"] == at.id.as_str())
            .and_then(|p| p["id"].as_str());
        match pin {
            Some(pin) => {
                let request = Request::delete(format!(
                    "/chats/{}/pinnedMessages/{}",
                    segment(&chat),
                    segment(pin)
                ))
                .permissions(Self::SPEC.delegated);
                ctx.graph.send(&request).await?;
            }
            // Not pinned: nothing to do, once it is clear the message exists at all.
            None => {
                let _: Value = super::fetch(ctx, &at).await?;
            }
        }
        Ok(Done::new(&at, "unpinned"))
    }
}
