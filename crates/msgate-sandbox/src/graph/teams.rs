//! Teams and channels: joined teams, a team, its members, its channels.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Value, json};

use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, collection, entity};
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

async fn is_member(state: &AppState, team_id: &str, user_id: &str) -> GraphResult<bool> {
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
        if is_member(&state, id, me).await? {
            teams.push(json!({
                "id": team["id"],
                "displayName": team["displayName"],
                "description": team["description"],
                "isArchived": team["isArchived"],
                "tenantId": team["tenantId"],
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
    let team = require_team_access(&state, &caller, &team_id).await?;
    Ok(entity(&state, &query, &team, "teams/$entity"))
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
