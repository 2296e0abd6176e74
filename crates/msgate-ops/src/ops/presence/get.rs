//! `presence.get`: whether people are available — yours by default, or several people's in one
//! Graph request (`getPresencesByUserId`) once their references are resolved.

use futures_util::future::try_join_all;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Presence;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Whose presence: email, UPN, name or id; repeatable (default: yours)
    #[serde(default)]
    pub user: Vec<String>,
}

/// Graph's limit on ids per `getPresencesByUserId` call.
const MAX_IDS: usize = 650;

impl Operation for Get {
    type Input = Input;
    type Output = Listing<Presence>;
    const SPEC: Spec = Spec {
        name: "presence.get",
        summary: "Show whether people are available, busy or away (default: you)",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Presence.Read", "Presence.Read.All"],
        application: &["Presence.Read.All"],
        columns: super::COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Presence>> {
        if input.user.is_empty() {
            return Ok(Listing::complete(vec![super::mine(ctx).await?]));
        }
        if input.user.len() > MAX_IDS {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("Graph reads at most {MAX_IDS} people's presence at once"),
            ));
        }
        let users = try_join_all(input.user.iter().map(|r| refs::user(ctx, r))).await?;
        let mut ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        ids.dedup();
        // A read, though Graph takes it as a POST: repeating it is harmless.
        let request = Request::post(
            "/communications/getPresencesByUserId",
            json!({ "ids": ids }),
        )
        .permissions(&["Presence.Read.All"])
        .idempotent(true);
        let answer: Value = ctx.graph.json(&request).await?;
        let presences = answer["value"].as_array().cloned().unwrap_or_default();
        let mut shown = Vec::new();
        for user in &users {
            if shown.iter().any(|p: &Presence| p.user_id == user.id) {
                continue;
            }
            let Some(presence) = presences.iter().find(|p| p["id"] == user.id.as_str()) else {
                continue;
            };
            shown.push(Presence::from_graph(presence, user.display_name.clone()));
        }
        Ok(Listing::complete(shown))
    }
}
