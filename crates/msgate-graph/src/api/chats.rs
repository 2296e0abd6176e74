//! Chats: the signed-in user's one-on-one, group and meeting chats, with each one's last message
//! preview and read marker, so "what is new" costs one request per 50 chats.

use msgate_core::Result;
use serde::{Deserialize, Serialize};

use crate::client::GraphClient;
use crate::paging::{Limit, Listed};
use crate::request::Request;

pub const LIST_PERMISSIONS: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];

/// Graph's page size limit for `/me/chats`.
pub const MAX_PAGE: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: String,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub chat_type: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_updated_date_time: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub last_message_preview: Option<MessagePreview>,
    #[serde(default)]
    pub viewpoint: Option<Viewpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MessagePreview {
    pub id: String,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub is_deleted: Option<bool>,
    #[serde(default)]
    pub message_type: Option<String>,
    #[serde(default)]
    pub body: Option<crate::api::messages::ItemBody>,
    #[serde(default)]
    pub from: Option<crate::api::messages::From>,
}

/// The signed-in user's view of a chat: when they last read it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Viewpoint {
    #[serde(default)]
    pub is_hidden: Option<bool>,
    #[serde(default)]
    pub last_message_read_date_time: Option<String>,
}

/// The user's chats, most recently active first, each with its last message preview.
pub async fn list(client: &GraphClient, limit: Limit) -> Result<(Vec<Chat>, Listed)> {
    let page = match limit {
        Limit::Items(n) => n.clamp(1, MAX_PAGE),
        Limit::All => MAX_PAGE,
    };
    let request = Request::get("/me/chats")
        .expand("lastMessagePreview")
        .orderby("lastMessagePreview/createdDateTime desc")
        .top(page)
        .permissions(LIST_PERMISSIONS);
    let listed = client.list(request, limit).await?;
    let chats = listed
        .items
        .iter()
        .map(|item| serde_json::from_value(item.clone()))
        .collect::<std::result::Result<Vec<Chat>, _>>()
        .map_err(|e| {
            msgate_core::Error::internal(format!("Graph sent a chat msgate cannot read: {e}"))
        })?;
    Ok((chats, listed))
}
