//! Calendars: events, calendar views with expanded recurrences, responses, free/busy and meeting
//! times.
//!
//! Every user has one default calendar; events live in the store as kind `event` under the user
//! whose calendar holds them. A meeting is one document per calendar: the organizer's, and an
//! invitation in each tenant attendee's calendar sharing the organizer's `iCalUId`. Responses and
//! cancellations travel between those copies the way Exchange's meeting messages would.

mod events;
mod instances;
mod recurrence;
mod responses;
mod schedule;
mod seed;
pub(crate) mod shapes;
mod views;
pub(crate) mod zones;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use super::body::GraphJson;
use super::error::GraphError;
use crate::state::AppState;
use crate::store::Store;
use crate::tenant::Tenant;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/me/calendars", get(views::calendars))
        .route("/me/events", get(events::list).post(events::create))
        .route(
            "/me/events/{id_1}",
            get(events::get)
                .patch(events::update)
                .delete(events::delete),
        )
        .route("/me/events/{id_1}/accept", post(responses::accept))
        .route(
            "/me/events/{id_1}/tentativelyAccept",
            post(responses::tentatively_accept),
        )
        .route("/me/events/{id_1}/decline", post(responses::decline))
        .route("/me/events/{id_1}/cancel", post(responses::cancel))
        .route("/me/calendarView", get(views::calendar_view))
        .route("/me/calendarView/delta", get(views::delta))
        .route("/me/calendar/getSchedule", post(schedule::get_schedule))
        .route("/me/findMeetingTimes", post(schedule::find_meeting_times))
}

/// The demo tenant's share of this area: a default calendar for everyone, and a realistic week
/// of meetings for the default user and colleagues.
pub async fn seed(store: &Store, tenant: &Tenant, _graph_url: &str) -> msgate_core::Result<()> {
    seed::seed(store, tenant).await
}

/// An action's parameters: Outlook actions may be posted with no body at all, and name their
/// parameters in either case (`Comment` in the metadata, `comment` in the documentation).
#[derive(Debug)]
pub struct ActionBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ActionBody {
    type Rejection = GraphError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if request.headers().contains_key(header::CONTENT_TYPE) {
            return GraphJson::from_request(request, state)
                .await
                .map(|GraphJson(body)| ActionBody(body));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| GraphError::bad_request("The request body could not be read."))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(ActionBody(Value::Object(serde_json::Map::new())))
        } else {
            Err(GraphError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                "The request content type is not supported: send the body as application/json.",
            ))
        }
    }
}

/// An action parameter by name, whatever its case.
pub fn param<'a>(body: &'a Value, name: &str) -> &'a Value {
    body.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map_or(&Value::Null, |(_, v)| v)
}

/// A JSON response with the `Preference-Applied` header Graph adds when it honoured `Prefer`.
pub fn respond(status: StatusCode, body: Value, applied: Option<String>) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(value) = applied.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert("preference-applied", value);
    }
    response
}
