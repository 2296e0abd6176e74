//! `channel.get`: one channel: its name, description, kind, archived state and link.

use msgate_core::Result;
use msgate_graph::Request;
use serde_json::Value;

use super::{Channel, ChannelInput};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Get;

impl Operation for Get {
    type Input = ChannelInput;
    type Output = Channel;
    const SPEC: Spec = Spec {
        name: "channel.get",
        summary: "Show a channel: description, kind (standard, private, shared) and link",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: ChannelInput) -> Result<Channel> {
        let (team_id, channel_id) = refs::channel(ctx, &input.channel).await?;
        read(ctx, &team_id, &channel_id).await
    }
}

/// A channel as Graph has it now.
pub async fn read(ctx: &Ctx, team_id: &str, channel_id: &str) -> Result<Channel> {
    let request = Request::get(super::channel_path(team_id, channel_id)).permissions(super::READ);
    let channel: Value = ctx.graph.json(&request).await?;
    Ok(Channel::from_graph(team_id, &channel))
}
