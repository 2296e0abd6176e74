//! `message.list`: a chat's or channel's messages, newest first, as compact Markdown.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{Shown, Target};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::refs::{self, Conversation};
use crate::spec::{Risk, Spec};
use crate::views::{LIST_BODY_CHARS, Message};

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub target: Target,
    /// Only messages sent after this time (RFC 3339, e.g. 2026-11-20T09:00:00Z)
    #[serde(default)]
    pub since: Option<String>,
    /// Return Graph's JSON unchanged instead of the compact view
    #[serde(default)]
    pub raw: bool,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's page size limit for messages.
const MAX_PAGE: usize = 50;

impl Operation for List {
    type Input = Input;
    type Output = Listing<Shown<Message>>;
    const SPEC: Spec = Spec {
        name: "message.list",
        summary: "List a chat's or channel's messages, newest first",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &["id", "at", "from", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Shown<Message>>> {
        let conversation = refs::conversation(
            ctx,
            input.target.chat.as_deref(),
            input.target.channel.as_deref(),
        )
        .await?;
        let mut fresh =
            Request::get(conversation.messages_path()).top(input.paging.page_size(MAX_PAGE));
        let permissions = match conversation {
            Conversation::Chat { .. } => {
                fresh = fresh.orderby("createdDateTime desc");
                if let Some(since) = &input.since {
                    fresh = fresh.filter(format!("lastModifiedDateTime gt {since}"));
                }
                super::READ_CHAT
            }
            Conversation::Channel { .. } => super::READ_CHANNEL,
        };
        let since = input.since.clone();
        let request = input.paging.first_request(fresh, permissions);
        let mut listing = listing::read(ctx, request, &input.paging, |m: Value| Ok(m)).await?;
        // Channels cannot filter on the server; chats filter on modification time, so a message
        // edited since but sent before is dropped here too.
        if let Some(since) = since {
            listing.items.retain(|m| {
                m["createdDateTime"]
                    .as_str()
                    .is_some_and(|at| at > since.as_str())
            });
        }
        Ok(Listing {
            items: listing
                .items
                .into_iter()
                .map(|m| match input.raw {
                    true => Shown::Raw(m),
                    false => Shown::Compact(Message::from_graph(&m, Some(LIST_BODY_CHARS))),
                })
                .collect(),
            next_cursor: listing.next_cursor,
            truncated: listing.truncated,
        })
    }
}
