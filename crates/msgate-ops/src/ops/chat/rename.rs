//! `chat.rename`: change a group chat's topic. Only group chats have a topic people can set, so
//! a one-on-one or meeting chat is refused before Graph is asked whenever msgate can tell.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ChatInfo;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Rename;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The group chat: its id, topic, members (ada@x,ben@y), or a Teams link
    pub chat: String,
    /// The new topic (at most 250 characters, no ':')
    pub topic: String,
}

impl Operation for Rename {
    type Input = Input;
    type Output = ChatInfo;
    const SPEC: Spec = Spec {
        name: "chat.rename",
        summary: "Rename a group chat (set its topic)",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::READ_WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<ChatInfo> {
        let topic = input.topic.trim();
        super::check_topic(topic)?;
        let chat_id = refs::chat(ctx, &input.chat).await?;
        let known_type = super::known_chat(ctx, &chat_id).and_then(|c| c["chatType"].as_str());
        if let Some(kind) = not_a_group(&chat_id, known_type) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!(
                    "'{}' is a {kind} chat: only group chats can be renamed",
                    input.chat
                ),
            )
            .with_hint("start a group chat with: msgate chat create --with A --with B --topic T"));
        }
        let request = Request::patch(
            format!("/chats/{}", segment(&chat_id)),
            json!({"topic": topic}),
        )
        .permissions(Self::SPEC.delegated);
        let chat = ctx.graph.send(&request).await?.json()?;
        // Graph answers with the chat; should it ever answer 204, say what was set.
        let chat = match chat {
            Value::Object(_) => chat,
            _ => json!({"id": chat_id, "topic": topic, "chatType": "group"}),
        };
        Ok(ChatInfo::from_graph(&chat))
    }
}

/// The kind of a chat that cannot be renamed: from what this run read about it, else from the
/// shape of its id (one-on-one chats end in `@unq.gbl.spaces`, meeting chats start `19:meeting_`).
fn not_a_group(chat_id: &str, known_type: Option<&str>) -> Option<&'static str> {
    match known_type {
        Some("group") => None,
        Some("oneOnOne") => Some("one-on-one"),
        Some("meeting") => Some("meeting"),
        Some(_) => None,
        None if chat_id.ends_with("@unq.gbl.spaces") => Some("one-on-one"),
        None if chat_id.starts_with("19:meeting_") => Some("meeting"),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_group_chats_are_renamed() {
        assert_eq!(not_a_group("19:x@thread.v2", Some("group")), None);
        assert_eq!(not_a_group("19:x@thread.v2", None), None);
        assert_eq!(
            not_a_group("19:a_b@unq.gbl.spaces", None),
            Some("one-on-one")
        );
        assert_eq!(
            not_a_group("19:meeting_abc@thread.v2", None),
            Some("meeting")
        );
        assert_eq!(
            not_a_group("19:x@thread.v2", Some("oneOnOne")),
            Some("one-on-one")
        );
    }
}
