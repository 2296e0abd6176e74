//! Messages: listing (the whole mailbox or one folder) with Outlook's query rules, reading one,
//! creating a draft, updating (read state, flags, categories; subject, body and recipients only
//! while it is a draft) and deleting. Pages are ten by default, up to 1000, newest received
//! first.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::attachments;
use super::mailbox::{self, Mailbox, id_of};
use super::search::{self, Kql};
use super::shape::{
    self, ALWAYS_WRITABLE, DRAFT_ONLY, PROPERTIES, Placement, Preferences, check_known,
    check_query, present,
};
use crate::clock;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::graph::{Caller, collection, entity};
use crate::state::AppState;

pub const MESSAGE_PAGE: (usize, usize) = (10, 1000);
/// A `$search` over messages returns at most this many results.
const SEARCH_LIMIT: usize = 1000;

/// The request's query options, checked against what a message has.
pub fn parse_query(raw: Option<&str>) -> GraphResult<Query> {
    let query = Query::parse(raw)?;
    check_query(&query, PROPERTIES, &["attachments"], "message")?;
    Ok(query)
}

/// Messages newest first, by the date Outlook sorts that kind of request on.
fn sort_newest_first(items: &mut [Value], field: &str) {
    items.sort_by(|a, b| {
        let at = |m: &Value| m[field].as_str().and_then(clock::parse);
        at(b).cmp(&at(a))
    });
}

/// `$expand=attachments`: each message (already projected) with its attachments.
async fn expand_attachments(
    mailbox: &Mailbox<'_>,
    query: &Query,
    messages: &mut [Value],
) -> GraphResult<()> {
    if !(query.expands("attachments") || query.expands("*")) {
        return Ok(());
    }
    for message in messages {
        let listed = mailbox.attachments(id_of(message)).await?;
        message["attachments"] = Value::Array(listed);
    }
    Ok(())
}

/// What a listing covers: the whole mailbox, or one folder.
struct Listing<'a> {
    folder: Option<&'a str>,
    path: String,
    context: String,
}

async fn listing(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw: Option<&str>,
    listing: Listing<'_>,
) -> GraphResult<Response> {
    let mut query = parse_query(raw)?;
    search::check_combinations(&query, raw)?;
    let mut preferences = Preferences::from_headers(headers);
    preferences.size_pages(&mut query);
    let mailbox = Mailbox::new(&state.store, caller.me()?);
    let mut items: Vec<Value> = mailbox
        .messages()
        .await?
        .into_iter()
        .filter(|m| listing.folder.is_none_or(|f| m["parentFolderId"] == f))
        .collect();
    match &query.search {
        Some(search) => {
            sort_newest_first(&mut items, "sentDateTime");
            items = searched(&mailbox, items, &Kql::parse(search)).await?;
        }
        None => sort_newest_first(&mut items, "receivedDateTime"),
    }
    let presented = items
        .iter()
        .map(|item| present(item, &query, &preferences, caller))
        .collect();
    let mut body = collection(
        state,
        &query,
        presented,
        &listing.path,
        &listing.context,
        MESSAGE_PAGE,
    )?
    .0;
    if let Some(page) = body["value"].as_array_mut() {
        expand_attachments(&mailbox, &query, page).await?;
    }
    Ok(preferences.respond(StatusCode::OK, body))
}

async fn searched(mailbox: &Mailbox<'_>, items: Vec<Value>, kql: &Kql) -> GraphResult<Vec<Value>> {
    let mut found = Vec::new();
    for item in items {
        let names = if kql.needs_attachments() && item["hasAttachments"] == true {
            mailbox
                .attachments(id_of(&item))
                .await?
                .iter()
                .filter_map(|a| a["name"].as_str().map(str::to_owned))
                .collect()
        } else {
            Vec::new()
        };
        if kql.matches(&item, &names) {
            found.push(item);
        }
        if found.len() == SEARCH_LIMIT {
            break;
        }
    }
    Ok(found)
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let scope = Listing {
        folder: None,
        path: "/me/messages".to_owned(),
        context: format!("users('{me}')/messages"),
    };
    listing(&state, &caller, &headers, raw.as_deref(), scope).await
}

pub async fn list_in_folder(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let folder = Mailbox::new(&state.store, me).folder(&folder_id).await?;
    let id = id_of(&folder);
    let scope = Listing {
        folder: Some(id),
        path: format!("/me/mailFolders/{folder_id}/messages"),
        context: format!("users('{me}')/mailFolders('{id}')/messages"),
    };
    listing(&state, &caller, &headers, raw.as_deref(), scope).await
}

/// One message as a response body (GET, PATCH, create, move and copy all answer with it).
pub async fn respond_with(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    doc: &Value,
    query: &Query,
    preferences: &Preferences,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let shown = present(doc, query, preferences, caller);
    let context = format!("users('{me}')/messages/$entity");
    let mut body = entity(state, query, &shown, &context).0;
    expand_attachments(&mailbox, query, std::slice::from_mut(&mut body)).await?;
    Ok(preferences.unpaged().respond(status, body))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let query = parse_query(raw.as_deref())?;
    let doc = Mailbox::new(&state.store, caller.me()?)
        .message(&id)
        .await?;
    let preferences = Preferences::from_headers(&headers);
    respond_with(&state, &caller, StatusCode::OK, &doc, &query, &preferences).await
}

/// `POST /me/messages`: a draft in Drafts
/// (https://learn.microsoft.com/graph/api/user-post-messages).
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let directory = state.users().await?;
    let now = clock::now();
    let mut content = shape::compose(&body, &directory, &now)?;
    content["conversationId"] = json!(mailbox::random_conversation_id());
    content["conversationIndex"] = json!(mailbox::conversation_index(&crate::ids::random_bytes::<
        22,
    >()));
    let id = mailbox::random_id();
    let files = attachments::from_request(&body["attachments"], &now)?;
    content["hasAttachments"] = json!(files.iter().any(|f| f["isInline"] == false));
    let drafts = mailbox.well_known_id("drafts");
    let doc = shape::place(
        &content,
        &Placement {
            id: &id,
            folder: &drafts,
            is_read: true,
            is_draft: true,
            created: &now,
            received: &now,
            sent: None,
            change_key: &mailbox::change_key(),
        },
    );
    mailbox.put_message(&doc).await?;
    for file in &files {
        mailbox.put_attachment(&id, file).await?;
    }
    let preferences = Preferences::from_headers(&headers);
    respond_with(
        &state,
        &caller,
        StatusCode::CREATED,
        &doc,
        &Query::default(),
        &preferences,
    )
    .await
}

/// `PATCH`: Graph answers 200 with the updated message
/// (https://learn.microsoft.com/graph/api/message-update).
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let mut doc = mailbox.message(&id).await?;
    check_known(&body, &[])?;
    let directory = state.users().await?;
    let now = clock::now();
    let is_draft = doc["isDraft"] == true;
    for (name, value) in body.as_object().into_iter().flatten() {
        if name.starts_with('@') {
            continue;
        }
        if DRAFT_ONLY.contains(&name.as_str()) && !is_draft {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidPropertyUpdateSentMessage",
                "Update operation is invalid for property of a sent message.",
            ));
        }
        if !DRAFT_ONLY.contains(&name.as_str()) && !ALWAYS_WRITABLE.contains(&name.as_str()) {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidPropertySet",
                format!("Set action is invalid for property '{name}'."),
            ));
        }
        doc[name.as_str()] = shape::property(name, value, &directory, &now)?;
    }
    shape::touch(&mut doc, &now);
    mailbox.put_message(&doc).await?;
    let preferences = Preferences::from_headers(&headers);
    respond_with(
        &state,
        &caller,
        StatusCode::OK,
        &doc,
        &Query::default(),
        &preferences,
    )
    .await
}

/// `DELETE`: the message is gone from every folder
/// (https://learn.microsoft.com/graph/api/message-delete).
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let mailbox = Mailbox::new(&state.store, caller.me()?);
    let doc = mailbox.message(&id).await?;
    mailbox.remove_message(&doc).await?;
    Ok(StatusCode::NO_CONTENT)
}
