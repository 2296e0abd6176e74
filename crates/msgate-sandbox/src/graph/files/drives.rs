//! Whose drive a request reaches and whether it may: `/me/drive` is the caller's OneDrive,
//! `/drives/{id}` is any drive the caller can open — their own, or the document library of a
//! team they belong to. Also the drives' documents and a channel's folder in its team's library.

use serde_json::{Value, json};

use super::access_denied;
use super::tree::{
    self, Drive, Facet, ITEM, Owner, Stamp, id_of, item_id_for, new_item, personal_drive_id,
    team_drive_id,
};
use crate::graph::Caller;
use crate::graph::error::GraphResult;
use crate::graph::teams;
use crate::state::AppState;
use crate::store::Store;

const TERABYTE: u64 = 1 << 40;

pub fn quota(used: u64) -> Value {
    json!({
        "deleted": 0,
        "remaining": TERABYTE.saturating_sub(used),
        "state": "normal",
        "total": TERABYTE,
        "used": used,
    })
}

/// A user's OneDrive for Business.
pub fn personal_drive_doc(user: &Value, at: &str) -> Value {
    let upn = user["userPrincipalName"].as_str().unwrap_or_default();
    let site = upn.replace(['.', '@'], "_");
    json!({
        "id": personal_drive_id(user["id"].as_str().unwrap_or_default()),
        "name": "OneDrive",
        "description": "",
        "driveType": "business",
        "createdDateTime": at,
        "lastModifiedDateTime": at,
        "webUrl": format!("https://larkspur-my.sharepoint.example.invalid/personal/{site}/Documents"),
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": {"user": {"id": user["id"], "displayName": user["displayName"]}},
        "quota": quota(0),
    })
}

/// A team's document library ("Documents" in the team's SharePoint site). The subset's
/// identitySet has no `group`, so the owning team is not written into `owner`.
pub fn team_drive_doc(team: &Value, at: &str) -> Value {
    let site: String = team["displayName"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    json!({
        "id": team_drive_id(team["id"].as_str().unwrap_or_default()),
        "name": "Documents",
        "description": "",
        "driveType": "documentLibrary",
        "createdDateTime": at,
        "lastModifiedDateTime": at,
        "webUrl": format!("https://larkspur.sharepoint.example.invalid/sites/{site}/Shared%20Documents"),
        "createdBy": {"user": {"displayName": "System Account"}},
        "quota": quota(0),
    })
}

/// Store a drive document and its root folder.
pub async fn create(store: &Store, doc: Value, stamp: &Stamp) -> GraphResult<Drive> {
    let id = doc["id"].as_str().unwrap_or_default().to_owned();
    let owner = tree::owner_of(&id).ok_or_else(super::item_not_found)?;
    store.put(tree::DRIVE, "", &id, &doc).await?;
    let drive = Drive { id, owner, doc };
    let root = new_item(
        &drive,
        &drive.root_id(),
        "root",
        None,
        &Facet::Folder,
        stamp,
    );
    store.put(ITEM, &drive.id, id_of(&root), &root).await?;
    Ok(drive)
}

/// The signed-in user's OneDrive.
pub async fn mine(state: &AppState, me: &str) -> GraphResult<Drive> {
    Drive::load(&state.store, &personal_drive_id(me))
        .await?
        .ok_or_else(super::item_not_found)
}

/// A drive by id, if the caller may open it: apps reach every drive, users their own and
/// their teams' libraries.
pub async fn open(state: &AppState, caller: &Caller, drive_id: &str) -> GraphResult<Drive> {
    let drive = Drive::load(&state.store, drive_id)
        .await?
        .ok_or_else(super::item_not_found)?;
    match &drive.owner {
        Owner::Team(team_id) => {
            teams::require_team_access(state, caller, team_id).await?;
        }
        Owner::User(owner) => {
            if caller.user_id.as_deref().is_some_and(|me| me != owner) {
                return Err(access_denied());
            }
        }
    }
    Ok(drive)
}

/// Whether `caller` may open `drive`, for listings that leave out what it may not: apps open
/// every drive, users their own and their teams' libraries.
pub async fn may_open(state: &AppState, caller: &Caller, drive: &Drive) -> GraphResult<bool> {
    let Some(me) = caller.user_id.as_deref() else {
        return Ok(true);
    };
    match &drive.owner {
        Owner::User(owner) => Ok(owner == me),
        Owner::Team(team_id) => teams::is_member(state, team_id, me).await,
    }
}

/// The team's document library, created with the team's first use of it when the seed did not.
async fn team_drive(state: &AppState, team: &Value, stamp: &Stamp) -> GraphResult<Drive> {
    let id = team_drive_id(team["id"].as_str().unwrap_or_default());
    match Drive::load(&state.store, &id).await? {
        Some(drive) => Ok(drive),
        None => create(&state.store, team_drive_doc(team, &stamp.at), stamp).await,
    }
}

/// The id of a channel's folder in its team's library.
pub fn channel_folder_id(drive_id: &str, channel_id: &str) -> String {
    item_id_for(drive_id, &format!("channel:{channel_id}"))
}

/// A channel's folder in its team's document library (named as the channel, below the root),
/// created when first asked for; a folder already of that name is the channel's, as in Teams.
pub async fn channel_folder(
    state: &AppState,
    team: &Value,
    channel: &Value,
    stamp: &Stamp,
) -> GraphResult<Value> {
    let drive = team_drive(state, team, stamp).await?;
    let folder_id = channel_folder_id(&drive.id, id_of(channel));
    if let Some(folder) = state.store.get(ITEM, &drive.id, &folder_id).await? {
        return Ok(folder);
    }
    let tree = tree::Tree::load(&state.store, &drive.id).await?;
    let root = tree.root().ok_or_else(super::item_not_found)?;
    let name = channel["displayName"].as_str().unwrap_or("General");
    if let Some(existing) = tree.child_named(id_of(root), name) {
        return Ok(existing.clone());
    }
    let folder = new_item(&drive, &folder_id, name, Some(root), &Facet::Folder, stamp);
    tree::insert(&state.store, &drive, &folder).await?;
    Ok(folder)
}
