//! Outlook mail: reading, searching and threading messages, writing, sending, replying and
//! forwarding them (with attachments of any size Outlook takes), filing, flagging and
//! categorizing them, folders, and attachments saved locally.
//!
//! Everything here works on the signed-in user's mailbox (`/me`). Messages are named by their
//! Outlook ids, which `mail list` shows; folders by well-known name (`inbox`, `sentitems`),
//! display name or path (`Projects/Release 4.2`), or id — see [`folder`].

mod attachments;
mod categorize;
mod compose;
mod delete;
mod draft;
mod flag;
mod folder;
mod folders;
mod forward;
mod get;
mod list;
mod mark;
mod moves;
mod reply;
mod send;
mod thread;

use msgate_core::Result;
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::text::cut;
use crate::views::string;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<thread::Thread>(),
        entry::<send::Send>(),
        entry::<draft::Draft>(),
        entry::<reply::Reply>(),
        entry::<reply::ReplyAll>(),
        entry::<forward::Forward>(),
        entry::<moves::Move>(),
        entry::<moves::Copy>(),
        entry::<mark::Mark>(),
        entry::<flag::Flag>(),
        entry::<categorize::Categorize>(),
        entry::<delete::Delete>(),
        entry::<folders::ListFolders>(),
        entry::<folders::CreateFolder>(),
        entry::<attachments::ListAttachments>(),
        entry::<attachments::Download>(),
    ]
}

/// Reading messages with their bodies.
pub const READ: &[&str] = &["Mail.Read", "Mail.ReadWrite"];
/// Reading messages and folders without bodies (`Mail.ReadBasic` hides bodies and previews).
pub const READ_BASIC: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
/// Changing messages and folders: drafts, moves, flags, categories, deletes.
pub const WRITE: &[&str] = &["Mail.ReadWrite"];
/// Sending: new mail, drafts, replies and forwards.
pub const SEND: &[&str] = &["Mail.Send"];

/// The fields the compact view shows, for `$select`.
pub const FIELDS: &[&str] = &[
    "id",
    "receivedDateTime",
    "from",
    "toRecipients",
    "ccRecipients",
    "subject",
    "bodyPreview",
    "isRead",
    "isDraft",
    "flag",
    "hasAttachments",
    "importance",
    "categories",
    "conversationId",
];

/// A message's path below the Graph root.
pub fn message_path(id: &str) -> String {
    format!("/me/messages/{}", segment(id.trim()))
}

/// A recipient as people write it: `Name <address>`, or the address alone.
pub fn person(recipient: &Value) -> Option<String> {
    let email = &recipient["emailAddress"];
    let address = string(&email["address"]);
    match (string(&email["name"]), address) {
        (Some(name), Some(address)) if !name.eq_ignore_ascii_case(&address) => {
            Some(format!("{name} <{address}>"))
        }
        (_, Some(address)) => Some(address),
        (name, None) => name,
    }
}

fn people(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(person)
        .collect()
}

/// An Outlook message.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Mail {
    /// The message id
    pub id: String,
    /// When it arrived (RFC 3339, UTC)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The sender: Name <address>
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// To recipients: Name <address>
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Cc recipients: Name <address>
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// The subject line
    pub subject: String,
    /// The first 255 characters of the body (lists)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// The body as plain text
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The body as HTML (with html)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The text was cut; read all of it with mail get
    #[serde(skip_serializing_if = "crate::views::is_false")]
    pub text_cut: bool,
    /// Not read yet
    pub unread: bool,
    /// Flagged for follow-up
    pub flagged: bool,
    /// The follow-up flag was marked complete
    #[serde(skip_serializing_if = "crate::views::is_false")]
    pub flag_complete: bool,
    /// It has file attachments (inline images do not count)
    pub has_attachments: bool,
    /// low or high (normal is not shown)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<String>,
    /// Its categories
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// A draft, not sent yet
    #[serde(skip_serializing_if = "crate::views::is_false")]
    pub draft: bool,
    /// The conversation (thread) id; mail thread shows all of it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

/// How much of the body a view carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Outlook's preview (lists).
    Preview,
    /// The body as Graph sent it (text, or HTML when asked), cut after this many characters.
    Full(Option<usize>),
}

impl Mail {
    /// The compact view of a Graph message; `body` says which text it carries. A body read
    /// from `uniqueBody` (threads) is preferred over the whole body.
    pub fn from_graph(message: &Value, body: Body) -> Mail {
        let flag = message["flag"]["flagStatus"].as_str().unwrap_or_default();
        let mut mail = Mail {
            id: string(&message["id"]).unwrap_or_default(),
            at: string(&message["receivedDateTime"]),
            from: person(&message["from"]),
            to: people(&message["toRecipients"]),
            cc: people(&message["ccRecipients"]),
            subject: string(&message["subject"]).unwrap_or_default(),
            preview: None,
            text: None,
            html: None,
            text_cut: false,
            unread: message["isRead"] == false,
            flagged: flag == "flagged",
            flag_complete: flag == "complete",
            has_attachments: message["hasAttachments"] == true,
            importance: string(&message["importance"]).filter(|i| i != "normal"),
            categories: message["categories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(string)
                .collect(),
            draft: message["isDraft"] == true,
            conversation: string(&message["conversationId"]),
        };
        match body {
            Body::Preview => mail.preview = string(&message["bodyPreview"]),
            Body::Full(max) => {
                let body = if message["uniqueBody"].is_object() {
                    &message["uniqueBody"]
                } else {
                    &message["body"]
                };
                let content = body["content"].as_str().unwrap_or_default().trim();
                let (content, was_cut) = match max {
                    Some(max) => cut(content, max),
                    None => (content.to_owned(), false),
                };
                mail.text_cut = was_cut;
                if body["contentType"] == "html" {
                    mail.html = Some(content);
                } else {
                    mail.text = Some(content);
                }
            }
        }
        mail
    }
}

/// A mail folder.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Folder {
    /// The folder id
    pub id: String,
    /// Its display name
    pub name: String,
    /// Where it is: parent names and its own, joined by / (Projects/Release 4.2)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Unread messages in it
    pub unread: u64,
    /// Messages in it
    pub total: u64,
    /// The parent folder's id
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl Folder {
    pub fn from_graph(folder: &Value, path: Option<String>) -> Folder {
        Folder {
            id: string(&folder["id"]).unwrap_or_default(),
            name: string(&folder["displayName"]).unwrap_or_default(),
            path,
            unread: folder["unreadItemCount"].as_u64().unwrap_or_default(),
            total: folder["totalItemCount"].as_u64().unwrap_or_default(),
            parent: string(&folder["parentFolderId"]),
        }
    }
}

/// What a change to a message did, for the operations that have nothing else to show.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Done {
    /// The message id
    pub id: String,
    /// What was done: deleted
    pub done: String,
}

/// The message `id` with `fields`, its body (if asked for) as text.
pub async fn fetch(
    ctx: &Ctx,
    id: &str,
    fields: &[&str],
    permissions: &'static [&'static str],
) -> Result<Value> {
    let request = Request::get(message_path(id))
        .select(fields)
        .prefer_text_body()
        .permissions(permissions);
    ctx.graph.json(&request).await
}

/// Changes message `id` and returns it as it is now.
pub async fn update(ctx: &Ctx, id: &str, changes: Value) -> Result<Mail> {
    let request = Request::patch(message_path(id), changes).permissions(WRITE);
    let message: Value = ctx.graph.json(&request).await?;
    Ok(Mail::from_graph(&message, Body::Preview))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_compact() {
        let message = json!({
            "id": "AAMk1=",
            "receivedDateTime": "2026-11-20T09:00:00Z",
            "from": {"emailAddress": {"name": "Tomas Novak", "address": "tomas@northwind.example.invalid"}},
            "toRecipients": [
                {"emailAddress": {"name": "Ada Brennan", "address": "ada@larkspur.example.invalid"}},
                {"emailAddress": {"name": "x@y.example.invalid", "address": "x@y.example.invalid"}},
            ],
            "ccRecipients": [],
            "subject": "Renewal",
            "bodyPreview": "Hello Ada",
            "body": {"contentType": "text", "content": "Hello Ada,\n\nterms please.\n"},
            "isRead": false,
            "flag": {"flagStatus": "complete"},
            "hasAttachments": true,
            "importance": "normal",
            "categories": ["Red category"],
            "conversationId": "AAQk1=",
        });
        let listed = Mail::from_graph(&message, Body::Preview);
        assert_eq!(
            listed.from.as_deref(),
            Some("Tomas Novak <tomas@northwind.example.invalid>")
        );
        assert_eq!(
            listed.to,
            [
                "Ada Brennan <ada@larkspur.example.invalid>",
                "x@y.example.invalid"
            ]
        );
        assert_eq!(listed.preview.as_deref(), Some("Hello Ada"));
        assert!(listed.text.is_none() && listed.unread && !listed.flagged && listed.flag_complete);
        assert_eq!(listed.importance, None);
        let read = Mail::from_graph(&message, Body::Full(Some(9)));
        assert_eq!(read.text.as_deref(), Some("Hello…"));
        assert!(read.text_cut && read.preview.is_none());
        let mut html = message.clone();
        html["body"] = json!({"contentType": "html", "content": "<p>Hi</p>"});
        html["uniqueBody"] = json!({"contentType": "html", "content": "<p>New</p>"});
        let shown = Mail::from_graph(&html, Body::Full(None));
        assert_eq!(shown.html.as_deref(), Some("<p>New</p>"));
        assert!(shown.text.is_none());
    }
}
