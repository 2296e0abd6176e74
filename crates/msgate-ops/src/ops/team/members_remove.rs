//! `team.members.remove`: take a person out of a team. Graph removes a membership by its own id,
//! so the team's members are read first to find the person's.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct MembersRemove;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    /// The person to remove: email, UPN, display name or user id
    pub user: String,
}

/// Who was removed from which team.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Removed {
    /// The team id
    pub team_id: String,
    /// The removed user's id
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Always true: the membership is gone
    pub removed: bool,
}

impl Operation for MembersRemove {
    type Input = Input;
    type Output = Removed;
    const SPEC: Spec = Spec {
        name: "team.members.remove",
        summary: "Remove a person from a team",
        risk: Risk::Destructive,
        idempotent: true,
        // Reading the members to find the membership, then deleting it: one permission does both.
        delegated: &["TeamMember.ReadWrite.All"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Removed> {
        let (team_id, team_name) = refs::team(ctx, &input.team).await?;
        let user = refs::user(ctx, &input.user).await?;
        let members_path = format!("{}/members", super::team_path(&team_id));
        let request = Request::get(members_path.clone()).permissions(super::READ_MEMBERS);
        let members = ctx.graph.list(request, Limit::All).await?.items;
        let membership = members
            .iter()
            .find(|m| m["userId"] == user.id.as_str())
            .and_then(|m| m["id"].as_str())
            .ok_or_else(|| {
                let who = user.display_name.as_deref().unwrap_or(&input.user);
                Error::new(
                    ErrorCode::NotFound,
                    format!("'{who}' is not a member of team '{team_name}'"),
                )
                .with_hint(format!(
                    "list its members with: msgate team members list --team '{}'",
                    input.team
                ))
            })?;
        let request = Request::delete(format!("{members_path}/{}", segment(membership)))
            .permissions(Self::SPEC.delegated);
        ctx.graph.send(&request).await?;
        Ok(Removed {
            team_id,
            user_id: user.id,
            name: user.display_name,
            removed: true,
        })
    }
}
