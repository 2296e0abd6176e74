//! Chats: one-on-one, group and meeting chats of the signed-in user — listing and finding them,
//! one chat with its members, starting one, renaming one, and the read marker.

mod create;
mod find;
mod get;
mod list;
mod mark_read;
mod mark_unread;
mod members;
mod rename;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::views::Person;
use crate::views::string;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<find::Find>(),
        entry::<get::Get>(),
        entry::<members::Members>(),
        entry::<create::Create>(),
        entry::<rename::Rename>(),
        entry::<mark_read::MarkRead>(),
        entry::<mark_unread::MarkUnread>(),
    ]
}

/// Permissions that allow reading chat metadata.
pub const READ_BASIC: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];
/// Permissions that allow reading a chat's members.
pub const READ_MEMBERS: &[&str] = &[
    "Chat.ReadBasic",
    "ChatMember.Read",
    "ChatMember.ReadWrite",
    "Chat.Read",
    "Chat.ReadWrite",
];
/// The one delegated permission for changing a chat and its read marker.
pub const READ_WRITE: &[&str] = &["Chat.ReadWrite"];

/// The names of a chat's members other than `me`, for chats without a topic.
pub fn other_members(chat: &Value, me: &str) -> Vec<String> {
    chat["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["userId"] != me)
        .filter_map(|m| m["displayName"].as_str().map(str::to_owned))
        .collect()
}

/// Graph's limit on a chat topic.
const MAX_TOPIC: usize = 250;

/// A group chat topic as Graph accepts it.
fn check_topic(topic: &str) -> Result<()> {
    let problem = if topic.is_empty() {
        "the topic is empty"
    } else if topic.contains(':') {
        "a chat topic cannot contain ':'"
    } else if topic.chars().count() > MAX_TOPIC {
        "a chat topic can have at most 250 characters"
    } else {
        return Ok(());
    };
    Err(Error::new(ErrorCode::InvalidInput, problem))
}

/// One chat in detail.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChatInfo {
    /// The chat id (19:…)
    pub id: String,
    /// The group chat's topic
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// oneOnOne, group or meeting
    #[serde(rename = "type")]
    pub chat_type: String,
    /// The members, you included
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Person>,
    /// When the chat was created (RFC 3339, UTC)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When you last read it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    /// The chat in Teams
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

impl ChatInfo {
    /// The detail view of a Graph chat, with its members when they were expanded.
    pub fn from_graph(chat: &Value) -> ChatInfo {
        ChatInfo {
            id: string(&chat["id"]).unwrap_or_default(),
            topic: string(&chat["topic"]),
            chat_type: string(&chat["chatType"]).unwrap_or_default(),
            members: chat["members"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Person::from_member)
                .collect(),
            created: string(&chat["createdDateTime"]),
            read_at: string(&chat["viewpoint"]["lastMessageReadDateTime"]),
            web_url: string(&chat["webUrl"]),
        }
    }
}

/// A chat this run has already read (while resolving a reference), with its members.
fn known_chat<'c>(ctx: &'c Ctx, chat_id: &str) -> Option<&'c Value> {
    ctx.known_chats()?
        .iter()
        .find(|c| c["id"] == chat_id && c["members"].is_array())
}

/// A chat's members: from what this run already read, else from Graph.
async fn members_of(ctx: &Ctx, chat_id: &str) -> Result<Vec<Value>> {
    if let Some(members) = known_chat(ctx, chat_id).and_then(|c| c["members"].as_array()) {
        return Ok(members.clone());
    }
    let request =
        Request::get(format!("/chats/{}/members", segment(chat_id))).permissions(READ_MEMBERS);
    Ok(ctx
        .graph
        .list(request, msgate_graph::Limit::All)
        .await?
        .items)
}

/// Whether a read marker says the chat is unread.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReadMarker {
    /// The chat id
    pub id: String,
    /// The chat now shows as unread for you
    pub unread: bool,
}

/// Moves the signed-in user's read marker on a chat (`markChatReadForUser` or
/// `markChatUnreadForUser`). Graph wants the user as id and tenant; both come from the chat's
/// member list, which resolving the reference has usually read already.
async fn move_read_marker(ctx: &Ctx, chat_ref: &str, unread: bool) -> Result<ReadMarker> {
    let chat_id = crate::refs::chat(ctx, chat_ref).await?;
    let me = ctx.me().await?.id.clone();
    let members = members_of(ctx, &chat_id).await?;
    let mine = members.iter().find(|m| m["userId"] == me.as_str());
    let Some(tenant) = mine.and_then(|m| m["tenantId"].as_str()) else {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("you are not a member of chat '{chat_ref}'"),
        ));
    };
    let action = if unread {
        "markChatUnreadForUser"
    } else {
        "markChatReadForUser"
    };
    // Without lastMessageReadDateTime, Graph marks the last message unread, as Teams does.
    let body = json!({"user": {"id": me, "tenantId": tenant}});
    let request = Request::post(format!("/chats/{}/{action}", segment(&chat_id)), body)
        .permissions(READ_WRITE)
        .idempotent(true);
    ctx.graph.send(&request).await?;
    Ok(ReadMarker {
        id: chat_id,
        unread,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_graphs_rules() {
        assert!(check_topic("Release 4.3").is_ok());
        for bad in ["", "a:b", &"x".repeat(251)] {
            assert_eq!(check_topic(bad).unwrap_err().exit().status(), 2, "{bad}");
        }
    }

    #[test]
    fn a_chat_in_detail_keeps_ids_and_members() {
        let chat = json!({
            "id": "19:abc@thread.v2",
            "topic": "Release 4.2",
            "chatType": "group",
            "createdDateTime": "2026-08-01T10:00:00Z",
            "webUrl": "https://teams.example.invalid/l/chat/19:abc@thread.v2/0",
            "viewpoint": {"isHidden": false, "lastMessageReadDateTime": "2026-11-20T09:00:00Z"},
            "members": [
                {"userId": "u1", "displayName": "Ada Brennan", "email": "ada@larkspur.example", "tenantId": "t"},
                {"userId": "u2", "displayName": "Dev Patel", "email": null},
            ],
        });
        let info = ChatInfo::from_graph(&chat);
        assert_eq!(info.topic.as_deref(), Some("Release 4.2"));
        assert_eq!(info.read_at.as_deref(), Some("2026-11-20T09:00:00Z"));
        assert_eq!(info.members.len(), 2);
        assert_eq!(info.members[1].id, "u2");
        assert_eq!(info.members[1].email, None);
        let one_on_one = ChatInfo::from_graph(
            &json!({"id": "19:a_b@unq.gbl.spaces", "topic": null, "chatType": "oneOnOne"}),
        );
        let shown = serde_json::to_value(&one_on_one).unwrap();
        assert_eq!(
            shown,
            json!({"id": "19:a_b@unq.gbl.spaces", "type": "oneOnOne"})
        );
    }
}
