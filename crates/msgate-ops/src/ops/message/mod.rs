//! Messages in chats and channels: reading, sending, replying, editing, deleting, reactions,
//! pins and attachments.

mod attachments;
mod delete;
mod edit;
mod get;
mod list;
mod pin;
mod react;
mod reply;
mod send;
mod thread;
pub(super) mod upload;

use msgate_core::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::refs::{self, Conversation, MessageAt};

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<thread::Thread>(),
        entry::<send::Send>(),
        entry::<reply::Reply>(),
        entry::<edit::Edit>(),
        entry::<delete::Delete>(),
        entry::<delete::Undelete>(),
        entry::<react::React>(),
        entry::<react::Unreact>(),
        entry::<pin::Pin>(),
        entry::<pin::Unpin>(),
        entry::<attachments::ListAttachments>(),
        entry::<attachments::Download>(),
    ]
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

/// Which message an operation acts on: a Teams link, or a chat or channel and the message id.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Which {
    #[serde(flatten)]
    pub target: Target,
    /// The message id, as message list shows it
    #[serde(default)]
    pub id: Option<String>,
    /// For a reply in a channel: the id of the post it answers
    #[serde(default)]
    pub parent: Option<String>,
    /// A Teams link to the message (Copy link in Teams), instead of chat or channel and id
    #[serde(default)]
    pub link: Option<String>,
}

impl Which {
    pub async fn resolve(&self, ctx: &Ctx) -> Result<MessageAt> {
        refs::message(
            ctx,
            self.target.chat.as_deref(),
            self.target.channel.as_deref(),
            self.id.as_deref(),
            self.parent.as_deref(),
            self.link.as_deref(),
        )
        .await
    }
}

/// Permissions to read messages in chats and channels.
pub const READ_CHAT: &[&str] = &["Chat.Read", "Chat.ReadWrite"];
pub const READ_CHANNEL: &[&str] = &["ChannelMessage.Read.All"];

/// What reading a message needs where it lives.
pub fn read_permissions(conversation: &Conversation) -> &'static [&'static str] {
    match conversation {
        Conversation::Chat { .. } => READ_CHAT,
        Conversation::Channel { .. } => READ_CHANNEL,
    }
}

/// What an operation that reads shows: the compact view, or (with raw) Graph's JSON as it came.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Shown<T> {
    Compact(T),
    /// Graph's JSON, unchanged
    Raw(Value),
}

/// What a change to a message did, for the operations that have nothing else to show.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Done {
    /// The message id
    pub id: String,
    /// The chat id, for a message in a chat
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    /// TEAM-ID/CHANNEL-ID, for a message in a channel
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The post a reply answers
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What was done: deleted, undeleted, reacted, unreacted, pinned, unpinned
    pub done: String,
    /// The reaction set or removed
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
}

impl Done {
    pub fn new(at: &MessageAt, done: &str) -> Done {
        let (chat, channel) = match &at.conversation {
            Conversation::Chat { chat_id } => (Some(chat_id.clone()), None),
            Conversation::Channel {
                team_id,
                channel_id,
            } => (None, Some(format!("{team_id}/{channel_id}"))),
        };
        Done {
            id: at.id.clone(),
            chat,
            channel,
            parent: at.parent.clone(),
            done: done.to_owned(),
            reaction: None,
        }
    }
}

/// The message at `at`, as Graph sends it.
pub async fn fetch(ctx: &Ctx, at: &MessageAt) -> Result<Value> {
    let request =
        msgate_graph::Request::get(at.path()).permissions(read_permissions(&at.conversation));
    ctx.graph.json(&request).await
}
