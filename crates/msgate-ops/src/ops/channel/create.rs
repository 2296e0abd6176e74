//! `channel.create`: a new standard or private channel. Graph also has shared channels, created
//! asynchronously (202) and reaching people outside the team; msgate does not create those.
//! A private channel needs at least one owner named in the request: the signed-in user.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Channel;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::ops::team;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Create;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
    /// The channel's name: at most 50 characters, none of ~ # % & * { } + / \ : < > ? | "
    pub name: String,
    /// What the channel is for
    #[serde(default)]
    pub description: Option<String>,
    /// Make it private: only people added to it see it, starting with you as its owner
    #[serde(default)]
    pub private: bool,
}

/// Graph's limit on channel names, and the characters it refuses in them.
const MAX_NAME: usize = 50;
const FORBIDDEN: &[char] = &[
    '~', '#', '%', '&', '*', '{', '}', '+', '/', '\\', ':', '<', '>', '?', '|', '"',
];

impl Operation for Create {
    type Input = Input;
    type Output = Channel;
    const SPEC: Spec = Spec {
        name: "channel.create",
        summary: "Create a standard or private channel in a team",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["Channel.Create"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Channel> {
        let name = input.name.trim();
        check_name(name)?;
        let (team_id, _) = refs::team(ctx, &input.team).await?;
        let mut body = json!({
            "displayName": name,
            "membershipType": if input.private { "private" } else { "standard" },
        });
        if let Some(description) = &input.description {
            body["description"] = json!(description);
        }
        if input.private {
            let me = ctx.me().await?.id.clone();
            body["members"] = json!([team::new_member(ctx, &me, true)]);
        }
        let request =
            Request::post(super::channels_path(&team_id), body).permissions(Self::SPEC.delegated);
        let created: Value = ctx
            .graph
            .json(&request)
            .await
            .map_err(|e| super::name_taken(e, name))?;
        Ok(Channel::from_graph(&team_id, &created))
    }
}

/// Graph's rules for a channel name, checked before anything is sent.
pub fn check_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        Some("a channel needs a name".to_owned())
    } else if name.chars().count() > MAX_NAME {
        Some(format!("a channel name is at most {MAX_NAME} characters"))
    } else {
        name.chars()
            .find(|c| FORBIDDEN.contains(c))
            .map(|c| format!("a channel name cannot contain '{c}'"))
    };
    match problem {
        Some(message) => Err(Error::new(ErrorCode::InvalidInput, message)
            .with_hint("Teams refuses ~ # % & * { } + / \\ : < > ? | \" in channel names")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_teams_would_refuse_are_refused_first() {
        assert!(check_name("incidents").is_ok());
        assert!(check_name("Q4 launch – EMEA").is_ok());
        for bad in ["", "a/b", "why?", &"x".repeat(51)] {
            let error = check_name(bad).unwrap_err();
            assert_eq!(error.exit().status(), 2, "{bad}");
        }
        assert!(check_name(&"é".repeat(50)).is_ok(), "characters, not bytes");
    }
}
