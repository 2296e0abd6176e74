//! Every operation, one file each, grouped by area. An area's `entries()` lists its operations;
//! `entries()` here lists the areas. Adding an operation = one file + one line in its area.

mod chat;
mod message;
mod presence;
mod user;

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
        "user",
        "People in your organization: you, anyone by name or email, managers",
    ),
    (
        "presence",
        "Availability: see who is free, set your status and status message",
    ),
];

pub fn entries() -> Vec<Entry> {
    [
        chat::entries(),
        message::entries(),
        user::entries(),
        presence::entries(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
