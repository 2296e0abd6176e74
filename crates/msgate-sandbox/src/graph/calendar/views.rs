//! Reading a calendar by time: `/me/calendars`, `/me/calendarView` (every event and occurrence
//! overlapping a window) and `/me/calendarView/delta` (the same, then only what changed).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::instances;
use super::respond;
use super::shapes;
use super::zones::{self, Preferences};
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::{Page, Query};
use crate::graph::{Caller, collection};
use crate::state::AppState;

pub async fn calendars(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<axum::Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let items = state.store.list("calendar", caller.me()?).await?;
    collection(
        &state,
        &query,
        items,
        "/me/calendars",
        "users('me')/calendars",
        (10, 1000),
    )
}

/// The window a calendar view covers, from its required `startDateTime` and `endDateTime`
/// (an offset in the value is honoured, none means UTC; `Prefer` does not change them).
fn window(query: &Query) -> GraphResult<(Timestamp, Timestamp)> {
    let value = |name: &str| {
        query
            .other
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (Some(start), Some(end)) = (value("startDateTime"), value("endDateTime")) else {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ));
    };
    let parse = |name: &str, text: &str| {
        zones::parse_instant(text, &jiff::tz::TimeZone::UTC).ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                format!("The value '{text}' of parameter '{name}' is invalid."),
            )
        })
    };
    Ok((parse("StartDateTime", start)?, parse("EndDateTime", end)?))
}

/// https://learn.microsoft.com/graph/api/user-list-calendarview: events, occurrences and
/// exceptions overlapping the window, earliest first, series expanded.
pub async fn calendar_view(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let query = Query::parse(raw.as_deref())?;
    let (from, to) = window(&query)?;
    let preferences = Preferences::from_headers(&headers)?;
    let events = state.store.list("event", me).await?;
    let items = instances::in_window(&events, from, to)
        .iter()
        .map(|i| shapes::render(&i.doc, &preferences.zone))
        .collect();
    let body = collection(
        &state,
        &query,
        items,
        "/me/calendarView",
        "users('me')/calendarView",
        (preferences.max_page_size.unwrap_or(10), 1000),
    )?;
    Ok(respond(StatusCode::OK, body.0, preferences.applied()))
}

/// https://learn.microsoft.com/graph/api/event-delta: the first round lists the window like a
/// calendar view; the `@odata.deltaLink` then returns only events changed since, and removed
/// ones as `@removed`.
pub async fn delta(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let query = Query::parse(raw.as_deref())?;
    let (from, to) = window(&query)?;
    let preferences = Preferences::from_headers(&headers)?;
    let since = query.delta_version.unwrap_or(0);
    let (changed, newest_change) = state.store.changed_since("event", me, since).await?;
    let (removed, newest_removal) = state.store.changed_since("eventRemoved", me, since).await?;
    let mut items: Vec<Value> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    if query.delta_version.is_none() {
        for instance in instances::in_window(&changed, from, to) {
            items.push(shapes::render(&instance.doc, &preferences.zone));
        }
    } else {
        for event in &changed {
            let shown = instances::expand(event, from, to);
            if shown.is_empty() && event["type"] != "seriesMaster" {
                items.push(removed_entry(event["id"].as_str().unwrap_or_default()));
            }
            for instance in shown {
                items.push(shapes::render(&instance.doc, &preferences.zone));
            }
        }
        for tombstone in &removed {
            for id in removed_ids(&tombstone["event"], from, to) {
                if seen.insert(id.clone()) {
                    items.push(removed_entry(&id));
                }
            }
        }
    }
    let newest = newest_change.max(newest_removal).max(since);
    let self_url = format!("{}/me/calendarView/delta", state.graph_url());
    let context = format!("{}/$metadata#Collection(event)", state.graph_url());
    let page = Page {
        default_top: preferences.max_page_size.unwrap_or(10),
        max_top: 1000,
        self_url: &self_url,
        context: &context,
    };
    let mut body = query.delta(items, page, newest)?;
    keep_window_in_delta_link(&mut body, &query);
    Ok(respond(StatusCode::OK, body, preferences.applied()))
}

/// The ids a removed event had in the window: itself, or its occurrences.
fn removed_ids(event: &Value, from: Timestamp, to: Timestamp) -> Vec<String> {
    let shown: Vec<String> = instances::expand(event, from, to)
        .iter()
        .filter_map(|i| i.doc["id"].as_str().map(str::to_owned))
        .collect();
    if shown.is_empty() {
        event["id"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect()
    } else {
        shown
    }
}

fn removed_entry(id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.event",
        "id": id,
        "@removed": {"reason": "deleted"},
    })
}

/// The delta link resumes the same window: it carries `startDateTime` and `endDateTime` along
/// with the delta token.
fn keep_window_in_delta_link(body: &mut Value, query: &Query) {
    let Some(link) = body["@odata.deltaLink"].as_str() else {
        return;
    };
    let Some((base, token)) = link.split_once('?') else {
        return;
    };
    let window: Vec<String> = query
        .other
        .iter()
        .filter(|(k, _)| {
            k.eq_ignore_ascii_case("startDateTime") || k.eq_ignore_ascii_case("endDateTime")
        })
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::graph::odata::percent_encode(k),
                crate::graph::odata::percent_encode(v)
            )
        })
        .collect();
    body["@odata.deltaLink"] = json!(format!("{base}?{}&{token}", window.join("&")));
}
