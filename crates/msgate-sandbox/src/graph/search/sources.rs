//! What each entity type searches, as the caller may see it: messages of the chats they are a
//! member of and of the channels of their teams (`chatMessage`), their own mailbox (`message`)
//! and calendar (`event`), and the items of their OneDrive and of their teams' libraries
//! (`driveItem`). Each item becomes a [`Candidate`]: the resource a hit shows, the date results
//! are ordered by, and the [`Document`] the query is matched against.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::kql::Document;
use crate::clock;
use crate::graph::calendar::shapes::{self, Times};
use crate::graph::calendar::zones::Zone;
use crate::graph::error::GraphResult;
use crate::graph::{Caller, chats, files, mail, teams};
use crate::model;
use crate::state::AppState;

/// One searchable item.
#[derive(Debug)]
pub struct Candidate {
    pub hit_id: String,
    /// The entity as Graph shows it, with its `@odata.type`.
    pub resource: Value,
    /// What hits of this type are ordered by: sent, received, starting or modified.
    pub when: Option<Timestamp>,
    pub document: Document,
    /// The text a summary is cut from.
    pub text: String,
}

fn typed(mut resource: Value, type_name: &str) -> Value {
    resource["@odata.type"] = json!(format!("#microsoft.graph.{type_name}"));
    resource
}

fn date(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(clock::parse)
}

/// `name address` of each recipient in the lists `names` of `doc`.
fn recipients(doc: &Value, names: &[&str]) -> String {
    let mut text = Vec::new();
    for name in names {
        let entries = match &doc[*name] {
            Value::Array(items) => items.clone(),
            one @ Value::Object(_) => vec![one.clone()],
            _ => Vec::new(),
        };
        for entry in entries {
            for key in ["name", "address"] {
                text.extend(entry["emailAddress"][key].as_str().map(str::to_owned));
            }
        }
    }
    text.join(" ")
}

/// The signed-in user's mailbox (https://learn.microsoft.com/graph/search-concept-messages):
/// free text looks at the sender, subject, body and attachments.
pub async fn messages(state: &AppState, caller: &Caller) -> GraphResult<Vec<Candidate>> {
    let me = caller.me()?;
    let mut found = Vec::new();
    for item in mail::searchable(&state.store, me).await? {
        let m = &item.message;
        let subject = m["subject"].as_str().unwrap_or_default();
        let from = recipients(m, &["from"]);
        let names = item.attachments.join(" ");
        let document = Document::new(subject, &format!("{from} {} {names}", item.body))
            .words(&["from"], &from)
            .words(&["to"], &recipients(m, &["toRecipients"]))
            .words(&["cc"], &recipients(m, &["ccRecipients"]))
            .words(&["bcc"], &recipients(m, &["bccRecipients"]))
            .words(
                &["recipients"],
                &recipients(m, &["toRecipients", "ccRecipients", "bccRecipients"]),
            )
            .words(
                &["participants"],
                &recipients(
                    m,
                    &["from", "toRecipients", "ccRecipients", "bccRecipients"],
                ),
            )
            .words(&["subject"], subject)
            .words(&["body"], &item.body)
            .words(&["attachment", "attachments", "attachmentnames"], &names)
            .words(
                &["importance"],
                m["importance"].as_str().unwrap_or_default(),
            )
            .words(&["category", "categories"], &strings(&m["categories"]))
            .flag(
                &["hasattachment", "hasattachments"],
                m["hasAttachments"] == true,
            )
            .flag(&["isread"], m["isRead"] == true)
            .date(&["sent"], date(&m["sentDateTime"]))
            .date(&["received"], date(&m["receivedDateTime"]));
        found.push(Candidate {
            hit_id: m["id"].as_str().unwrap_or_default().to_owned(),
            when: date(&m["receivedDateTime"]).or_else(|| date(&m["createdDateTime"])),
            resource: typed(item.message.clone(), "message"),
            document,
            text: item.body,
        });
    }
    Ok(found)
}

fn strings(value: &Value) -> String {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The signed-in user's calendar (https://learn.microsoft.com/graph/search-concept-events),
/// times in UTC.
pub async fn events(state: &AppState, caller: &Caller) -> GraphResult<Vec<Candidate>> {
    let me = caller.me()?;
    let mut found = Vec::new();
    for stored in state.store.list("event", me).await? {
        let event = shapes::render(&stored, &Zone::utc());
        let subject = event["subject"].as_str().unwrap_or_default();
        let body = body_text(&event["body"]);
        let location = event["location"]["displayName"]
            .as_str()
            .unwrap_or_default();
        let organizer = recipients(&event, &["organizer"]);
        let attendees = recipients(&event, &["attendees"]);
        let (start, end) = Times::of(&stored).unzip();
        let document = Document::new(subject, &format!("{body} {location} {organizer}"))
            .words(&["subject"], subject)
            .words(&["body"], &body)
            .words(&["location"], location)
            .words(&["organizer", "from"], &organizer)
            .words(&["attendees", "to"], &attendees)
            .words(&["participants"], &format!("{organizer} {attendees}"))
            .words(
                &["importance"],
                event["importance"].as_str().unwrap_or_default(),
            )
            .words(&["category", "categories"], &strings(&event["categories"]))
            .flag(&["isallday"], event["isAllDay"] == true)
            .date(&["start"], start)
            .date(&["end"], end);
        found.push(Candidate {
            hit_id: event["id"].as_str().unwrap_or_default().to_owned(),
            when: start,
            resource: typed(event, "event"),
            document,
            text: body,
        });
    }
    Ok(found)
}

fn body_text(body: &Value) -> String {
    let content = body["content"].as_str().unwrap_or_default();
    if body["contentType"] == "html" {
        model::plain_text(content)
    } else {
        content.to_owned()
    }
}

/// Where chat messages are looked for: which permissions the caller holds decides between
/// chats (`Chat.Read`) and channels (`ChannelMessage.Read.All`).
#[derive(Debug, Clone, Copy)]
pub struct Conversations {
    pub chats: bool,
    pub channels: bool,
}

/// Messages of the caller's chats and of the channels of the teams they belong to
/// (https://learn.microsoft.com/graph/search-concept-chat-messages): free text looks at the
/// sender, body and attachments; deleted and system messages are not found.
pub async fn chat_messages(
    state: &AppState,
    caller: &Caller,
    scope: Conversations,
) -> GraphResult<Vec<Candidate>> {
    let me = caller.me()?;
    let directory: HashMap<String, Value> = state
        .users()
        .await?
        .into_iter()
        .map(|u| (u["id"].as_str().unwrap_or_default().to_owned(), u))
        .collect();
    let mut found = Vec::new();
    if scope.chats {
        for chat in state.store.list("chat", "").await? {
            let chat_id = chat["id"].as_str().unwrap_or_default();
            if !chats::is_member(state, chat_id, me).await? {
                continue;
            }
            let members = state.store.list("chatMember", chat_id).await?;
            for message in state.store.list("message", chat_id).await? {
                found.extend(chat_candidate(message, &members, &directory, me));
            }
        }
    }
    if scope.channels {
        for team in state.store.list("team", "").await? {
            let team_id = team["id"].as_str().unwrap_or_default();
            if !teams::is_member(state, team_id, me).await? {
                continue;
            }
            for channel in state.store.list("channel", team_id).await? {
                let parent = format!("{team_id}/{}", channel["id"].as_str().unwrap_or_default());
                for message in state.store.list("message", &parent).await? {
                    let thread = format!("{parent}/{}", message["id"].as_str().unwrap_or_default());
                    found.extend(chat_candidate(message, &[], &directory, me));
                    for reply in state.store.list("reply", &thread).await? {
                        found.extend(chat_candidate(reply, &[], &directory, me));
                    }
                }
            }
        }
    }
    Ok(found)
}

/// A chat or channel message as a candidate; `members` are the chat's (a channel message is
/// sent to no one in particular).
fn chat_candidate(
    message: Value,
    members: &[Value],
    directory: &HashMap<String, Value>,
    me: &str,
) -> Option<Candidate> {
    if message["messageType"] != "message" || !message["deletedDateTime"].is_null() {
        return None;
    }
    let sender_id = message["from"]["user"]["id"].as_str().unwrap_or_default();
    let sender = format!(
        "{} {}",
        message["from"]["user"]["displayName"]
            .as_str()
            .unwrap_or_default(),
        directory
            .get(sender_id)
            .and_then(|u| u["userPrincipalName"].as_str())
            .unwrap_or_default()
    );
    let to: Vec<String> = members
        .iter()
        .filter(|m| m["userId"] != sender_id)
        .flat_map(|m| {
            ["displayName", "email"]
                .iter()
                .filter_map(|k| m[*k].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    let mentioned: Vec<String> = message["mentions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["mentioned"]["user"]["id"].as_str())
        .flat_map(|id| [id.to_owned(), id.replace('-', "")])
        .collect();
    let attachments: Vec<&str> = message["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["name"].as_str())
        .collect();
    let subject = message["subject"].as_str().unwrap_or_default();
    let body = body_text(&message["body"]);
    let names = attachments.join(" ");
    let document = Document::new(subject, &format!("{sender} {body} {names}"))
        .words(&["from"], &sender)
        .words(&["to"], &to.join(" "))
        .words(&["subject"], subject)
        .words(&["body"], &body)
        .words(&["attachment", "attachments", "attachmentnames"], &names)
        .words(&["mentions"], &mentioned.join(" "))
        .flag(
            &["hasattachment", "hasattachments"],
            !attachments.is_empty(),
        )
        .flag(&["ismentioned"], mentioned.iter().any(|id| id == me))
        .date(&["sent", "created"], date(&message["createdDateTime"]));
    Some(Candidate {
        hit_id: message["id"].as_str().unwrap_or_default().to_owned(),
        when: date(&message["createdDateTime"]),
        resource: typed(message, "chatMessage"),
        document,
        text: body,
    })
}

/// Files and folders of the caller's OneDrive and of their teams' libraries (every drive for an
/// app) (https://learn.microsoft.com/graph/search-concept-files): free text looks at names and
/// the content of text files; restrictions use SharePoint's managed property names.
pub async fn drive_items(state: &AppState, caller: &Caller) -> GraphResult<Vec<Candidate>> {
    let mut found = Vec::new();
    for (item, content) in files::searchable(state, caller).await? {
        let name = item["name"].as_str().unwrap_or_default();
        let (title, extension) = match name.rsplit_once('.') {
            Some((stem, ext)) if item.get("file").is_some() && !stem.is_empty() => (stem, ext),
            _ => (name, ""),
        };
        let person = |field: &str| {
            item[field]["user"]["displayName"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let document = Document::new(name, &content)
            .words(&["filename"], name)
            .words(&["title"], title)
            .words(&["filetype", "fileextension"], extension)
            .words(&["author", "createdby"], &person("createdBy"))
            .words(&["editor", "modifiedby"], &person("lastModifiedBy"))
            .url(&["path"], item["webUrl"].as_str().unwrap_or_default())
            .date(
                &["lastmodifiedtime", "lastmodifieddatetime", "write"],
                date(&item["lastModifiedDateTime"]),
            )
            .date(
                &["created", "createddatetime"],
                date(&item["createdDateTime"]),
            )
            .number(&["size"], item["size"].as_f64().unwrap_or_default())
            .flag(&["isdocument"], item.get("file").is_some());
        let text = if content.is_empty() {
            name.to_owned()
        } else {
            content
        };
        found.push(Candidate {
            hit_id: item["id"].as_str().unwrap_or_default().to_owned(),
            when: date(&item["lastModifiedDateTime"]),
            resource: typed(item, "driveItem"),
            document,
            text,
        });
    }
    Ok(found)
}
