//! `team.get`: one team in detail — what it is, who may do what in it (a summary of its
//! settings), how many owners, members and guests it has, whether it is archived, and its link.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{TeamInput, text};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Get;

/// A team in detail.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct TeamDetail {
    /// The team id (the id of its Microsoft 365 group)
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// private, public or hiddenMembership
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// The team is archived: read-only until unarchived
    pub archived: bool,
    /// Number of owners
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners: Option<u64>,
    /// Number of members, as Graph counts them
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<u64>,
    /// Number of guests
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests: Option<u64>,
    /// What members may do: create_channels, create_private_channels, delete_channels, manage_apps, manage_tabs, manage_connectors
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members_can: Option<Vec<String>>,
    /// What guests may do: create_channels, delete_channels
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guests_can: Option<Vec<String>>,
    /// Messaging allowed: edit, delete, owners_delete, team_mentions, channel_mentions
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging: Option<Vec<String>>,
    /// Fun allowed: giphy:RATING, stickers_and_memes, custom_memes
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fun: Option<Vec<String>>,
    /// When the team was created (RFC 3339)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The team in the Teams client
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

const FIELDS: &[&str] = &[
    "id",
    "displayName",
    "description",
    "visibility",
    "isArchived",
    "summary",
    "memberSettings",
    "guestSettings",
    "messagingSettings",
    "funSettings",
    "createdDateTime",
    "webUrl",
];

impl Operation for Get {
    type Input = TeamInput;
    type Output = TeamDetail;
    const SPEC: Spec = Spec {
        name: "team.get",
        summary: "Show a team: settings, member counts, archived state and link",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: TeamInput) -> Result<TeamDetail> {
        let (team_id, _) = refs::team(ctx, &input.team).await?;
        let request = Request::get(super::team_path(&team_id))
            .select(FIELDS)
            .permissions(Self::SPEC.delegated);
        let team: Value = ctx.graph.json(&request).await?;
        Ok(detail(&team))
    }
}

/// The names of the settings in `settings` that are switched on.
fn allowed(settings: &Value, names: &[(&str, &str)]) -> Option<Vec<String>> {
    settings.as_object()?;
    Some(
        names
            .iter()
            .filter(|(field, _)| settings[*field] == true)
            .map(|(_, name)| (*name).to_owned())
            .collect(),
    )
}

pub fn detail(team: &Value) -> TeamDetail {
    let summary = &team["summary"];
    let fun = allowed(
        &team["funSettings"],
        &[
            ("allowStickersAndMemes", "stickers_and_memes"),
            ("allowCustomMemes", "custom_memes"),
        ],
    )
    .map(|mut fun| {
        let settings = &team["funSettings"];
        if settings["allowGiphy"] == true {
            let rating = settings["giphyContentRating"]
                .as_str()
                .unwrap_or("moderate");
            fun.insert(0, format!("giphy:{rating}"));
        }
        fun
    });
    TeamDetail {
        id: text(&team["id"]).unwrap_or_default(),
        name: text(&team["displayName"]).unwrap_or_default(),
        description: text(&team["description"]),
        visibility: text(&team["visibility"]),
        archived: team["isArchived"] == true,
        owners: summary["ownersCount"].as_u64(),
        members: summary["membersCount"].as_u64(),
        guests: summary["guestsCount"].as_u64(),
        members_can: allowed(
            &team["memberSettings"],
            &[
                ("allowCreateUpdateChannels", "create_channels"),
                ("allowCreatePrivateChannels", "create_private_channels"),
                ("allowDeleteChannels", "delete_channels"),
                ("allowAddRemoveApps", "manage_apps"),
                ("allowCreateUpdateRemoveTabs", "manage_tabs"),
                ("allowCreateUpdateRemoveConnectors", "manage_connectors"),
            ],
        ),
        guests_can: allowed(
            &team["guestSettings"],
            &[
                ("allowCreateUpdateChannels", "create_channels"),
                ("allowDeleteChannels", "delete_channels"),
            ],
        ),
        messaging: allowed(
            &team["messagingSettings"],
            &[
                ("allowUserEditMessages", "edit"),
                ("allowUserDeleteMessages", "delete"),
                ("allowOwnerDeleteMessages", "owners_delete"),
                ("allowTeamMentions", "team_mentions"),
                ("allowChannelMentions", "channel_mentions"),
            ],
        ),
        fun,
        created_at: text(&team["createdDateTime"]),
        web_url: text(&team["webUrl"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_become_short_lists_of_what_is_allowed() {
        let team = json!({
            "id": "t1", "displayName": "Platform", "isArchived": false, "visibility": "private",
            "memberSettings": {"allowCreateUpdateChannels": true, "allowDeleteChannels": false,
                "allowAddRemoveApps": true, "allowCreatePrivateChannels": null},
            "guestSettings": {"allowCreateUpdateChannels": false, "allowDeleteChannels": false},
            "messagingSettings": {"allowUserEditMessages": true, "allowChannelMentions": true},
            "funSettings": {"allowGiphy": true, "giphyContentRating": "strict",
                "allowCustomMemes": true},
            "summary": {"ownersCount": 1, "membersCount": 4, "guestsCount": 0},
        });
        let detail = detail(&team);
        assert_eq!(
            detail.members_can.as_deref(),
            Some(&["create_channels".to_owned(), "manage_apps".to_owned()][..])
        );
        assert_eq!(detail.guests_can.as_deref(), Some(&[][..]));
        assert_eq!(
            detail.messaging.as_deref(),
            Some(&["edit".to_owned(), "channel_mentions".to_owned()][..])
        );
        assert_eq!(
            detail.fun.as_deref(),
            Some(&["giphy:strict".to_owned(), "custom_memes".to_owned()][..])
        );
        assert_eq!(
            (detail.owners, detail.members, detail.guests),
            (Some(1), Some(4), Some(0))
        );
    }

    #[test]
    fn settings_graph_did_not_send_are_absent_rather_than_empty() {
        let detail = detail(&json!({"id": "t1", "displayName": "Platform"}));
        assert_eq!(detail.members_can, None);
        assert_eq!(detail.fun, None);
        assert_eq!(detail.owners, None);
        let compact = serde_json::to_value(&detail).unwrap();
        assert_eq!(
            compact,
            json!({"id": "t1", "name": "Platform", "archived": false})
        );
    }
}
