//! Microsoft Graph v1.0, emulated: the routes (named exactly as in the OpenAPI subset, so the
//! matched route is the operation's key in the permissions table), token validation and the
//! permission decision in front of every handler, and Graph's error shapes for what no route
//! matches.

pub mod error;
pub mod odata;
pub mod request_ids;

mod batch;
mod body;
pub(crate) mod calendar;
mod chats;
pub(crate) mod files;
pub(crate) mod mail;
pub(crate) mod meetings;
mod message_actions;
mod messages;
pub(crate) mod people;
mod presence;
mod search;
#[cfg(feature = "strict")]
mod strict;
pub(crate) mod subscriptions;
pub(crate) mod team_apps;
mod teams;
pub(crate) mod todo;
mod users;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use serde_json::Value;

use self::error::GraphError;
use crate::clock;
use crate::permissions::{self, Decision, Scheme};
use crate::state::AppState;

pub const PREFIX: &str = "/v1.0";

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let routes = Router::new()
        .route("/$batch", post(batch::batch))
        .route("/me", get(users::me))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get))
        .route("/me/manager", get(users::my_manager))
        .route("/users/{id}/manager", get(users::manager))
        .route("/me/presence", get(presence::mine))
        .route("/users/{id}/presence", get(presence::of_user))
        .route(
            "/communications/getPresencesByUserId",
            post(presence::by_user_ids),
        )
        .route("/me/presence/setPresence", post(presence::set_mine))
        .route(
            "/users/{id}/presence/setPresence",
            post(presence::set_for_user),
        )
        .route(
            "/me/presence/setUserPreferredPresence",
            post(presence::set_preferred),
        )
        .route(
            "/me/presence/clearUserPreferredPresence",
            post(presence::clear_preferred),
        )
        .route(
            "/me/presence/setStatusMessage",
            post(presence::set_status_message),
        )
        .route("/me/people", get(people::people))
        .route(
            "/me/contacts",
            get(people::contacts).post(people::create_contact),
        )
        .route("/me/todo/lists", get(todo::lists))
        .route(
            "/me/todo/lists/{id_2}/tasks",
            get(todo::tasks).post(todo::create_task),
        )
        .route(
            "/me/todo/lists/{id_2}/tasks/{id_3}",
            patch(todo::update_task),
        )
        .route("/me/joinedTeams", get(teams::joined))
        .route(
            "/teams/{id}/installedApps",
            get(team_apps::installed).post(team_apps::install),
        )
        .route(
            "/teams/{id}/installedApps/{id_1}",
            delete(team_apps::uninstall),
        )
        .route("/teams/{id}/tags", get(team_apps::tags))
        .route(
            "/teams/{id}/sendActivityNotification",
            post(team_apps::send_activity_notification),
        )
        .route(
            "/teams/{id}",
            get(teams::get).patch(teams::update).delete(teams::delete),
        )
        .route("/teams/{id}/archive", post(teams::archive))
        .route("/teams/{id}/unarchive", post(teams::unarchive))
        .route(
            "/teams/{id}/members",
            get(teams::members).post(teams::add_member),
        )
        .route("/teams/{id}/members/{id_1}", delete(teams::remove_member))
        .route(
            "/teams/{id}/channels",
            get(teams::channels).post(teams::create_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}",
            get(teams::channel)
                .patch(teams::update_channel)
                .delete(teams::delete_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/members",
            get(teams::channel_members),
        )
        .route(
            "/teams/{id}/channels/{id_1}/filesFolder",
            get(teams::files_folder),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages",
            get(messages::list_channel).post(messages::post_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/delta",
            get(message_actions::delta_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}",
            get(messages::get_channel).patch(message_actions::edit_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies",
            get(messages::list_replies).post(messages::post_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}",
            get(messages::get_reply).patch(message_actions::edit_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/softDelete",
            post(message_actions::soft_delete_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/undoSoftDelete",
            post(message_actions::undo_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/setReaction",
            post(message_actions::set_reaction_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/unsetReaction",
            post(message_actions::unset_reaction_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/hostedContents",
            get(message_actions::hosted_contents_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/hostedContents/{id_4}/$value",
            get(message_actions::hosted_value_reply),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/softDelete",
            post(message_actions::soft_delete_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/undoSoftDelete",
            post(message_actions::undo_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/setReaction",
            post(message_actions::set_reaction_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/unsetReaction",
            post(message_actions::unset_reaction_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/hostedContents",
            get(message_actions::hosted_contents_channel),
        )
        .route(
            "/teams/{id}/channels/{id_1}/messages/{id_2}/hostedContents/{id_3}/$value",
            get(message_actions::hosted_value_channel),
        )
        .route("/me/chats", get(chats::list))
        .route("/chats", post(chats::create))
        .route("/chats/{id}", get(chats::get).patch(chats::rename))
        .route(
            "/chats/{id}/members",
            get(chats::members).post(chats::add_member),
        )
        .route("/chats/{id}/members/{id_1}", delete(chats::remove_member))
        .route("/chats/{id}/markChatReadForUser", post(chats::mark_read))
        .route(
            "/chats/{id}/markChatUnreadForUser",
            post(chats::mark_unread),
        )
        .route(
            "/chats/{id}/pinnedMessages",
            get(message_actions::pinned).post(message_actions::pin),
        )
        .route(
            "/chats/{id}/pinnedMessages/{id_1}",
            delete(message_actions::unpin),
        )
        .route(
            "/chats/{id}/messages",
            get(messages::list_chat).post(messages::post_chat),
        )
        .route(
            "/chats/{id}/messages/delta",
            get(message_actions::delta_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}",
            get(messages::get_chat).patch(message_actions::edit_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/softDelete",
            post(message_actions::soft_delete_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/undoSoftDelete",
            post(message_actions::undo_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/setReaction",
            post(message_actions::set_reaction_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/unsetReaction",
            post(message_actions::unset_reaction_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/hostedContents",
            get(message_actions::hosted_contents_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/hostedContents/{id_2}",
            get(message_actions::hosted_content_chat),
        )
        .route(
            "/chats/{id}/messages/{id_1}/hostedContents/{id_2}/$value",
            get(message_actions::hosted_value_chat),
        )
        .merge(mail::routes())
        .merge(calendar::routes())
        .merge(files::routes())
        .merge(meetings::routes())
        .merge(subscriptions::routes())
        .merge(search::routes());
    #[cfg(feature = "strict")]
    let routes = routes.route_layer(middleware::from_fn_with_state(
        Arc::clone(&state),
        strict::check,
    ));
    let routes = routes
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            authorize,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            crate::faults::inject,
        ))
        .fallback(unknown_segment)
        .method_not_allowed_fallback(method_not_allowed);
    // Drive paths (`/me/drive/root:/a/b.txt:/content`) are rewritten to their item-id form
    // before routing, so each is authorized as the operation it is.
    Router::new().nest_service(PREFIX, files::path_addressing(routes.with_state(state)))
}

/// A collection response for `path` (below /v1.0) with its `@odata.context` and paging sizes.
pub(crate) fn collection(
    state: &AppState,
    query: &odata::Query,
    items: Vec<Value>,
    path: &str,
    context: &str,
    (default_top, max_top): (usize, usize),
) -> Result<axum::Json<Value>, GraphError> {
    let self_url = format!("{}{path}", state.graph_url());
    let context = format!("{}/$metadata#{context}", state.graph_url());
    let page = odata::Page {
        default_top,
        max_top,
        self_url: &self_url,
        context: &context,
    };
    Ok(axum::Json(query.collection(items, page)?))
}

/// One entity as Graph returns it: `$select` applied and its `@odata.context` set.
pub(crate) fn entity(
    state: &AppState,
    query: &odata::Query,
    item: &Value,
    context: &str,
) -> axum::Json<Value> {
    let mut body = query.project(item);
    body["@odata.context"] =
        serde_json::json!(format!("{}/$metadata#{context}", state.graph_url()));
    axum::Json(body)
}

/// Who is calling, as established from the access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub scheme: Scheme,
    /// The signed-in user (delegated tokens only).
    pub user_id: Option<String>,
    pub granted: BTreeSet<String>,
    /// The client the token was issued to (`appid`).
    pub app_id: Option<String>,
    /// The user, or for app-only tokens the app's service principal (`oid`).
    pub object_id: Option<String>,
}

impl Caller {
    /// The signed-in user, or Graph's answer to an app-only token on a `/me` path.
    pub fn me(&self) -> Result<&str, GraphError> {
        self.user_id.as_deref().ok_or_else(|| {
            GraphError::bad_request("/me request is only valid with delegated authentication flow.")
        })
    }
}

async fn authorize(
    State(state): State<Arc<AppState>>,
    matched: MatchedPath,
    mut request: Request,
    next: Next,
) -> Result<Response, GraphError> {
    let caller = authenticate(&state, request.headers().get(header::AUTHORIZATION))?;
    let template = operation_template(
        matched
            .as_str()
            .strip_prefix(PREFIX)
            .unwrap_or(matched.as_str()),
    );
    let operation = format!("{} {template}", request.method());
    if template.starts_with("/me") {
        caller.me()?;
    }
    enforce(
        permissions::decide(&operation, caller.scheme, &caller.granted),
        &caller,
    )?;
    let place = team_or_channel(request.uri().path());
    let spent = state
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .charge(
            caller.app_id.as_deref().unwrap_or_default(),
            request.method(),
            &template,
            place.as_deref(),
        );
    if let Some(throttled) = spent {
        return Ok(throttled);
    }
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

/// The team or channel a `/teams/…` request is about (`TEAM` or `TEAM/CHANNEL`), which Graph's
/// per-team-or-channel budget counts.
fn team_or_channel(path: &str) -> Option<String> {
    let mut segments = path
        .strip_prefix(PREFIX)
        .unwrap_or(path)
        .split('/')
        .filter(|s| !s.is_empty());
    if segments.next() != Some("teams") {
        return None;
    }
    let team = segments.next()?;
    match (segments.next(), segments.next()) {
        (Some("channels"), Some(channel)) => Some(format!("{team}/{channel}")),
        _ => Some(team.to_owned()),
    }
}

/// Graph's 403 for a permission decision that does not allow the call.
pub(crate) fn enforce(decision: Decision, caller: &Caller) -> Result<(), GraphError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Deny(needed) => {
            let held: Vec<&str> = caller.granted.iter().map(String::as_str).collect();
            Err(GraphError::forbidden(format!(
                "Missing scope permissions on the request. API requires one of '{}'. Scopes on the request '{}'",
                needed.join(", "),
                held.join(", ")
            )))
        }
        Decision::Unsupported => {
            let kind = match caller.scheme {
                Scheme::Delegated => "delegated",
                Scheme::Application => "application",
            };
            Err(GraphError::forbidden(format!(
                "This API does not support {kind} permissions."
            )))
        }
    }
}

/// The operation a route serves. A route taking an OData function's parameters in its path
/// (`…/getAllTranscripts{parameters}` for `getAllTranscripts(meetingOrganizerUserId='…')`) is
/// the function's operation, keyed without them.
fn operation_template(route: &str) -> String {
    route
        .split('/')
        .map(|segment| match segment.find('{') {
            Some(at) if at > 0 => &segment[..at],
            _ => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn authenticate(
    state: &AppState,
    authorization: Option<&header::HeaderValue>,
) -> Result<Caller, GraphError> {
    let token = authorization
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GraphError::unauthorized("Access token is empty."))?;
    let claims = state.signer.verify(token).ok_or_else(|| {
        GraphError::unauthorized(
            "Access token validation failure. Invalid signature or malformed token.",
        )
    })?;
    if claims["exp"]
        .as_i64()
        .is_none_or(|exp| exp <= clock::unix_now())
    {
        return Err(GraphError::unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    if claims["aud"] != "https://graph.microsoft.com" {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    if claims["tid"] != state.tenant.id.as_str() {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid tenant.",
        ));
    }
    let (scheme, granted) = match (&claims["scp"], &claims["roles"]) {
        (Value::String(scp), _) => (
            Scheme::Delegated,
            scp.split_whitespace().map(str::to_owned).collect(),
        ),
        (_, Value::Array(roles)) => (
            Scheme::Application,
            roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => {
            return Err(GraphError::unauthorized(
                "Access token validation failure. The token has neither scp nor roles.",
            ));
        }
    };
    let user_id = match scheme {
        Scheme::Delegated => claims["oid"].as_str().map(str::to_owned),
        Scheme::Application => None,
    };
    Ok(Caller {
        scheme,
        user_id,
        granted,
        app_id: claims["appid"].as_str().map(str::to_owned),
        object_id: claims["oid"].as_str().map(str::to_owned),
    })
}

/// Graph names the first segment it cannot resolve; below a known root that is, for the routes
/// the sandbox serves, the last one.
async fn unknown_segment(uri: Uri) -> GraphError {
    const ROOTS: [&str; 8] = [
        "me",
        "users",
        "chats",
        "teams",
        "communications",
        "subscriptions",
        "drives",
        "search",
    ];
    let path = uri.path().strip_prefix(PREFIX).unwrap_or(uri.path());
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let segment = match segments.first() {
        Some(first) if ROOTS.contains(first) => segments.last().copied().unwrap_or_default(),
        Some(first) => first,
        None => "",
    };
    GraphError::bad_request(format!("Resource not found for the segment '{segment}'."))
}

async fn method_not_allowed(method: Method) -> GraphError {
    GraphError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        format!("The HTTP method '{method}' is not allowed for the requested resource."),
    )
}
