//! `todo.add`: a new task in a list (the default list unless one is named), optionally due on
//! a date.

use jiff::Timestamp;
use jiff::civil::Date;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Task, WRITE, list_id, tasks_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Add;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// What to do
    #[schemars(extend("x-positional" = true))]
    pub title: String,
    /// The task list, by name or id (default: your default list, Tasks)
    #[serde(default)]
    pub list: Option<String>,
    /// When it is due: a date (2026-11-20) or a time (2026-11-20T17:00:00Z)
    #[serde(default)]
    pub due: Option<String>,
}

/// Graph's `dateTimeTimeZone` for a due date or time, in UTC.
fn due(text: &str) -> Result<Value> {
    let text = text.trim();
    // A time first: jiff also reads the date out of a full timestamp.
    let at = if let Ok(at) = text.parse::<Timestamp>() {
        at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
    } else if let Ok(date) = text.parse::<Date>() {
        format!("{date}T00:00:00")
    } else {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is not a date or time"),
        )
        .with_hint("write a date (2026-11-20) or a time (2026-11-20T17:00:00Z)"));
    };
    Ok(json!({"dateTime": at, "timeZone": "UTC"}))
}

impl Operation for Add {
    type Input = Input;
    type Output = Task;
    const SPEC: Spec = Spec {
        name: "todo.add",
        summary: "Add a task to a To Do list, optionally with a due date",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &["id", "title", "due"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Task> {
        let title = input.title.trim();
        if title.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the task has no title"));
        }
        let mut body = json!({"title": title});
        if let Some(text) = input.due.as_deref() {
            body["dueDateTime"] = due(text)?;
        }
        let list = list_id(ctx, input.list.as_deref(), WRITE).await?;
        let request = Request::post(tasks_path(&list), body).permissions(WRITE);
        let created: Value = ctx.graph.json(&request).await?;
        Ok(Task::from_graph(&created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_and_times_are_utc() {
        assert_eq!(
            due("2026-11-20").unwrap(),
            json!({"dateTime": "2026-11-20T00:00:00", "timeZone": "UTC"})
        );
        assert_eq!(
            due("2026-11-20T17:30:00+01:00").unwrap(),
            json!({"dateTime": "2026-11-20T16:30:00", "timeZone": "UTC"})
        );
        assert_eq!(due("friday").unwrap_err().exit().status(), 2);
    }
}
