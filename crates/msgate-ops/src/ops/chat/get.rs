//! `chat.get`: one chat with its members, creation time, read marker and Teams link — one Graph
//! request once the reference is resolved.

use msgate_core::Result;
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::ChatInfo;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The chat: its id, topic, members (ada@x,ben@y), one person for your 1:1 chat, or a Teams link
    pub chat: String,
}

impl Operation for Get {
    type Input = Input;
    type Output = ChatInfo;
    const SPEC: Spec = Spec {
        name: "chat.get",
        summary: "Show one chat: topic, type, members, when it was created and its Teams link",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_BASIC,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<ChatInfo> {
        let chat_id = refs::chat(ctx, &input.chat).await?;
        let request = Request::get(format!("/chats/{}", segment(&chat_id)))
            .expand("members")
            .permissions(Self::SPEC.delegated);
        let chat: Value = ctx.graph.json(&request).await?;
        Ok(ChatInfo::from_graph(&chat))
    }
}
