//! File attachments on messages: listing, reading (as JSON with base64 `contentBytes`, or raw at
//! `…/$value`), adding one under 3 MB in a single POST, and opening an upload session for larger
//! ones (https://learn.microsoft.com/graph/outlook-large-attachments). The session's upload URL
//! is served by [`super::upload`].

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::mailbox::{self, Mailbox, id_of};
use super::shape::{self, unreadable};
use super::upload;
use crate::clock;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::graph::{Caller, collection, entity};
use crate::state::AppState;

const FILE_TYPE: &str = "#microsoft.graph.fileAttachment";
const PROPERTIES: &[&str] = &[
    "id",
    "name",
    "contentType",
    "size",
    "isInline",
    "lastModifiedDateTime",
    "contentBytes",
    "contentId",
    "contentLocation",
];
/// Up to 3 MB in one POST; from there to 150 MB through an upload session.
pub const SINGLE_POST_LIMIT: u64 = 3 * 1024 * 1024;
pub const SESSION_LIMIT: u64 = 150 * 1024 * 1024;

/// A stored file attachment.
pub fn file_doc(id: &str, name: &str, content_type: &str, bytes: &[u8], now: &str) -> Value {
    json!({
        "@odata.type": FILE_TYPE,
        "@odata.mediaContentType": content_type,
        "id": id,
        "lastModifiedDateTime": now,
        "name": name,
        "contentType": content_type,
        "size": bytes.len(),
        "isInline": false,
        "contentId": null,
        "contentLocation": null,
        "contentBytes": STANDARD.encode(bytes),
    })
}

/// A file attachment from a request body; only file attachments are emulated.
fn from_body(body: &Value, now: &str) -> GraphResult<Value> {
    let kind = body["@odata.type"].as_str().unwrap_or_default();
    if kind.is_empty() {
        return Err(unreadable(
            "An attachment needs an '@odata.type' naming its kind, such as '#microsoft.graph.fileAttachment'.",
        ));
    }
    if kind.trim_start_matches('#') != FILE_TYPE.trim_start_matches('#') {
        return Err(GraphError::bad_request(format!(
            "The sandbox emulates file attachments only, not '{kind}'."
        )));
    }
    for key in body.as_object().into_iter().flat_map(|o| o.keys()) {
        if !PROPERTIES.contains(&key.as_str()) && !key.starts_with('@') {
            return Err(unreadable(format!(
                "The property '{key}' does not exist on type 'microsoft.graph.fileAttachment'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        }
    }
    let name = body["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("The attachment name is required."))?;
    let bytes = STANDARD
        .decode(body["contentBytes"].as_str().unwrap_or_default())
        .map_err(|_| unreadable("The value of 'contentBytes' is not valid base64."))?;
    let content_type = body["contentType"]
        .as_str()
        .unwrap_or("application/octet-stream");
    let mut doc = file_doc(&mailbox::random_id(), name, content_type, &bytes, now);
    doc["isInline"] = json!(body["isInline"].as_bool().unwrap_or(false));
    doc["contentId"] = body["contentId"].clone();
    Ok(doc)
}

/// The `attachments` of a message in a create or send body.
pub fn from_request(value: &Value, now: &str) -> GraphResult<Vec<Value>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|a| from_body(a, now)).collect(),
        _ => Err(unreadable("Attachments must be an array.")),
    }
}

/// Add an attachment to a message, which then has attachments (inline ones do not count).
pub async fn attach(mailbox: &Mailbox<'_>, message: &mut Value, file: &Value) -> GraphResult<()> {
    let now = clock::now();
    mailbox.put_attachment(id_of(message), file).await?;
    if file["isInline"] == false {
        message["hasAttachments"] = json!(true);
    }
    shape::touch(message, &now);
    Ok(mailbox.put_message(message).await?)
}

fn context(me: &str, message_id: &str) -> String {
    format!("users('{me}')/messages('{message_id}')/attachments")
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    shape::check_query(&query, PROPERTIES, &[], "attachment")?;
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    mailbox.message(&message_id).await?;
    let items = mailbox.attachments(&message_id).await?;
    let path = format!("/me/messages/{message_id}/attachments");
    collection(
        &state,
        &query,
        items,
        &path,
        &context(me, &message_id),
        (1000, 1000),
    )
}

async fn one(state: &AppState, me: &str, message_id: &str, id: &str) -> GraphResult<Value> {
    let mailbox = Mailbox::new(&state.store, me);
    mailbox.message(message_id).await?;
    mailbox
        .attachments(message_id)
        .await?
        .into_iter()
        .find(|a| id_of(a) == id)
        .ok_or_else(mailbox::not_found)
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((message_id, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    shape::check_query(&query, PROPERTIES, &[], "attachment")?;
    let me = caller.me()?;
    let doc = one(&state, me, &message_id, &id).await?;
    let context = format!("{}/$entity", context(me, &message_id));
    Ok(entity(&state, &query, &doc, &context))
}

/// The raw bytes of a file attachment
/// (https://learn.microsoft.com/graph/api/attachment-get, "Get the raw contents").
pub async fn value(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((message_id, id)): Path<(String, String)>,
) -> GraphResult<Response> {
    let doc = one(&state, caller.me()?, &message_id, &id).await?;
    let bytes = STANDARD
        .decode(doc["contentBytes"].as_str().unwrap_or_default())
        .map_err(|_| {
            GraphError::internal(&msgate_core::Error::internal(
                "stored attachment is not base64",
            ))
        })?;
    let content_type = doc["contentType"]
        .as_str()
        .unwrap_or("application/octet-stream")
        .to_owned();
    Ok(([(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response())
}

/// `POST …/attachments` (https://learn.microsoft.com/graph/api/message-post-attachments): 201.
pub async fn add(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let mut message = mailbox.message(&message_id).await?;
    let file = from_body(&body, &clock::now())?;
    if file["size"].as_u64().unwrap_or_default() > SINGLE_POST_LIMIT {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Attachments over 3 MB must be uploaded through an upload session.",
        ));
    }
    attach(&mailbox, &mut message, &file).await?;
    let context = format!("{}/$entity", context(me, &message_id));
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &file, &context),
    ))
}

/// `POST …/attachments/createUploadSession`
/// (https://learn.microsoft.com/graph/api/attachment-createuploadsession): 201 with the upload
/// URL, which takes the bytes without an `Authorization` header.
pub async fn create_upload_session(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    Mailbox::new(&state.store, me).message(&message_id).await?;
    let item = body
        .get("AttachmentItem")
        .or_else(|| body.get("attachmentItem"))
        .filter(|i| i.is_object())
        .ok_or_else(|| GraphError::bad_request("The parameter 'AttachmentItem' is required."))?;
    let kind = item["attachmentType"].as_str().unwrap_or("file");
    if !kind.eq_ignore_ascii_case("file") {
        return Err(GraphError::bad_request(format!(
            "Upload sessions take file attachments only, not '{kind}'."
        )));
    }
    let name = item["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("The attachment name is required."))?;
    let size = item["size"]
        .as_u64()
        .ok_or_else(|| GraphError::bad_request("The attachment size is required."))?;
    if size < SINGLE_POST_LIMIT {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
            "Attachment size must be greater than the minimum size.",
        ));
    }
    if size > SESSION_LIMIT {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",
            "Attachment size must be less than the maximum size.",
        ));
    }
    let session = upload::open(
        &state,
        upload::Target {
            user: me,
            message_id: &message_id,
            name,
            content_type: item["contentType"]
                .as_str()
                .unwrap_or("application/octet-stream"),
            size,
            is_inline: item["isInline"].as_bool().unwrap_or(false),
            content_id: &item["contentId"],
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(session)))
}
