//! The upload URL of a large-attachment session, outside `/v1.0` as Outlook's is on another host
//! (https://learn.microsoft.com/graph/outlook-large-attachments).
//!
//! Outlook's upload URL is pre-authenticated: the token is in the URL, and a client must not
//! send its Graph token there. The sandbox's URL carries an unguessable session id and answers
//! 401 to any request that brings an `Authorization` header, so a client that would leak its
//! token to the upload host fails its tests. Bytes arrive in order, one `Content-Range` at a
//! time (each request stays under the 4 MB body limit); the last one creates the attachment
//! and answers 201 with its `Location`.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::ToSpan;
use serde_json::{Value, json};

use super::attachments;
use super::mailbox::{self, Mailbox, id_of};
use crate::clock;
use crate::graph::error::{GraphError, GraphResult};
use crate::ids;
use crate::state::AppState;

const SESSION: &str = "mailUploadSession";
const CHUNK: &str = "mailUploadChunk";
pub const PATH: &str = "/_sandbox/upload/mail/{session}";
/// Each PUT stays under Graph's 4 MB request limit.
const CHUNK_LIMIT: usize = 4 * 1024 * 1024;
const SESSION_HOURS: i64 = 2;

/// What the upload becomes once complete.
pub struct Target<'a> {
    pub user: &'a str,
    pub message_id: &'a str,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub is_inline: bool,
    pub content_id: &'a Value,
}

/// Open a session; the `uploadSession` Graph answers with.
pub async fn open(state: &AppState, target: Target<'_>) -> GraphResult<Value> {
    let id = ids::random_token(32);
    let expires = jiff::Timestamp::now()
        .checked_add(SESSION_HOURS.hours())
        .map(clock::format_millis)
        .unwrap_or_else(|_| clock::now());
    let session = json!({
        "id": id,
        "user": target.user,
        "messageId": target.message_id,
        "name": target.name,
        "contentType": target.content_type,
        "size": target.size,
        "isInline": target.is_inline,
        "contentId": target.content_id,
        "received": 0,
        "expirationDateTime": expires,
    });
    state.store.put(SESSION, "", &id, &session).await?;
    Ok(json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", state.graph_url()),
        "uploadUrl": format!("{}{}", state.base_url, PATH.replace("{session}", &id)),
        "expirationDateTime": expires,
        "nextExpectedRanges": ["0-"],
    }))
}

/// The pre-authenticated URL must never receive a bearer token.
fn refuse_authorization(headers: &HeaderMap) -> GraphResult<()> {
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The upload URL is pre-authenticated: send no Authorization header to it.",
        ));
    }
    Ok(())
}

async fn session(state: &AppState, id: &str) -> GraphResult<Value> {
    let session = state
        .store
        .get(SESSION, "", id)
        .await?
        .ok_or_else(mailbox::not_found)?;
    let expired = session["expirationDateTime"]
        .as_str()
        .and_then(clock::parse)
        .is_none_or(|at| at <= jiff::Timestamp::now());
    if expired {
        discard(state, id).await?;
        return Err(mailbox::not_found());
    }
    Ok(session)
}

async fn discard(state: &AppState, id: &str) -> GraphResult<()> {
    for chunk in state.store.list(CHUNK, id).await? {
        state.store.delete(CHUNK, id, id_of(&chunk)).await?;
    }
    state.store.delete(SESSION, "", id).await?;
    Ok(())
}

/// `Content-Range: bytes {start}-{end}/{total}`.
fn content_range(headers: &HeaderMap) -> GraphResult<(u64, u64, u64)> {
    let bad = || {
        GraphError::bad_request(
            "The Content-Range header is missing or malformed; expected 'bytes {start}-{end}/{total}'.",
        )
    };
    let value = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(bad)?;
    let range = value.trim().strip_prefix("bytes ").ok_or_else(bad)?;
    let (span, total) = range.split_once('/').ok_or_else(bad)?;
    let (start, end) = span.split_once('-').ok_or_else(bad)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
    let (start, end, total) = (number(start)?, number(end)?, number(total)?);
    if end < start {
        return Err(bad());
    }
    Ok((start, end, total))
}

fn range_not_satisfiable(expected: u64) -> GraphError {
    GraphError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "InvalidRange",
        format!(
            "The uploaded range does not continue the file; the next expected byte is {expected}."
        ),
    )
}

/// `PUT {uploadUrl}`: one range of bytes.
pub async fn put(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> GraphResult<Response> {
    refuse_authorization(&headers)?;
    let mut session = session(&state, &id).await?;
    let (start, end, total) = content_range(&headers)?;
    let bytes = axum::body::to_bytes(body, CHUNK_LIMIT).await.map_err(|_| {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Each upload request must stay under 4 MB.",
        )
    })?;
    let received = session["received"].as_u64().unwrap_or_default();
    let size = session["size"].as_u64().unwrap_or_default();
    if total != size {
        return Err(GraphError::bad_request(format!(
            "The Content-Range total {total} is not the session's attachment size {size}."
        )));
    }
    if start != received || end >= size {
        return Err(range_not_satisfiable(received));
    }
    if bytes.len() as u64 != end - start + 1 {
        return Err(GraphError::bad_request(
            "The body length does not match the Content-Range.",
        ));
    }
    let chunk = json!({"id": format!("{start:012}"), "bytes": STANDARD.encode(&bytes)});
    state.store.put(CHUNK, &id, id_of(&chunk), &chunk).await?;
    let received = end + 1;
    session["received"] = json!(received);
    if received < size {
        state.store.put(SESSION, "", &id, &session).await?;
        let progress = json!({
            "@odata.context": format!("{}/api/v2.0/$metadata#Users('{}')/Messages('{}')/AttachmentSessions/$entity", state.base_url, session["user"].as_str().unwrap_or_default(), session["messageId"].as_str().unwrap_or_default()),
            "ExpirationDateTime": session["expirationDateTime"],
            "nextExpectedRanges": [received.to_string()],
        });
        return Ok((StatusCode::OK, Json(progress)).into_response());
    }
    complete(&state, &id, &session).await
}

/// The last range arrived: the attachment exists, and `Location` names it.
async fn complete(state: &AppState, id: &str, session: &Value) -> GraphResult<Response> {
    let mut bytes = Vec::new();
    for chunk in state.store.list(CHUNK, id).await? {
        let part = STANDARD
            .decode(chunk["bytes"].as_str().unwrap_or_default())
            .map_err(|_| {
                GraphError::internal(&msgate_core::Error::internal(
                    "stored upload chunk is not base64",
                ))
            })?;
        bytes.extend_from_slice(&part);
    }
    discard(state, id).await?;
    let user = session["user"].as_str().unwrap_or_default();
    let message_id = session["messageId"].as_str().unwrap_or_default();
    let mailbox = Mailbox::new(&state.store, user);
    let mut message = mailbox.message(message_id).await?;
    let mut file = attachments::file_doc(
        &mailbox::random_id(),
        session["name"].as_str().unwrap_or_default(),
        session["contentType"]
            .as_str()
            .unwrap_or("application/octet-stream"),
        &bytes,
        &clock::now(),
    );
    file["isInline"] = session["isInline"].clone();
    file["contentId"] = session["contentId"].clone();
    attachments::attach(&mailbox, &mut message, &file).await?;
    let location = format!(
        "{}/api/v2.0/Users('{user}@{}')/Messages('{message_id}')/Attachments('{}')",
        state.base_url,
        state.tenant.id,
        id_of(&file)
    );
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `DELETE {uploadUrl}`: cancel the session (204).
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> GraphResult<StatusCode> {
    refuse_authorization(&headers)?;
    session(&state, &id).await?;
    discard(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
