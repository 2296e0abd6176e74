//! `channel.delete`: delete a channel and its conversations (Graph refuses the General channel).
//! Team owners can restore a deleted channel for a while in the Teams client; msgate cannot.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Serialize;

use super::ChannelInput;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Delete;

/// Which channel was deleted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Deleted {
    /// The deleted channel's id
    pub id: String,
    /// Its team's id
    pub team_id: String,
    /// Always true: the channel is gone
    pub deleted: bool,
}

impl Operation for Delete {
    type Input = ChannelInput;
    type Output = Deleted;
    const SPEC: Spec = Spec {
        name: "channel.delete",
        summary: "Delete a channel and its conversations (not the General channel)",
        risk: Risk::Destructive,
        idempotent: true,
        delegated: &["Channel.Delete.All"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: ChannelInput) -> Result<Deleted> {
        let (team_id, channel_id) = refs::channel(ctx, &input.channel).await?;
        let request = Request::delete(super::channel_path(&team_id, &channel_id))
            .permissions(Self::SPEC.delegated);
        ctx.graph.send(&request).await?;
        Ok(Deleted {
            id: channel_id,
            team_id,
            deleted: true,
        })
    }
}
