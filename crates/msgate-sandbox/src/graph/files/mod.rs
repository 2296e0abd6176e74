//! OneDrive and team document libraries: drives and drive items, folders, moves and copies,
//! sharing links and invitations, items reached by their URL (the shares API), delta and search,
//! content download (a redirect to a pre-authenticated URL) and upload (simple, and resumable
//! upload sessions).
//!
//! Graph addresses drive items by id and by path (`root:/a/b.txt:`); `address` rewrites paths
//! to ids before routing so every request is authorized as the operation it is. Downloads and
//! upload sessions are served outside `/v1.0`, as Graph serves them from content hosts: their
//! URLs carry their own authorization and refuse an `Authorization` header, so a client can
//! never hand its Graph token to a content host.

mod address;
mod content;
mod drives;
mod items;
mod quickxor;
mod seed;
mod shares;
mod tree;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, OriginalUri, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::routing::{get, post};
use serde_json::{Value, json};

use self::address::Reference;
pub(crate) use self::items::searchable;
pub use self::seed::seed;
use self::tree::{Drive, Stamp};
use super::Caller;
use super::error::{GraphError, GraphResult};
use crate::clock;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    let search = format!("/me/drive/root/{}", address::SEARCH_SEGMENT);
    let drive_search = format!("/drives/{{id}}/root/{}", address::SEARCH_SEGMENT);
    Router::new()
        .route("/me/drive", get(items::get_drive))
        .route("/me/drive/root", get(items::get_item))
        .route(
            "/me/drive/root/children",
            get(items::list_children).post(items::create_folder),
        )
        .route("/me/drive/root/delta", get(items::delta))
        .route(&search, get(items::search))
        .route(
            "/me/drive/items/{id_1}",
            get(items::get_item)
                .patch(items::update_item)
                .delete(items::delete_item),
        )
        .route(
            "/me/drive/items/{id_1}/children",
            get(items::list_children).post(items::create_folder),
        )
        .route(
            "/me/drive/items/{id_1}/content",
            get(content::download).put(content::upload),
        )
        .route("/me/drive/items/{id_1}/copy", post(items::copy_item))
        .route(
            "/me/drive/items/{id_1}/createLink",
            post(items::create_link),
        )
        .route(
            "/me/drive/items/{id_1}/permissions",
            get(items::list_permissions),
        )
        .route(
            "/me/drive/items/{id_1}/createUploadSession",
            post(content::create_upload_session),
        )
        .route("/me/drive/items/{id_1}/invite", post(items::invite))
        .route("/drives/{id}", get(items::get_drive))
        .route("/drives/{id}/root", get(items::get_item))
        .route(
            "/drives/{id}/root/children",
            get(items::list_children).post(items::create_folder),
        )
        .route(&drive_search, get(items::search))
        .route(
            "/drives/{id}/items/{id_1}",
            get(items::get_item)
                .patch(items::update_item)
                .delete(items::delete_item),
        )
        .route("/drives/{id}/items/{id_1}/copy", post(items::copy_item))
        .route(
            "/drives/{id}/items/{id_1}/createLink",
            post(items::create_link),
        )
        .route(
            "/drives/{id}/items/{id_1}/permissions",
            get(items::list_permissions),
        )
        .route(
            "/drives/{id}/items/{id_1}/children",
            get(items::list_children).post(items::create_folder),
        )
        .route(
            "/drives/{id}/items/{id_1}/content",
            get(content::download).put(content::upload),
        )
        .route(
            "/drives/{id}/items/{id_1}/createUploadSession",
            post(content::create_upload_session),
        )
        .route("/drives/{id}/items/{id_1}/invite", post(items::invite))
        .route("/shares/{id}/driveItem", get(shares::get_item))
        .route("/shares/{id}/driveItem/content", get(shares::get_content))
}

/// The content host: pre-authenticated downloads, upload sessions and copy monitors, outside
/// `/v1.0` and its token check. Fragments are subject to the fault injector like Graph
/// requests, so a client's resume logic can be tested against a session that fails midway.
pub fn content_routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route(content::DOWNLOAD_ROUTE, get(content::serve_download))
        .route(
            content::UPLOAD_ROUTE,
            axum::routing::put(content::upload_fragment)
                .route_layer(middleware::from_fn_with_state(state, crate::faults::inject))
                .route_layer(DefaultBodyLimit::max(content::MAX_FRAGMENT))
                .get(content::upload_status)
                .delete(content::cancel_upload),
        )
        .route(items::MONITOR_ROUTE, get(items::copy_status))
}

/// The Graph router with path-addressed drive requests rewritten to their item-id form.
pub fn path_addressing(router: Router) -> tower::util::MapRequest<Router, fn(Request) -> Request> {
    tower::ServiceExt::map_request(router, address::rewrite as fn(Request) -> Request)
}

/// The folder of a channel in its team's document library.
pub(super) async fn channel_folder(
    state: &AppState,
    caller: &Caller,
    team: &Value,
    channel: &Value,
) -> GraphResult<Value> {
    let stamp = stamp(state, caller).await?;
    drives::channel_folder(state, team, channel, &stamp).await
}

/// OneDrive's own error codes (https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors).
fn item_not_found() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        "The resource could not be found.",
    )
}

fn invalid_request(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
}

fn name_already_exists() -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "nameAlreadyExists",
        "The specified item name already exists.",
    )
}

fn access_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "accessDenied",
        "Access denied: the caller cannot reach this drive.",
    )
}

/// The drive and item a drive route names, for the caller it authorized: `/me/drive/...` is
/// the caller's OneDrive, `/drives/{id}/...` a drive the caller may open; `{id_1}` names the
/// item (the root when the route has none).
pub(super) struct Target {
    caller: Caller,
    drive: Drive,
    reference: Reference,
    /// `@odata.context` prefix: `users('{id}')/drive` or `drives('{id}')`.
    context: String,
}

impl FromRequestParts<Arc<AppState>> for Target {
    type Rejection = GraphError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| GraphError::unauthorized("Access token is empty."))?;
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| params)
            .unwrap_or_default();
        let (drive, context) = match params.get("id") {
            Some(drive_id) => (
                drives::open(state, &caller, drive_id).await?,
                format!("drives('{drive_id}')"),
            ),
            None => {
                let me = caller.me()?;
                (
                    drives::mine(state, me).await?,
                    format!("users('{me}')/drive"),
                )
            }
        };
        let reference = Reference::parse(params.get("id_1").map_or("root", String::as_str));
        Ok(Target {
            caller,
            drive,
            reference,
            context,
        })
    }
}

/// Now, by the caller: a user, or the confidential client for app-only tokens.
async fn stamp(state: &AppState, caller: &Caller) -> GraphResult<Stamp> {
    let by = match &caller.user_id {
        Some(id) => {
            let user = state.store.get("user", "", id).await?.unwrap_or_default();
            json!({"user": {"id": id, "displayName": user["displayName"]}})
        }
        None => json!({"application": {
            "id": state.tenant.confidential_client_id,
            "displayName": "Sandbox confidential client",
        }}),
    };
    Ok(Stamp {
        at: clock::now(),
        by,
    })
}

/// An item as Graph returns it: files carry a fresh pre-authenticated download URL.
fn render(state: &AppState, drive: &Drive, item: &Value) -> Value {
    let mut item = item.clone();
    if item.get("file").is_some() {
        item["@microsoft.graph.downloadUrl"] =
            json!(content::download_url(state, &drive.id, tree::id_of(&item)));
    }
    item
}

/// `@microsoft.graph.conflictBehavior`, from the query string or the request body.
fn conflict_option(raw_query: Option<&str>, body: &Value) -> Option<String> {
    super::odata::plain_params(raw_query)
        .remove(CONFLICT_BEHAVIOR)
        .or_else(|| body[CONFLICT_BEHAVIOR].as_str().map(str::to_owned))
}

const CONFLICT_BEHAVIOR: &str = "@microsoft.graph.conflictBehavior";

/// `If-Match` with an eTag or cTag the item no longer has: 412, as Graph answers a write based
/// on a stale read.
fn check_if_match(headers: &HeaderMap, item: &Value) -> GraphResult<()> {
    let Some(expected) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let unquoted = |tag: &str| tag.trim().trim_matches('"').to_owned();
    let expected = unquoted(expected);
    let current = ["eTag", "cTag"]
        .iter()
        .filter_map(|field| item[*field].as_str())
        .any(|tag| unquoted(tag) == expected);
    if expected == "*" || current {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "resourceModified",
            "The item has changed since the eTag in If-Match was read.",
        ))
    }
}

/// The path (below /v1.0) a request was made with, before any rewriting: what a nextLink
/// must repeat.
fn request_path(uri: &OriginalUri) -> String {
    let path = uri.path();
    path.strip_prefix(super::PREFIX).unwrap_or(path).to_owned()
}
