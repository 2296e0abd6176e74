//! `todo.complete`: a task marked completed, named by id or by its title.

use msgate_core::Result;
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Task, WRITE, list_id, tasks_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::exactly_one;
use crate::spec::{Risk, Spec};

pub struct Complete;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The task: its id or its title
    #[schemars(extend("x-positional" = true))]
    pub task: String,
    /// The task list, by name or id (default: your default list, Tasks)
    #[serde(default)]
    pub list: Option<String>,
}

impl Operation for Complete {
    type Input = Input;
    type Output = Task;
    const SPEC: Spec = Spec {
        name: "todo.complete",
        summary: "Mark a task completed, by its id or title",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &["id", "title", "status", "completed_at"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Task> {
        let list = list_id(ctx, input.list.as_deref(), WRITE).await?;
        let wanted = input.task.trim();
        let request = Request::get(tasks_path(&list)).permissions(WRITE);
        let tasks = ctx.graph.list(request, Limit::All).await?.items;
        let by_id: Vec<Value> = tasks
            .iter()
            .filter(|t| t["id"] == wanted)
            .cloned()
            .collect();
        let candidates = if by_id.is_empty() {
            // An open task of that title wins over completed ones of the same title.
            let titled: Vec<Value> = tasks
                .into_iter()
                .filter(|t| {
                    t["title"]
                        .as_str()
                        .is_some_and(|title| title.trim().eq_ignore_ascii_case(wanted))
                })
                .collect();
            let open: Vec<Value> = titled
                .iter()
                .filter(|t| t["status"] != "completed")
                .cloned()
                .collect();
            if open.is_empty() { titled } else { open }
        } else {
            by_id
        };
        let task = exactly_one(candidates, "task", wanted, |t| {
            format!(
                "{} ({})",
                t["title"].as_str().unwrap_or("?"),
                t["id"].as_str().unwrap_or("?")
            )
        })?;
        let id = task["id"].as_str().unwrap_or_default();
        let request = Request::patch(
            format!("{}/{}", tasks_path(&list), segment(id)),
            json!({"status": "completed"}),
        )
        .permissions(WRITE);
        let updated: Value = ctx.graph.json(&request).await?;
        Ok(Task::from_graph(&updated))
    }
}
