//! `channel.members`: who is in a channel — every team member for a standard channel, the
//! people added to it for a private or shared one. Owners first.

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

pub struct Members;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The channel: TEAM/CHANNEL by names (Platform/General), TEAM-ID/CHANNEL-ID, or a Teams link
    pub channel: String,
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for Members {
    type Input = Input;
    type Output = Listing<Member>;
    const SPEC: Spec = Spec {
        name: "channel.members",
        summary: "List who is in a channel, owners first",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["ChannelMember.Read.All", "ChannelMember.ReadWrite.All"],
        application: &[],
        columns: &["id", "name", "email", "roles"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Member>> {
        let (team_id, channel_id) = refs::channel(ctx, &input.channel).await?;
        let fresh = Request::get(format!(
            "{}/members",
            super::channel_path(&team_id, &channel_id)
        ));
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        let mut listing =
            listing::read(ctx, request, &input.paging, |m| Ok(Member::from_graph(&m))).await?;
        listing.items.sort_by_key(|m| !m.is_owner());
        Ok(listing)
    }
}
