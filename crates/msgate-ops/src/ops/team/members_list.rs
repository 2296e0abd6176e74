//! `team.members.list`: who belongs to a team, owners first.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Member;

pub struct MembersList;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for MembersList {
    type Input = Input;
    type Output = Listing<Member>;
    const SPEC: Spec = Spec {
        name: "team.members.list",
        summary: "List a team's members and owners",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_MEMBERS,
        application: &[],
        columns: &["id", "name", "email", "roles"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Member>> {
        let (team_id, _) = refs::team(ctx, &input.team).await?;
        let fresh = Request::get(format!("{}/members", super::team_path(&team_id)));
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        let mut listing =
            listing::read(ctx, request, &input.paging, |m| Ok(Member::from_graph(&m))).await?;
        // Stable: owners first, then Graph's order.
        listing.items.sort_by_key(|m| !m.is_owner());
        Ok(listing)
    }
}
