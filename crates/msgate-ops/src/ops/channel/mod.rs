//! Channels of the teams the signed-in user belongs to: listing, reading, creating, renaming,
//! deleting, and who is in them. The compact channel view and the permissions are shared here.

mod create;
mod delete;
mod get;
mod list;
mod members;
mod update;

use msgate_core::{Error, ErrorCode};
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{Entry, entry};

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<create::Create>(),
        entry::<update::Update>(),
        entry::<delete::Delete>(),
        entry::<members::Members>(),
    ]
}

/// Reading channels.
pub const READ: &[&str] = &[
    "Channel.ReadBasic.All",
    "ChannelSettings.Read.All",
    "ChannelSettings.ReadWrite.All",
];

// The input of the operations that take only a channel (a plain comment: a doc comment would
// land in the input schema).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChannelInput {
    /// The channel: TEAM/CHANNEL by names (Platform/General), TEAM-ID/CHANNEL-ID, or a Teams link
    pub channel: String,
}

/// A channel of a team.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Channel {
    /// The channel id (19:…)
    pub id: String,
    /// The team's id: TEAM_ID/ID names this channel wherever a channel is asked for
    pub team_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// standard (every team member), private or shared
    #[serde(rename = "type")]
    pub membership: String,
    /// The channel is archived: read-only
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// When the channel was created (RFC 3339)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The channel in the Teams client
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Channel {
    pub fn from_graph(team_id: &str, channel: &Value) -> Channel {
        Channel {
            id: text(&channel["id"]).unwrap_or_default(),
            team_id: team_id.to_owned(),
            name: text(&channel["displayName"]).unwrap_or_default(),
            description: text(&channel["description"]),
            membership: text(&channel["membershipType"]).unwrap_or_else(|| "standard".to_owned()),
            archived: channel["isArchived"] == true,
            created_at: text(&channel["createdDateTime"]),
            web_url: text(&channel["webUrl"]),
        }
    }
}

pub fn channels_path(team_id: &str) -> String {
    format!("/teams/{}/channels", segment(team_id))
}

pub fn channel_path(team_id: &str, channel_id: &str) -> String {
    format!("{}/{}", channels_path(team_id), segment(channel_id))
}

/// Graph refuses a second channel of the same name with a 400; it is a conflict to a script.
pub fn name_taken(error: Error, name: &str) -> Error {
    if error.graph_code() != Some("NameAlreadyExists") {
        return error;
    }
    let conflict = Error::new(
        ErrorCode::Conflict,
        format!("the team already has a channel named '{name}'"),
    )
    .with_hint("choose another name; names are compared without regard to case");
    match error.request_id() {
        Some(id) => conflict.with_request_id(id.to_owned()),
        None => conflict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_graph_channel_becomes_compact() {
        let channel = Channel::from_graph(
            "t1",
            &json!({"id": "19:a@thread.tacv2", "displayName": "eng", "description": null,
                "membershipType": "private", "isArchived": false, "email": ""}),
        );
        assert_eq!(
            serde_json::to_value(&channel).unwrap(),
            json!({"id": "19:a@thread.tacv2", "team_id": "t1", "name": "eng", "type": "private"})
        );
    }

    #[test]
    fn a_taken_name_is_a_conflict_and_other_errors_pass_through() {
        let taken = Error::new(ErrorCode::InvalidInput, "Channel name already existed")
            .with_graph_code("NameAlreadyExists")
            .with_request_id("r1");
        let error = name_taken(taken, "eng");
        assert_eq!(error.exit().status(), 15);
        assert_eq!(error.request_id(), Some("r1"));
        let other = Error::new(ErrorCode::InvalidInput, "bad name");
        assert_eq!(name_taken(other, "eng").exit().status(), 2);
    }
}
