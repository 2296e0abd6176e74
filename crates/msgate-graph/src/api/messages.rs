//! Chat messages: reading a chat's messages newest first, and sending one — a write Graph must
//! never receive twice, so it is marked as not idempotent.

use msgate_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::segment;
use crate::client::GraphClient;
use crate::paging::{Limit, Listed};
use crate::request::Request;

pub const LIST_PERMISSIONS: &[&str] = &["Chat.Read", "Chat.ReadWrite"];
pub const SEND_PERMISSIONS: &[&str] = &["ChatMessage.Send", "Chat.ReadWrite"];

/// Graph's page size limit for chat messages.
pub const MAX_PAGE: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_modified_date_time: Option<String>,
    #[serde(default)]
    pub deleted_date_time: Option<String>,
    #[serde(default)]
    pub message_type: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub from: Option<From>,
    #[serde(default)]
    pub reply_to_id: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// Who sent a message: a user, an application or a device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct From {
    #[serde(default)]
    pub user: Option<Identity>,
    #[serde(default)]
    pub application: Option<Identity>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A chat's messages, newest first.
pub async fn list(
    client: &GraphClient,
    chat_id: &str,
    limit: Limit,
) -> Result<(Vec<ChatMessage>, Listed)> {
    let page = match limit {
        Limit::Items(n) => n.clamp(1, MAX_PAGE),
        Limit::All => MAX_PAGE,
    };
    let request = Request::get(format!("/chats/{}/messages", segment(chat_id)))
        .orderby("createdDateTime desc")
        .top(page)
        .permissions(LIST_PERMISSIONS);
    let listed = client.list(request, limit).await?;
    let messages = listed
        .items
        .iter()
        .map(|item| serde_json::from_value(item.clone()))
        .collect::<std::result::Result<Vec<ChatMessage>, _>>()
        .map_err(|e| Error::internal(format!("Graph sent a message msgate cannot read: {e}")))?;
    Ok((messages, listed))
}

/// How the text of a new message is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    Text,
    Html,
}

/// Sends a message to a chat; Graph answers with the message it created.
pub async fn send(
    client: &GraphClient,
    chat_id: &str,
    content: &str,
    content_type: ContentType,
) -> Result<ChatMessage> {
    let content_type = match content_type {
        ContentType::Text => "text",
        ContentType::Html => "html",
    };
    let request = Request::post(
        format!("/chats/{}/messages", segment(chat_id)),
        json!({"body": {"contentType": content_type, "content": content}}),
    )
    .permissions(SEND_PERMISSIONS);
    client.json(&request).await
}
