//! `inbox`: what is new for me — across my chats, the channels I follow and my @mentions — since
//! the last run, newest first, compact.
//!
//! Agents call this more than anything else, so it is built to cost almost nothing when nothing
//! happened: one `/me/chats` page sorted by last message (chats whose last message is older than
//! the cursor end the walk), one `$batch` of channel delta queries resuming from kept
//! deltaLinks, and — only when there is something new — one `$batch` reading the new chat
//! messages. The cursor, the followed channels with their deltaLinks and who "me" is live in a
//! private state file (`inbox.json`, 0600) in the profile's state directory.

mod state;

use std::collections::BTreeMap;

use jiff::Timestamp;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{DeltaStart, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::state::{Followed, State};
use crate::catalog::{Entry, Operation, entry};
use crate::ctx::{Ctx, Me};
use crate::listing::Listing;
use crate::spec::{Risk, Spec};
use crate::text::{cut, markdown};
use crate::{refs, when};

pub fn entries() -> Vec<Entry> {
    vec![entry::<Inbox>()]
}

pub struct Inbox;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Only what arrived after this (RFC 3339, a date, or 30m, 2h, 3d); default: since the last run (the first run looks back 24 hours)
    #[serde(default)]
    pub since: Option<String>,
    /// Follow a channel (TEAM/CHANNEL or a link): its new posts appear from now on; repeatable
    #[serde(default)]
    pub follow: Vec<String>,
    /// Stop following a channel; repeatable
    #[serde(default)]
    pub unfollow: Vec<String>,
    /// Look without moving the cursor, so the next run shows the same items again
    #[serde(default)]
    pub peek: bool,
    /// Return at most this many items (default 50)
    #[serde(default, alias = "max_items")]
    pub limit: Option<usize>,
}

/// Something new.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Item {
    /// chat or channel
    pub kind: String,
    /// The chat's name, or TEAM/CHANNEL
    pub place: String,
    /// The chat id, or TEAM-ID/CHANNEL-ID: pass as --chat or --channel to answer
    pub place_id: String,
    /// The message id
    pub id: String,
    /// When it was sent
    pub at: String,
    /// Who sent it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The message as Markdown, shortened
    pub text: String,
    /// It mentions you
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mentions_me: bool,
}

const DEFAULT_LIMIT: usize = 50;
const FIRST_RUN_LOOKBACK: &str = "24h";
const TEXT_CHARS: usize = 300;
/// Graph's page size limit for `/me/chats`, and new messages read per chat.
const CHATS_PAGE: usize = 50;
const MESSAGES_PER_CHAT: usize = 20;
const READ_CHATS: &[&str] = &["Chat.Read", "Chat.ReadWrite"];
const READ_CHANNELS: &[&str] = &["ChannelMessage.Read.All"];

impl Operation for Inbox {
    type Input = Input;
    type Output = Listing<Item>;
    const SPEC: Spec = Spec {
        name: "inbox",
        summary: "What is new for you across your chats, followed channels and @mentions since the last run",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &["at", "place", "from", "text", "mentions_me"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Item>> {
        let started = Timestamp::now();
        let explicit_since = input.since.as_deref().map(when::parse).transpose()?;
        let path = ctx.state_dir.as_ref().map(|dir| dir.join(state::FILE));
        let mut state = match &path {
            Some(path) => State::load(path)?,
            None => State::default(),
        };
        if let Some(me) = &state.me {
            ctx.remember_me(Me {
                id: me.id.clone(),
                display_name: me.name.clone(),
                ..Me::default()
            });
        }
        let me = ctx.me().await?.clone();
        state.remember(&me);
        follow_and_unfollow(ctx, &mut state, &input).await?;

        let since = match (explicit_since, &state.cursor) {
            (Some(since), _) => since,
            (None, Some(cursor)) => when::parse(cursor)?,
            (None, None) => when::parse(FIRST_RUN_LOOKBACK)?,
        };
        let mut items = new_in_chats(ctx, &me, since).await?;
        items.extend(new_in_channels(ctx, &me, since, &mut state).await?);
        items.sort_by(|a, b| b.at.cmp(&a.at));
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT).max(1);
        let truncated = items.len() > limit;
        items.truncate(limit);

        if input.since.is_none() && !input.peek {
            state.cursor = Some(when::graph(started));
        }
        if let Some(path) = &path {
            state.save(path)?;
        }
        Ok(Listing {
            items,
            next_cursor: None,
            truncated,
        })
    }
}

async fn follow_and_unfollow(ctx: &Ctx, state: &mut State, input: &Input) -> Result<()> {
    for reference in &input.follow {
        let (team_id, channel_id) = refs::channel(ctx, reference).await?;
        state
            .channels
            .entry(format!("{team_id}/{channel_id}"))
            .or_insert_with(|| Followed {
                name: reference.clone(),
                delta_link: None,
            });
    }
    for reference in &input.unfollow {
        let before = state.channels.len();
        state.channels.retain(|key, followed| {
            !followed.name.eq_ignore_ascii_case(reference) && key != reference
        });
        if before == state.channels.len() {
            let (team_id, channel_id) = refs::channel(ctx, reference).await?;
            if state
                .channels
                .remove(&format!("{team_id}/{channel_id}"))
                .is_none()
            {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("you do not follow '{reference}'"),
                ));
            }
        }
    }
    Ok(())
}

/// New messages in chats whose last message is newer than `since`, not sent by me.
async fn new_in_chats(ctx: &Ctx, me: &Me, since: Timestamp) -> Result<Vec<Item>> {
    let since_text = when::graph(since);
    let mut pager = ctx.graph.pages(
        Request::get("/me/chats")
            .expand("members,lastMessagePreview")
            .orderby("lastMessagePreview/createdDateTime desc")
            .top(CHATS_PAGE)
            .permissions(READ_CHATS),
    );
    let mut active: Vec<Value> = Vec::new();
    'pages: while let Some(page) = pager.next_page().await? {
        for chat in page.items {
            let last = chat["lastMessagePreview"]["createdDateTime"]
                .as_str()
                .unwrap_or_default();
            if last <= since_text.as_str() {
                break 'pages;
            }
            // When my own message is the newest, I have caught up with that chat.
            if chat["lastMessagePreview"]["from"]["user"]["id"] != me.id.as_str() {
                active.push(chat);
            }
        }
    }
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let requests: Vec<Request> = active
        .iter()
        .map(|chat| {
            Request::get(format!(
                "/chats/{}/messages",
                segment(chat["id"].as_str().unwrap_or_default())
            ))
            .top(MESSAGES_PER_CHAT)
            .orderby("lastModifiedDateTime desc")
            .filter(format!("lastModifiedDateTime gt {since_text}"))
            .permissions(READ_CHATS)
        })
        .collect();
    let mut items = Vec::new();
    for (chat, answer) in active.iter().zip(ctx.graph.batch(&requests).await) {
        let messages = answer?.json()?;
        let place = chat_name(chat, &me.id);
        let chat_id = chat["id"].as_str().unwrap_or_default();
        for message in messages["value"].as_array().into_iter().flatten() {
            if let Some(item) = item("chat", &place, chat_id, message, me, &since_text) {
                items.push(item);
            }
        }
    }
    Ok(items)
}

fn chat_name(chat: &Value, me: &str) -> String {
    match chat["topic"].as_str().filter(|t| !t.is_empty()) {
        Some(topic) => topic.to_owned(),
        None => super::chat::other_members(chat, me).join(", "),
    }
}

/// New posts in followed channels, through their delta queries.
async fn new_in_channels(
    ctx: &Ctx,
    me: &Me,
    since: Timestamp,
    state: &mut State,
) -> Result<Vec<Item>> {
    if state.channels.is_empty() {
        return Ok(Vec::new());
    }
    let since_text = when::graph(since);
    let keys: Vec<String> = state.channels.keys().cloned().collect();
    let requests: Vec<Request> = keys
        .iter()
        .map(|key| match &state.channels[key].delta_link {
            Some(link) => Request::get(link.clone()).permissions(READ_CHANNELS),
            None => {
                let (team_id, channel_id) = key.split_once('/').unwrap_or((key, ""));
                Request::get(format!(
                    "/teams/{}/channels/{}/messages/delta",
                    segment(team_id),
                    segment(channel_id)
                ))
                .filter(format!("lastModifiedDateTime gt {since_text}"))
                .permissions(READ_CHANNELS)
            }
        })
        .collect();
    let answers = ctx.graph.batch(&requests).await;
    let mut items = Vec::new();
    let mut updates: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (key, answer) in keys.iter().zip(answers) {
        let followed = &state.channels[key];
        let body = match answer {
            Ok(response) => response.json()?,
            Err(err) if err.code() == ErrorCode::NotFound => {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!(
                        "the followed channel '{}' no longer exists or is not yours to read",
                        followed.name
                    ),
                )
                .with_hint(format!(
                    "stop following it: msgate inbox --unfollow '{}'",
                    followed.name
                )));
            }
            Err(err) => return Err(err),
        };
        let mut messages: Vec<Value> = body["value"].as_array().cloned().unwrap_or_default();
        let delta_link = match (
            body["@odata.deltaLink"].as_str(),
            body["@odata.nextLink"].as_str(),
        ) {
            (Some(link), _) => Some(link.to_owned()),
            (None, Some(next)) => {
                let rest = ctx
                    .graph
                    .delta(DeltaStart::Resume {
                        delta_link: next.to_owned(),
                        permissions: READ_CHANNELS,
                    })
                    .await?;
                messages.extend(rest.items);
                Some(rest.delta_link)
            }
            (None, None) => None,
        };
        for message in &messages {
            if let Some(item) = item("channel", &followed.name, key, message, me, &since_text) {
                items.push(item);
            }
        }
        updates.insert(key.clone(), delta_link);
    }
    for (key, delta_link) in updates {
        if let Some(followed) = state.channels.get_mut(&key) {
            followed.delta_link = delta_link;
        }
    }
    Ok(items)
}

/// An inbox item for a message sent after `since` by someone else; `None` for anything else.
fn item(
    kind: &str,
    place: &str,
    place_id: &str,
    message: &Value,
    me: &Me,
    since: &str,
) -> Option<Item> {
    let at = message["createdDateTime"].as_str()?;
    let from = &message["from"];
    let sender_id = from["user"]["id"].as_str();
    if at <= since || sender_id == Some(me.id.as_str()) || message["deletedDateTime"].is_string() {
        return None;
    }
    if message["messageType"]
        .as_str()
        .is_some_and(|t| t != "message")
    {
        return None;
    }
    let body = &message["body"];
    let content = body["content"].as_str().unwrap_or_default();
    let text = if body["contentType"] == "html" {
        markdown::from_html(content)
    } else {
        content.to_owned()
    };
    let mentions_me = message["mentions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["mentioned"]["user"]["id"] == me.id.as_str());
    Some(Item {
        kind: kind.to_owned(),
        place: place.to_owned(),
        place_id: place_id.to_owned(),
        id: message["id"].as_str()?.to_owned(),
        at: at.to_owned(),
        from: from["user"]["displayName"]
            .as_str()
            .or_else(|| from["application"]["displayName"].as_str())
            .map(str::to_owned),
        text: cut(&text, TEXT_CHARS).0,
        mentions_me,
    })
}
