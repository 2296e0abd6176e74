//! Every operation, one file each, grouped by area. An area's `entries()` lists its operations;
//! `entries()` here lists the areas. Adding an operation = one file + one line in its area.

mod calendar;
mod channel;
mod chat;
mod files;
mod inbox;
mod mail;
mod meeting;
mod message;
mod presence;
mod recording;
mod search;
mod team;
mod todo;
mod transcript;
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
        "team",
        "Your teams: list, settings, members, archive and unarchive",
    ),
    (
        "team.members",
        "A team's members and owners: list, add, remove",
    ),
    (
        "channel",
        "Channels of your teams: list, show, create, rename, delete, members",
    ),
    (
        "user",
        "People in your organization: you, anyone by name or email, managers",
    ),
    (
        "presence",
        "Availability: see who is free, set your status and status message",
    ),
    (
        "files",
        "Files in your OneDrive or a channel: list, transfer, organize, share, find",
    ),
    (
        "calendar",
        "Your calendar: events in a time range, invitations, free/busy, meeting times",
    ),
    (
        "meeting",
        "Teams meetings: list with join links, details, create, attendance",
    ),
    (
        "transcript",
        "What was said in a meeting: list transcripts, read one as Markdown",
    ),
    ("recording", "Meeting recordings: list them, save one"),
    (
        "message.attachments",
        "Files, images and cards a message carries: list them, save one",
    ),
    (
        "mail",
        "Outlook mail: read, search, send, reply, forward, file, flag and delete",
    ),
    (
        "mail.folders",
        "Mail folders: list them with their counts, create one",
    ),
    (
        "mail.attachments",
        "Files attached to a message: list them, save one",
    ),
    (
        "todo",
        "Microsoft To Do: task lists, tasks, adding and completing",
    ),
];

pub fn entries() -> Vec<Entry> {
    [
        inbox::entries(),
        chat::entries(),
        message::entries(),
        team::entries(),
        channel::entries(),
        user::entries(),
        presence::entries(),
        mail::entries(),
        todo::entries(),
        files::entries(),
        search::entries(),
        calendar::entries(),
        meeting::entries(),
        transcript::entries(),
        recording::entries(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
