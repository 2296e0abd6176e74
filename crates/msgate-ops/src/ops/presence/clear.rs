//! `presence.clear`: drop the status you chose, so Teams shows what it works out from your
//! activity again.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Presence;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Clear;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {}

impl Operation for Clear {
    type Input = Input;
    type Output = Presence;
    const SPEC: Spec = Spec {
        name: "presence.clear",
        summary: "Clear the status you set, back to what Teams works out",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::WRITE,
        application: &[],
        columns: super::COLUMNS,
    };

    async fn run(ctx: &Ctx, _input: Input) -> Result<Presence> {
        // presence-clearuserpreferredpresence takes no body.
        let request = Request::action("/me/presence/clearUserPreferredPresence")
            .permissions(Self::SPEC.delegated)
            .idempotent(true);
        ctx.graph.send(&request).await?;
        super::mine(ctx).await
    }
}
