//! Messages in chats and channels: reading, sending, replying, editing, deleting, reactions.

mod list;
mod send;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::{Entry, entry};

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>(), entry::<send::Send>()]
}

/// Where a message operation acts: a chat or a channel.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Target {
    /// The chat: its id, topic, members (ada@x,ben@y), one person for your 1:1 chat, or a Teams link
    #[serde(default)]
    pub chat: Option<String>,
    /// The channel: TEAM/CHANNEL by names (Platform/General), TEAM-ID/CHANNEL-ID, or a Teams link
    #[serde(default)]
    pub channel: Option<String>,
}

/// Permissions to read messages in chats and channels.
pub const READ_CHAT: &[&str] = &["Chat.Read", "Chat.ReadWrite"];
pub const READ_CHANNEL: &[&str] = &["ChannelMessage.Read.All"];
