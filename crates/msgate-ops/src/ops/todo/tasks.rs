//! `todo.tasks`: the tasks of a list (the default list unless one is named) — open ones, or
//! with `--completed` the completed ones too. Completed tasks pile up over the years, so they are
//! left out on the server, not after reading them.

use msgate_core::Result;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{READ, Task, list_id, tasks_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};

pub struct Tasks;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The task list, by name or id (default: your default list, Tasks)
    #[serde(default)]
    pub list: Option<String>,
    /// Include completed tasks
    #[serde(default)]
    pub completed: bool,
}

impl Operation for Tasks {
    type Input = Input;
    type Output = Listing<Task>;
    const SPEC: Spec = Spec {
        name: "todo.tasks",
        summary: "List the open tasks of a To Do list (with --completed, finished ones too)",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["id", "title", "status", "due"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Task>> {
        let list = list_id(ctx, input.list.as_deref(), READ).await?;
        let mut request = Request::get(tasks_path(&list)).permissions(READ);
        if !input.completed {
            request = request.filter("status ne 'completed'");
        }
        let tasks = ctx.graph.list(request, Limit::All).await?.items;
        Ok(Listing::complete(
            tasks.iter().map(Task::from_graph).collect(),
        ))
    }
}
