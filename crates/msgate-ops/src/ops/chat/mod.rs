//! Chats: one-on-one, group and meeting chats of the signed-in user.

mod list;

use serde_json::Value;

use crate::catalog::{Entry, entry};

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>()]
}

/// Permissions that allow reading chat metadata.
pub const READ_BASIC: &[&str] = &["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"];

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
