//! Users: `/me`, `/users` (with `$search` and `$filter`), `/users/{id}` by id or UPN, and
//! managers (`/me/manager`, `/users/{id}/manager`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::error::{GraphError, GraphResult};
use super::odata::{Page, Query};
use super::{Caller, enforce};
use crate::permissions::{self, Scheme};
use crate::state::AppState;

/// The properties Graph returns for a user when `$select` does not ask for others.
const DEFAULT_USER_PROPERTIES: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// A stored user as Graph shows it: the default property set, or what `$select` asked for.
fn shown(user: &Value, query: &Query) -> Value {
    match &query.select {
        Some(_) => query.project(user),
        None => {
            let map = user
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| DEFAULT_USER_PROPERTIES.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            Value::Object(map)
        }
    }
}

pub(super) async fn user_or_404(state: &AppState, id: &str) -> GraphResult<Value> {
    state.find_user(id).await?.ok_or_else(|| {
        GraphError::new(
            axum::http::StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    })
}

pub async fn me(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let user = user_or_404(&state, caller.me()?).await?;
    let mut body = shown(&user, &query);
    body["@odata.context"] = json!(format!("{}/$metadata#users/$entity", state.graph_url()));
    Ok(Json(body))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let user = user_or_404(&state, &id).await?;
    require_directory_read(&caller, &user)?;
    let mut body = shown(&user, &query);
    body["@odata.context"] = json!(format!("{}/$metadata#users/$entity", state.graph_url()));
    Ok(Json(body))
}

/// `User.Read` (and `User.ReadWrite`) reach only the signed-in user's own profile
/// (https://learn.microsoft.com/graph/permissions-reference#userread): reading someone else
/// takes one of the directory-wide permissions the operation lists.
fn require_directory_read(caller: &Caller, user: &Value) -> GraphResult<()> {
    if caller.scheme != Scheme::Delegated || caller.user_id.as_deref() == user["id"].as_str() {
        return Ok(());
    }
    let own_only = ["User.Read", "User.ReadWrite"];
    let directory: Option<Vec<String>> = permissions::listed("GET /users/{id}", Scheme::Delegated)
        .flatten()
        .map(|listed| {
            listed
                .iter()
                .filter(|p| !own_only.contains(&p.as_str()))
                .cloned()
                .collect()
        });
    enforce(
        permissions::decide_among(directory.as_deref(), &caller.granted),
        caller,
    )
}

pub async fn my_manager(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    manager_of(&state, caller.me()?, raw.as_deref()).await
}

pub async fn manager(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    manager_of(&state, &id, raw.as_deref()).await
}

/// The manager as a directoryObject (a user), or Graph's 404 naming `manager` when there is none
/// (https://learn.microsoft.com/graph/api/user-list-manager).
async fn manager_of(state: &AppState, id: &str, raw: Option<&str>) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw)?;
    let user = user_or_404(state, id).await?;
    let user_id = user["id"].as_str().unwrap_or_default();
    let link = state.store.get("manager", user_id, "manager").await?;
    let manager_id = link
        .as_ref()
        .and_then(|l| l["id"].as_str())
        .ok_or_else(|| {
            GraphError::new(
                axum::http::StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
            )
        })?;
    let manager = user_or_404(state, manager_id).await?;
    let mut body = shown(&manager, &query);
    body["@odata.type"] = json!("#microsoft.graph.user");
    body["@odata.context"] = json!(format!(
        "{}/$metadata#directoryObjects/$entity",
        state.graph_url()
    ));
    Ok(Json(body))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    query.require_eventual_consistency(&headers)?;
    let mut users = state.users().await?;
    if let Some(search) = &query.search {
        users.retain(|u| matches_search(u, search));
    }
    let projected: Vec<Value> = users
        .iter()
        .map(|u| with_default_properties(u, &query))
        .collect();
    let self_url = format!("{}/users", state.graph_url());
    let context = format!("{}/$metadata#users", state.graph_url());
    let page = Page {
        default_top: 100,
        max_top: 999,
        self_url: &self_url,
        context: &context,
    };
    Ok(Json(query.collection(projected, page)?))
}

/// Keep what a filter may test but show only what Graph would show.
fn with_default_properties(user: &Value, query: &Query) -> Value {
    if query.select.is_some() || query.filter.is_some() || !query.orderby.is_empty() {
        user.clone()
    } else {
        shown(user, query)
    }
}

/// `$search="displayName:ada"` or `"ada"`: tokenized prefix match as directory search does.
fn matches_search(user: &Value, search: &str) -> bool {
    search.split(" OR ").any(|clause| {
        let clause = clause.trim().trim_matches('"');
        let (fields, term): (Vec<&str>, &str) = match clause.split_once(':') {
            Some((field, term)) => (vec![field], term),
            None => (
                vec![
                    "displayName",
                    "mail",
                    "userPrincipalName",
                    "givenName",
                    "surname",
                ],
                clause,
            ),
        };
        let term = term.to_lowercase();
        fields.iter().any(|f| {
            user[*f].as_str().is_some_and(|v| {
                v.to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word.starts_with(&term))
                    || v.to_lowercase().starts_with(&term)
            })
        })
    })
}
