//! What lives around a team's conversations: installed apps (installing and uninstalling), tags,
//! and activity feed notifications sent on behalf of a team's app.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::teams::{require_active, require_team_access};
use super::{Caller, collection};
use crate::ids;
use crate::state::AppState;
use crate::store::Store;

/// The sandbox's app catalog: (id, display name).
const CATALOG: &[(&str, &str)] = &[
    ("com.microsoft.teamspace.tab.planner", "Planner"),
    ("com.microsoft.teamspace.tab.wiki", "Wiki"),
    ("larkspur.deploybot", "Larkspur Deploy Bot"),
];

fn catalog_app(app_id: &str) -> Option<Value> {
    CATALOG
        .iter()
        .find(|(id, _)| *id == app_id)
        .map(|(id, name)| json!({"id": id, "externalId": null, "displayName": name, "distributionMethod": "store"}))
}

fn installation(team_id: &str, app_id: &str) -> Value {
    json!({"id": ids::stable_guid(&format!("install:{team_id}:{app_id}")), "consentedPermissionSet": null})
}

pub async fn installed(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let mut apps = Vec::new();
    for stored in state.store.list("installedApp", &team_id).await? {
        let app_id = stored["appId"].as_str().unwrap_or_default();
        let mut install = installation(&team_id, app_id);
        if query.expands("teamsApp") || query.expands("teamsAppDefinition") {
            install["teamsApp"] = catalog_app(app_id).unwrap_or(Value::Null);
        }
        apps.push(install);
    }
    let path = format!("/teams/{team_id}/installedApps");
    let context = format!("teams('{team_id}')/installedApps");
    collection(&state, &query, apps, &path, &context, (999, 999))
}

/// `{"teamsApp@odata.bind": ".../appCatalogs/teamsApps/{id}"}`; Graph answers 200 with no body
/// (https://learn.microsoft.com/graph/api/team-post-installedapps).
pub async fn install(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    require_active(&require_team_access(&state, &caller, &team_id).await?)?;
    let bind = body["teamsApp@odata.bind"].as_str().ok_or_else(|| {
        GraphError::bad_request("Required property 'teamsApp@odata.bind' is missing.")
    })?;
    let app_id = bind
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_matches(['\'', '(', ')']);
    if catalog_app(app_id).is_none() {
        return Err(GraphError::not_found(format!(
            "App '{app_id}' is not in the app catalog."
        )));
    }
    let install = installation(&team_id, app_id);
    let id = install["id"].as_str().unwrap_or_default().to_owned();
    if state
        .store
        .get("installedApp", &team_id, &id)
        .await?
        .is_some()
    {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Conflict",
            "The app is already installed in this team.",
        ));
    }
    state
        .store
        .put("installedApp", &team_id, &id, &json!({"appId": app_id}))
        .await?;
    Ok(StatusCode::OK)
}

pub async fn uninstall(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((team_id, install_id)): Path<(String, String)>,
) -> GraphResult<StatusCode> {
    require_active(&require_team_access(&state, &caller, &team_id).await?)?;
    if state
        .store
        .delete("installedApp", &team_id, &install_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(GraphError::item_not_found("Installed app", &install_id))
    }
}

pub async fn tags(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    require_team_access(&state, &caller, &team_id).await?;
    let tags = state.store.list("tag", &team_id).await?;
    let path = format!("/teams/{team_id}/tags");
    let context = format!("teams('{team_id}')/tags");
    collection(&state, &query, tags, &path, &context, (999, 999))
}

/// Validates what Graph validates and records the notification for tests; 204.
pub async fn send_activity_notification(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    require_team_access(&state, &caller, &team_id).await?;
    for field in ["topic", "activityType", "previewText", "recipient"] {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(GraphError::bad_request(format!(
                "Required property '{field}' is missing."
            )));
        }
    }
    let recipient = body["recipient"]["userId"].as_str().unwrap_or_default();
    if state.find_user(recipient).await?.is_none() {
        return Err(GraphError::not_found(format!(
            "Recipient '{recipient}' was not found."
        )));
    }
    state
        .store
        .put("activityNotification", &team_id, &ids::random_guid(), &body)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Planner in every team, the deploy bot in Platform, two tags in Platform.
pub async fn seed(store: &Store, teams: &[(String, Vec<String>)]) -> msgate_core::Result<()> {
    for (index, (team_id, members)) in teams.iter().enumerate() {
        let mut apps = vec!["com.microsoft.teamspace.tab.planner"];
        if index == 0 {
            apps.push("larkspur.deploybot");
            for (name, description, count) in [
                ("oncall", "This week's on-call engineers", 2usize),
                ("design-review", "Reviewers for design docs", 3),
            ] {
                let id = ids::stable_guid(&format!("tag:{team_id}:{name}"));
                let tag = json!({"id": id, "teamId": team_id, "displayName": name, "description": description,
                    "memberCount": count.min(members.len()), "tagType": "standard"});
                store.put("tag", team_id, &id, &tag).await?;
            }
        }
        for app in apps {
            let install = installation(team_id, app);
            store
                .put(
                    "installedApp",
                    team_id,
                    install["id"].as_str().unwrap_or_default(),
                    &json!({"appId": app}),
                )
                .await?;
        }
    }
    Ok(())
}
