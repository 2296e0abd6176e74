//! The resources a subscription can name: what reading each needs, how long a subscription to
//! it may last, and which changes in the store it is told about — one table, so the API
//! handlers and the delivery task can never disagree.
//!
//! Paths and permissions follow https://learn.microsoft.com/graph/api/subscription-post-subscriptions,
//! lifetimes the table in https://learn.microsoft.com/graph/change-notifications-overview, and
//! the notification `resource`/`@odata.id` forms the samples in
//! https://learn.microsoft.com/graph/teams-changenotifications-chatmessage and
//! https://learn.microsoft.com/graph/change-notifications-delivery-webhooks.

use serde_json::Value;

use crate::state::AppState;
use crate::store::{Change, ChangeType};

/// What a subscription watches, parsed from its `resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/chats/{id}/messages`
    ChatMessages(String),
    /// `/chats/getAllMessages`
    AllChatMessages,
    /// `/teams/{id}/channels/{id}/messages` (root messages and replies)
    ChannelMessages { team: String, channel: String },
    /// `/teams/getAllMessages`
    AllChannelMessages,
    /// `/me/messages`, `/users/{id}/messages`, and their `mailFolders('inbox')` forms
    Mail { user: Mailbox, inbox_only: bool },
    /// `/me/events`, `/users/{id}/events`
    Events(Mailbox),
    /// `communications/onlineMeetings/getAllTranscripts` (organizer `None`) and
    /// `/users/{id}/onlineMeetings/getAllTranscripts`
    Transcripts { organizer: Option<String> },
}

/// Whose mailbox or calendar: the signed-in user, or a user named by id or UPN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailbox {
    Me,
    User(String),
}

/// Resource families differ in lifetime, change types and notification shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    TeamsMessage,
    Outlook,
    Transcript,
}

/// One change a subscription is told about, as the notification names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub change_type: ChangeType,
    /// `resource` and `resourceData.@odata.id`
    pub resource: String,
    pub odata_id: String,
    pub odata_type: &'static str,
    pub id: String,
    /// `resourceData.@odata.etag`, which Outlook resources carry.
    pub etag: Option<String>,
    pub document: Value,
}

type Permissions = (
    Option<&'static [&'static str]>,
    Option<&'static [&'static str]>,
);

impl Target {
    /// The target a `resource` names; `None` when the sandbox cannot notify about it.
    pub fn parse(resource: &str) -> Option<Target> {
        let path = resource.trim().trim_start_matches('/');
        let segments: Vec<&str> = path.split('/').collect();
        let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
        let inbox =
            |s: &str| is(s, "mailFolders('inbox')") || is(s, "mailFolders/inbox") || is(s, "inbox");
        let user = |id: &str| Mailbox::User(id.to_owned());
        Some(match segments.as_slice() {
            [c, "getAllMessages"] if is(c, "chats") => Target::AllChatMessages,
            [c, id, m] if is(c, "chats") && is(m, "messages") => {
                Target::ChatMessages((*id).to_owned())
            }
            [t, "getAllMessages"] if is(t, "teams") => Target::AllChannelMessages,
            [t, team, c, channel, m]
                if is(t, "teams") && is(c, "channels") && is(m, "messages") =>
            {
                Target::ChannelMessages {
                    team: (*team).to_owned(),
                    channel: (*channel).to_owned(),
                }
            }
            [me, m] if is(me, "me") && is(m, "messages") => Target::Mail {
                user: Mailbox::Me,
                inbox_only: false,
            },
            [me, f, m] if is(me, "me") && inbox(f) && is(m, "messages") => Target::Mail {
                user: Mailbox::Me,
                inbox_only: true,
            },
            [u, id, m] if is(u, "users") && is(m, "messages") => Target::Mail {
                user: user(id),
                inbox_only: false,
            },
            [u, id, f, m] if is(u, "users") && inbox(f) && is(m, "messages") => Target::Mail {
                user: user(id),
                inbox_only: true,
            },
            [me, e] if is(me, "me") && is(e, "events") => Target::Events(Mailbox::Me),
            [u, id, e] if is(u, "users") && is(e, "events") => Target::Events(user(id)),
            [c, o, t]
                if is(c, "communications")
                    && is(o, "onlineMeetings")
                    && is(t, "getAllTranscripts") =>
            {
                Target::Transcripts { organizer: None }
            }
            [u, id, o, t]
                if is(u, "users") && is(o, "onlineMeetings") && is(t, "getAllTranscripts") =>
            {
                Target::Transcripts {
                    organizer: Some((*id).to_owned()),
                }
            }
            _ => return None,
        })
    }

    pub fn family(&self) -> Family {
        match self {
            Target::ChatMessages(_)
            | Target::AllChatMessages
            | Target::ChannelMessages { .. }
            | Target::AllChannelMessages => Family::TeamsMessage,
            Target::Mail { .. } | Target::Events(_) => Family::Outlook,
            Target::Transcripts { .. } => Family::Transcript,
        }
    }

    /// The permissions that allow subscribing, least privileged first: (delegated, application);
    /// `None` where the scheme is not supported.
    pub fn permissions(&self) -> Permissions {
        match self {
            Target::ChatMessages(_) => (
                Some(&["ChatMessage.Read", "Chat.Read"]),
                Some(&["ChatMessage.Read.Chat", "Chat.Read.All"]),
            ),
            Target::AllChatMessages => (None, Some(&["Chat.Read.All"])),
            Target::ChannelMessages { .. } => (
                Some(&["ChannelMessage.Read.All"]),
                Some(&["ChannelMessage.Read.Group", "ChannelMessage.Read.All"]),
            ),
            Target::AllChannelMessages => (None, Some(&["ChannelMessage.Read.All"])),
            Target::Mail { .. } => (
                Some(&["Mail.ReadBasic", "Mail.Read"]),
                Some(&["Mail.ReadBasic.All", "Mail.Read"]),
            ),
            Target::Events(_) => (Some(&["Calendars.Read"]), Some(&["Calendars.Read"])),
            Target::Transcripts { .. } => (None, Some(&["OnlineMeetingTranscript.Read.All"])),
        }
    }

    /// The change this subscription is told about, if any. `me` is the user a delegated
    /// subscription was created for.
    pub async fn matches(
        &self,
        state: &AppState,
        me: Option<&str>,
        change: &Change,
    ) -> msgate_core::Result<Option<Hit>> {
        match (self, change.kind.as_str()) {
            (
                Target::ChatMessages(_)
                | Target::AllChatMessages
                | Target::ChannelMessages { .. }
                | Target::AllChannelMessages,
                "message" | "reply",
            ) => Ok(self.teams_message(change)),
            (Target::Mail { user, inbox_only }, "mailMessage") => {
                let Some(owner) = mailbox_owner(state, user, me, &change.parent).await? else {
                    return Ok(None);
                };
                if *inbox_only && !in_inbox(state, &owner, &change.document).await? {
                    return Ok(None);
                }
                Ok(Some(outlook_hit(change, &owner, MAIL)))
            }
            (Target::Events(user), "event") => {
                let Some(owner) = mailbox_owner(state, user, me, &change.parent).await? else {
                    return Ok(None);
                };
                Ok(Some(outlook_hit(change, &owner, EVENTS)))
            }
            (Target::Transcripts { organizer }, "callTranscript") => {
                let Some((owner, meeting)) = change.parent.split_once('/') else {
                    return Ok(None);
                };
                let path = match organizer {
                    None => format!("communications/onlineMeetings('{meeting}')"),
                    Some(wanted) => {
                        if !same_user(state, wanted, owner).await? {
                            return Ok(None);
                        }
                        format!("users('{owner}')/onlineMeetings('{meeting}')")
                    }
                };
                let resource = format!("{path}/transcripts('{}')", change.id);
                Ok(Some(Hit {
                    change_type: change.change_type,
                    odata_id: resource.clone(),
                    resource,
                    odata_type: "#microsoft.graph.callTranscript",
                    id: change.id.clone(),
                    etag: None,
                    document: change.document.clone(),
                }))
            }
            _ => Ok(None),
        }
    }

    /// Chat messages live under the chat id, channel messages under `team/channel`, replies
    /// under `team/channel/root`. A soft-deleted message is a deletion to subscribers.
    fn teams_message(&self, change: &Change) -> Option<Hit> {
        let parts: Vec<&str> = change.parent.split('/').collect();
        let resource = match (self, parts.as_slice()) {
            (Target::ChatMessages(chat), [parent]) if chat == parent => {
                format!("chats('{chat}')/messages('{}')", change.id)
            }
            (Target::AllChatMessages, [chat]) => {
                format!("chats('{chat}')/messages('{}')", change.id)
            }
            (Target::ChannelMessages { team, channel }, [t, c, ..])
                if team == t && channel == c =>
            {
                channel_resource(&parts, &change.id)?
            }
            (Target::AllChannelMessages, [_, _, ..]) => channel_resource(&parts, &change.id)?,
            _ => return None,
        };
        let soft_deleted = change.change_type == ChangeType::Updated
            && !change.document["deletedDateTime"].is_null();
        Some(Hit {
            change_type: if soft_deleted {
                ChangeType::Deleted
            } else {
                change.change_type
            },
            odata_id: resource.clone(),
            resource,
            odata_type: "#Microsoft.Graph.chatMessage",
            id: change.id.clone(),
            etag: None,
            document: change.document.clone(),
        })
    }
}

fn channel_resource(parts: &[&str], id: &str) -> Option<String> {
    match parts {
        [team, channel] => Some(format!(
            "teams('{team}')/channels('{channel}')/messages('{id}')"
        )),
        [team, channel, root] => Some(format!(
            "teams('{team}')/channels('{channel}')/messages('{root}')/replies('{id}')"
        )),
        _ => None,
    }
}

/// How Outlook notifications name an item: the collection in `resource`, the same capitalized
/// in `@odata.id`, and the entity type.
type OutlookNames = (&'static str, &'static str, &'static str);
const MAIL: OutlookNames = ("messages", "Messages", "#Microsoft.Graph.Message");
const EVENTS: OutlookNames = ("events", "Events", "#Microsoft.Graph.Event");

/// Outlook notifications name the item as `users/{id}/messages/{id}` and carry its change key
/// as an etag.
fn outlook_hit(change: &Change, owner: &str, (collection, named, odata_type): OutlookNames) -> Hit {
    Hit {
        change_type: change.change_type,
        resource: format!("users/{owner}/{collection}/{}", change.id),
        odata_id: format!("Users/{owner}/{named}/{}", change.id),
        odata_type,
        id: change.id.clone(),
        etag: change.document["changeKey"]
            .as_str()
            .map(|key| format!("W/\"{key}\"")),
        document: change.document.clone(),
    }
}

/// The owner of the changed item when it is in the subscribed mailbox.
async fn mailbox_owner(
    state: &AppState,
    mailbox: &Mailbox,
    me: Option<&str>,
    parent: &str,
) -> msgate_core::Result<Option<String>> {
    let wanted = match mailbox {
        Mailbox::Me => me,
        Mailbox::User(id) => Some(id.as_str()),
    };
    match wanted {
        Some(wanted) if same_user(state, wanted, parent).await? => Ok(Some(parent.to_owned())),
        _ => Ok(None),
    }
}

/// Whether `named` (an id or UPN) is the user with id `id`.
async fn same_user(state: &AppState, named: &str, id: &str) -> msgate_core::Result<bool> {
    if named == id {
        return Ok(true);
    }
    Ok(state
        .find_user(named)
        .await?
        .is_some_and(|user| user["id"] == id))
}

/// A message is in the inbox when its folder is the well-known `inbox` folder, named directly
/// or through the user's `mailFolder` document.
async fn in_inbox(state: &AppState, user: &str, message: &Value) -> msgate_core::Result<bool> {
    let Some(folder) = message["parentFolderId"].as_str() else {
        return Ok(false);
    };
    if folder.eq_ignore_ascii_case("inbox") {
        return Ok(true);
    }
    Ok(state
        .store
        .get("mailFolder", user, folder)
        .await?
        .is_some_and(|f| {
            f["wellKnownName"] == "inbox"
                || f["displayName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("inbox"))
        }))
}

impl Family {
    /// https://learn.microsoft.com/graph/change-notifications-overview#subscription-lifetime
    pub fn max_minutes(self) -> i64 {
        match self {
            Family::TeamsMessage | Family::Transcript => 4320,
            Family::Outlook => 4230,
        }
    }

    /// Teams resources need a lifecycle endpoint for subscriptions longer than an hour.
    pub fn is_teams(self) -> bool {
        matches!(self, Family::TeamsMessage | Family::Transcript)
    }

    /// Transcripts are only ever created.
    pub fn supports(self, change_type: &str) -> bool {
        match self {
            Family::Transcript => change_type == "created",
            Family::TeamsMessage | Family::Outlook => {
                matches!(change_type, "created" | "updated" | "deleted")
            }
        }
    }
}

pub fn change_type_name(change_type: ChangeType) -> &'static str {
    match change_type {
        ChangeType::Created => "created",
        ChangeType::Updated => "updated",
        ChangeType::Deleted => "deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_parse_and_others_do_not() {
        let cases = [
            ("/chats/19:a@thread.v2/messages", Family::TeamsMessage),
            ("chats/getAllMessages", Family::TeamsMessage),
            (
                "/teams/t1/channels/19:c@thread.tacv2/messages",
                Family::TeamsMessage,
            ),
            ("/teams/getAllMessages", Family::TeamsMessage),
            ("/me/messages", Family::Outlook),
            ("/users/u1/messages", Family::Outlook),
            ("/me/mailFolders('inbox')/messages", Family::Outlook),
            ("/me/mailfolders('Inbox')/messages", Family::Outlook),
            ("/me/events", Family::Outlook),
            ("/users/u1/events", Family::Outlook),
            (
                "communications/onlineMeetings/getAllTranscripts",
                Family::Transcript,
            ),
            (
                "/users/u1/onlineMeetings/getAllTranscripts",
                Family::Transcript,
            ),
        ];
        for (resource, family) in cases {
            let target = Target::parse(resource).unwrap_or_else(|| panic!("{resource}"));
            assert_eq!(target.family(), family, "{resource}");
        }
        for resource in ["/me/contacts", "/chats", "/teams/t1/channels", ""] {
            assert!(Target::parse(resource).is_none(), "{resource}");
        }
    }
}
