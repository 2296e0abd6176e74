//! Mail folders: the top-level list, one folder, child folders, and creating folders. Item and
//! unread counts are counted from the messages on every read, so they are right after every
//! send, move, delete and read-flag change without bookkeeping that could drift.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::mailbox::{self, Mailbox, ROOT, id_of};
use super::shape::check_query;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::graph::{Caller, collection, entity};
use crate::state::AppState;

const PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "parentFolderId",
    "childFolderCount",
    "unreadItemCount",
    "totalItemCount",
    "isHidden",
];

/// Graph pages folders ten at a time by default.
const FOLDER_PAGE: (usize, usize) = (10, 1000);

/// A stored folder document (counts are added when it is shown).
pub fn folder_doc(id: &str, name: &str, parent: &str) -> Value {
    json!({"id": id, "displayName": name, "parentFolderId": parent, "isHidden": false})
}

/// Folders with their counts, as Graph shows them.
async fn counted(mailbox: &Mailbox<'_>, folders: Vec<Value>) -> GraphResult<Vec<Value>> {
    let messages = mailbox.messages().await?;
    let all = mailbox.folders().await?;
    Ok(folders
        .into_iter()
        .map(|folder| {
            let id = id_of(&folder);
            let inside = messages.iter().filter(|m| m["parentFolderId"] == id);
            let total = inside.clone().count();
            let unread = inside.filter(|m| m["isRead"] == false).count();
            let children = all.iter().filter(|f| f["parentFolderId"] == id).count();
            json!({
                "id": id,
                "displayName": folder["displayName"],
                "parentFolderId": folder["parentFolderId"],
                "childFolderCount": children,
                "unreadItemCount": unread,
                "totalItemCount": total,
                "isHidden": folder["isHidden"],
            })
        })
        .collect())
}

/// The child folders of `parent`, by display name as Outlook lists them; hidden ones only when
/// the request says `includeHiddenFolders=true`.
async fn children(mailbox: &Mailbox<'_>, parent: &str, query: &Query) -> GraphResult<Vec<Value>> {
    let include_hidden = query
        .other
        .iter()
        .any(|(k, v)| k == "includeHiddenFolders" && v == "true");
    let mut folders: Vec<Value> = mailbox
        .folders()
        .await?
        .into_iter()
        .filter(|f| f["parentFolderId"] == parent)
        .filter(|f| include_hidden || f["isHidden"] != true)
        .collect();
    folders.sort_by_key(|f| f["displayName"].as_str().unwrap_or_default().to_lowercase());
    counted(mailbox, folders).await
}

fn parse(raw: Option<&str>) -> GraphResult<Query> {
    let query = Query::parse(raw)?;
    check_query(&query, PROPERTIES, &[], "mailFolder")?;
    Ok(query)
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = parse(raw.as_deref())?;
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let root = mailbox.well_known_id(ROOT);
    let items = children(&mailbox, &root, &query).await?;
    let context = format!("users('{me}')/mailFolders");
    collection(
        &state,
        &query,
        items,
        "/me/mailFolders",
        &context,
        FOLDER_PAGE,
    )
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = parse(raw.as_deref())?;
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let folder = mailbox.folder(&folder_id).await?;
    let shown = counted(&mailbox, vec![folder]).await?;
    let context = format!("users('{me}')/mailFolders/$entity");
    Ok(entity(&state, &query, &shown[0], &context))
}

pub async fn child_folders(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = parse(raw.as_deref())?;
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let parent = mailbox.folder(&folder_id).await?;
    let items = children(&mailbox, id_of(&parent), &query).await?;
    let path = format!("/me/mailFolders/{folder_id}/childFolders");
    let context = format!(
        "users('{me}')/mailFolders('{}')/childFolders",
        id_of(&parent)
    );
    collection(&state, &query, items, &path, &context, FOLDER_PAGE)
}

/// `POST /me/mailFolders` (https://learn.microsoft.com/graph/api/user-post-mailfolders).
pub async fn create_top_level(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let root = mailbox.well_known_id(ROOT);
    create(&state, &mailbox, &root, &body).await
}

/// `POST /me/mailFolders/{id}/childFolders`
/// (https://learn.microsoft.com/graph/api/mailfolder-post-childfolders).
pub async fn create_child(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(folder_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let parent = mailbox.folder(&folder_id).await?;
    create(&state, &mailbox, id_of(&parent), &body).await
}

async fn create(
    state: &AppState,
    mailbox: &Mailbox<'_>,
    parent: &str,
    body: &Value,
) -> GraphResult<(StatusCode, Json<Value>)> {
    for key in body.as_object().into_iter().flat_map(|o| o.keys()) {
        if !PROPERTIES.contains(&key.as_str()) && !key.starts_with('@') {
            return Err(super::shape::unreadable(format!(
                "The property '{key}' does not exist on type 'microsoft.graph.mailFolder'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        }
    }
    let name = body["displayName"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRequest",
                "The displayName property is required to create a folder.",
            )
        })?;
    let taken = mailbox.folders().await?.iter().any(|f| {
        f["parentFolderId"] == parent
            && f["displayName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    if taken {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ));
    }
    let mut folder = folder_doc(&mailbox::random_id(), name, parent);
    if let Some(hidden) = body.get("isHidden").and_then(Value::as_bool) {
        folder["isHidden"] = json!(hidden);
    }
    mailbox.put_folder(&folder).await?;
    let shown = counted(mailbox, vec![folder]).await?;
    let context = format!("users('{}')/mailFolders/$entity", mailbox.user);
    Ok((
        StatusCode::CREATED,
        entity(state, &Query::default(), &shown[0], &context),
    ))
}
