//! What happens to a message after it was sent: edit, soft delete and undo, reactions, hosted
//! contents (inline images), pins, and delta queries over a chat's or channel's messages.
//! Replies in a channel thread take the same actions at `…/messages/{id}/replies/{id}`.
//! Status codes follow Graph's documentation pages for each action (204 for the actions).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::chats::require_chat_access;
use super::error::{GraphError, GraphResult};
use super::messages::{MESSAGE_PAGE, channel_parent, reply_parent};
use super::odata::{Page, Query};
use super::teams::{channel_or_404, require_team_access};
use super::{Caller, collection};
use crate::clock;
use crate::state::AppState;

/// A message (or a reply) located in the store, after the caller's access was checked.
pub(super) struct Located {
    /// `message` or `reply`: the store kind it is kept under.
    kind: &'static str,
    parent: String,
    id: String,
    pub(super) doc: Value,
}

impl Located {
    async fn save(&self, state: &AppState) -> GraphResult<()> {
        Ok(state
            .store
            .put(self.kind, &self.parent, &self.id, &self.doc)
            .await?)
    }

    fn sender(&self) -> Option<&str> {
        self.doc["from"]["user"]["id"].as_str()
    }

    /// Only the sender may change what a message says, as in Teams.
    fn require_sender(&self, caller: &Caller) -> GraphResult<()> {
        match &caller.user_id {
            Some(user) if self.sender() != Some(user.as_str()) => Err(GraphError::forbidden(
                "Forbidden: only the sender of a message can edit or delete it.",
            )),
            _ => Ok(()),
        }
    }

    fn touch(&mut self) {
        self.doc["lastModifiedDateTime"] = json!(clock::now());
        self.doc["etag"] = json!(crate::ids::random_guid());
    }
}

async fn chat_message(
    state: &AppState,
    caller: &Caller,
    chat_id: &str,
    message_id: &str,
) -> GraphResult<Located> {
    require_chat_access(state, caller, chat_id).await?;
    find(state, "message", chat_id.to_owned(), message_id).await
}

async fn channel_message(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
    channel_id: &str,
    message_id: &str,
) -> GraphResult<Located> {
    require_team_access(state, caller, team_id).await?;
    channel_or_404(state, team_id, channel_id).await?;
    find(
        state,
        "message",
        channel_parent(team_id, channel_id),
        message_id,
    )
    .await
}

/// A reply in a channel thread, below a post that must exist too.
pub(super) async fn channel_reply(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
    channel_id: &str,
    post_id: &str,
    reply_id: &str,
) -> GraphResult<Located> {
    channel_message(state, caller, team_id, channel_id, post_id).await?;
    find(
        state,
        "reply",
        reply_parent(team_id, channel_id, post_id),
        reply_id,
    )
    .await
}

async fn find(
    state: &AppState,
    kind: &'static str,
    parent: String,
    message_id: &str,
) -> GraphResult<Located> {
    let doc = state
        .store
        .get(kind, &parent, message_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Message", message_id))?;
    Ok(Located {
        kind,
        parent,
        id: message_id.to_owned(),
        doc,
    })
}

async fn edit(
    state: &AppState,
    caller: &Caller,
    mut message: Located,
    body: &Value,
) -> GraphResult<StatusCode> {
    message.require_sender(caller)?;
    if !message.doc["deletedDateTime"].is_null() {
        return Err(GraphError::bad_request(
            "A deleted message cannot be updated.",
        ));
    }
    let content = body["body"]["content"]
        .as_str()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            GraphError::bad_request("Required property 'body.content' is missing or empty.")
        })?;
    let content_type = body["body"]["contentType"].as_str().unwrap_or("text");
    if !matches!(content_type, "text" | "html") {
        return Err(GraphError::bad_request(format!(
            "Invalid value '{content_type}' for body.contentType."
        )));
    }
    // Attachments sent with an edit replace the old ones, placed in the new body as in a post.
    if body.get("attachments").is_some() {
        message.doc["attachments"] = super::messages::attachments(body, content)?;
    }
    message.doc["body"] = json!({"contentType": content_type, "content": content});
    if let Some(mentions) = body.get("mentions") {
        message.doc["mentions"] = mentions.clone();
    }
    message.touch();
    message.doc["lastEditedDateTime"] = message.doc["lastModifiedDateTime"].clone();
    message.save(state).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn soft_delete(
    state: &AppState,
    caller: &Caller,
    mut message: Located,
) -> GraphResult<StatusCode> {
    message.require_sender(caller)?;
    if message.doc["deletedDateTime"].is_null() {
        let backup_key = format!("{}/{}", message.parent, message.id);
        state
            .store
            .put("deletedBody", &backup_key, "body", &message.doc["body"])
            .await?;
        let content_type = message.doc["body"]["contentType"].clone();
        message.doc["body"] = json!({"contentType": content_type, "content": ""});
        message.touch();
        message.doc["deletedDateTime"] = message.doc["lastModifiedDateTime"].clone();
        message.save(state).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn undo_soft_delete(
    state: &AppState,
    caller: &Caller,
    mut message: Located,
) -> GraphResult<StatusCode> {
    message.require_sender(caller)?;
    if !message.doc["deletedDateTime"].is_null() {
        let backup_key = format!("{}/{}", message.parent, message.id);
        if let Some(body) = state.store.get("deletedBody", &backup_key, "body").await? {
            message.doc["body"] = body;
            state
                .store
                .delete("deletedBody", &backup_key, "body")
                .await?;
        }
        message.doc["deletedDateTime"] = Value::Null;
        message.touch();
        message.save(state).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn react(
    state: &AppState,
    caller: &Caller,
    mut message: Located,
    body: &Value,
    set: bool,
) -> GraphResult<StatusCode> {
    let me = caller.me()?.to_owned();
    let kind = body["reactionType"]
        .as_str()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("Required property 'reactionType' is missing."))?
        .to_owned();
    let mine =
        |r: &Value| r["reactionType"] == kind.as_str() && r["user"]["user"]["id"] == me.as_str();
    let mut reactions = message.doc["reactions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let present = reactions.iter().any(mine);
    if set && !present {
        let sender = state.find_user(&me).await?.unwrap_or(Value::Null);
        let person = crate::model::Person::of(&sender);
        reactions.push(crate::model::reaction(&kind, &person, &clock::now()));
    } else if !set && present {
        reactions.retain(|r| !mine(r));
    } else {
        return Ok(StatusCode::NO_CONTENT);
    }
    message.doc["reactions"] = Value::Array(reactions);
    message.touch();
    message.save(state).await?;
    Ok(StatusCode::NO_CONTENT)
}

type ChatPath = Path<(String, String)>;
type ChannelPath = Path<(String, String, String)>;

pub async fn edit_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    edit(&state, &caller, message, &body).await
}

pub async fn edit_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    edit(&state, &caller, message, &body).await
}

pub async fn soft_delete_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
) -> GraphResult<StatusCode> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    soft_delete(&state, &caller, message).await
}

pub async fn soft_delete_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
) -> GraphResult<StatusCode> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    soft_delete(&state, &caller, message).await
}

pub async fn undo_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
) -> GraphResult<StatusCode> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    undo_soft_delete(&state, &caller, message).await
}

pub async fn undo_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
) -> GraphResult<StatusCode> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    undo_soft_delete(&state, &caller, message).await
}

pub async fn set_reaction_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    react(&state, &caller, message, &body, true).await
}

pub async fn unset_reaction_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    react(&state, &caller, message, &body, false).await
}

pub async fn set_reaction_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    react(&state, &caller, message, &body, true).await
}

pub async fn unset_reaction_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    react(&state, &caller, message, &body, false).await
}

type ReplyPath = Path<(String, String, String, String)>;

pub async fn edit_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    edit(&state, &caller, reply, &body).await
}

pub async fn soft_delete_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
) -> GraphResult<StatusCode> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    soft_delete(&state, &caller, reply).await
}

pub async fn undo_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
) -> GraphResult<StatusCode> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    undo_soft_delete(&state, &caller, reply).await
}

pub async fn set_reaction_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    react(&state, &caller, reply, &body, true).await
}

pub async fn unset_reaction_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    react(&state, &caller, reply, &body, false).await
}

/// Hosted contents are stored with their bytes; Graph lists them without.
fn hosted_key(parent: &str, message_id: &str) -> String {
    format!("{parent}/{message_id}")
}

fn listed_hosted(doc: &Value) -> Value {
    json!({"id": doc["id"], "contentBytes": null, "contentType": null})
}

pub async fn hosted_contents_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id)): ChatPath,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let message = chat_message(&state, &caller, &chat, &id).await?;
    let items = state
        .store
        .list("hostedContent", &hosted_key(&message.parent, &id))
        .await?;
    let items = items.iter().map(listed_hosted).collect();
    let path = format!("/chats/{chat}/messages/{id}/hostedContents");
    let context = format!("chats('{chat}')/messages('{id}')/hostedContents");
    collection(&state, &query, items, &path, &context, (999, 999))
}

pub async fn hosted_contents_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id)): ChannelPath,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    let items = state
        .store
        .list("hostedContent", &hosted_key(&message.parent, &id))
        .await?;
    let items = items.iter().map(listed_hosted).collect();
    let path = format!("/teams/{team}/channels/{channel}/messages/{id}/hostedContents");
    let context = format!("teams('{team}')/channels('{channel}')/messages('{id}')/hostedContents");
    collection(&state, &query, items, &path, &context, (999, 999))
}

pub async fn hosted_content_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id, content_id)): ChannelPath,
) -> GraphResult<Json<Value>> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    let doc = hosted(&state, &message, &content_id).await?;
    let mut body = listed_hosted(&doc);
    body["@odata.context"] = json!(format!(
        "{}/$metadata#chats('{chat}')/messages('{id}')/hostedContents/$entity",
        state.graph_url()
    ));
    Ok(Json(body))
}

pub async fn hosted_value_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, id, content_id)): ChannelPath,
) -> GraphResult<Response> {
    let message = chat_message(&state, &caller, &chat, &id).await?;
    bytes_of(&hosted(&state, &message, &content_id).await?)
}

pub async fn hosted_value_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, id, content_id)): Path<(String, String, String, String)>,
) -> GraphResult<Response> {
    let message = channel_message(&state, &caller, &team, &channel, &id).await?;
    bytes_of(&hosted(&state, &message, &content_id).await?)
}

pub async fn hosted_contents_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id)): ReplyPath,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    let items = state
        .store
        .list("hostedContent", &hosted_key(&reply.parent, &id))
        .await?;
    let items = items.iter().map(listed_hosted).collect();
    let path =
        format!("/teams/{team}/channels/{channel}/messages/{post}/replies/{id}/hostedContents");
    let context = format!(
        "teams('{team}')/channels('{channel}')/messages('{post}')/replies('{id}')/hostedContents"
    );
    collection(&state, &query, items, &path, &context, (999, 999))
}

pub async fn hosted_value_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel, post, id, content_id)): Path<(String, String, String, String, String)>,
) -> GraphResult<Response> {
    let reply = channel_reply(&state, &caller, &team, &channel, &post, &id).await?;
    bytes_of(&hosted(&state, &reply, &content_id).await?)
}

async fn hosted(state: &AppState, message: &Located, content_id: &str) -> GraphResult<Value> {
    state
        .store
        .get(
            "hostedContent",
            &hosted_key(&message.parent, &message.id),
            content_id,
        )
        .await?
        .ok_or_else(|| GraphError::item_not_found("Hosted content", content_id))
}

fn bytes_of(doc: &Value) -> GraphResult<Response> {
    let bytes = STANDARD
        .decode(doc["contentBytes"].as_str().unwrap_or_default())
        .map_err(|_| {
            GraphError::internal(&msgate_core::Error::internal(
                "stored hosted content is not base64",
            ))
        })?;
    let content_type = doc["contentType"]
        .as_str()
        .unwrap_or("application/octet-stream")
        .to_owned();
    Ok(([(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response())
}

pub async fn pinned(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_chat_access(&state, &caller, &chat).await?;
    let mut pins = state.store.list("pin", &chat).await?;
    if query.expands("message") {
        for pin in &mut pins {
            let id = pin["id"].as_str().unwrap_or_default().to_owned();
            pin["message"] = state
                .store
                .get("message", &chat, &id)
                .await?
                .unwrap_or(Value::Null);
        }
    }
    let path = format!("/chats/{chat}/pinnedMessages");
    let context = format!("chats('{chat}')/pinnedMessages");
    collection(&state, &query, pins, &path, &context, (999, 999))
}

/// `{"message@odata.bind": ".../chats/{id}/messages/{id}"}`; a pin is named after its message.
pub async fn pin(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    require_chat_access(&state, &caller, &chat).await?;
    let bind = body["message@odata.bind"].as_str().ok_or_else(|| {
        GraphError::bad_request("Required property 'message@odata.bind' is missing.")
    })?;
    let message_id = bind
        .trim_end_matches(['\'', ')'])
        .rsplit(['/', '\''])
        .next()
        .unwrap_or_default()
        .to_owned();
    find(&state, "message", chat.clone(), &message_id).await?;
    let pin = json!({"id": message_id});
    state.store.put("pin", &chat, &message_id, &pin).await?;
    let mut response = pin;
    response["@odata.context"] = json!(format!(
        "{}/$metadata#chats('{chat}')/pinnedMessages/$entity",
        state.graph_url()
    ));
    Ok((StatusCode::CREATED, Json(response)))
}

pub async fn unpin(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat, pin)): ChatPath,
) -> GraphResult<StatusCode> {
    require_chat_access(&state, &caller, &chat).await?;
    if state.store.delete("pin", &chat, &pin).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(GraphError::item_not_found("Pinned message", &pin))
    }
}

pub async fn delta_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_chat_access(&state, &caller, &chat).await?;
    let (items, newest) = state
        .store
        .changed_since("message", &chat, query.delta_version.unwrap_or(0))
        .await?;
    let self_url = format!("{}/chats/{chat}/messages/delta", state.graph_url());
    let context = format!("{}/$metadata#Collection(chatMessage)", state.graph_url());
    let page = Page {
        default_top: MESSAGE_PAGE.0,
        max_top: MESSAGE_PAGE.1,
        self_url: &self_url,
        context: &context,
    };
    Ok(Json(query.delta(items, page, newest)?))
}

pub async fn delta_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team, channel)): ChatPath,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team).await?;
    channel_or_404(&state, &team, &channel).await?;
    let parent = channel_parent(&team, &channel);
    let (items, newest) = state
        .store
        .changed_since("message", &parent, query.delta_version.unwrap_or(0))
        .await?;
    let self_url = format!(
        "{}/teams/{team}/channels/{channel}/messages/delta",
        state.graph_url()
    );
    let context = format!("{}/$metadata#Collection(chatMessage)", state.graph_url());
    let page = Page {
        default_top: MESSAGE_PAGE.0,
        max_top: MESSAGE_PAGE.1,
        self_url: &self_url,
        context: &context,
    };
    Ok(Json(query.delta(items, page, newest)?))
}
