//! Chat and channel messages: list (newest first), get, send, and channel replies. Bodies are
//! HTML or text; every mention must point at an `<at id="n">` tag in the body, as Graph demands.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::chats::require_chat_access;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::teams::{channel_or_404, require_active, require_team_access};
use super::{Caller, collection, entity};
use crate::clock;
use crate::model::{self, NewMessage, Person, Place};
use crate::state::AppState;

/// Message ids are creation times in milliseconds, as in Teams; never two alike.
static LAST_ID: AtomicI64 = AtomicI64::new(0);

pub fn new_message_id() -> String {
    let now = jiff::Timestamp::now().as_millisecond();
    let mut last = LAST_ID.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST_ID.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next.to_string(),
            Err(seen) => last = seen,
        }
    }
}

pub(super) const MESSAGE_PAGE: (usize, usize) = (20, 50);

pub(super) fn channel_parent(team_id: &str, channel_id: &str) -> String {
    format!("{team_id}/{channel_id}")
}

pub(super) fn reply_parent(team_id: &str, channel_id: &str, message_id: &str) -> String {
    format!("{team_id}/{channel_id}/{message_id}")
}

async fn newest_first(state: &AppState, kind: &str, parent: &str) -> GraphResult<Vec<Value>> {
    let mut messages = state.store.list(kind, parent).await?;
    messages.reverse();
    Ok(messages)
}

pub async fn list_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_chat_access(&state, &caller, &chat_id).await?;
    let messages = newest_first(&state, "message", &chat_id).await?;
    let path = format!("/chats/{chat_id}/messages");
    let context = format!("chats('{chat_id}')/messages");
    collection(&state, &query, messages, &path, &context, MESSAGE_PAGE)
}

pub async fn get_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat_id, message_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_chat_access(&state, &caller, &chat_id).await?;
    let message = state
        .store
        .get("message", &chat_id, &message_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Message", &message_id))?;
    let context = format!("chats('{chat_id}')/messages/$entity");
    Ok(entity(&state, &query, &message, &context))
}

pub async fn post_chat(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let mut chat = require_chat_access(&state, &caller, &chat_id).await?;
    let message = compose(&state, &caller, &Place::Chat(&chat_id), &body).await?;
    let id = message["id"].as_str().unwrap_or_default().to_owned();
    state.store.put("message", &chat_id, &id, &message).await?;
    chat["lastUpdatedDateTime"] = message["createdDateTime"].clone();
    state.store.put("chat", "", &chat_id, &chat).await?;
    let context = format!("chats('{chat_id}')/messages/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &message, &context),
    ))
}

pub async fn list_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    channel_or_404(&state, &team_id, &channel_id).await?;
    let mut messages =
        newest_first(&state, "message", &channel_parent(&team_id, &channel_id)).await?;
    if query.expands("replies") {
        for message in &mut messages {
            let id = message["id"].as_str().unwrap_or_default().to_owned();
            let replies = state
                .store
                .list("reply", &reply_parent(&team_id, &channel_id, &id))
                .await?;
            message["replies"] = Value::Array(replies);
        }
    }
    let path = format!("/teams/{team_id}/channels/{channel_id}/messages");
    let context = format!("teams('{team_id}')/channels('{channel_id}')/messages");
    collection(&state, &query, messages, &path, &context, MESSAGE_PAGE)
}

pub async fn get_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id, message_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    channel_or_404(&state, &team_id, &channel_id).await?;
    let message = state
        .store
        .get(
            "message",
            &channel_parent(&team_id, &channel_id),
            &message_id,
        )
        .await?
        .ok_or_else(|| GraphError::item_not_found("Message", &message_id))?;
    let context = format!("teams('{team_id}')/channels('{channel_id}')/messages/$entity");
    Ok(entity(&state, &query, &message, &context))
}

pub async fn post_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    require_active(&require_team_access(&state, &caller, &team_id).await?)?;
    channel_or_404(&state, &team_id, &channel_id).await?;
    let place = Place::Channel {
        team_id: &team_id,
        channel_id: &channel_id,
        reply_to: None,
    };
    let message = compose(&state, &caller, &place, &body).await?;
    let id = message["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put(
            "message",
            &channel_parent(&team_id, &channel_id),
            &id,
            &message,
        )
        .await?;
    let context = format!("teams('{team_id}')/channels('{channel_id}')/messages/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &message, &context),
    ))
}

pub async fn list_replies(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id, message_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    root_message(&state, &caller, &team_id, &channel_id, &message_id).await?;
    let replies = newest_first(
        &state,
        "reply",
        &reply_parent(&team_id, &channel_id, &message_id),
    )
    .await?;
    let path = format!("/teams/{team_id}/channels/{channel_id}/messages/{message_id}/replies");
    let context =
        format!("teams('{team_id}')/channels('{channel_id}')/messages('{message_id}')/replies");
    collection(&state, &query, replies, &path, &context, MESSAGE_PAGE)
}

/// `GET …/messages/{id}/replies/{id}`: one reply in a thread
/// (https://learn.microsoft.com/graph/api/chatmessage-get).
pub async fn get_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id, message_id, reply_id)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let reply = super::message_actions::channel_reply(
        &state,
        &caller,
        &team_id,
        &channel_id,
        &message_id,
        &reply_id,
    )
    .await?;
    let context = format!(
        "teams('{team_id}')/channels('{channel_id}')/messages('{message_id}')/replies/$entity"
    );
    Ok(entity(&state, &query, &reply.doc, &context))
}

pub async fn post_reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id, message_id)): Path<(String, String, String)>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    require_active(&require_team_access(&state, &caller, &team_id).await?)?;
    root_message(&state, &caller, &team_id, &channel_id, &message_id).await?;
    let place = Place::Channel {
        team_id: &team_id,
        channel_id: &channel_id,
        reply_to: Some(&message_id),
    };
    let reply = compose(&state, &caller, &place, &body).await?;
    let id = reply["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put(
            "reply",
            &reply_parent(&team_id, &channel_id, &message_id),
            &id,
            &reply,
        )
        .await?;
    let context = format!(
        "teams('{team_id}')/channels('{channel_id}')/messages('{message_id}')/replies/$entity"
    );
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &reply, &context),
    ))
}

async fn root_message(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
    channel_id: &str,
    message_id: &str,
) -> GraphResult<Value> {
    require_team_access(state, caller, team_id).await?;
    channel_or_404(state, team_id, channel_id).await?;
    state
        .store
        .get("message", &channel_parent(team_id, channel_id), message_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Message", message_id))
}

/// Where a message's hosted contents live, and the URL path that serves their bytes.
fn hosted_home(place: &Place<'_>, message_id: &str) -> (String, String) {
    match place {
        Place::Chat(chat) => (
            format!("{chat}/{message_id}"),
            format!("/chats/{chat}/messages/{message_id}/hostedContents"),
        ),
        Place::Channel {
            team_id,
            channel_id,
            reply_to,
        } => {
            let (parent, message_path) = match reply_to {
                Some(root) => (
                    reply_parent(team_id, channel_id, root),
                    format!("{root}/replies/{message_id}"),
                ),
                None => (channel_parent(team_id, channel_id), message_id.to_owned()),
            };
            (
                format!("{parent}/{message_id}"),
                format!(
                    "/teams/{team_id}/channels/{channel_id}/messages/{message_path}/hostedContents"
                ),
            )
        }
    }
}

/// Store the inline images sent with a message (`hostedContents` with temporary ids) and point
/// the body's `../hostedContents/{temporaryId}/$value` references at where they now live.
async fn store_hosted_contents(
    state: &AppState,
    place: &Place<'_>,
    message_id: &str,
    body: &Value,
    content: &str,
) -> GraphResult<String> {
    let Some(items) = body["hostedContents"].as_array() else {
        return Ok(content.to_owned());
    };
    let (parent, url_path) = hosted_home(place, message_id);
    let mut content = content.to_owned();
    for item in items {
        let temporary = item["@microsoft.graph.temporaryId"]
            .as_str()
            .ok_or_else(|| {
                GraphError::bad_request("Each hosted content needs '@microsoft.graph.temporaryId'.")
            })?;
        let bytes = item["contentBytes"].as_str().unwrap_or_default();
        if base64::Engine::decode(&base64::engine::general_purpose::STANDARD, bytes).is_err()
            || bytes.is_empty()
        {
            return Err(GraphError::bad_request(format!(
                "Hosted content '{temporary}' needs base64 'contentBytes'."
            )));
        }
        let content_type = item["contentType"].as_str().unwrap_or_default();
        if !content_type.starts_with("image/") {
            return Err(GraphError::bad_request(format!(
                "Hosted content '{temporary}' must be an image, not '{content_type}'."
            )));
        }
        let id = crate::ids::hosted_content_id();
        let doc = json!({"id": id, "contentBytes": bytes, "contentType": content_type});
        state.store.put("hostedContent", &parent, &id, &doc).await?;
        content = content.replace(
            &format!("../hostedContents/{temporary}/$value"),
            &format!("{}{url_path}/{id}/$value", state.graph_url()),
        );
    }
    Ok(content)
}

/// The message's attachments as Graph keeps them, checked against the body: every attachment
/// must be placed in it with `<attachment id="…"></attachment>` and every such element must
/// name an attachment (https://learn.microsoft.com/graph/api/chatmessage-post, examples 3 and
/// 4); a file reference needs its `contentUrl` and `name`.
pub(super) fn attachments(body: &Value, content: &str) -> GraphResult<Value> {
    let given = match &body["attachments"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        _ => return Err(GraphError::bad_request("'attachments' must be an array.")),
    };
    let placed: Vec<String> = content
        .split("<attachment id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    let mut kept = Vec::with_capacity(given.len());
    for attachment in &given {
        let id = attachment["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| GraphError::bad_request("Every attachment needs an 'id'."))?;
        if !placed.iter().any(|p| p == id) {
            return Err(GraphError::bad_request(format!(
                "Attachment with id '{id}' is not referenced in the message body with <attachment id=\"{id}\">."
            )));
        }
        let content_type = attachment["contentType"].as_str().unwrap_or_default();
        if content_type.is_empty() {
            return Err(GraphError::bad_request(format!(
                "Attachment '{id}' needs a 'contentType'."
            )));
        }
        if content_type == "reference" {
            let url_ok = attachment["contentUrl"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"));
            if !url_ok || attachment["name"].as_str().is_none_or(str::is_empty) {
                return Err(GraphError::bad_request(format!(
                    "File attachment '{id}' needs an https 'contentUrl' and a 'name'."
                )));
            }
        }
        let field = |name: &str| attachment.get(name).cloned().unwrap_or(Value::Null);
        kept.push(json!({
            "id": id,
            "contentType": content_type,
            "contentUrl": field("contentUrl"),
            "content": field("content"),
            "name": field("name"),
            "thumbnailUrl": field("thumbnailUrl"),
            "teamsAppId": field("teamsAppId"),
        }));
    }
    if let Some(orphan) = placed
        .iter()
        .find(|p| !given.iter().any(|a| a["id"] == p.as_str()))
    {
        return Err(GraphError::bad_request(format!(
            "The message body has <attachment id=\"{orphan}\"> but no attachment with that id."
        )));
    }
    Ok(Value::Array(kept))
}

/// A new message from the request body, sent by the caller.
async fn compose(
    state: &AppState,
    caller: &Caller,
    place: &Place<'_>,
    body: &Value,
) -> GraphResult<Value> {
    let me = caller.me()?;
    let sender = state
        .find_user(me)
        .await?
        .ok_or_else(|| GraphError::forbidden("The signed-in user no longer exists."))?;
    let content = body["body"]["content"]
        .as_str()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            GraphError::bad_request("Required property 'body.content' is missing or empty.")
        })?;
    let content_type = match body["body"]["contentType"].as_str().unwrap_or("text") {
        t @ ("text" | "html") => t,
        other => {
            return Err(GraphError::bad_request(format!(
                "Invalid value '{other}' for body.contentType: use text or html."
            )));
        }
    };
    let mentions = body["mentions"].as_array().cloned().unwrap_or_default();
    for mention in &mentions {
        let id = mention["id"]
            .as_i64()
            .ok_or_else(|| GraphError::bad_request("Every mention needs a numeric 'id'."))?;
        if content_type != "html" || !content.contains(&format!("<at id=\"{id}\">")) {
            return Err(GraphError::bad_request(format!(
                "Mention with id {id} does not have a matching <at id=\"{id}\"> tag in an html message body."
            )));
        }
    }
    let importance = match body["importance"].as_str().unwrap_or("normal") {
        i @ ("normal" | "high" | "urgent") => i,
        other => {
            return Err(GraphError::bad_request(format!(
                "Invalid value '{other}' for importance."
            )));
        }
    };
    let attachments = attachments(body, content)?;
    let id = new_message_id();
    let content = store_hosted_contents(state, place, &id, body, content).await?;
    if content.contains("../hostedContents/") {
        return Err(GraphError::bad_request(
            "The message body refers to hosted content that is not in 'hostedContents'.",
        ));
    }
    let now = clock::now();
    let message = model::message(
        place,
        NewMessage {
            id: &id,
            created: &now,
            from: model::from_user(&Person::of(&sender)),
            body: json!({"contentType": content_type, "content": content}),
            mentions: Value::Array(mentions),
            attachments,
            reactions: json!([]),
            importance,
            subject: body["subject"].as_str(),
        },
        "https://teams.example.invalid",
    );
    Ok(message)
}
