//! Every operation, one file each, grouped by area. An area's `entries()` lists its operations;
//! `entries()` here lists the areas. Adding an operation = one file + one line in its area.

mod chat;
mod message;

use crate::catalog::Entry;

/// What each group of operations is about, for `--help`: (dotted path, one line).
pub const GROUPS: &[(&str, &str)] = &[
    (
        "chat",
        "Your chats: list, find, create, members, read markers",
    ),
    (
        "message",
        "Messages in chats and channels: read, send, reply, edit, react",
    ),
    (
        "message.attachments",
        "Files, images and cards a message carries: list them, save one",
    ),
];

pub fn entries() -> Vec<Entry> {
    [chat::entries(), message::entries()]
        .into_iter()
        .flatten()
        .collect()
}
