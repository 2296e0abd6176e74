//! `team.members.add`: add a person to a team, as a member or an owner. Adding someone who is
//! already a member is harmless, so the request may be repeated.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Member;

pub struct MembersAdd;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    /// The person to add: email, UPN, display name or user id
    pub user: String,
    /// Make them an owner of the team
    #[serde(default)]
    pub owner: bool,
}

impl Operation for MembersAdd {
    type Input = Input;
    type Output = Member;
    const SPEC: Spec = Spec {
        name: "team.members.add",
        summary: "Add a person to a team, as a member or an owner",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::ADD_MEMBERS,
        application: &[],
        columns: &["id", "name", "email", "roles"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Member> {
        let (team_id, _) = refs::team(ctx, &input.team).await?;
        let user = refs::user(ctx, &input.user).await?;
        let permissions = if input.owner {
            super::ADD_OWNERS
        } else {
            super::ADD_MEMBERS
        };
        let request = Request::post(
            format!("{}/members", super::team_path(&team_id)),
            super::new_member(ctx, &user.id, input.owner),
        )
        .idempotent(true)
        .permissions(permissions);
        let added: Value = ctx.graph.json(&request).await?;
        Ok(Member::from_graph(&added))
    }
}
