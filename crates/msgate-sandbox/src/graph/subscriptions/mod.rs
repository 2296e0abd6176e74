//! Change notifications: subscriptions with Graph's validation handshake, delivery of changes to
//! subscribed resources, lifecycle notifications, expiry and renewal.
//!
//! The API follows https://learn.microsoft.com/graph/api/resources/subscription and its methods'
//! pages. A subscription is a document in the store (kind `subscription`), exactly as Graph
//! returns it; who may see it follows from its `applicationId` and `creatorId`. What a
//! subscription needs and watches comes from [`resources`], the notifications from
//! [`delivery`], the encryption of rich notifications from [`crypto`].
//!
//! Real Graph only posts to https URLs; the sandbox posts to those and, so that tests and local
//! receivers need no certificate, to http URLs on loopback hosts.

mod crypto;
pub(crate) mod delivery;
mod resources;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use reqwest::Url;
use serde_json::{Value, json};

use self::crypto::Certificate;
use self::delivery::Settings;
use self::resources::{Family, Mailbox, Target};
use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, chats, collection, enforce, entity, teams};
use crate::permissions::{self, Scheme};
use crate::state::AppState;
use crate::{clock, ids};

pub use self::delivery::Webhooks;

/// The store kind subscriptions are kept under.
const KIND: &str = "subscription";
const CLIENT_STATE_MAX: usize = 128;
const CERTIFICATE_ID_MAX: usize = 128;
/// Teams subscriptions longer than this need a lifecycle notification URL.
const TEAMS_WITHOUT_LIFECYCLE_MINUTES: i64 = 60;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/subscriptions", get(list).post(create))
        .route(
            "/subscriptions/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/subscriptions/{id}/reauthorize", post(reauthorize))
}

/// `/_sandbox/subscriptions/*`: what tests steer — the handshake timeout and delivery attempts,
/// and lifecycle events on demand.
pub fn control_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_sandbox/subscriptions/settings",
            get(show_settings).post(set_settings),
        )
        .route(
            "/_sandbox/subscriptions/{id}/lifecycle",
            post(trigger_lifecycle),
        )
}

fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

fn not_found() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "The object was not found.",
    )
}

/// When a stored subscription expires; a document without a readable date is already expired.
fn expiration_of(subscription: &Value) -> Timestamp {
    subscription["expirationDateTime"]
        .as_str()
        .and_then(clock::parse)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Subscriptions that have not expired.
async fn active(state: &AppState) -> msgate_core::Result<Vec<Value>> {
    let now = Timestamp::now();
    Ok(state
        .store
        .list(KIND, "")
        .await?
        .into_iter()
        .filter(|s| expiration_of(s) > now)
        .collect())
}

/// An app sees the subscriptions it created; with a delegated token, only those it created for
/// the signed-in user.
fn visible_to(subscription: &Value, caller: &Caller) -> bool {
    let same_app = caller
        .app_id
        .as_deref()
        .is_some_and(|app| subscription["applicationId"] == app);
    same_app
        && match caller.scheme {
            Scheme::Application => true,
            Scheme::Delegated => caller
                .user_id
                .as_deref()
                .is_some_and(|user| subscription["creatorId"] == user),
        }
}

/// The caller's active subscription `id`, and what it watches.
async fn owned(state: &AppState, caller: &Caller, id: &str) -> GraphResult<(Value, Target)> {
    let subscription = state
        .store
        .get(KIND, "", id)
        .await?
        .filter(|s| expiration_of(s) > Timestamp::now() && visible_to(s, caller))
        .ok_or_else(not_found)?;
    let target = subscription["resource"]
        .as_str()
        .and_then(Target::parse)
        .ok_or_else(not_found)?;
    Ok((subscription, target))
}

/// The caller may read `target`: it holds a permission the resource needs and, with a
/// delegated token, is a member of the chat or team, or the mailbox's owner.
async fn require_access(state: &AppState, caller: &Caller, target: &Target) -> GraphResult<()> {
    let (delegated, application) = target.permissions();
    let needed = match caller.scheme {
        Scheme::Delegated => delegated,
        Scheme::Application => application,
    };
    enforce(permissions::decide_among(needed, &caller.granted), caller)?;
    match target {
        Target::ChatMessages(chat) => {
            chats::require_chat_access(state, caller, chat).await?;
        }
        Target::ChannelMessages { team, channel } => {
            teams::require_team_access(state, caller, team).await?;
            teams::channel_or_404(state, team, channel).await?;
        }
        Target::Mail { user, .. } | Target::Events(user) => {
            require_mailbox(state, caller, user).await?;
        }
        Target::Transcripts {
            organizer: Some(user),
        } => {
            require_mailbox(state, caller, &Mailbox::User(user.clone())).await?;
        }
        Target::AllChatMessages
        | Target::AllChannelMessages
        | Target::Transcripts { organizer: None } => {}
    }
    Ok(())
}

async fn require_mailbox(state: &AppState, caller: &Caller, mailbox: &Mailbox) -> GraphResult<()> {
    let named = match mailbox {
        Mailbox::Me => caller.me()?,
        Mailbox::User(named) => named.as_str(),
    };
    let user = state
        .find_user(named)
        .await?
        .ok_or_else(|| GraphError::item_not_found("User", named))?;
    match &caller.user_id {
        Some(me) if user["id"] != me.as_str() => Err(GraphError::forbidden(
            "Access is denied. Check credentials and try again.",
        )),
        _ => Ok(()),
    }
}

/// A date-time Graph accepts for `expirationDateTime`: with an offset, or UTC without one.
fn parse_date_time(text: &str) -> Option<Timestamp> {
    clock::parse(text).or_else(|| {
        text.parse::<jiff::civil::DateTime>()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

/// `expirationDateTime` checked against the resource's maximum lifetime and, for Teams
/// resources, the rule that more than an hour needs a lifecycle URL.
fn check_expiration(family: Family, value: &Value, has_lifecycle: bool) -> GraphResult<String> {
    let expires = value.as_str().and_then(parse_date_time).ok_or_else(|| {
        invalid("expirationDateTime is required and must be a date and time, such as 2026-01-01T11:00:00.0000000Z.")
    })?;
    let seconds = expires.duration_since(Timestamp::now()).as_secs();
    if seconds <= 0 {
        return Err(invalid("Subscription expiration must be in the future."));
    }
    let max = family.max_minutes();
    if seconds > max * 60 {
        return Err(invalid(format!(
            "Subscription expiration can only be {max} minutes in the future."
        )));
    }
    if family.is_teams() && seconds > TEAMS_WITHOUT_LIFECYCLE_MINUTES * 60 && !has_lifecycle {
        return Err(invalid(
            "lifecycleNotificationUrl is a required property for subscription creation on this resource when the expirationDateTime value is set to greater than 1 hour.",
        ));
    }
    Ok(clock::format_millis(expires))
}

/// A URL Graph could post to: https anywhere, or (sandbox only) http on a loopback host.
fn endpoint_url(property: &str, value: &str) -> GraphResult<Url> {
    let url = Url::parse(value).map_err(|_| {
        invalid(format!(
            "Invalid {property}: '{value}' is not an absolute URL."
        ))
    })?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(invalid(format!(
            "Invalid {property}: '{value}'. Microsoft Graph posts only to https URLs; the sandbox also accepts http URLs on loopback hosts (localhost, 127.0.0.1, ::1)."
        ))),
    }
}

fn optional_string<'a>(body: &'a Value, property: &str) -> GraphResult<Option<&'a str>> {
    match &body[property] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(invalid(format!("'{property}' must be a string."))),
    }
}

fn required_string<'a>(body: &'a Value, property: &str) -> GraphResult<&'a str> {
    optional_string(body, property)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("Required property '{property}' is missing.")))
}

/// `changeType`: a comma-separated list the resource supports.
fn check_change_type(family: Family, value: &str) -> GraphResult<()> {
    for change in value.split(',').map(str::trim) {
        if !family.supports(change) {
            return Err(invalid(format!(
                "The changeType '{change}' is not supported for this resource."
            )));
        }
    }
    Ok(())
}

fn check_client_state(value: Option<&str>) -> GraphResult<()> {
    match value {
        Some(state) if state.chars().count() > CLIENT_STATE_MAX => Err(invalid(format!(
            "clientState must be at most {CLIENT_STATE_MAX} characters."
        ))),
        _ => Ok(()),
    }
}

/// Rich notifications need a usable certificate and its id.
fn check_encryption(body: &Value) -> GraphResult<()> {
    if body["includeResourceData"] != true {
        return Ok(());
    }
    let certificate = optional_string(body, "encryptionCertificate")?.ok_or_else(|| {
        invalid("encryptionCertificate is required when includeResourceData is true.")
    })?;
    let id = optional_string(body, "encryptionCertificateId")?.ok_or_else(|| {
        invalid("encryptionCertificateId is required when includeResourceData is true.")
    })?;
    if id.chars().count() > CERTIFICATE_ID_MAX {
        return Err(invalid(format!(
            "encryptionCertificateId must be at most {CERTIFICATE_ID_MAX} characters."
        )));
    }
    if Certificate::parse(certificate).is_none() {
        return Err(invalid(
            "encryptionCertificate must be a base64-encoded X.509 certificate with an RSA key of 2048 to 4096 bits.",
        ));
    }
    Ok(())
}

/// `latestSupportedTlsVersion`, which Graph defaults to `v1_2`.
fn tls_version(value: Option<&str>) -> GraphResult<&str> {
    match value.unwrap_or("v1_2") {
        v @ ("v1_0" | "v1_1" | "v1_2" | "v1_3") => Ok(v),
        other => Err(invalid(format!(
            "Invalid latestSupportedTlsVersion '{other}': use v1_0, v1_1, v1_2 or v1_3."
        ))),
    }
}

/// `POST /subscriptions`: https://learn.microsoft.com/graph/api/subscription-post-subscriptions
async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let resource = required_string(&body, "resource")?;
    if resource.contains('?') {
        return Err(invalid(format!(
            "The sandbox does not filter notifications: subscribe to '{}' without query options.",
            resource.split('?').next().unwrap_or_default()
        )));
    }
    let target = Target::parse(resource).ok_or_else(|| {
        invalid(format!(
            "The resource '{resource}' is not supported for change notifications."
        ))
    })?;
    let family = target.family();
    let change_type = required_string(&body, "changeType")?;
    check_change_type(family, change_type)?;
    let notification_url = endpoint_url(
        "notificationUrl",
        required_string(&body, "notificationUrl")?,
    )?;
    let lifecycle_url = optional_string(&body, "lifecycleNotificationUrl")?
        .map(|url| endpoint_url("lifecycleNotificationUrl", url))
        .transpose()?;
    let expiration =
        check_expiration(family, &body["expirationDateTime"], lifecycle_url.is_some())?;
    let client_state = optional_string(&body, "clientState")?;
    check_client_state(client_state)?;
    check_encryption(&body)?;
    let app_id = optional_string(&body, "notificationUrlAppId")?;
    let tls = tls_version(optional_string(&body, "latestSupportedTlsVersion")?)?;
    require_access(&state, &caller, &target).await?;

    state.webhooks.validate(&notification_url).await?;
    if let Some(url) = &lifecycle_url {
        state.webhooks.validate(url).await?;
    }
    let id = ids::random_guid();
    let rich = body["includeResourceData"] == true;
    let subscription = json!({
        "id": id,
        "resource": resource,
        "applicationId": caller.app_id,
        "changeType": change_type,
        "clientState": client_state,
        "notificationUrl": notification_url.as_str(),
        "notificationQueryOptions": null,
        "lifecycleNotificationUrl": lifecycle_url.as_ref().map(Url::as_str),
        "expirationDateTime": expiration,
        "creatorId": caller.object_id,
        "includeResourceData": rich,
        "encryptionCertificate": if rich { body["encryptionCertificate"].clone() } else { Value::Null },
        "encryptionCertificateId": if rich { body["encryptionCertificateId"].clone() } else { Value::Null },
        "latestSupportedTlsVersion": tls,
        "notificationUrlAppId": app_id,
    });
    state.store.put(KIND, "", &id, &subscription).await?;
    Ok((
        StatusCode::CREATED,
        entity(
            &state,
            &Query::default(),
            &subscription,
            "subscriptions/$entity",
        ),
    ))
}

/// `GET /subscriptions`: https://learn.microsoft.com/graph/api/subscription-list
async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let mine = active(&state)
        .await?
        .into_iter()
        .filter(|s| visible_to(s, &caller))
        .collect();
    collection(
        &state,
        &query,
        mine,
        "/subscriptions",
        "subscriptions",
        (100, 100),
    )
}

/// `GET /subscriptions/{id}`: https://learn.microsoft.com/graph/api/subscription-get
async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (subscription, target) = owned(&state, &caller, &id).await?;
    require_access(&state, &caller, &target).await?;
    Ok(entity(
        &state,
        &query,
        &subscription,
        "subscriptions/$entity",
    ))
}

/// Properties `PATCH` may change: renewal, a new notification URL, and key rotation
/// (https://learn.microsoft.com/graph/api/subscription-update,
/// https://learn.microsoft.com/graph/change-notifications-with-resource-data#rotating-keys).
const UPDATABLE: &[&str] = &[
    "expirationDateTime",
    "notificationUrl",
    "encryptionCertificate",
    "encryptionCertificateId",
];

/// `PATCH /subscriptions/{id}`: Graph answers 200 with the renewed subscription.
async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let (mut subscription, target) = owned(&state, &caller, &id).await?;
    require_access(&state, &caller, &target).await?;
    let changes = body.as_object().cloned().unwrap_or_default();
    if changes.contains_key("lifecycleNotificationUrl") {
        return Err(invalid(
            "lifecycleNotificationUrl cannot be added to or changed on an existing subscription: create a new subscription.",
        ));
    }
    if let Some(name) = changes
        .iter()
        .find(|(name, value)| {
            !UPDATABLE.contains(&name.as_str()) && subscription[name.as_str()] != **value
        })
        .map(|(name, _)| name)
    {
        return Err(invalid(format!("Property '{name}' cannot be updated.")));
    }
    let has_lifecycle = subscription["lifecycleNotificationUrl"].is_string();
    if changes.contains_key("expirationDateTime") {
        subscription["expirationDateTime"] = json!(check_expiration(
            target.family(),
            &body["expirationDateTime"],
            has_lifecycle
        )?);
    }
    if let Some(url) = optional_string(&body, "notificationUrl")? {
        let url = endpoint_url("notificationUrl", url)?;
        state.webhooks.validate(&url).await?;
        subscription["notificationUrl"] = json!(url.as_str());
    }
    for name in ["encryptionCertificate", "encryptionCertificateId"] {
        if let Some(value) = changes.get(name) {
            subscription[name] = value.clone();
        }
    }
    check_encryption(&subscription)?;
    state.store.put(KIND, "", &id, &subscription).await?;
    Ok(entity(
        &state,
        &Query::default(),
        &subscription,
        "subscriptions/$entity",
    ))
}

/// `DELETE /subscriptions/{id}`: https://learn.microsoft.com/graph/api/subscription-delete
async fn remove(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let (_, target) = owned(&state, &caller, &id).await?;
    require_access(&state, &caller, &target).await?;
    state.store.delete(KIND, "", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /subscriptions/{id}/reauthorize`: the answer to `reauthorizationRequired`, which checks
/// the caller still may read the resource and leaves the expiration as it is.
/// https://learn.microsoft.com/graph/api/subscription-reauthorize
async fn reauthorize(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let (_, target) = owned(&state, &caller, &id).await?;
    require_access(&state, &caller, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn show_settings(State(state): State<Arc<AppState>>) -> Json<Settings> {
    Json(state.webhooks.settings())
}

async fn set_settings(State(state): State<Arc<AppState>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Settings>(&body) {
        Ok(settings) => {
            state.webhooks.set_settings(settings);
            Json(settings).into_response()
        }
        Err(e) => control_error(StatusCode::BAD_REQUEST, format!("bad settings: {e}")),
    }
}

/// `POST /_sandbox/subscriptions/{id}/lifecycle {"event": "missed"}`: send a lifecycle
/// notification now. `subscriptionRemoved` also removes the subscription, as Graph does.
async fn trigger_lifecycle(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let event = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["event"].as_str().map(str::to_owned));
    let Some(event) = event.filter(|e| {
        matches!(
            e.as_str(),
            "missed" | "reauthorizationRequired" | "subscriptionRemoved"
        )
    }) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            "send {\"event\": \"missed\" | \"reauthorizationRequired\" | \"subscriptionRemoved\"}",
        );
    };
    let subscription = match state.store.get(KIND, "", &id).await {
        Ok(Some(subscription)) => subscription,
        Ok(None) => return control_error(StatusCode::NOT_FOUND, "no such subscription"),
        Err(e) => return control_error(StatusCode::INTERNAL_SERVER_ERROR, e.message()),
    };
    let Some(outgoing) = delivery::lifecycle(&state, &subscription, &event) else {
        return control_error(
            StatusCode::CONFLICT,
            "the subscription has no lifecycleNotificationUrl",
        );
    };
    if event == "subscriptionRemoved"
        && let Err(e) = state.store.delete(KIND, "", &id).await
    {
        return control_error(StatusCode::INTERNAL_SERVER_ERROR, e.message());
    }
    state.webhooks.send(outgoing);
    StatusCode::ACCEPTED.into_response()
}
