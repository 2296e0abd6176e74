//! Teams and channels: joined teams, a team and its settings, archiving, members, channels and
//! their files folder.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, collection, enforce, entity};
use crate::clock;
use crate::model::{self, Person};
use crate::permissions;
use crate::state::AppState;

pub(super) async fn team_or_404(state: &AppState, team_id: &str) -> GraphResult<Value> {
    state
        .store
        .get("team", "", team_id)
        .await?
        .ok_or_else(|| GraphError::not_found(format!("No team found with Group Id {team_id}")))
}

pub(super) async fn channel_or_404(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
) -> GraphResult<Value> {
    team_or_404(state, team_id).await?;
    state
        .store
        .get("channel", team_id, channel_id)
        .await?
        .ok_or_else(|| {
            GraphError::not_found(format!(
                "Channel {channel_id} was not found in team {team_id}."
            ))
        })
}

pub(super) async fn is_member(state: &AppState, team_id: &str, user_id: &str) -> GraphResult<bool> {
    Ok(state
        .store
        .list("teamMember", team_id)
        .await?
        .iter()
        .any(|m| m["userId"] == user_id))
}

/// Delegated callers see only teams they belong to; apps see the tenant's.
pub(super) async fn require_team_access(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
) -> GraphResult<Value> {
    let team = team_or_404(state, team_id).await?;
    if let Some(user) = &caller.user_id
        && !is_member(state, team_id, user).await?
    {
        return Err(GraphError::forbidden(
            "Forbidden: the signed-in user is not a member of this team.",
        ));
    }
    Ok(team)
}

/// Teams collections come in one page.
const UNPAGED: (usize, usize) = (999, 999);

pub async fn joined(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let me = caller.me()?;
    let mut teams = Vec::new();
    for team in state.store.list("team", "").await? {
        let id = team["id"].as_str().unwrap_or_default();
        // Graph returns only these three properties here; the rest needs `GET /teams/{id}`
        // (https://learn.microsoft.com/graph/api/user-list-joinedteams).
        if is_member(&state, id, me).await? {
            teams.push(json!({
                "id": team["id"],
                "displayName": team["displayName"],
                "description": team["description"],
            }));
        }
    }
    collection(&state, &query, teams, "/me/joinedTeams", "teams", UNPAGED)
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let mut team = require_team_access(&state, &caller, &team_id).await?;
    team["summary"] = summary(&state.store.list("teamMember", &team_id).await?);
    Ok(entity(&state, &query, &team, "teams/$entity"))
}

/// `summary` (https://learn.microsoft.com/graph/api/resources/teamsummary): how many owners,
/// members and guests, counted from the memberships as they are now. Each member is counted
/// once, under its strongest role.
fn summary(members: &[Value]) -> Value {
    let has = |m: &Value, role: &str| {
        m["roles"].as_array().is_some_and(|r| {
            r.iter()
                .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(role)))
        })
    };
    let owners = members.iter().filter(|m| has(m, "owner")).count();
    let guests = members
        .iter()
        .filter(|m| !has(m, "owner") && has(m, "guest"))
        .count();
    json!({
        "ownersCount": owners,
        "membersCount": members.len() - owners - guests,
        "guestsCount": guests,
    })
}

pub async fn members(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let members = state.store.list("teamMember", &team_id).await?;
    let path = format!("/teams/{team_id}/members");
    let context = format!("teams('{team_id}')/members");
    collection(&state, &query, members, &path, &context, UNPAGED)
}

pub async fn channels(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let channels = state.store.list("channel", &team_id).await?;
    let path = format!("/teams/{team_id}/channels");
    let context = format!("teams('{team_id}')/channels");
    collection(&state, &query, channels, &path, &context, UNPAGED)
}

pub async fn channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let channel = channel_or_404(&state, &team_id, &channel_id).await?;
    let context = format!("teams('{team_id}')/channels/$entity");
    Ok(entity(&state, &query, &channel, &context))
}

/// `PATCH /teams/{id}`: display name, description and settings; 204.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let mut team = require_team_access(&state, &caller, &team_id).await?;
    for field in ["displayName", "description", "visibility", "classification"] {
        if let Some(value) = body.get(field) {
            team[field] = value.clone();
        }
    }
    state.store.put("team", "", &team_id, &team).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /teams/{id}` deletes the team's group, its channels and messages; 204.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
) -> GraphResult<StatusCode> {
    require_team_access(&state, &caller, &team_id).await?;
    for channel in state.store.list("channel", &team_id).await? {
        let channel_id = channel["id"].as_str().unwrap_or_default().to_owned();
        state.store.delete("channel", &team_id, &channel_id).await?;
        let parent = format!("{team_id}/{channel_id}");
        for member in state.store.list("channelMember", &parent).await? {
            let id = member["id"].as_str().unwrap_or_default().to_owned();
            state.store.delete("channelMember", &parent, &id).await?;
        }
    }
    for member in state.store.list("teamMember", &team_id).await? {
        let id = member["id"].as_str().unwrap_or_default().to_owned();
        state.store.delete("teamMember", &team_id, &id).await?;
    }
    state.store.delete("team", "", &team_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Archiving is asynchronous in Graph: 202 Accepted with a `Location` of the operation
/// (https://learn.microsoft.com/graph/api/team-archive). The sandbox finishes at once.
async fn set_archived(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
    archived: bool,
) -> GraphResult<Response> {
    let mut team = require_team_access(state, caller, team_id).await?;
    team["isArchived"] = json!(archived);
    state.store.put("team", "", team_id, &team).await?;
    let operation = crate::ids::random_guid();
    let location = format!("/teams('{team_id}')/operations('{operation}')");
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)]).into_response())
}

pub async fn archive(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
) -> GraphResult<Response> {
    set_archived(&state, &caller, &team_id, true).await
}

pub async fn unarchive(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
) -> GraphResult<Response> {
    set_archived(&state, &caller, &team_id, false).await
}

/// An archived team is read-only, as in Teams.
pub(super) fn require_active(team: &Value) -> GraphResult<()> {
    if team["isArchived"] == true {
        Err(GraphError::forbidden(
            "Forbidden: the team is archived and read-only.",
        ))
    } else {
        Ok(())
    }
}

/// What allows giving someone the owner role (the route allows adding plain members too).
const OWNER_PERMISSIONS: &[&str] = &["TeamMember.ReadWrite.All"];

pub async fn add_member(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    // Archived teams still take membership changes
    // (https://learn.microsoft.com/graph/api/team-archive).
    require_team_access(&state, &caller, &team_id).await?;
    let user = super::chats::bound_user(&state, &body).await?;
    let owner = body["roles"]
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "owner"));
    if owner {
        // TeamMember.ReadWriteNonOwnerRole.All adds members, not owners
        // (https://learn.microsoft.com/graph/permissions-reference).
        enforce(
            permissions::decide_among(Some(OWNER_PERMISSIONS), &caller.granted),
            &caller,
        )?;
    }
    let member = model::member(&team_id, &Person::of(&user), &state.tenant.id, owner);
    let id = member["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put("teamMember", &team_id, &id, &member)
        .await?;
    let context = format!("teams('{team_id}')/members/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &member, &context),
    ))
}

pub async fn remove_member(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, membership_id)): Path<(String, String)>,
) -> GraphResult<StatusCode> {
    require_team_access(&state, &caller, &team_id).await?;
    if state
        .store
        .delete("teamMember", &team_id, &membership_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(GraphError::item_not_found("Member", &membership_id))
    }
}

pub async fn create_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let team = require_team_access(&state, &caller, &team_id).await?;
    require_active(&team)?;
    let name = body["displayName"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| GraphError::bad_request("Required property 'displayName' is missing."))?;
    if name.chars().count() > 50
        || name.contains([
            '~', '#', '%', '&', '*', '{', '}', '+', '/', '\\', ':', '<', '>', '?', '|', '"',
        ])
    {
        return Err(GraphError::bad_request(
            "Channel names are at most 50 characters and cannot contain ~ # % & * { } + / \\ : < > ? | \".",
        ));
    }
    let channels = state.store.list("channel", &team_id).await?;
    if channels.iter().any(|c| {
        c["displayName"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "NameAlreadyExists",
            format!("Channel name already existed: {name}"),
        ));
    }
    let membership = body["membershipType"].as_str().unwrap_or("standard");
    if !matches!(membership, "standard" | "private" | "shared") {
        return Err(GraphError::bad_request(format!(
            "Invalid membershipType '{membership}'."
        )));
    }
    let owners = if membership == "standard" {
        Vec::new()
    } else {
        first_members(&state, &caller, &team_id, &body).await?
    };
    let channel_id = crate::ids::channel_id(&crate::ids::random_guid());
    let channel = json!({
        "id": channel_id,
        "createdDateTime": clock::now(),
        "displayName": name,
        "description": body["description"],
        "isFavoriteByDefault": false,
        "email": "",
        "webUrl": format!("https://teams.example.invalid/l/channel/{channel_id}/{name}"),
        "membershipType": membership,
        "isArchived": false,
        "tenantId": state.tenant.id,
    });
    state
        .store
        .put("channel", &team_id, &channel_id, &channel)
        .await?;
    let parent = format!("{team_id}/{channel_id}");
    for (user, owner) in &owners {
        let member = model::member(&channel_id, &Person::of(user), &state.tenant.id, *owner);
        let id = member["id"].as_str().unwrap_or_default().to_owned();
        state
            .store
            .put("channelMember", &parent, &id, &member)
            .await?;
    }
    let context = format!("teams('{team_id}')/channels/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &channel, &context),
    ))
}

/// The first members of a private or shared channel (https://learn.microsoft.com/graph/api/channel-post):
/// the `members` of the request, each an `aadUserConversationMember` of the team, at least one
/// an owner. An app must name them; for a user, Graph makes the signed-in user the owner when
/// the request names nobody.
async fn first_members(
    state: &AppState,
    caller: &Caller,
    team_id: &str,
    body: &Value,
) -> GraphResult<Vec<(Value, bool)>> {
    let requested = body["members"].as_array().cloned().unwrap_or_default();
    if requested.is_empty() {
        let Some(me) = &caller.user_id else {
            return Err(GraphError::bad_request(
                "CreateChannel_Private: Cannot create private channel, no members specified when calling from an Application.",
            ));
        };
        let user = state
            .find_user(me)
            .await?
            .ok_or_else(|| GraphError::not_found(format!("User '{me}' was not found.")))?;
        return Ok(vec![(user, true)]);
    }
    let mut members = Vec::new();
    for member in &requested {
        if member["@odata.type"].as_str().is_none() {
            return Err(GraphError::bad_request(
                "'odata.type' must be specified in the request body for each member.",
            ));
        }
        let user = super::chats::bound_user(state, member).await?;
        let user_id = user["id"].as_str().unwrap_or_default();
        if !is_member(state, team_id, user_id).await? {
            return Err(GraphError::bad_request(format!(
                "User {user_id} is not a member of the team, so cannot be added to its channel."
            )));
        }
        let owner = member["roles"].as_array().is_some_and(|r| {
            r.iter()
                .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case("owner")))
        });
        members.push((user, owner));
    }
    if !members.iter().any(|(_, owner)| *owner) {
        return Err(GraphError::bad_request(
            "A private or shared channel needs at least one owner among its members.",
        ));
    }
    Ok(members)
}

pub async fn update_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let team = require_team_access(&state, &caller, &team_id).await?;
    require_active(&team)?;
    let mut channel = channel_or_404(&state, &team_id, &channel_id).await?;
    if body.get("displayName").is_some() && channel["displayName"] == "General" {
        return Err(GraphError::bad_request(
            "The General channel cannot be renamed.",
        ));
    }
    for field in ["displayName", "description", "isFavoriteByDefault"] {
        if let Some(value) = body.get(field) {
            channel[field] = value.clone();
        }
    }
    state
        .store
        .put("channel", &team_id, &channel_id, &channel)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_channel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
) -> GraphResult<StatusCode> {
    let team = require_team_access(&state, &caller, &team_id).await?;
    require_active(&team)?;
    let channel = channel_or_404(&state, &team_id, &channel_id).await?;
    if channel["displayName"] == "General" {
        return Err(GraphError::bad_request(
            "The General channel cannot be deleted.",
        ));
    }
    state.store.delete("channel", &team_id, &channel_id).await?;
    let parent = format!("{team_id}/{channel_id}");
    for member in state.store.list("channelMember", &parent).await? {
        let id = member["id"].as_str().unwrap_or_default().to_owned();
        state.store.delete("channelMember", &parent, &id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Standard channels have the team's members; private and shared channels their own.
pub async fn channel_members(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let channel = channel_or_404(&state, &team_id, &channel_id).await?;
    let members = if channel["membershipType"] == "standard" {
        state.store.list("teamMember", &team_id).await?
    } else {
        let parent = format!("{team_id}/{channel_id}");
        state.store.list("channelMember", &parent).await?
    };
    let path = format!("/teams/{team_id}/channels/{channel_id}/members");
    let context = format!("teams('{team_id}')/channels('{channel_id}')/members");
    collection(&state, &query, members, &path, &context, UNPAGED)
}

/// The channel's folder in the team's document library: a real folder there, so what is
/// uploaded to it is listed and downloadable through `/drives/{drive-id}/items/{id}`.
pub async fn files_folder(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, channel_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let team = require_team_access(&state, &caller, &team_id).await?;
    let channel = channel_or_404(&state, &team_id, &channel_id).await?;
    let folder = super::files::channel_folder(&state, &caller, &team, &channel).await?;
    Ok(entity(
        &state,
        &query,
        &folder,
        &format!("teams('{team_id}')/channels('{channel_id}')/filesFolder/$entity"),
    ))
}
