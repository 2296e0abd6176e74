//! Entity documents shaped as Graph returns them, built in one place for the seed and for the
//! handlers that create entities, so both agree with the OpenAPI subset.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::tenant::DOMAIN;

#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub upn: &'a str,
}

impl<'a> Person<'a> {
    pub fn of(user: &'a Value) -> Person<'a> {
        Person {
            id: user["id"].as_str().unwrap_or_default(),
            display_name: user["displayName"].as_str().unwrap_or_default(),
            upn: user["userPrincipalName"].as_str().unwrap_or_default(),
        }
    }
}

pub fn upn(local: &str) -> String {
    format!("{local}@{DOMAIN}")
}

/// The `from` of a message sent by a user.
pub fn from_user(person: &Person<'_>) -> Value {
    json!({
        "application": null,
        "device": null,
        "user": {
            "@odata.type": "#microsoft.graph.teamworkUserIdentity",
            "id": person.id,
            "displayName": person.display_name,
            "userIdentityType": "aadUser",
        }
    })
}

/// A membership: chat and team members share this shape.
pub fn member(container_id: &str, person: &Person<'_>, tenant_id: &str, owner: bool) -> Value {
    let membership = STANDARD.encode(format!("{container_id}##{}", person.id));
    json!({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": membership,
        "roles": if owner { json!(["owner"]) } else { json!([]) },
        "displayName": person.display_name,
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": person.id,
        "email": person.upn,
        "tenantId": tenant_id,
    })
}

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub created: &'a str,
    pub from: Value,
    pub body: Value,
    pub mentions: Value,
    pub attachments: Value,
    pub reactions: Value,
    pub importance: &'a str,
    pub subject: Option<&'a str>,
}

/// Where a message lives: a chat, or a channel (optionally as a reply).
pub enum Place<'a> {
    Chat(&'a str),
    Channel {
        team_id: &'a str,
        channel_id: &'a str,
        reply_to: Option<&'a str>,
    },
}

pub fn message(place: &Place<'_>, m: NewMessage<'_>, web_base: &str) -> Value {
    let (chat_id, channel_identity, reply_to, web_url) = match place {
        Place::Chat(chat_id) => (json!(chat_id), Value::Null, Value::Null, Value::Null),
        Place::Channel {
            team_id,
            channel_id,
            reply_to,
        } => (
            Value::Null,
            json!({"teamId": team_id, "channelId": channel_id}),
            json!(reply_to),
            // As Graph writes it: the channel id encoded, the team as `groupId`, and the post
            // that starts the thread as `parentMessageId` (the message itself for a post).
            json!(format!(
                "{web_base}/l/message/{}/{}?groupId={team_id}&createdTime={}&parentMessageId={}",
                channel_id.replace(':', "%3A").replace('@', "%40"),
                m.id,
                m.id,
                reply_to.unwrap_or(m.id)
            )),
        ),
    };
    json!({
        "id": m.id,
        "replyToId": reply_to,
        "etag": m.id,
        "messageType": "message",
        "createdDateTime": m.created,
        "lastModifiedDateTime": m.created,
        "lastEditedDateTime": null,
        "deletedDateTime": null,
        "subject": m.subject,
        "summary": null,
        "chatId": chat_id,
        "importance": m.importance,
        "locale": "en-us",
        "webUrl": web_url,
        "channelIdentity": channel_identity,
        "policyViolation": null,
        "eventDetail": null,
        "from": m.from,
        "body": m.body,
        "attachments": m.attachments,
        "mentions": m.mentions,
        "reactions": m.reactions,
        "messageHistory": [],
    })
}

/// A mention of a user, matching `<at id="{index}">{name}</at>` in the body.
pub fn mention(index: u32, person: &Person<'_>) -> Value {
    json!({
        "id": index,
        "mentionText": person.display_name,
        "mentioned": {
            "application": null,
            "device": null,
            "conversation": null,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": person.id,
                "displayName": person.display_name,
                "userIdentityType": "aadUser",
            }
        }
    })
}

pub fn reaction(kind: &str, person: &Person<'_>, created: &str) -> Value {
    json!({
        "reactionType": kind,
        "displayName": kind,
        "reactionContentUrl": null,
        "createdDateTime": created,
        "user": {
            "application": null,
            "device": null,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": person.id,
                "displayName": null,
                "userIdentityType": "aadUser",
            }
        }
    })
}

/// The text of an HTML body, for previews: tags removed, entities for `<>&"` decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}
