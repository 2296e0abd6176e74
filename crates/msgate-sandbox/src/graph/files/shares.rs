//! The shares API (https://learn.microsoft.com/graph/api/shares-get): a driveItem by a sharing
//! token — `u!` and a URL in unpadded base64url — whether the URL is a sharing link or an item's
//! own web address. That is how a file attached to a Teams message (a reference to a URL in its
//! sender's OneDrive or a team's library) is read by the people in the conversation.
//!
//! The caller must be able to open the item: in a drive it may open (its own, a library of a
//! team it belongs to), shared with it by an invitation on the item or a folder above it, or
//! reached through a sharing link whose scope lets anyone in the organization in.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::items::{PERMISSION, permission_parent};
use super::tree::{self, Drive, ITEM, Tree, id_of, is_folder, parent_id_of};
use super::{access_denied, content, drives, invalid_request, item_not_found, render};
use crate::graph::Caller;
use crate::graph::error::GraphResult;
use crate::graph::odata::{Query, percent_decode};
use crate::state::AppState;

/// A URL as compared here: decoded, without query or fragment, without a trailing slash.
fn canonical(url: &str) -> String {
    let bare = url.split(['?', '#']).next().unwrap_or_default();
    percent_decode(bare.trim_end_matches('/')).to_lowercase()
}

/// The URL inside a `u!` sharing token.
fn shared_url(token: &str) -> GraphResult<String> {
    let invalid = || invalid_request("The sharing token is not valid.");
    let encoded = token.strip_prefix("u!").ok_or_else(invalid)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|_| invalid())?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

/// How the URL reached the item: as its own address, or as a sharing link of some scope.
enum Found {
    Address,
    Link { scope: String },
}

/// The drive and item a URL names, anywhere in the tenant, and how.
async fn locate(state: &AppState, url: &str) -> GraphResult<(Drive, Value, Found)> {
    let wanted = canonical(url);
    for doc in state.store.list(tree::DRIVE, "").await? {
        let Some(drive) = Drive::load(&state.store, id_of(&doc)).await? else {
            continue;
        };
        for item in state.store.list(ITEM, &drive.id).await? {
            if item["webUrl"].as_str().map(canonical).as_deref() == Some(wanted.as_str()) {
                return Ok((drive, item, Found::Address));
            }
            let links = state
                .store
                .list(PERMISSION, &permission_parent(&drive, &item))
                .await?;
            if let Some(link) = links.iter().find(|p| {
                p["link"]["webUrl"].as_str().map(canonical).as_deref() == Some(wanted.as_str())
            }) {
                let scope = link["link"]["scope"].as_str().unwrap_or("users").to_owned();
                return Ok((drive, item, Found::Link { scope }));
            }
        }
    }
    Err(item_not_found())
}

/// Whether the item, or a folder above it, was shared with the caller by invitation.
async fn invited(state: &AppState, drive: &Drive, item: &Value, user: &str) -> GraphResult<bool> {
    let tree = Tree::load(&state.store, &drive.id).await?;
    let mut current = Some(item.clone());
    while let Some(holder) = current {
        let granted = state
            .store
            .list(PERMISSION, &permission_parent(drive, &holder))
            .await?
            .iter()
            .any(|p| p["grantedToV2"]["user"]["id"] == user);
        if granted {
            return Ok(true);
        }
        current = parent_id_of(&holder).and_then(|p| tree.get(p)).cloned();
    }
    Ok(false)
}

/// The shared item, once the caller is known to be allowed to open it.
async fn shared_item(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> GraphResult<(Drive, Value)> {
    let (drive, item, found) = locate(state, &shared_url(token)?).await?;
    if drives::open(state, caller, &drive.id).await.is_ok() {
        return Ok((drive, item));
    }
    if let Found::Link { scope } = &found
        && matches!(scope.as_str(), "organization" | "anonymous")
    {
        return Ok((drive, item));
    }
    match &caller.user_id {
        Some(user) if invited(state, &drive, &item, user).await? => Ok((drive, item)),
        _ => Err(access_denied()),
    }
}

/// `GET /shares/{token}/driveItem`.
pub async fn get_item(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (drive, item) = shared_item(&state, &caller, &token).await?;
    Ok(crate::graph::entity(
        &state,
        &query,
        &render(&state, &drive, &item),
        &format!("shares('{token}')/driveItem/$entity"),
    ))
}

/// `GET /shares/{token}/driveItem/content`: 302 to a pre-authenticated download URL
/// (https://learn.microsoft.com/graph/api/driveitem-get-content).
pub async fn get_content(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(token): Path<String>,
) -> GraphResult<Response> {
    let (drive, item) = shared_item(&state, &caller, &token).await?;
    if is_folder(&item) {
        return Err(invalid_request("Only files have content to download."));
    }
    let location = content::download_url(&state, &drive.id, id_of(&item));
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_urls_and_urls_compare_decoded() {
        let url = "https://larkspur.sharepoint.example.invalid/sites/Platform/Shared%20Documents/General/a b.txt";
        let token = format!("u!{}", URL_SAFE_NO_PAD.encode(url));
        assert_eq!(shared_url(&token).unwrap(), url);
        assert!(shared_url("s!abc").is_err());
        assert_eq!(
            canonical("https://x.example.invalid/A%20B/c.txt?web=1"),
            canonical("https://x.example.invalid/a b/c.txt/")
        );
    }
}
