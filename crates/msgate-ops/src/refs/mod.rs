//! References: how people and agents name things, resolved to Graph ids.
//!
//! Wherever an operation takes an id it also takes what a person would say: a user by email, UPN
//! or unique display name; a chat by topic or by its members; a team and channel by name
//! (`Platform/eng`); a calendar event or Teams meeting by subject, join link or `last-with:Ben`
//! (see [`calendar`]); any Teams link copied from the client; or the raw id. A reference that fits
//! several things is a usage error listing the candidates (exit 2); one that fits nothing is
//! not found (exit 13). What was read to resolve one is kept for the rest of the run.
//!
//! Every reference an operation resolves here is also reported to the call's context
//! (`Ctx::note`): it is what the audit log lists and what the policy's resource scopes are
//! checked against, before anything is written. The `find_*` functions resolve without
//! reporting, for resolving one thing on the way to another and for the policy's own scope
//! entries.

pub mod calendar;
pub mod deeplink;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use serde::Deserialize;
use serde_json::Value;

pub use self::calendar::{Event, Meeting, Need, event, meeting};
use self::deeplink::DeepLink;
use crate::ctx::Ctx;
use crate::policy::Target;

/// A user as references resolve them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// Member or Guest
    #[serde(default)]
    pub user_type: Option<String>,
}

impl User {
    fn describe(&self) -> String {
        let name = self.display_name.as_deref().unwrap_or("?");
        match self.mail.as_deref().or(self.user_principal_name.as_deref()) {
            Some(address) => format!("{name} <{address}>"),
            None => name.to_owned(),
        }
    }
}

/// Where messages live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversation {
    Chat { chat_id: String },
    Channel { team_id: String, channel_id: String },
}

impl Conversation {
    /// The messages collection below the Graph root.
    pub fn messages_path(&self) -> String {
        match self {
            Conversation::Chat { chat_id } => format!("/chats/{}/messages", segment(chat_id)),
            Conversation::Channel {
                team_id,
                channel_id,
            } => {
                format!(
                    "/teams/{}/channels/{}/messages",
                    segment(team_id),
                    segment(channel_id)
                )
            }
        }
    }

    pub fn is_chat(&self) -> bool {
        matches!(self, Conversation::Chat { .. })
    }

    /// A channel's folder in its team's document library; `None` for chats, whose files live
    /// in their senders' OneDrives.
    pub fn files_folder_path(&self) -> Option<String> {
        match self {
            Conversation::Chat { .. } => None,
            Conversation::Channel {
                team_id,
                channel_id,
            } => Some(format!(
                "/teams/{}/channels/{}/filesFolder",
                segment(team_id),
                segment(channel_id)
            )),
        }
    }

    /// The members collection, for resolving `@Name` mentions.
    pub fn members_path(&self) -> String {
        match self {
            Conversation::Chat { chat_id } => format!("/chats/{}/members", segment(chat_id)),
            Conversation::Channel {
                team_id,
                channel_id,
            } => {
                format!(
                    "/teams/{}/channels/{}/members",
                    segment(team_id),
                    segment(channel_id)
                )
            }
        }
    }
}

/// One message: where it lives, its id, and — for a reply in a channel — the post it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAt {
    pub conversation: Conversation,
    pub id: String,
    /// The channel post this reply answers; `None` for posts and chat messages.
    pub parent: Option<String>,
}

impl MessageAt {
    /// The message below the Graph root (a reply's path goes through its post).
    pub fn path(&self) -> String {
        let messages = self.conversation.messages_path();
        match &self.parent {
            Some(parent) => format!(
                "{messages}/{}/replies/{}",
                segment(parent),
                segment(&self.id)
            ),
            None => format!("{messages}/{}", segment(&self.id)),
        }
    }
}

const USER_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "jobTitle",
    "department",
    "userType",
];
const USER_PERMISSIONS: &[&str] = &["User.ReadBasic.All", "User.Read.All"];

fn looks_like_guid(text: &str) -> bool {
    text.len() == 36
        && text.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// One candidate, or the error that says why not.
pub(crate) fn exactly_one<T>(
    mut found: Vec<T>,
    what: &str,
    reference: &str,
    describe: impl Fn(&T) -> String,
) -> Result<T> {
    match found.len() {
        0 => Err(Error::new(
            ErrorCode::NotFound,
            format!("no {what} matches '{reference}'"),
        )),
        1 => Ok(found.remove(0)),
        n => {
            let listed: Vec<String> = found.iter().take(10).map(describe).collect();
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{reference}' matches {n} {what}s: {}", listed.join("; ")),
            )
            .with_hint(format!("name the {what} more exactly, or use its id")))
        }
    }
}

/// A user by id, email, UPN or name: the display name exactly, else a unique prefix of it, else
/// a unique prefix of the surname (people often say 'Okafor').
pub async fn user(ctx: &Ctx, reference: &str) -> Result<User> {
    let user = find_user(ctx, reference).await?;
    ctx.note(Target::User {
        id: user.id.clone(),
    })
    .await?;
    Ok(user)
}

/// [`user`], unreported.
pub(crate) async fn find_user(ctx: &Ctx, reference: &str) -> Result<User> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the user reference is empty")
                .with_hint("name the person by email, UPN, name or id"),
        );
    }
    if reference.eq_ignore_ascii_case("me") {
        let me = ctx.me().await?;
        return Ok(User {
            id: me.id.clone(),
            display_name: me.display_name.clone(),
            user_principal_name: me.user_principal_name.clone(),
            mail: me.mail.clone(),
            job_title: me.job_title.clone(),
            department: me.department.clone(),
            user_type: me.user_type.clone(),
        });
    }
    if reference.contains('@') || looks_like_guid(reference) {
        let request = Request::get(format!("/users/{}", segment(reference)))
            .select(USER_FIELDS)
            .permissions(USER_PERMISSIONS);
        return ctx.graph.json(&request).await.map_err(|e| match e.code() {
            ErrorCode::NotFound => Error::new(
                ErrorCode::NotFound,
                format!("no user matches '{reference}'"),
            ),
            _ => e,
        });
    }
    let quoted = reference.replace('\'', "''");
    for filter in [
        format!("displayName eq '{quoted}'"),
        format!("startswith(displayName,'{quoted}')"),
        format!("startswith(surname,'{quoted}')"),
    ] {
        let request = Request::get("/users")
            .filter(filter)
            .select(USER_FIELDS)
            .top(25)
            .permissions(USER_PERMISSIONS);
        let listed = ctx.graph.list(request, Limit::Items(25)).await?;
        let users: Vec<User> = listed
            .items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        if !users.is_empty() {
            return exactly_one(users, "user", reference, User::describe);
        }
    }
    Err(Error::new(
        ErrorCode::NotFound,
        format!("no user matches '{reference}'"),
    ))
}

/// A chat: its id, a Teams link, a topic, or its members (`ada@x,ben@y`, or one person for the
/// one-on-one chat with them).
pub async fn chat(ctx: &Ctx, reference: &str) -> Result<String> {
    let id = find_chat(ctx, reference).await?;
    ctx.note(Target::Chat { id: id.clone() }).await?;
    Ok(id)
}

/// [`chat`], unreported.
pub(crate) async fn find_chat(ctx: &Ctx, reference: &str) -> Result<String> {
    let reference = reference.trim();
    if reference.starts_with("19:") {
        return Ok(reference.to_owned());
    }
    match deeplink::parse(reference) {
        Some(DeepLink::Chat { chat_id }) => return Ok(chat_id),
        Some(DeepLink::Message {
            conversation_id,
            team_id: None,
            ..
        }) => return Ok(conversation_id),
        Some(DeepLink::ChatWith { users }) => return chat_with(ctx, &users, reference).await,
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{reference}' is a Teams link, but not to a chat"),
            )
            .with_hint("use --channel for channel links"));
        }
        None => {}
    }
    if reference.contains(',') {
        let people: Vec<String> = reference
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        return chat_with(ctx, &people, reference).await;
    }
    let chats = my_chats(ctx).await?;
    let by_topic: Vec<&Value> = chats
        .iter()
        .filter(|c| {
            c["topic"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(reference))
        })
        .collect();
    if !by_topic.is_empty() {
        let chat = exactly_one(by_topic, "chat", reference, |c| chat_label(c))?;
        return Ok(chat["id"].as_str().unwrap_or_default().to_owned());
    }
    chat_with(ctx, &[reference.to_owned()], reference).await
}

fn chat_label(chat: &Value) -> String {
    let id = chat["id"].as_str().unwrap_or_default();
    match chat["topic"].as_str() {
        Some(topic) => format!("{topic} ({id})"),
        None => id.to_owned(),
    }
}

/// The chat whose members, besides me, are exactly `people`.
async fn chat_with(ctx: &Ctx, people: &[String], reference: &str) -> Result<String> {
    let me = ctx.me().await?.id.clone();
    let mut wanted = Vec::new();
    for person in people {
        let user = find_user(ctx, person).await?;
        if user.id != me {
            wanted.push(user.id);
        }
    }
    wanted.sort();
    wanted.dedup();
    let chats = my_chats(ctx).await?;
    let matching: Vec<&Value> = chats
        .iter()
        .filter(|chat| {
            let mut members: Vec<String> = chat["members"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter_map(|m| m["userId"].as_str().map(str::to_owned))
                        .filter(|id| *id != me)
                        .collect()
                })
                .unwrap_or_default();
            members.sort();
            members == wanted
        })
        .collect();
    // A one-on-one chat wins over a group chat that happens to have the same people.
    let one_on_one: Vec<&Value> = matching
        .iter()
        .copied()
        .filter(|c| c["chatType"] == "oneOnOne")
        .collect();
    let found = if one_on_one.is_empty() {
        matching
    } else {
        one_on_one
    };
    let chat =
        exactly_one(found, "chat", reference, |c| chat_label(c)).map_err(|e| match e.code() {
            ErrorCode::NotFound => Error::new(
                ErrorCode::NotFound,
                format!("you have no chat matching '{reference}'"),
            )
            .with_hint(
                "list your chats with: msgate chat list; start one with: msgate chat create",
            ),
            _ => e,
        })?;
    Ok(chat["id"].as_str().unwrap_or_default().to_owned())
}

/// The signed-in user's chats with their members, read once per run.
async fn my_chats(ctx: &Ctx) -> Result<&[Value]> {
    ctx.cached_chats(|| async {
        let request = Request::get("/me/chats")
            .expand("members")
            .top(50)
            .permissions(&["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite"]);
        Ok(ctx.graph.list(request, Limit::All).await?.items)
    })
    .await
}

/// A team joined by the signed-in user, by id, name or link: (id, display name).
pub async fn team(ctx: &Ctx, reference: &str) -> Result<(String, String)> {
    let team = find_team(ctx, reference).await?;
    ctx.note(Target::Team { id: team.0.clone() }).await?;
    Ok(team)
}

/// [`team`], unreported.
pub(crate) async fn find_team(ctx: &Ctx, reference: &str) -> Result<(String, String)> {
    let reference = reference.trim();
    if let Some(DeepLink::Team { team_id } | DeepLink::Channel { team_id, .. }) =
        deeplink::parse(reference)
    {
        return Ok((team_id.clone(), team_id));
    }
    let teams = ctx
        .cached_teams(|| async {
            let request = Request::get("/me/joinedTeams")
                .select(&["id", "displayName"])
                .permissions(&["Team.ReadBasic.All", "TeamSettings.Read.All"]);
            Ok(ctx.graph.list(request, Limit::All).await?.items)
        })
        .await?;
    let found: Vec<&Value> = teams
        .iter()
        .filter(|t| {
            t["id"] == reference
                || t["displayName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(reference))
        })
        .collect();
    if found.is_empty() && looks_like_guid(reference) {
        return Ok((reference.to_owned(), reference.to_owned()));
    }
    let team = exactly_one(found, "team", reference, |t| {
        format!(
            "{} ({})",
            t["displayName"].as_str().unwrap_or("?"),
            t["id"].as_str().unwrap_or("?")
        )
    })
    .map_err(|e| match e.code() {
        ErrorCode::NotFound => e.with_hint("list your teams with: msgate team list"),
        _ => e,
    })?;
    Ok((
        team["id"].as_str().unwrap_or_default().to_owned(),
        team["displayName"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// A channel: `Team/Channel` by names, `TEAM-ID/19:…@thread.tacv2`, or a Teams link:
/// (team id, channel id).
pub async fn channel(ctx: &Ctx, reference: &str) -> Result<(String, String)> {
    let (team_id, channel_id) = find_channel(ctx, reference).await?;
    ctx.note(Target::Channel {
        team_id: team_id.clone(),
        channel_id: channel_id.clone(),
    })
    .await?;
    Ok((team_id, channel_id))
}

/// [`channel`], unreported.
pub(crate) async fn find_channel(ctx: &Ctx, reference: &str) -> Result<(String, String)> {
    let reference = reference.trim();
    match deeplink::parse(reference) {
        Some(DeepLink::Channel {
            team_id,
            channel_id,
        }) => return Ok((team_id, channel_id)),
        Some(DeepLink::Message {
            team_id: Some(team_id),
            conversation_id,
            ..
        }) => return Ok((team_id, conversation_id)),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{reference}' is a Teams link, but not to a channel"),
            ));
        }
        None => {}
    }
    let (team_ref, channel_ref) = reference.split_once('/').ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("'{reference}' does not name a channel"),
        )
        .with_hint("write TEAM/CHANNEL, e.g. Platform/General, or paste the channel's link")
    })?;
    let (team_id, _) = find_team(ctx, team_ref).await?;
    if channel_ref.starts_with("19:") {
        return Ok((team_id, channel_ref.to_owned()));
    }
    let request = Request::get(format!("/teams/{}/channels", segment(&team_id)))
        .select(&["id", "displayName"])
        .permissions(&["Channel.ReadBasic.All", "ChannelSettings.Read.All"]);
    let channels = ctx.graph.list(request, Limit::All).await?.items;
    let found: Vec<&Value> = channels
        .iter()
        .filter(|c| {
            c["displayName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(channel_ref))
        })
        .collect();
    let found = exactly_one(found, "channel", reference, |c| {
        c["displayName"].as_str().unwrap_or("?").to_owned()
    })?;
    Ok((team_id, found["id"].as_str().unwrap_or_default().to_owned()))
}

/// Where a message operation acts: exactly one of a chat or a channel reference.
pub async fn conversation(
    ctx: &Ctx,
    chat_ref: Option<&str>,
    channel_ref: Option<&str>,
) -> Result<Conversation> {
    match (chat_ref, channel_ref) {
        (Some(chat_ref), None) => Ok(Conversation::Chat {
            chat_id: chat(ctx, chat_ref).await?,
        }),
        (None, Some(channel_ref)) => {
            let (team_id, channel_id) = channel(ctx, channel_ref).await?;
            Ok(Conversation::Channel {
                team_id,
                channel_id,
            })
        }
        _ => Err(Error::new(
            ErrorCode::InvalidInput,
            "name exactly one of chat or channel",
        )
        .with_hint("e.g. --chat 'Release 4.2' or --channel Platform/General")),
    }
}

/// A message: a Teams link to it ("Copy link"), or a chat or channel reference with its id (and,
/// for a reply in a channel, the id of the post it answers).
pub async fn message(
    ctx: &Ctx,
    chat_ref: Option<&str>,
    channel_ref: Option<&str>,
    id: Option<&str>,
    parent: Option<&str>,
    link: Option<&str>,
) -> Result<MessageAt> {
    let located = match link.map(str::trim) {
        Some(link) => {
            if chat_ref.is_some() || channel_ref.is_some() || id.is_some() || parent.is_some() {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "a message link already names the chat or channel and the message",
                )
                .with_hint("give either the link, or chat or channel with the message id"));
            }
            match deeplink::parse(link) {
                Some(DeepLink::Message {
                    conversation_id,
                    message_id,
                    team_id,
                    parent_id,
                }) => MessageAt {
                    conversation: match team_id {
                        Some(team_id) => Conversation::Channel {
                            team_id,
                            channel_id: conversation_id,
                        },
                        None => Conversation::Chat {
                            chat_id: conversation_id,
                        },
                    },
                    id: message_id,
                    parent: parent_id,
                },
                _ => {
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!("'{link}' is not a Teams link to a message"),
                    )
                    .with_hint("in Teams, choose 'Copy link' on the message"));
                }
            }
        }
        None => {
            let id = id.map(str::trim).filter(|i| !i.is_empty()).ok_or_else(|| {
                Error::new(ErrorCode::InvalidInput, "name the message").with_hint(
                    "give its id (from message list) with chat or channel, or its Teams link",
                )
            })?;
            MessageAt {
                conversation: conversation(ctx, chat_ref, channel_ref).await?,
                id: id.to_owned(),
                parent: parent
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            }
        }
    };
    if located.parent.is_some() && matches!(located.conversation, Conversation::Chat { .. }) {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "messages in chats have no replies: a parent applies only to channel posts",
        ));
    }
    Ok(located)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_addressed_through_their_post() {
        let channel = Conversation::Channel {
            team_id: "t-1".into(),
            channel_id: "19:c@thread.tacv2".into(),
        };
        let reply = MessageAt {
            conversation: channel.clone(),
            id: "17".into(),
            parent: Some("16".into()),
        };
        assert_eq!(
            reply.path(),
            "/teams/t-1/channels/19:c@thread.tacv2/messages/16/replies/17"
        );
        let post = MessageAt {
            parent: None,
            ..reply
        };
        assert_eq!(
            post.path(),
            "/teams/t-1/channels/19:c@thread.tacv2/messages/17"
        );
        assert_eq!(
            channel.files_folder_path().as_deref(),
            Some("/teams/t-1/channels/19:c@thread.tacv2/filesFolder")
        );
        let chat = Conversation::Chat {
            chat_id: "19:x@thread.v2".into(),
        };
        assert!(chat.is_chat() && chat.files_folder_path().is_none());
    }

    #[test]
    fn guids_are_recognized() {
        assert!(looks_like_guid("6ac67c26-b836-47ca-8f44-8492b7930850"));
        assert!(!looks_like_guid("Ben Okafor"));
        assert!(!looks_like_guid("6ac67c26-b836-47ca-8f44-8492b793085x"));
    }

    #[test]
    fn ambiguity_lists_the_candidates_and_is_a_usage_error() {
        let err = exactly_one(vec!["a", "b"], "user", "x", |s| (*s).to_owned()).unwrap_err();
        assert_eq!(err.exit().status(), 2);
        assert!(
            err.message().contains("matches 2 users: a; b"),
            "{}",
            err.message()
        );
        let err = exactly_one(Vec::<&str>::new(), "user", "x", |s| (*s).to_owned()).unwrap_err();
        assert_eq!(err.exit().status(), 13);
    }
}
