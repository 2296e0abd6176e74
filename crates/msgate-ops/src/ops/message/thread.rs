//! `message.thread`: a channel post with its replies, in the order they were written. Chats have
//! no threads in Graph, so there the thread is the message alone.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Shown, Which};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Paging};
use crate::refs::{Conversation, MessageAt};
use crate::spec::{Risk, Spec};
use crate::views::{LIST_BODY_CHARS, Message};

pub struct Thread;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    /// Return Graph's JSON unchanged (the post with a replies array) instead of the compact view
    #[serde(default)]
    pub raw: bool,
    #[serde(flatten)]
    pub paging: Paging,
}

/// A post and its replies.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ThreadView {
    /// The post that started the thread, in full
    pub post: Message,
    /// The newest replies, oldest first (long bodies cut; read one in full with message get)
    pub replies: Vec<Message>,
    /// Pass as cursor to read older replies
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// More replies exist than were returned
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Graph's page size limit for replies.
const MAX_PAGE: usize = 50;

impl Operation for Thread {
    type Input = Input;
    type Output = Shown<ThreadView>;
    const SPEC: Spec = Spec {
        name: "message.thread",
        summary: "Read a channel post with its replies (in a chat, the message alone)",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Shown<ThreadView>> {
        let mut at = input.which.resolve(ctx).await?;
        // A link to a reply opens the thread it belongs to.
        if let Some(parent) = at.parent.take() {
            at.id = parent;
        }
        let post = super::fetch(ctx, &at).await?;
        let mut replies = match at.conversation {
            Conversation::Chat { .. } => listing::Listing::complete(Vec::new()),
            Conversation::Channel { .. } => read_replies(ctx, &at, &input.paging).await?,
        };
        replies.items.reverse();
        if input.raw {
            let mut post = post;
            post["replies"] = Value::Array(replies.items);
            return Ok(Shown::Raw(post));
        }
        Ok(Shown::Compact(ThreadView {
            post: Message::from_graph(&post, None),
            replies: replies
                .items
                .iter()
                .map(|r| Message::from_graph(r, Some(LIST_BODY_CHARS)))
                .collect(),
            next_cursor: replies.next_cursor,
            truncated: replies.truncated,
        }))
    }
}

async fn read_replies(
    ctx: &Ctx,
    post: &MessageAt,
    paging: &Paging,
) -> Result<listing::Listing<Value>> {
    let fresh = Request::get(format!("{}/replies", post.path())).top(paging.page_size(MAX_PAGE));
    let request = paging.first_request(fresh, super::READ_CHANNEL);
    listing::read(ctx, request, paging, Ok).await
}
