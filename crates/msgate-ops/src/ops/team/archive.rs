//! `team.archive`: make a team read-only. Graph archives asynchronously: it answers 202 with
//! the location of the operation, and the team reads as archived once that completes.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::Accepted;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Archive;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    /// Also make the team's SharePoint site read-only for its members
    #[serde(default)]
    pub read_only_site: bool,
}

impl Operation for Archive {
    type Input = Input;
    type Output = Accepted;
    const SPEC: Spec = Spec {
        name: "team.archive",
        summary: "Archive a team, making it read-only (Graph completes this shortly after)",
        risk: Risk::Destructive,
        idempotent: true,
        delegated: super::ARCHIVE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Accepted> {
        let body = json!({"shouldSetSpoSiteReadOnlyForMembers": input.read_only_site});
        super::change_archived(ctx, &input.team, Some(body)).await
    }
}
