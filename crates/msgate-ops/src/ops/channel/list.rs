//! `channel.list`: a team's channels, in one Graph request.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Channel;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for List {
    type Input = Input;
    type Output = Listing<Channel>;
    const SPEC: Spec = Spec {
        name: "channel.list",
        summary: "List a team's channels",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &["id", "name", "type", "description"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Channel>> {
        let (team_id, _) = refs::team(ctx, &input.team).await?;
        // Channels come in one page and take no $top: the limit is applied here.
        let fresh = Request::get(super::channels_path(&team_id)).select(&[
            "id",
            "displayName",
            "description",
            "membershipType",
            "isArchived",
        ]);
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        listing::read(ctx, request, &input.paging, |c| {
            Ok(Channel::from_graph(&team_id, &c))
        })
        .await
    }
}
