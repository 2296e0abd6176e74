//! `team.list`: the teams the signed-in user belongs to. One request for the list; Graph's
//! `joinedTeams` may leave out whether a team is archived (a documented limitation), so teams
//! without that fact are asked for it in one `$batch` per 20.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::Team;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub paging: Paging,
}

impl Operation for List {
    type Input = Input;
    type Output = Listing<Team>;
    const SPEC: Spec = Spec {
        name: "team.list",
        summary: "List the teams you belong to",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &["id", "name", "archived", "description"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Team>> {
        // joinedTeams comes in one page and takes no $top: the limit is applied here.
        let fresh = Request::get("/me/joinedTeams").select(&[
            "id",
            "displayName",
            "description",
            "isArchived",
        ]);
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        let mut listed = listing::read(ctx, request, &input.paging, Ok).await?;
        fill_archived(ctx, &mut listed.items).await?;
        Ok(Listing {
            items: listed.items.iter().map(Team::from_graph).collect(),
            next_cursor: listed.next_cursor,
            truncated: listed.truncated,
        })
    }
}

/// Reads `isArchived` from each team that came without it.
async fn fill_archived(ctx: &Ctx, teams: &mut [Value]) -> Result<()> {
    let unknown: Vec<usize> = (0..teams.len())
        .filter(|&i| !teams[i]["isArchived"].is_boolean())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let requests: Vec<Request> = unknown
        .iter()
        .map(|&i| {
            let id = teams[i]["id"].as_str().unwrap_or_default();
            Request::get(super::team_path(id))
                .select(&["id", "isArchived"])
                .permissions(super::READ)
        })
        .collect();
    for (&i, answer) in unknown.iter().zip(ctx.graph.batch(&requests).await) {
        let team = answer?.json()?;
        teams[i]["isArchived"] = team["isArchived"].clone();
    }
    Ok(())
}
