//! Moving and copying messages between folders (https://learn.microsoft.com/graph/api/message-move
//! and message-copy): both answer `201 Created` with the message in its new folder, which has a
//! new id — a move is a copy and a delete, as in Exchange, so the old id is gone and delta
//! queries on the old folder report it `@removed`.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::mailbox::{self, Mailbox};
use super::messages::respond_with;
use super::shape::{Preferences, touch};
use crate::clock;
use crate::graph::Caller;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::state::AppState;

/// A copy of message `id` in the folder the body names; the original stays.
async fn copy_into(mailbox: &Mailbox<'_>, id: &str, body: &Value) -> GraphResult<(Value, Value)> {
    let original = mailbox.message(id).await?;
    let destination = body
        .get("destinationId")
        .or_else(|| body.get("DestinationId"))
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the parameter 'DestinationId' is empty.",
            )
        })?;
    let folder = mailbox.folder(destination).await?;
    let mut copy = original.clone();
    let new_id = mailbox::random_id();
    copy["id"] = json!(new_id);
    copy["parentFolderId"] = folder["id"].clone();
    touch(&mut copy, &clock::now());
    mailbox.put_message(&copy).await?;
    let attachments = mailbox.attachments(id).await?;
    mailbox
        .copy_attachments(&new_id, &attachments, &|_| mailbox::random_id())
        .await?;
    Ok((original, copy))
}

pub async fn move_message(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let mailbox = Mailbox::new(&state.store, caller.me()?);
    let (original, moved) = copy_into(&mailbox, &id, &body).await?;
    mailbox.remove_message(&original).await?;
    let preferences = Preferences::from_headers(&headers);
    respond_with(
        &state,
        &caller,
        StatusCode::CREATED,
        &moved,
        &Query::default(),
        &preferences,
    )
    .await
}

pub async fn copy_message(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let mailbox = Mailbox::new(&state.store, caller.me()?);
    let (_, copy) = copy_into(&mailbox, &id, &body).await?;
    let preferences = Preferences::from_headers(&headers);
    respond_with(
        &state,
        &caller,
        StatusCode::CREATED,
        &copy,
        &Query::default(),
        &preferences,
    )
    .await
}
