//! `todo.lists`: the signed-in user's task lists.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{READ, TaskList, all_lists};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};

pub struct Lists;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {}

impl Operation for Lists {
    type Input = Input;
    type Output = Listing<TaskList>;
    const SPEC: Spec = Spec {
        name: "todo.lists",
        summary: "List your To Do task lists",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["id", "name", "default"],
    };

    async fn run(ctx: &Ctx, _input: Input) -> Result<Listing<TaskList>> {
        Ok(Listing::complete(
            all_lists(ctx, READ)
                .await?
                .iter()
                .map(TaskList::from_graph)
                .collect(),
        ))
    }
}
