//! `channel.update`: rename a channel or change its description, then read it back so the
//! answer shows what Graph now has.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Channel;
use super::create::check_name;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Update;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The channel: TEAM/CHANNEL by names (Platform/General), TEAM-ID/CHANNEL-ID, or a Teams link
    pub channel: String,
    /// The new name (the General channel cannot be renamed)
    #[serde(default)]
    pub name: Option<String>,
    /// The new description; an empty one clears it
    #[serde(default)]
    pub description: Option<String>,
}

impl Operation for Update {
    type Input = Input;
    type Output = Channel;
    const SPEC: Spec = Spec {
        name: "channel.update",
        summary: "Rename a channel or change its description",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["ChannelSettings.ReadWrite.All"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Channel> {
        let mut changes = Map::new();
        let name = input.name.as_deref().map(str::trim);
        if let Some(name) = name {
            check_name(name)?;
            changes.insert("displayName".to_owned(), json!(name));
        }
        if let Some(description) = &input.description {
            changes.insert("description".to_owned(), json!(description));
        }
        if changes.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "nothing to change")
                .with_hint("give a new name, a new description, or both"));
        }
        let (team_id, channel_id) = refs::channel(ctx, &input.channel).await?;
        let request = Request::patch(
            super::channel_path(&team_id, &channel_id),
            Value::Object(changes),
        )
        .permissions(Self::SPEC.delegated);
        ctx.graph
            .send(&request)
            .await
            .map_err(|e| super::name_taken(e, name.unwrap_or_default()))?;
        super::get::read(ctx, &team_id, &channel_id).await
    }
}
