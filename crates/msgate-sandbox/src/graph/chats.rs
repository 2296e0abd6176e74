//! Chats: the signed-in user's chats (with `$expand=members,lastMessagePreview`), one chat,
//! renaming, members, read markers, and creating one-on-one and group chats.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, collection, entity};
use crate::model::{self, Person};
use crate::state::AppState;
use crate::{clock, ids};

pub(super) async fn chat_or_404(state: &AppState, chat_id: &str) -> GraphResult<Value> {
    state
        .store
        .get("chat", "", chat_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Chat", chat_id))
}

pub(super) async fn is_member(state: &AppState, chat_id: &str, user_id: &str) -> GraphResult<bool> {
    Ok(state
        .store
        .list("chatMember", chat_id)
        .await?
        .iter()
        .any(|m| m["userId"] == user_id))
}

/// The chat, if the caller may read it: members only for delegated tokens.
pub(super) async fn require_chat_access(
    state: &AppState,
    caller: &Caller,
    chat_id: &str,
) -> GraphResult<Value> {
    let chat = chat_or_404(state, chat_id).await?;
    if let Some(user) = &caller.user_id
        && !is_member(state, chat_id, user).await?
    {
        return Err(GraphError::forbidden(
            "Forbidden: the signed-in user is not a member of this chat.",
        ));
    }
    Ok(chat)
}

async fn with_expansions(state: &AppState, mut chat: Value, query: &Query) -> GraphResult<Value> {
    let chat_id = chat["id"].as_str().unwrap_or_default().to_owned();
    if query.expands("members") {
        chat["members"] = Value::Array(state.store.list("chatMember", &chat_id).await?);
    }
    if query.expands("lastMessagePreview") {
        let messages = state.store.list("message", &chat_id).await?;
        chat["lastMessagePreview"] = messages.last().map(preview).unwrap_or(Value::Null);
    }
    Ok(chat)
}

fn preview(message: &Value) -> Value {
    let text = model::plain_text(message["body"]["content"].as_str().unwrap_or_default());
    json!({
        "id": message["id"],
        "createdDateTime": message["createdDateTime"],
        "isDeleted": !message["deletedDateTime"].is_null(),
        "messageType": message["messageType"],
        "eventDetail": null,
        "body": {"contentType": "text", "content": text},
        "from": message["from"],
    })
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let me = caller.me()?;
    let mut chats = Vec::new();
    for chat in state.store.list("chat", "").await? {
        let id = chat["id"].as_str().unwrap_or_default().to_owned();
        if is_member(&state, &id, me).await? {
            let chat = with_viewpoint(&state, chat, &caller).await?;
            chats.push(with_expansions(&state, chat, &query).await?);
        }
    }
    chats.sort_by(|a, b| {
        b["lastUpdatedDateTime"]
            .as_str()
            .cmp(&a["lastUpdatedDateTime"].as_str())
    });
    collection(&state, &query, chats, "/me/chats", "chats", (50, 50))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let chat = require_chat_access(&state, &caller, &chat_id).await?;
    let chat = with_viewpoint(&state, chat, &caller).await?;
    let chat = with_expansions(&state, chat, &query).await?;
    Ok(entity(&state, &query, &chat, "chats/$entity"))
}

pub async fn members(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_chat_access(&state, &caller, &chat_id).await?;
    let members = state.store.list("chatMember", &chat_id).await?;
    let path = format!("/chats/{chat_id}/members");
    let context = format!("chats('{chat_id}')/members");
    collection(&state, &query, members, &path, &context, (999, 999))
}

/// `POST /chats`: members are bound as `user@odata.bind` URLs; a one-on-one chat between the
/// same two people is returned as it is instead of being created twice, as Graph does.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let chat_type = body["chatType"]
        .as_str()
        .ok_or_else(|| GraphError::bad_request("Required property 'chatType' is missing."))?;
    let bound = body["members"]
        .as_array()
        .ok_or_else(|| GraphError::bad_request("Required property 'members' is missing."))?;
    let mut people = Vec::new();
    for member in bound {
        let user = bound_user(&state, member).await?;
        let owner = member["roles"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "owner"));
        people.push((user, owner));
    }
    if let Some(me) = &caller.user_id
        && !people.iter().any(|(u, _)| u["id"] == me.as_str())
    {
        return Err(GraphError::bad_request(
            "The signed-in user must be one of the members of the chat.",
        ));
    }
    let (chat_id, topic) = match chat_type {
        "oneOnOne" => {
            if people.len() != 2 {
                return Err(GraphError::bad_request(
                    "A oneOnOne chat must have exactly two members.",
                ));
            }
            let (a, b) = (
                people[0].0["id"].as_str().unwrap_or_default(),
                people[1].0["id"].as_str().unwrap_or_default(),
            );
            (ids::one_on_one_chat_id(a, b), Value::Null)
        }
        "group" => {
            if people.len() < 2 {
                return Err(GraphError::bad_request(
                    "A group chat must have at least two members.",
                ));
            }
            (
                ids::chat_thread_id(&ids::random_guid()),
                body["topic"].clone(),
            )
        }
        other => {
            return Err(GraphError::bad_request(format!(
                "Chat type '{other}' cannot be created."
            )));
        }
    };
    if let Some(existing) = state.store.get("chat", "", &chat_id).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let now = clock::now();
    let chat = json!({
        "id": chat_id,
        "topic": topic,
        "createdDateTime": now,
        "lastUpdatedDateTime": now,
        "chatType": chat_type,
        "webUrl": format!("https://teams.example.invalid/l/chat/{chat_id}/0"),
        "tenantId": state.tenant.id,
        "isHiddenForAllMembers": false,
        "onlineMeetingInfo": null,
        "viewpoint": {"isHidden": false, "lastMessageReadDateTime": now},
    });
    state.store.put("chat", "", &chat_id, &chat).await?;
    for (user, owner) in &people {
        let person = Person::of(user);
        let member = model::member(&chat_id, &person, &state.tenant.id, *owner);
        state
            .store
            .put(
                "chatMember",
                &chat_id,
                member["id"].as_str().unwrap_or_default(),
                &member,
            )
            .await?;
    }
    let body = entity(&state, &Query::default(), &chat, "chats/$entity");
    Ok((StatusCode::CREATED, body))
}

/// `PATCH /chats/{id}` renames a group chat; Graph answers 200 with the chat
/// (https://learn.microsoft.com/graph/api/chat-patch).
pub async fn rename(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let mut chat = require_chat_access(&state, &caller, &chat_id).await?;
    if let Some(topic) = body.get("topic") {
        let topic = topic
            .as_str()
            .ok_or_else(|| GraphError::bad_request("'topic' must be a string."))?;
        if chat["chatType"] != "group" {
            return Err(GraphError::bad_request(
                "The topic can be set only for group chats.",
            ));
        }
        if topic.contains(':') || topic.chars().count() > 250 {
            return Err(GraphError::bad_request(
                "The topic must be at most 250 characters and must not contain ':'.",
            ));
        }
        chat["topic"] = json!(topic);
        chat["lastUpdatedDateTime"] = json!(clock::now());
        state.store.put("chat", "", &chat_id, &chat).await?;
    }
    let chat = with_viewpoint(&state, chat, &caller).await?;
    Ok(entity(&state, &Query::default(), &chat, "chats/$entity"))
}

/// The user named by a `user@odata.bind` URL (`…/users('id')` or `…/users/id`).
pub(super) async fn bound_user(state: &AppState, member: &Value) -> GraphResult<Value> {
    let bind = member["user@odata.bind"]
        .as_str()
        .ok_or_else(|| GraphError::bad_request("Each member needs 'user@odata.bind'."))?;
    let key = bind
        .trim_end_matches(['\'', ')'])
        .rsplit(['/', '\''])
        .next()
        .unwrap_or_default();
    state
        .find_user(key)
        .await?
        .ok_or_else(|| GraphError::not_found(format!("User '{key}' was not found.")))
}

pub async fn add_member(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let chat = require_chat_access(&state, &caller, &chat_id).await?;
    if chat["chatType"] != "group" {
        return Err(GraphError::bad_request(
            "Members can be added only to group chats.",
        ));
    }
    let user = bound_user(&state, &body).await?;
    let owner = body["roles"]
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "owner"));
    let member = model::member(&chat_id, &Person::of(&user), &state.tenant.id, owner);
    let id = member["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put("chatMember", &chat_id, &id, &member)
        .await?;
    let context = format!("chats('{chat_id}')/members/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &member, &context),
    ))
}

pub async fn remove_member(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((chat_id, membership_id)): Path<(String, String)>,
) -> GraphResult<StatusCode> {
    require_chat_access(&state, &caller, &chat_id).await?;
    if state
        .store
        .delete("chatMember", &chat_id, &membership_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(GraphError::item_not_found("Member", &membership_id))
    }
}

/// The caller's own read marker on a chat, kept per user.
pub(super) async fn with_viewpoint(
    state: &AppState,
    mut chat: Value,
    caller: &Caller,
) -> GraphResult<Value> {
    if let Some(me) = &caller.user_id {
        let id = chat["id"].as_str().unwrap_or_default().to_owned();
        if let Some(viewpoint) = state.store.get("viewpoint", &id, me).await? {
            chat["viewpoint"] = viewpoint;
        }
    }
    Ok(chat)
}

async fn set_read_marker(
    state: &AppState,
    caller: &Caller,
    chat_id: &str,
    body: &Value,
    read_at: String,
) -> GraphResult<StatusCode> {
    require_chat_access(state, caller, chat_id).await?;
    let me = caller.me()?;
    if body["user"]["id"].as_str() != Some(me) {
        return Err(GraphError::bad_request(
            "'user.id' must be the signed-in user.",
        ));
    }
    let viewpoint = json!({"isHidden": false, "lastMessageReadDateTime": read_at});
    state
        .store
        .put("viewpoint", chat_id, me, &viewpoint)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn mark_read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    set_read_marker(&state, &caller, &chat_id, &body, clock::now()).await
}

pub async fn mark_unread(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(chat_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let read_at = match body.get("lastMessageReadDateTime").and_then(Value::as_str) {
        Some(at) if clock::parse(at).is_some() => at.to_owned(),
        Some(at) => {
            return Err(GraphError::bad_request(format!(
                "'{at}' is not a date-time."
            )));
        }
        // Without a time Graph marks the last message unread
        // (https://learn.microsoft.com/graph/api/chat-markchatunreadforuser): the marker moves
        // to just before it.
        None => state
            .store
            .list("message", &chat_id)
            .await?
            .iter()
            .filter_map(|m| m["createdDateTime"].as_str().and_then(clock::parse))
            .max()
            .and_then(|last| last.checked_sub(jiff::SignedDuration::from_millis(1)).ok())
            .map(clock::format_millis)
            .unwrap_or_else(|| clock::minutes_ago(60 * 24 * 365)),
    };
    set_read_marker(&state, &caller, &chat_id, &body, read_at).await
}
