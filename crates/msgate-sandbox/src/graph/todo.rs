//! Microsoft To Do: the user's task lists, and listing, creating and completing tasks.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, collection, entity};
use crate::state::AppState;
use crate::store::Store;
use crate::{clock, ids};

pub async fn lists(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let items = state.store.list("todoList", caller.me()?).await?;
    collection(
        &state,
        &query,
        items,
        "/me/todo/lists",
        "users('me')/todo/lists",
        (100, 1000),
    )
}

async fn list_or_404(state: &AppState, me: &str, list_id: &str) -> GraphResult<Value> {
    state
        .store
        .get("todoList", me, list_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Task list", list_id))
}

fn tasks_parent(me: &str, list_id: &str) -> String {
    format!("{me}/{list_id}")
}

pub async fn tasks(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(list_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let me = caller.me()?;
    list_or_404(&state, me, &list_id).await?;
    let items = state
        .store
        .list("todoTask", &tasks_parent(me, &list_id))
        .await?;
    let path = format!("/me/todo/lists/{list_id}/tasks");
    let context = format!("users('me')/todo/lists('{list_id}')/tasks");
    collection(&state, &query, items, &path, &context, (100, 1000))
}

fn task_doc(id: &str, title: &str, body: &Value, created: &str) -> Value {
    json!({
        "id": id,
        "title": title,
        "status": body["status"].as_str().unwrap_or("notStarted"),
        "importance": body["importance"].as_str().unwrap_or("normal"),
        "isReminderOn": false,
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "completedDateTime": null,
        "dueDateTime": body["dueDateTime"],
        "categories": body["categories"].as_array().cloned().unwrap_or_default(),
        "hasAttachments": false,
        "body": body.get("body").cloned().unwrap_or(json!({"contentType": "text", "content": ""})),
        "bodyLastModifiedDateTime": created,
    })
}

pub async fn create_task(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(list_id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    list_or_404(&state, me, &list_id).await?;
    let title = body["title"]
        .as_str()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("Required property 'title' is missing."))?;
    let task = task_doc(&ids::random_token(24), title, &body, &clock::now());
    let id = task["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put("todoTask", &tasks_parent(me, &list_id), &id, &task)
        .await?;
    let context = format!("users('me')/todo/lists('{list_id}')/tasks/$entity");
    Ok((
        StatusCode::CREATED,
        entity(&state, &Query::default(), &task, &context),
    ))
}

/// `PATCH`: title, status (completing sets completedDateTime), importance, due date.
pub async fn update_task(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((list_id, task_id)): Path<(String, String)>,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let me = caller.me()?;
    let parent = tasks_parent(me, &list_id);
    let mut task = state
        .store
        .get("todoTask", &parent, &task_id)
        .await?
        .ok_or_else(|| GraphError::item_not_found("Task", &task_id))?;
    for field in ["title", "importance", "dueDateTime", "categories", "body"] {
        if let Some(value) = body.get(field) {
            task[field] = value.clone();
        }
    }
    let now = clock::now();
    if let Some(status) = body.get("status").and_then(Value::as_str) {
        if !matches!(
            status,
            "notStarted" | "inProgress" | "completed" | "waitingOnOthers" | "deferred"
        ) {
            return Err(GraphError::bad_request(format!(
                "Invalid task status '{status}'."
            )));
        }
        task["status"] = json!(status);
        task["completedDateTime"] = if status == "completed" {
            json!({"dateTime": now.trim_end_matches('Z'), "timeZone": "UTC"})
        } else {
            Value::Null
        };
    }
    task["lastModifiedDateTime"] = json!(now);
    state
        .store
        .put("todoTask", &parent, &task_id, &task)
        .await?;
    let context = format!("users('me')/todo/lists('{list_id}')/tasks/$entity");
    Ok(entity(&state, &Query::default(), &task, &context))
}

/// Every user's default "Tasks" list; the default user gets a few tasks in it.
pub async fn seed(store: &Store, user_ids: &[String]) -> msgate_core::Result<()> {
    for (index, user) in user_ids.iter().enumerate() {
        let list_id = ids::stable_guid(&format!("todo-list:{user}"));
        let list = json!({"id": list_id, "displayName": "Tasks", "isOwner": true, "isShared": false, "wellknownListName": "defaultList"});
        store.put("todoList", user, &list_id, &list).await?;
        if index == 0 {
            for title in [
                "Review release notes for 4.2",
                "Prepare roadmap slide",
                "Reply to Tomas about renewal",
            ] {
                let id = ids::stable_guid(&format!("todo-task:{user}:{title}"));
                let task = task_doc(&id, title, &Value::Null, &clock::minutes_ago(60 * 30));
                store
                    .put("todoTask", &tasks_parent(user, &list_id), &id, &task)
                    .await?;
            }
        }
    }
    Ok(())
}
