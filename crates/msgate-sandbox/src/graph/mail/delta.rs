//! Delta queries over messages (https://learn.microsoft.com/graph/api/message-delta): the first
//! round returns every message, later rounds what was created or changed since the token, and
//! `{"id", "@removed": {"reason": "deleted"}}` for messages deleted or moved away. `changeType`
//! narrows a round to created, updated or deleted messages; `$filter` takes only
//! `receivedDateTime ge|gt`, `$orderby` only `receivedDateTime desc`, and `$search` not at all;
//! `Prefer: odata.maxpagesize` sizes pages.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::mailbox::{MESSAGE, Mailbox, REMOVED, id_of};
use super::messages::{MESSAGE_PAGE, parse_query};
use super::shape::{Preferences, present};
use crate::graph::Caller;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::{Page, Query, percent_encode, url_form_pairs};
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq)]
enum ChangeType {
    All,
    Created,
    Updated,
    Deleted,
}

fn unsupported(message: &str) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidUrlQuery", message)
}

/// The options a message delta accepts, and its `changeType`.
fn check(query: &Query, raw: Option<&str>) -> GraphResult<ChangeType> {
    if query.search.is_some() {
        return Err(unsupported("$search is not supported on a delta query."));
    }
    let filter = raw
        .map(url_form_pairs)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v);
    if let Some(filter) = filter {
        let words: Vec<&str> = filter.split_whitespace().collect();
        let supported = matches!(words.as_slice(), [property, op, _]
            if property.eq_ignore_ascii_case("receivedDateTime")
                && (op.eq_ignore_ascii_case("ge") || op.eq_ignore_ascii_case("gt")));
        if !supported {
            return Err(unsupported(
                "The only $filter a message delta supports is 'receivedDateTime ge|gt {value}'.",
            ));
        }
    }
    let orderby_ok = match query.orderby.as_slice() {
        [] => true,
        [(field, true)] => field.eq_ignore_ascii_case("receivedDateTime"),
        _ => false,
    };
    if !orderby_ok {
        return Err(unsupported(
            "The only $orderby a message delta supports is 'receivedDateTime desc'.",
        ));
    }
    let change_type = query.other.iter().find(|(k, _)| k == "changeType");
    match change_type.map(|(_, v)| v.as_str()) {
        None => Ok(ChangeType::All),
        Some("created") => Ok(ChangeType::Created),
        Some("updated") => Ok(ChangeType::Updated),
        Some("deleted") => Ok(ChangeType::Deleted),
        Some(other) => Err(GraphError::bad_request(format!(
            "Invalid changeType '{other}'; supported values are created, updated and deleted."
        ))),
    }
}

async fn delta(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    raw: Option<&str>,
    folder_segment: Option<&str>,
) -> GraphResult<Response> {
    let mut query = parse_query(raw)?;
    let change_type = check(&query, raw)?;
    let mut preferences = Preferences::from_headers(headers);
    preferences.size_pages(&mut query);
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let folder = match folder_segment {
        Some(segment) => Some(mailbox.folder(segment).await?),
        None => None,
    };
    let in_scope = |doc: &Value| {
        folder
            .as_ref()
            .is_none_or(|f| doc["parentFolderId"] == f["id"])
    };
    let since = query.delta_version.unwrap_or(0);
    let (changed, newest_change) = state.store.changed_since(MESSAGE, me, since).await?;
    let inserted = state.store.inserted_since(MESSAGE, me, since).await?;
    let is_new = |doc: &Value| since == 0 || inserted.iter().any(|id| id == id_of(doc));
    let mut items: Vec<Value> = changed
        .iter()
        .filter(|doc| in_scope(doc))
        .filter(|doc| match change_type {
            ChangeType::All => true,
            ChangeType::Created => is_new(doc),
            ChangeType::Updated => !is_new(doc),
            ChangeType::Deleted => false,
        })
        .map(|doc| present(doc, &query, &preferences, caller))
        .collect();
    let (removed, newest_removal) = state.store.changed_since(REMOVED, me, since).await?;
    let reports_removals =
        since > 0 && matches!(change_type, ChangeType::All | ChangeType::Deleted);
    if reports_removals {
        items.extend(removed.iter().filter(|t| in_scope(t)).map(|t| {
            json!({
                "@odata.type": "#microsoft.graph.message",
                "id": t["id"],
                "receivedDateTime": t["receivedDateTime"],
                "@removed": {"reason": "deleted"},
            })
        }));
    }
    let path = match folder_segment {
        Some(segment) => format!("/me/mailFolders/{segment}/messages/delta"),
        None => "/me/messages/delta".to_owned(),
    };
    let self_url = format!("{}{path}", state.graph_url());
    let context = format!("{}/$metadata#Collection(message)", state.graph_url());
    let page = Page {
        default_top: MESSAGE_PAGE.0,
        max_top: MESSAGE_PAGE.1,
        self_url: &self_url,
        context: &context,
    };
    let mut body = query.delta(items, page, newest_change.max(newest_removal).max(since))?;
    for item in body["value"].as_array_mut().into_iter().flatten() {
        if item.get("@removed").is_some() {
            *item = json!({"@odata.type": item["@odata.type"], "id": item["id"], "@removed": item["@removed"]});
        }
    }
    if let Some(link) = body["@odata.deltaLink"].as_str() {
        body["@odata.deltaLink"] = json!(carry_options(link, &query));
    }
    Ok(preferences.respond(StatusCode::OK, body))
}

/// Graph keeps a round's options in its delta link, so the next round asks the same question.
fn carry_options(link: &str, query: &Query) -> String {
    let mut options: Vec<(String, String)> = Vec::new();
    if let Some(select) = &query.select {
        options.push(("$select".into(), select.join(",")));
    }
    if !query.expand.is_empty() {
        options.push(("$expand".into(), query.expand.join(",")));
    }
    options.extend(query.other.iter().cloned());
    let mut link = link.to_owned();
    for (key, value) in options {
        link.push_str(&format!(
            "&{}={}",
            percent_encode(&key),
            percent_encode(&value)
        ));
    }
    link
}

pub async fn all_messages(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    delta(&state, &caller, &headers, raw.as_deref(), None).await
}

pub async fn in_folder(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(folder): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    delta(&state, &caller, &headers, raw.as_deref(), Some(&folder)).await
}
