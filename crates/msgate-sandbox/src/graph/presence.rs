//! Presence: read one or many, and the four ways Teams presence is set — an app's session
//! presence, the user's preferred presence (which wins while it lasts), clearing it, and the
//! status message. Valid availability/activity pairs follow presence-setpresence and
//! presence-setuserpreferredpresence on learn.microsoft.com; each action answers 204.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Caller;
use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::users::user_or_404;
use crate::clock;
use crate::state::AppState;

/// Pairs an app may set for a session (setPresence).
const SESSION_PAIRS: &[(&str, &str)] = &[
    ("Available", "Available"),
    ("Busy", "InACall"),
    ("Busy", "InAConferenceCall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
];

/// Pairs a user may prefer (setUserPreferredPresence).
const PREFERRED_PAIRS: &[(&str, &str)] = &[
    ("Available", "Available"),
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
];

/// What others see: the preferred presence while one is set, otherwise the session presence.
async fn effective(state: &AppState, user_id: &str) -> GraphResult<Value> {
    let user = user_or_404(state, user_id).await?;
    let id = user["id"].as_str().unwrap_or_default();
    let mut presence = state.store.get("presence", "", id).await?.unwrap_or_else(
        || json!({"id": id, "availability": "PresenceUnknown", "activity": "PresenceUnknown"}),
    );
    if let Some(preferred) = state.store.get("preferredPresence", "", id).await?
        && !expired(&preferred)
    {
        presence["availability"] = preferred["availability"].clone();
        presence["activity"] = preferred["activity"].clone();
    }
    Ok(presence)
}

/// Whether a preferred presence has run out (it lasts until `expiresAt`).
fn expired(preferred: &Value) -> bool {
    preferred["expiresAt"]
        .as_str()
        .and_then(clock::parse)
        .is_some_and(|at| at <= jiff::Timestamp::now())
}

/// When a preferred presence set now ends: after `expirationDuration` (ISO 8601), else Graph's
/// default — a day for Busy and DoNotDisturb, a week for the rest
/// (https://learn.microsoft.com/graph/api/presence-setuserpreferredpresence).
fn preferred_expiry(body: &Value, availability: &str) -> GraphResult<String> {
    let duration = match &body["expirationDuration"] {
        Value::Null => {
            let hours = if matches!(availability, "Busy" | "DoNotDisturb") {
                24
            } else {
                24 * 7
            };
            jiff::SignedDuration::from_hours(hours)
        }
        Value::String(text) => text
            .parse::<jiff::Span>()
            .ok()
            .and_then(|span| {
                span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                    .ok()
            })
            .filter(|d| d.is_positive())
            .ok_or_else(|| {
                GraphError::bad_request(format!(
                    "'{text}' is not a valid value for 'expirationDuration'."
                ))
            })?,
        _ => {
            return Err(GraphError::bad_request(
                "'expirationDuration' must be an ISO 8601 duration.",
            ));
        }
    };
    jiff::Timestamp::now()
        .checked_add(duration)
        .map(clock::format_millis)
        .map_err(|_| GraphError::bad_request("'expirationDuration' is too long."))
}

fn with_context(mut presence: Value, state: &AppState, user_id: &str) -> Json<Value> {
    presence["@odata.context"] = json!(format!(
        "{}/$metadata#users('{user_id}')/presence/$entity",
        state.graph_url()
    ));
    Json(presence)
}

pub async fn mine(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> GraphResult<Json<Value>> {
    let me = caller.me()?;
    Ok(with_context(effective(&state, me).await?, &state, me))
}

pub async fn of_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> GraphResult<Json<Value>> {
    Ok(with_context(effective(&state, &id).await?, &state, &id))
}

/// `POST /communications/getPresencesByUserId {"ids":[…]}`: up to 650 ids per call.
pub async fn by_user_ids(
    State(state): State<Arc<AppState>>,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let ids = body["ids"].as_array().ok_or_else(|| {
        GraphError::bad_request("The request body must contain 'ids', an array of user ids.")
    })?;
    if ids.len() > 650 {
        return Err(GraphError::bad_request(
            "The number of ids must not exceed 650.",
        ));
    }
    let mut value = Vec::new();
    for id in ids {
        let id = id
            .as_str()
            .ok_or_else(|| GraphError::bad_request("Every id must be a string."))?;
        if state.find_user(id).await?.is_some() {
            value.push(effective(&state, id).await?);
        }
    }
    Ok(Json(json!({
        "@odata.context": format!("{}/$metadata#Collection(microsoft.graph.presence)", state.graph_url()),
        "value": value,
    })))
}

fn pair<'b>(body: &'b Value, allowed: &[(&str, &str)]) -> GraphResult<(&'b str, &'b str)> {
    let availability = body["availability"].as_str().unwrap_or_default();
    let activity = body["activity"].as_str().unwrap_or_default();
    if allowed.contains(&(availability, activity)) {
        Ok((availability, activity))
    } else {
        let valid: Vec<String> = allowed.iter().map(|(a, b)| format!("{a}/{b}")).collect();
        Err(GraphError::bad_request(format!(
            "Invalid availability/activity '{availability}/{activity}'; valid pairs: {}.",
            valid.join(", ")
        )))
    }
}

/// A session presence set by an app for a user (the caller, or `/users/{id}` with app rights).
async fn set_session(state: &AppState, user_id: &str, body: &Value) -> GraphResult<StatusCode> {
    let user = user_or_404(state, user_id).await?;
    let id = user["id"].as_str().unwrap_or_default();
    let (availability, activity) = pair(body, SESSION_PAIRS)?;
    let mut presence = state
        .store
        .get("presence", "", id)
        .await?
        .unwrap_or_else(|| json!({"id": id}));
    presence["availability"] = json!(availability);
    presence["activity"] = json!(activity);
    state.store.put("presence", "", id, &presence).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_mine(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    set_session(&state, caller.me()?, &body).await
}

pub async fn set_for_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    set_session(&state, &id, &body).await
}

pub async fn set_preferred(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let (availability, activity) = pair(&body, PREFERRED_PAIRS)?;
    let expires_at = preferred_expiry(&body, availability)?;
    let preferred =
        json!({"availability": availability, "activity": activity, "expiresAt": expires_at});
    state
        .store
        .put("preferredPresence", "", me, &preferred)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn clear_preferred(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> GraphResult<StatusCode> {
    state
        .store
        .delete("preferredPresence", "", caller.me()?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"statusMessage":{"message":{"content","contentType"},"expiryDateTime":{…}}}`; a null or
/// empty message clears it.
pub async fn set_status_message(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let mut presence = effective(&state, me).await?;
    let status = &body["statusMessage"];
    let content = status["message"]["content"].as_str().unwrap_or_default();
    presence["statusMessage"] = if content.is_empty() {
        Value::Null
    } else {
        json!({
            "message": {"contentType": status["message"]["contentType"].as_str().unwrap_or("text"), "content": content},
            "expiryDateTime": status["expiryDateTime"],
            "publishedDateTime": clock::now(),
        })
    };
    let mut stored = state
        .store
        .get("presence", "", me)
        .await?
        .unwrap_or_else(|| json!({"id": me}));
    stored["statusMessage"] = presence["statusMessage"].clone();
    state.store.put("presence", "", me, &stored).await?;
    Ok(StatusCode::NO_CONTENT)
}
