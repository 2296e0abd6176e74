//! `chat.list`: the signed-in user's chats, most recently active first, each with its members,
//! last message and unread marker — one Graph request per 50 chats.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};
use crate::text::{cut, markdown};

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub paging: Paging,
}

/// A chat in a list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Chat {
    /// The chat id (19:…)
    pub id: String,
    /// The topic, or for chats without one, the other members' names
    pub name: String,
    /// oneOnOne, group or meeting
    #[serde(rename = "type")]
    pub chat_type: String,
    /// Who sent the last message
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_from: Option<String>,
    /// When the last message was sent
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_at: Option<String>,
    /// The last message, shortened
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_text: Option<String>,
    /// The last message arrived after you last read the chat
    pub unread: bool,
}

/// Graph's page size limit for `/me/chats`.
pub const MAX_PAGE: usize = 50;
const PREVIEW_CHARS: usize = 160;

impl Operation for List {
    type Input = Input;
    type Output = Listing<Chat>;
    const SPEC: Spec = Spec {
        name: "chat.list",
        summary: "List your chats, most recently active first, with each one's last message",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_BASIC,
        application: &[],
        columns: &[
            "id",
            "name",
            "type",
            "last_from",
            "last_at",
            "last_text",
            "unread",
        ],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Chat>> {
        let me = ctx.me().await?.id.clone();
        let fresh = Request::get("/me/chats")
            .expand("members,lastMessagePreview")
            .orderby("lastMessagePreview/createdDateTime desc")
            .top(input.paging.page_size(MAX_PAGE));
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        listing::read(ctx, request, &input.paging, |chat| Ok(compact(&chat, &me))).await
    }
}

/// Whether timestamp `a` is after `b`; compared as instants, since Graph writes fractions of a
/// second with varying precision (`…:00Z` sorts after `…:00.5Z` as text).
fn later(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
    }
}

pub fn compact(chat: &Value, me: &str) -> Chat {
    let last = &chat["lastMessagePreview"];
    let last_at = last["createdDateTime"].as_str().map(str::to_owned);
    let read_at = chat["viewpoint"]["lastMessageReadDateTime"].as_str();
    let unread = match (last_at.as_deref(), read_at) {
        (Some(last), Some(read)) => later(last, read),
        (Some(_), None) => true,
        _ => false,
    };
    let name = chat["topic"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| super::other_members(chat, me).join(", "));
    let body = &last["body"];
    let last_text = body["content"].as_str().map(|content| {
        let text = if body["contentType"] == "html" {
            markdown::from_html(content)
        } else {
            content.to_owned()
        };
        cut(&text.replace('\n', " "), PREVIEW_CHARS).0
    });
    Chat {
        id: chat["id"].as_str().unwrap_or_default().to_owned(),
        name,
        chat_type: chat["chatType"].as_str().unwrap_or_default().to_owned(),
        last_from: last["from"]["user"]["displayName"]
            .as_str()
            .or_else(|| last["from"]["application"]["displayName"].as_str())
            .map(str::to_owned),
        last_at,
        last_text,
        unread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_compares_instants_not_text() {
        assert!(later("2026-11-20T10:00:00.500Z", "2026-11-20T10:00:00Z"));
        assert!(!later("2026-11-20T10:00:00Z", "2026-11-20T10:00:00.500Z"));
        assert!(later("2026-11-20T11:00:00+01:00", "2026-11-20T09:59:59Z"));
    }
}
