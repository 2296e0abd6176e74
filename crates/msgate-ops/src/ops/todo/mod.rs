//! Microsoft To Do: the signed-in user's task lists, their tasks, adding a task and completing
//! one. Lists are named by display name (or id), the default list when none is named; tasks by
//! id or title.

mod add;
mod complete;
mod lists;
mod tasks;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::refs::exactly_one;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<lists::Lists>(),
        entry::<tasks::Tasks>(),
        entry::<add::Add>(),
        entry::<complete::Complete>(),
    ]
}

pub const READ: &[&str] = &["Tasks.Read", "Tasks.ReadWrite"];
pub const WRITE: &[&str] = &["Tasks.ReadWrite"];

fn string(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A task list.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct TaskList {
    /// The list id
    pub id: String,
    /// Its name
    pub name: String,
    /// The default list (Tasks), where tasks go unless a list is named
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// Shared with others
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

impl TaskList {
    fn from_graph(list: &Value) -> TaskList {
        TaskList {
            id: string(&list["id"]).unwrap_or_default(),
            name: string(&list["displayName"]).unwrap_or_default(),
            default: list["wellknownListName"] == "defaultList",
            shared: list["isShared"] == true,
        }
    }
}

/// A task.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Task {
    /// The task id
    pub id: String,
    /// What to do
    pub title: String,
    /// notStarted, inProgress, completed, waitingOnOthers or deferred
    pub status: String,
    /// When it is due (date and time, in the time zone Graph gives, usually UTC)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// When it was completed
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// low or high (normal is not shown)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<String>,
}

/// A `dateTimeTimeZone` as one string: the date and time, and the zone unless UTC.
fn date_time(value: &Value) -> Option<String> {
    let at = string(&value["dateTime"])?;
    let at = at.split('.').next().unwrap_or(&at).to_owned();
    match value["timeZone"].as_str() {
        Some("UTC") | None => Some(format!("{at}Z")),
        Some(zone) => Some(format!("{at} {zone}")),
    }
}

impl Task {
    pub fn from_graph(task: &Value) -> Task {
        Task {
            id: string(&task["id"]).unwrap_or_default(),
            title: string(&task["title"]).unwrap_or_default(),
            status: string(&task["status"]).unwrap_or_else(|| "notStarted".to_owned()),
            due: date_time(&task["dueDateTime"]),
            completed_at: date_time(&task["completedDateTime"]),
            importance: string(&task["importance"]).filter(|i| i != "normal"),
        }
    }
}

/// Every task list.
async fn all_lists(ctx: &Ctx, permissions: &'static [&'static str]) -> Result<Vec<Value>> {
    let request = Request::get("/me/todo/lists").permissions(permissions);
    Ok(ctx.graph.list(request, Limit::All).await?.items)
}

/// The list `reference` names (its name or id), or the default list.
pub async fn list_id(
    ctx: &Ctx,
    reference: Option<&str>,
    permissions: &'static [&'static str],
) -> Result<String> {
    let lists = all_lists(ctx, permissions).await?;
    let found = match reference.map(str::trim) {
        Some(reference) => exactly_one(
            lists
                .into_iter()
                .filter(|l| {
                    l["id"] == reference
                        || l["displayName"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(reference))
                })
                .collect(),
            "task list",
            reference,
            |l| {
                format!(
                    "{} ({})",
                    l["displayName"].as_str().unwrap_or("?"),
                    l["id"].as_str().unwrap_or("?")
                )
            },
        )
        .map_err(|e| match e.code() {
            ErrorCode::NotFound => e.with_hint("list them with: msgate todo lists"),
            _ => e,
        })?,
        None => lists
            .into_iter()
            .find(|l| l["wellknownListName"] == "defaultList")
            .ok_or_else(|| {
                Error::new(ErrorCode::NotFound, "you have no default task list")
                    .with_hint("name a list with --list; see: msgate todo lists")
            })?,
    };
    Ok(found["id"].as_str().unwrap_or_default().to_owned())
}

/// A list's tasks collection below the Graph root.
pub fn tasks_path(list_id: &str) -> String {
    format!("/me/todo/lists/{}/tasks", segment(list_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tasks_are_compact() {
        let task = Task::from_graph(&json!({
            "id": "t1",
            "title": "Prepare roadmap slide",
            "status": "completed",
            "importance": "normal",
            "dueDateTime": {"dateTime": "2026-11-20T00:00:00.0000000", "timeZone": "UTC"},
            "completedDateTime": {"dateTime": "2026-11-19T10:00:00.000", "timeZone": "W. Europe Standard Time"},
        }));
        assert_eq!(task.due.as_deref(), Some("2026-11-20T00:00:00Z"));
        assert_eq!(
            task.completed_at.as_deref(),
            Some("2026-11-19T10:00:00 W. Europe Standard Time")
        );
        assert_eq!(task.importance, None);
    }
}
