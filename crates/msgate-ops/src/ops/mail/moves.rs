//! `mail.move` and `mail.copy`: a message into another folder. Outlook gives the message in its
//! new folder a new id (a move is a copy and a delete), which the result shows.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Body, Mail, WRITE, folder, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Move;
pub struct Copy;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// The folder: inbox, archive, deleteditems, a folder's name or path (Projects/Q4), or its id
    pub folder: String,
}

async fn relocate(ctx: &Ctx, input: &Input, action: &str) -> Result<Mail> {
    let destination = folder::resolve(ctx, &input.folder).await?;
    let request = Request::post(
        format!("{}/{action}", message_path(&input.id)),
        json!({"destinationId": destination.segment}),
    )
    .permissions(WRITE);
    let placed: Value = ctx.graph.json(&request).await?;
    Ok(Mail::from_graph(&placed, Body::Preview))
}

impl Operation for Move {
    type Input = Input;
    type Output = Mail;
    const SPEC: Spec = Spec {
        name: "mail.move",
        summary: "Move a message to another folder (it gets a new id there)",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Mail> {
        relocate(ctx, &input, "move").await
    }
}

impl Operation for Copy {
    type Input = Input;
    type Output = Mail;
    const SPEC: Spec = Spec {
        name: "mail.copy",
        summary: "Copy a message into another folder",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Mail> {
        relocate(ctx, &input, "copy").await
    }
}
