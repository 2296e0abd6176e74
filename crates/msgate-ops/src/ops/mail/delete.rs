//! `mail.delete`: a message deleted out of the mailbox's folders — not moved to Deleted Items,
//! where a person could still find it (move it to `deleteditems` for that) — so it is
//! destructive.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Done, WRITE, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Delete;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
}

impl Operation for Delete {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "mail.delete",
        summary: "Delete a message out of every folder (to keep it in Deleted Items, move it there)",
        risk: Risk::Destructive,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &["id", "done"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        let request = Request::delete(message_path(&input.id)).permissions(WRITE);
        ctx.graph.send(&request).await?;
        Ok(Done {
            id: input.id.trim().to_owned(),
            done: "deleted".to_owned(),
        })
    }
}
