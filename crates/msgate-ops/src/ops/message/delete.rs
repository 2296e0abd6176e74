//! `message.delete` and `message.undelete`: Graph's soft delete of a message you sent, and its
//! undoing. A soft-deleted message stays in the conversation as "This message has been deleted"
//! and can be brought back, so both are writes, not destructive.

use msgate_core::Result;
use msgate_graph::Request;

use super::{Done, Which};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{Conversation, MessageAt};
use crate::spec::{Risk, Spec};

pub struct Delete;
pub struct Undelete;

const PERMISSIONS: &[&str] = &["Chat.ReadWrite", "ChannelMessage.ReadWrite"];

async fn act(ctx: &Ctx, at: &MessageAt, action: &str) -> Result<()> {
    let permissions: &'static [&'static str] = match at.conversation {
        Conversation::Chat { .. } => &["Chat.ReadWrite"],
        Conversation::Channel { .. } => &["ChannelMessage.ReadWrite"],
    };
    // Deleting what is deleted (or restoring what is there) changes nothing: safe to repeat.
    // softDelete and undoSoftDelete take no body (chatmessage-softdelete).
    let request = Request::action(format!("{}/{action}", at.path()))
        .idempotent(true)
        .permissions(permissions);
    ctx.graph.send(&request).await?;
    Ok(())
}

impl Operation for Delete {
    type Input = Which;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.delete",
        summary: "Delete a message you sent (soft delete: undelete brings it back)",
        risk: Risk::Write,
        idempotent: true,
        delegated: PERMISSIONS,
        application: &[],
        columns: &["id", "done"],
    };

    async fn run(ctx: &Ctx, input: Which) -> Result<Done> {
        let at = input.resolve(ctx).await?;
        act(ctx, &at, "softDelete").await?;
        Ok(Done::new(&at, "deleted"))
    }
}

impl Operation for Undelete {
    type Input = Which;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.undelete",
        summary: "Bring back a message you deleted",
        risk: Risk::Write,
        idempotent: true,
        delegated: PERMISSIONS,
        application: &[],
        columns: &["id", "done"],
    };

    async fn run(ctx: &Ctx, input: Which) -> Result<Done> {
        let at = input.resolve(ctx).await?;
        act(ctx, &at, "undoSoftDelete").await?;
        Ok(Done::new(&at, "undeleted"))
    }
}
