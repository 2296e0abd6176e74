//! Drive and item metadata: the drive, items and their children, folders, rename and move
//! (`PATCH`), delete, copy with its monitor, sharing links and permissions, delta and search.

use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::tree::{
    self, Conflict, Drive, Facet, ITEM, Owner, TOMBSTONE, Tree, check_name, id_of, is_folder,
    is_root, new_item, new_item_id, parent_id_of, settle_name,
};
use super::{
    Target, access_denied, check_if_match, conflict_option, drives, invalid_request,
    item_not_found, render, request_path, stamp,
};
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::graph::{Caller, collection, entity};
use crate::ids;
use crate::state::AppState;

/// Children, delta and search pages: Graph's default page of 200, up to 999 with `$top`.
const PAGING: (usize, usize) = (200, 999);
pub(super) const PERMISSION: &str = "drivePermission";
const COPY_JOB: &str = "copyJob";
/// Where a copy is monitored: outside Graph, like the service it stands for.
pub const MONITOR_ROUTE: &str = "/_sandbox/monitor/{job}";

fn item_context(target: &Target) -> String {
    format!("{}/items/$entity", target.context)
}

/// `GET /me/drive`, `GET /drives/{id}`: the drive, with its quota from the root's total size.
pub async fn get_drive(
    State(state): State<Arc<AppState>>,
    target: Target,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let root = state
        .store
        .get(ITEM, &target.drive.id, &target.drive.root_id())
        .await?;
    let used = root.and_then(|r| r["size"].as_u64()).unwrap_or(0);
    let mut drive = target.drive.doc.clone();
    drive["quota"] = drives::quota(used);
    let context = match target.drive.owner {
        Owner::User(_) if target.context.starts_with("users") => {
            format!("{}/$entity", target.context)
        }
        _ => "drives/$entity".to_owned(),
    };
    Ok(entity(&state, &query, &drive, &context))
}

/// `GET /me/drive/root`, `GET /me/drive/items/{id}` (or by path), `GET /drives/{id}/items/{id}`.
pub async fn get_item(
    State(state): State<Arc<AppState>>,
    target: Target,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    Ok(entity(
        &state,
        &query,
        &render(&state, &target.drive, &item),
        &item_context(&target),
    ))
}

/// A folder's children, sorted by name.
pub async fn list_children(
    State(state): State<Arc<AppState>>,
    target: Target,
    uri: OriginalUri,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let folder = tree.existing(&target.reference)?;
    let children = tree
        .children(id_of(&folder))
        .into_iter()
        .map(|child| render(&state, &target.drive, child))
        .collect();
    let context = format!("{}/items('{}')/children", target.context, id_of(&folder));
    collection(
        &state,
        &query,
        children,
        &request_path(&uri),
        &context,
        PAGING,
    )
}

/// `POST …/children` with a `folder` facet: a new folder, 201
/// (https://learn.microsoft.com/graph/api/driveitem-post-children). A taken name fails with 409
/// unless `@microsoft.graph.conflictBehavior` says rename or replace.
pub async fn create_folder(
    State(state): State<Arc<AppState>>,
    target: Target,
    RawQuery(raw): RawQuery,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let name = body["name"]
        .as_str()
        .ok_or_else(|| invalid_request("Property 'name' is required."))?;
    check_name(name)?;
    if body.get("folder").is_none() {
        return Err(invalid_request(
            "Only folders are created here: include a 'folder' facet. Upload files with PUT …/content.",
        ));
    }
    let conflict = Conflict::parse(
        conflict_option(raw.as_deref(), &body).as_deref(),
        Conflict::Fail,
    )?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let parent = tree.existing(&target.reference)?;
    if !is_folder(&parent) {
        return Err(invalid_request("Folders can only be created in a folder."));
    }
    let stamp = stamp(&state, &target.caller).await?;
    let (name, replaced) = settle_name(&tree, &parent, name, conflict, None)?;
    if let Some(replaced) = replaced {
        tree::remove(&state.store, &target.drive, &tree, &replaced, &stamp).await?;
    }
    let mut folder = new_item(
        &target.drive,
        &new_item_id(),
        &name,
        Some(&parent),
        &Facet::Folder,
        &stamp,
    );
    if let Some(description) = body.get("description").filter(|d| d.is_string()) {
        folder["description"] = description.clone();
    }
    tree::insert(&state.store, &target.drive, &folder).await?;
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &folder, &item_context(&target)),
    ))
}

/// `PATCH …/items/{id}`: rename (`name`), move (`parentReference`), describe; 200 with the item
/// (https://learn.microsoft.com/graph/api/driveitem-update, driveitem-move).
pub async fn update_item(
    State(state): State<Arc<AppState>>,
    target: Target,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    check_if_match(&headers, &item)?;
    if is_root(&item) {
        return Err(invalid_request("The root folder cannot be changed."));
    }
    let name = match body.get("name") {
        None | Some(Value::Null) => item["name"].as_str().unwrap_or_default().to_owned(),
        Some(Value::String(name)) => {
            check_name(name)?;
            name.clone()
        }
        Some(_) => return Err(invalid_request("Property 'name' must be a string.")),
    };
    let parent = match body.get("parentReference").filter(|r| !r.is_null()) {
        Some(reference) => destination_in_drive(&tree, &target.drive, &item, reference)?,
        None => parent_of(&tree, &item)?,
    };
    let conflict = Conflict::parse(
        conflict_option(raw.as_deref(), &body).as_deref(),
        Conflict::Fail,
    )?;
    let (name, replaced) = settle_name(&tree, &parent, &name, conflict, Some(id_of(&item)))?;
    let stamp = stamp(&state, &target.caller).await?;
    if let Some(replaced) = replaced {
        tree::remove(&state.store, &target.drive, &tree, &replaced, &stamp).await?;
    }
    let mut updated = tree::relocate(
        &state.store,
        &target.drive,
        &tree,
        &item,
        &parent,
        &name,
        &stamp,
    )
    .await?;
    if let Some(description) = body.get("description") {
        updated["description"] = description.clone();
        state
            .store
            .put(ITEM, &target.drive.id, id_of(&updated), &updated)
            .await?;
    }
    Ok(entity(
        &state,
        &Query::default(),
        &render(&state, &target.drive, &updated),
        &item_context(&target),
    ))
}

fn parent_of(tree: &Tree, item: &Value) -> GraphResult<Value> {
    parent_id_of(item)
        .and_then(|id| tree.get(id))
        .cloned()
        .ok_or_else(item_not_found)
}

/// The folder a `PATCH` moves an item to: in the same drive, and not below the item itself.
fn destination_in_drive(
    tree: &Tree,
    drive: &Drive,
    item: &Value,
    reference: &Value,
) -> GraphResult<Value> {
    if reference["driveId"].as_str().is_some_and(|d| d != drive.id) {
        return Err(invalid_request(
            "Items cannot be moved between drives by an update; copy them instead.",
        ));
    }
    if reference["id"].is_null() && reference["path"].is_null() {
        return parent_of(tree, item);
    }
    let parent = tree.folder_from_reference(drive, reference)?;
    refuse_into_itself(tree, item, &parent)?;
    Ok(parent)
}

fn refuse_into_itself(tree: &Tree, item: &Value, destination: &Value) -> GraphResult<()> {
    let inside = id_of(destination) == id_of(item)
        || tree
            .descendants(id_of(item))
            .iter()
            .any(|d| id_of(d) == id_of(destination));
    if inside {
        Err(invalid_request("A folder cannot be put inside itself."))
    } else {
        Ok(())
    }
}

/// `DELETE …/items/{id}`: the item and everything below it; 204
/// (https://learn.microsoft.com/graph/api/driveitem-delete).
pub async fn delete_item(
    State(state): State<Arc<AppState>>,
    target: Target,
    headers: HeaderMap,
) -> GraphResult<StatusCode> {
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    if is_root(&item) {
        return Err(access_denied());
    }
    check_if_match(&headers, &item)?;
    let stamp = stamp(&state, &target.caller).await?;
    tree::remove(&state.store, &target.drive, &tree, &item, &stamp).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/items/{id}/copy`: 202 with a `Location` to monitor
/// (https://learn.microsoft.com/graph/api/driveitem-copy). The sandbox copies at once, so the
/// copy is there by the time the client looks; a taken name is refused up front with 409.
pub async fn copy_item(
    State(state): State<Arc<AppState>>,
    target: Target,
    RawQuery(raw): RawQuery,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    if is_root(&item) {
        return Err(invalid_request("The root folder cannot be copied."));
    }
    let reference = body
        .get("parentReference")
        .filter(|r| !r.is_null())
        .cloned()
        .unwrap_or(Value::Null);
    let destination = match reference["driveId"].as_str() {
        Some(id) if id != target.drive.id => drives::open(&state, &target.caller, id).await?,
        _ => target.drive.clone(),
    };
    let same_drive = destination.id == target.drive.id;
    let other_tree;
    let destination_tree = if same_drive {
        &tree
    } else {
        other_tree = Tree::load(&state.store, &destination.id).await?;
        &other_tree
    };
    let parent = if !reference["id"].is_null() || !reference["path"].is_null() {
        destination_tree.folder_from_reference(&destination, &reference)?
    } else if same_drive {
        parent_of(&tree, &item)?
    } else {
        destination_tree
            .root()
            .cloned()
            .ok_or_else(item_not_found)?
    };
    if same_drive {
        refuse_into_itself(&tree, &item, &parent)?;
    }
    let name = match body["name"].as_str() {
        Some(name) => {
            check_name(name)?;
            name
        }
        None => item["name"].as_str().unwrap_or_default(),
    };
    let conflict = Conflict::parse(
        conflict_option(raw.as_deref(), &body).as_deref(),
        Conflict::Fail,
    )?;
    let (name, replaced) = settle_name(destination_tree, &parent, name, conflict, None)?;
    let stamp = stamp(&state, &target.caller).await?;
    if let Some(replaced) = replaced {
        tree::remove(
            &state.store,
            &destination,
            destination_tree,
            &replaced,
            &stamp,
        )
        .await?;
    }
    let copy = tree::copy(
        &state.store,
        &target.drive,
        &tree,
        &item,
        &destination,
        &parent,
        &name,
        &stamp,
    )
    .await?;
    let job = ids::random_guid();
    state
        .store
        .put(
            COPY_JOB,
            "",
            &job,
            &json!({"id": job, "resourceId": id_of(&copy)}),
        )
        .await?;
    let monitor = format!("{}{}", state.base_url, MONITOR_ROUTE.replace("{job}", &job));
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, monitor)]).into_response())
}

/// The copy monitor: no token needed, as the URL is unguessable and short-lived
/// (https://learn.microsoft.com/graph/long-running-actions-overview).
pub async fn copy_status(
    State(state): State<Arc<AppState>>,
    Path(job): Path<String>,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let job = state
        .store
        .get(COPY_JOB, "", &job)
        .await?
        .ok_or_else(item_not_found)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "percentageComplete": 100.0,
            "resourceId": job["resourceId"],
            "status": "completed",
        })),
    ))
}

pub(super) fn permission_parent(drive: &Drive, item: &Value) -> String {
    format!("{}/{}", drive.id, id_of(item))
}

/// `POST …/createLink`: a sharing link; 201 when new, 200 when the same kind of link exists
/// (https://learn.microsoft.com/graph/api/driveitem-createlink).
pub async fn create_link(
    State(state): State<Arc<AppState>>,
    target: Target,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let kind = match body["type"].as_str() {
        Some(kind @ ("view" | "edit")) => kind,
        Some("embed") => {
            return Err(invalid_request(
                "Embed links are available in OneDrive personal only.",
            ));
        }
        _ => return Err(invalid_request("Property 'type' must be view or edit.")),
    };
    let scope = match body["scope"].as_str() {
        None => "organization",
        Some(scope @ ("anonymous" | "organization" | "users")) => scope,
        Some(other) => {
            return Err(invalid_request(format!(
                "Invalid scope '{other}': use anonymous, organization or users."
            )));
        }
    };
    let expiration = match body.get("expirationDateTime").filter(|e| !e.is_null()) {
        None => Value::Null,
        Some(value) => {
            let at = value
                .as_str()
                .and_then(crate::clock::parse)
                .ok_or_else(|| invalid_request("expirationDateTime is not a date-time."))?;
            json!(crate::clock::format_millis(at))
        }
    };
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let mut item = tree.existing(&target.reference)?;
    let parent = permission_parent(&target.drive, &item);
    let context = format!("{}/$metadata#microsoft.graph.permission", state.graph_url());
    let existing = state.store.list(PERMISSION, &parent).await?;
    if let Some(link) = existing
        .into_iter()
        .find(|p| p["link"]["type"] == kind && p["link"]["scope"] == scope)
    {
        let mut link = link;
        link["@odata.context"] = json!(context);
        return Ok((StatusCode::OK, Json(link)));
    }
    let share = ids::random_token(12);
    let letter = if is_folder(&item) { "f" } else { "u" };
    let permission = json!({
        "id": ids::random_guid(),
        "roles": [if kind == "view" { "read" } else { "write" }],
        "shareId": format!("u!{share}"),
        "hasPassword": body["password"].is_string(),
        "expirationDateTime": expiration,
        "link": {
            "type": kind,
            "scope": scope,
            "webUrl": format!("https://larkspur.sharepoint.example.invalid/:{letter}:/g/{share}"),
            "preventsDownload": false,
        },
    });
    state
        .store
        .put(PERMISSION, &parent, id_of(&permission), &permission)
        .await?;
    item["shared"] = json!({"scope": scope});
    state
        .store
        .put(ITEM, &target.drive.id, id_of(&item), &item)
        .await?;
    let mut body = permission;
    body["@odata.context"] = json!(context);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `POST …/invite`: share an item with people in the tenant, by email or object id
/// (https://learn.microsoft.com/graph/api/driveitem-invite). Each recipient gets a permission
/// with `grantedToV2`; the answer lists them. No mail is sent: the sandbox has no one to tell.
pub async fn invite(
    State(state): State<Arc<AppState>>,
    target: Target,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let recipients = body["recipients"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid_request("Property 'recipients' must name at least one person."))?;
    let role = match body["roles"].as_array().map(Vec::as_slice) {
        Some([role]) if role == "read" || role == "write" => role.as_str().unwrap_or("read"),
        _ => {
            return Err(invalid_request(
                "Property 'roles' must be [\"read\"] or [\"write\"].",
            ));
        }
    };
    if body["requireSignIn"] == false {
        return Err(invalid_request(
            "Invitations in a work account require sign-in: set requireSignIn to true.",
        ));
    }
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    let parent = permission_parent(&target.drive, &item);
    let mut granted = Vec::new();
    for recipient in recipients {
        let user = match (recipient["objectId"].as_str(), recipient["email"].as_str()) {
            (Some(id), _) => state.store.get("user", "", id).await?,
            (None, Some(email)) => state.find_user(email).await?,
            (None, None) => None,
        }
        .ok_or_else(|| {
            invalid_request(
                "A recipient is not a person in this tenant: give their email or objectId.",
            )
        })?;
        let user_id = user["id"].as_str().unwrap_or_default();
        let identity = json!({"user": {"id": user_id, "displayName": user["displayName"]}});
        let permission = json!({
            "id": URL_SAFE_NO_PAD.encode(format!("invite:{user_id}:{}", id_of(&item))),
            "roles": [role],
            "grantedTo": identity,
            "grantedToV2": identity,
            "invitation": {
                "email": user["mail"],
                "signInRequired": true,
            },
        });
        state
            .store
            .put(PERMISSION, &parent, id_of(&permission), &permission)
            .await?;
        granted.push(permission);
    }
    Ok(Json(json!({
        "@odata.context": format!("{}/$metadata#Collection(microsoft.graph.permission)", state.graph_url()),
        "value": granted,
    })))
}

/// `GET …/permissions`: who has access — the drive's owners, then the item's sharing links and
/// those it inherits from its folders (with `inheritedFrom`).
pub async fn list_permissions(
    State(state): State<Arc<AppState>>,
    target: Target,
    uri: OriginalUri,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    let mut permissions = owner_permissions(&state, &target.drive).await?;
    let mut current = Some(item.clone());
    while let Some(holder) = current {
        for mut link in state
            .store
            .list(PERMISSION, &permission_parent(&target.drive, &holder))
            .await?
        {
            if id_of(&holder) != id_of(&item) {
                link["inheritedFrom"] = json!({
                    "driveId": target.drive.id,
                    "id": id_of(&holder),
                    "path": holder["parentReference"]["path"],
                });
            }
            permissions.push(link);
        }
        current = parent_id_of(&holder).and_then(|p| tree.get(p)).cloned();
    }
    let context = format!("{}/items('{}')/permissions", target.context, id_of(&item));
    collection(
        &state,
        &query,
        permissions,
        &request_path(&uri),
        &context,
        PAGING,
    )
}

async fn owner_permissions(state: &AppState, drive: &Drive) -> GraphResult<Vec<Value>> {
    Ok(match &drive.owner {
        Owner::User(user_id) => {
            let user = state
                .store
                .get("user", "", user_id)
                .await?
                .unwrap_or_default();
            let identity = json!({"user": {"id": user_id, "displayName": user["displayName"]}});
            vec![json!({
                "id": URL_SAFE_NO_PAD.encode(format!("owner:{user_id}")),
                "roles": ["owner"],
                "grantedTo": identity,
                "grantedToV2": identity,
            })]
        }
        Owner::Team(team_id) => {
            let team = state
                .store
                .get("team", "", team_id)
                .await?
                .unwrap_or_default();
            let name = team["displayName"].as_str().unwrap_or_default();
            [("Owners", "owner", "3"), ("Members", "write", "5")]
                .iter()
                .map(|(group, role, id)| {
                    json!({
                        "id": URL_SAFE_NO_PAD.encode(format!("group:{team_id}:{group}")),
                        "roles": [role],
                        "grantedToV2": {"siteGroup": {
                            "id": id,
                            "displayName": format!("{name} {group}"),
                            "loginName": format!("{name} {group}"),
                        }},
                    })
                })
                .collect()
        }
    })
}

fn encode_delta_token(version: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("drive-delta:{version}"))
}

fn decode_delta_token(token: &str) -> GraphResult<i64> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix("drive-delta:").and_then(|v| v.parse().ok()))
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::GONE,
                "resyncRequired",
                "The delta token is not valid any more: start over without a token.",
            )
        })
}

/// `GET /me/drive/root/delta`: every item at first, then what changed since the token, deleted
/// items with the `deleted` facet (https://learn.microsoft.com/graph/api/driveitem-delta).
/// `?token=latest` answers no items and the current deltaLink.
pub async fn delta(
    State(state): State<Arc<AppState>>,
    target: Target,
    uri: OriginalUri,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let token = query
        .other
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone());
    let since = match token.as_deref() {
        None | Some("latest") => 0,
        Some(token) => decode_delta_token(token)?,
    };
    let drive = &target.drive.id;
    let (changed, newest_item) = state.store.changed_since(ITEM, drive, since).await?;
    let (removed, newest_removal) = state.store.changed_since(TOMBSTONE, drive, since).await?;
    let newest = newest_item.max(newest_removal);
    let items = match token.as_deref() {
        Some("latest") => Vec::new(),
        None => changed,
        Some(_) => removed.into_iter().chain(changed).collect(),
    };
    let items = items
        .iter()
        .map(|item| render(&state, &target.drive, item))
        .collect();
    let path = request_path(&uri);
    let Json(mut body) = collection(
        &state,
        &query,
        items,
        &path,
        "Collection(microsoft.graph.driveItem)",
        PAGING,
    )?;
    if body.get("@odata.nextLink").is_none() {
        body["@odata.deltaLink"] = json!(format!(
            "{}{path}?token={}",
            state.graph_url(),
            encode_delta_token(newest)
        ));
    }
    Ok(Json(body))
}

/// `GET /me/drive/root/search(q='…')`: items whose name or text content holds every word of
/// the query (https://learn.microsoft.com/graph/api/driveitem-search).
pub async fn search(
    State(state): State<Arc<AppState>>,
    target: Target,
    uri: OriginalUri,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let mut query = Query::parse(raw.as_deref())?;
    let path = request_path(&uri);
    let text = query
        .other
        .iter()
        .find(|(k, _)| k == "@q")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !path.ends_with(super::address::SEARCH_SEGMENT) {
        // The function call in the path carries the text; nextLinks repeat the path.
        query.other.retain(|(k, _)| k != "@q");
    }
    let words = search_words(&text)?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let mut found = Vec::new();
    for item in tree.items.iter().filter(|i| !is_root(i)) {
        if matches_words(&state, &target.drive, item, &words).await? {
            let mut hit = render(&state, &target.drive, item);
            hit["searchResult"] = json!({});
            found.push(hit);
        }
    }
    collection(
        &state,
        &query,
        found,
        &path,
        "Collection(microsoft.graph.driveItem)",
        PAGING,
    )
}

/// The words of `q='…'` (an OData string literal, `''` for a quote).
fn search_words(literal: &str) -> GraphResult<Vec<String>> {
    let text = literal
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .ok_or_else(|| invalid_request("search needs q='text', the text in single quotes."))?
        .replace("''", "'");
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Err(invalid_request("search needs some text to look for."));
    }
    Ok(words)
}

/// Files up to this size are searched by content too.
const SEARCHED_CONTENT: usize = 1 << 20;

async fn matches_words(
    state: &AppState,
    drive: &Drive,
    item: &Value,
    words: &[String],
) -> GraphResult<bool> {
    let haystack = format!(
        "{}\n{}",
        item["name"].as_str().unwrap_or_default(),
        searched_text(state, drive, item).await?
    )
    .to_lowercase();
    Ok(words.iter().all(|w| haystack.contains(w.as_str())))
}

/// The text of a file small enough to be searched by content; nothing for folders.
async fn searched_text(state: &AppState, drive: &Drive, item: &Value) -> GraphResult<String> {
    let searchable = !is_folder(item)
        && item["size"]
            .as_u64()
            .is_some_and(|s| s as usize <= SEARCHED_CONTENT);
    if !searchable {
        return Ok(String::new());
    }
    let bytes = state
        .store
        .kv_get(&tree::content_key(&drive.id, id_of(item)))
        .await?;
    Ok(bytes
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default())
}

/// Every item below the roots of the drives `caller` may open, with the text of the files
/// searched by content: what `/search/query` looks through for `driveItem`.
pub async fn searchable(state: &AppState, caller: &Caller) -> GraphResult<Vec<(Value, String)>> {
    let mut found = Vec::new();
    for doc in state.store.list(tree::DRIVE, "").await? {
        let Some(drive) = Drive::load(&state.store, id_of(&doc)).await? else {
            continue;
        };
        if !drives::may_open(state, caller, &drive).await? {
            continue;
        }
        for item in state.store.list(ITEM, &drive.id).await? {
            if !is_root(&item) {
                let text = searched_text(state, &drive, &item).await?;
                found.push((item, text));
            }
        }
    }
    Ok(found)
}
