//! `message.get`: one message with its whole body — what a list cuts short, read in full.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Shown, Which};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};
use crate::views::Message;

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    /// Return Graph's JSON unchanged instead of the compact view
    #[serde(default)]
    pub raw: bool,
}

impl Operation for Get {
    type Input = Input;
    type Output = Shown<Message>;
    const SPEC: Spec = Spec {
        name: "message.get",
        summary: "Read one message in full, by id or Teams link",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &["id", "at", "from", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Shown<Message>> {
        let at = input.which.resolve(ctx).await?;
        let message = super::fetch(ctx, &at).await?;
        Ok(match input.raw {
            true => Shown::Raw(message),
            false => Shown::Compact(Message::from_graph(&message, None)),
        })
    }
}
