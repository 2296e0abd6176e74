//! Compact projections of Graph's entities: short, stable, documented field names, only what a
//! person or an agent acts on, ids always present so a result feeds the next command. Every
//! field is documented here because the MCP output schema and the README's field list come from
//! these doc comments.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::text::{cut, markdown};

/// How long a message body may be in a list before it is cut.
pub const LIST_BODY_CHARS: usize = 600;

/// A JSON string that says something: `None` for null, absent and empty.
pub(crate) fn string(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// For `skip_serializing_if`: a flag that is off is left out of compact output.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// A Teams chat or channel message.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Message {
    /// The message id
    pub id: String,
    /// When it was sent (RFC 3339, UTC)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Sender's display name (a person, app or bot)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Subject of a channel post
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The body as Markdown (mentions as @Name)
    pub text: String,
    /// The body was cut; read all of it with message get
    #[serde(skip_serializing_if = "is_false")]
    pub text_cut: bool,
    /// Id of the channel post this is a reply to
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// People and apps mentioned
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// Reactions and how many of each
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionCount>,
    /// Attached files, cards and links
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentBrief>,
    /// It was edited after sending
    #[serde(skip_serializing_if = "is_false")]
    pub edited: bool,
    /// It was deleted (soft delete; can be undone)
    #[serde(skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// A system event (member added, call ended) rather than a message someone wrote
    #[serde(skip_serializing_if = "is_false")]
    pub system: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ReactionCount {
    /// The reaction: like, heart, laugh, surprised, sad, angry, or an emoji
    pub reaction: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct AttachmentBrief {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// reference (a file), a card content type, or messageReference
    pub kind: String,
}

impl Message {
    /// The compact view of a Graph chatMessage; `max_chars` cuts long bodies (lists).
    pub fn from_graph(message: &Value, max_chars: Option<usize>) -> Message {
        let body = &message["body"];
        let content = body["content"].as_str().unwrap_or_default();
        let full = if body["contentType"] == "html" {
            markdown::from_html(content)
        } else {
            content.to_owned()
        };
        let (text, text_cut) = match max_chars {
            Some(max) => cut(&full, max),
            None => (full, false),
        };
        let from = &message["from"];
        let sender = ["user", "application", "device"]
            .iter()
            .find_map(|kind| string(&from[*kind]["displayName"]));
        let mut reactions: Vec<ReactionCount> = Vec::new();
        for reaction in message["reactions"].as_array().into_iter().flatten() {
            let kind = string(&reaction["reactionType"]).unwrap_or_default();
            match reactions.iter_mut().find(|r| r.reaction == kind) {
                Some(existing) => existing.count += 1,
                None => reactions.push(ReactionCount {
                    reaction: kind,
                    count: 1,
                }),
            }
        }
        Message {
            id: string(&message["id"]).unwrap_or_default(),
            at: string(&message["createdDateTime"]),
            from: sender,
            subject: string(&message["subject"]),
            text,
            text_cut,
            reply_to: string(&message["replyToId"]),
            mentions: message["mentions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| string(&m["mentionText"]))
                .collect(),
            reactions,
            attachments: message["attachments"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| AttachmentBrief {
                    id: string(&a["id"]).unwrap_or_default(),
                    name: string(&a["name"]),
                    kind: string(&a["contentType"]).unwrap_or_else(|| "unknown".to_owned()),
                })
                .collect(),
            edited: message["lastEditedDateTime"].is_string(),
            deleted: message["deletedDateTime"].is_string(),
            system: message["messageType"]
                .as_str()
                .is_some_and(|t| t != "message"),
        }
    }
}

/// A person: a user, a member of a chat or team, a relevant contact.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Person {
    /// The user's id
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address or UPN
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

impl Person {
    pub fn from_user(user: &Value) -> Person {
        Person {
            id: string(&user["id"]).unwrap_or_default(),
            name: string(&user["displayName"]),
            email: string(&user["mail"]).or_else(|| string(&user["userPrincipalName"])),
            title: string(&user["jobTitle"]),
            department: string(&user["department"]),
        }
    }

    /// A user as a reference resolved them.
    pub fn from_ref(user: &crate::refs::User) -> Person {
        let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Person {
            id: user.id.clone(),
            name: present(&user.display_name),
            email: present(&user.mail).or_else(|| present(&user.user_principal_name)),
            title: present(&user.job_title),
            department: present(&user.department),
        }
    }

    /// A member of a chat, team or channel (Graph's conversationMember).
    pub fn from_member(member: &Value) -> Person {
        Person {
            id: string(&member["userId"]).unwrap_or_default(),
            name: string(&member["displayName"]),
            email: string(&member["email"]),
            title: None,
            department: None,
        }
    }
}

/// A member of a team, channel or chat.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Member {
    /// The user's id (the membership id for members who are not directory users)
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address or UPN
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// owner, member or guest
    pub roles: Vec<String>,
}

impl Member {
    /// The compact view of a Graph conversationMember. Graph gives an ordinary member no role
    /// at all; it is named here so every member has one.
    pub fn from_graph(member: &Value) -> Member {
        let mut roles: Vec<String> = member["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(string)
            .map(|r| r.to_lowercase())
            .collect();
        if roles.is_empty() {
            roles.push("member".to_owned());
        }
        Member {
            id: string(&member["userId"])
                .or_else(|| string(&member["id"]))
                .unwrap_or_default(),
            name: string(&member["displayName"]),
            email: string(&member["email"]),
            roles,
        }
    }

    pub fn is_owner(&self) -> bool {
        self.roles.iter().any(|r| r == "owner")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_graph_message_becomes_compact_markdown() {
        let graph = json!({
            "id": "1700000000000",
            "createdDateTime": "2026-11-23T10:00:00Z",
            "messageType": "message",
            "from": {"user": {"id": "u1", "displayName": "Ines Duarte"}},
            "body": {"contentType": "html", "content": "<p><at id=\"0\">Ada Brennan</at> add the <b>slide</b></p>"},
            "mentions": [{"id": 0, "mentionText": "Ada Brennan"}],
            "reactions": [{"reactionType": "like"}, {"reactionType": "like"}, {"reactionType": "heart"}],
            "attachments": [],
            "lastEditedDateTime": null,
            "deletedDateTime": null,
        });
        let message = Message::from_graph(&graph, None);
        assert_eq!(message.text, "@Ada Brennan add the **slide**");
        assert_eq!(message.from.as_deref(), Some("Ines Duarte"));
        assert_eq!(message.mentions, ["Ada Brennan"]);
        assert_eq!(
            message.reactions,
            vec![
                ReactionCount {
                    reaction: "like".into(),
                    count: 2
                },
                ReactionCount {
                    reaction: "heart".into(),
                    count: 1
                },
            ]
        );
        let compact = serde_json::to_value(&message).unwrap();
        assert!(
            compact.get("edited").is_none() && compact.get("attachments").is_none(),
            "{compact}"
        );
        let cut = Message::from_graph(&graph, Some(10));
        assert!(cut.text_cut && cut.text.ends_with('…'));
    }

    #[test]
    fn members_always_have_a_role_and_a_user_id() {
        let owner = Member::from_graph(&json!({
            "id": "MCMjMSMj", "roles": ["owner"], "displayName": "Ada Brennan",
            "userId": "u1", "email": "ada@larkspur.example",
        }));
        assert_eq!(owner.id, "u1");
        assert!(owner.is_owner());
        let plain = Member::from_graph(&json!({"id": "MCMjMiMj", "roles": [], "userId": "u2"}));
        assert_eq!(plain.roles, ["member"]);
        assert!(!plain.is_owner());
        let guest = Member::from_graph(&json!({"id": "MCMjMyMj", "roles": ["Guest"]}));
        assert_eq!(
            (guest.id.as_str(), guest.roles.as_slice()),
            ("MCMjMyMj", &["guest".to_owned()][..])
        );
    }
}
