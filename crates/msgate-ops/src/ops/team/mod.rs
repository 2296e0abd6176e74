//! Teams the signed-in user belongs to: reading them, their members, and archiving. What is
//! shared by the team operations lives here: the permissions, the compact team view, the way a
//! user is named in a membership request, and the archive/unarchive request both verbs send.

mod archive;
mod get;
mod list;
mod members_add;
mod members_list;
mod members_remove;
mod unarchive;

use msgate_core::Result;
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::refs;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<members_list::MembersList>(),
        entry::<members_add::MembersAdd>(),
        entry::<members_remove::MembersRemove>(),
        entry::<archive::Archive>(),
        entry::<unarchive::Unarchive>(),
    ]
}

/// Reading teams: `/me/joinedTeams` and `/teams/{id}`.
pub const READ: &[&str] = &[
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
];
/// Reading a team's members.
pub const READ_MEMBERS: &[&str] = &["TeamMember.Read.All", "TeamMember.ReadWrite.All"];
/// Adding members; only the second may add owners.
pub const ADD_MEMBERS: &[&str] = &[
    "TeamMember.ReadWriteNonOwnerRole.All",
    "TeamMember.ReadWrite.All",
];
pub const ADD_OWNERS: &[&str] = &["TeamMember.ReadWrite.All"];
/// Archiving and unarchiving.
pub const ARCHIVE: &[&str] = &["TeamSettings.ReadWrite.All"];

// The input of the operations that take only a team (a plain comment: a doc comment would
// land in the input schema).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TeamInput {
    /// The team: its name, id, or a Teams link to it or one of its channels
    pub team: String,
}

/// A team in a list.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Team {
    /// The team id (the id of its Microsoft 365 group)
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The team is archived: read-only until unarchived
    pub archived: bool,
}

impl Team {
    pub fn from_graph(team: &Value) -> Team {
        Team {
            id: text(&team["id"]).unwrap_or_default(),
            name: text(&team["displayName"]).unwrap_or_default(),
            description: text(&team["description"]),
            archived: team["isArchived"] == true,
        }
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

pub fn team_path(team_id: &str) -> String {
    format!("/teams/{}", segment(team_id))
}

/// How a membership request names a user: `user@odata.bind`, a URL on the configured Graph.
pub fn user_bind(ctx: &Ctx, user_id: &str) -> String {
    let graph = ctx.graph.cloud().graph_url();
    format!(
        "{}/users('{}')",
        graph.as_str().trim_end_matches('/'),
        user_id.replace('\'', "''")
    )
}

/// A new directory-user membership, as team and channel membership requests take it.
pub fn new_member(ctx: &Ctx, user_id: &str, owner: bool) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": if owner { json!(["owner"]) } else { json!([]) },
        "user@odata.bind": user_bind(ctx, user_id),
    })
}

/// What archiving or unarchiving came to: Graph accepts the change and finishes it later.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Accepted {
    /// The team id
    pub id: String,
    /// The team's name, when it was named by name
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// accepted: Graph started the change and completes it shortly
    pub status: String,
    /// Whether the team will be archived once the change completes
    pub archived: bool,
    /// Where Graph reports the change's progress (a teamsAsyncOperation)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// Asks Graph to archive (`Some(body)`) or unarchive (`None`) a team; both answer 202 with a
/// `Location`.
async fn change_archived(ctx: &Ctx, reference: &str, archive: Option<Value>) -> Result<Accepted> {
    let (team_id, name) = refs::team(ctx, reference).await?;
    let path = team_path(&team_id);
    let archived = archive.is_some();
    let request = match archive {
        Some(body) => Request::post(format!("{path}/archive"), body),
        None => Request::action(format!("{path}/unarchive")),
    }
    // Repeating either is harmless: archiving an archived team leaves it archived.
    .idempotent(true)
    .permissions(ARCHIVE);
    let response = ctx.graph.send(&request).await?;
    let operation = response
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Accepted {
        name: (name != team_id).then_some(name),
        id: team_id,
        status: "accepted".to_owned(),
        archived,
        operation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_team_becomes_compact() {
        let team = Team::from_graph(&json!({
            "id": "t1", "displayName": "Platform", "description": "", "isArchived": true,
            "tenantId": "x",
        }));
        assert_eq!(
            team,
            Team {
                id: "t1".into(),
                name: "Platform".into(),
                description: None,
                archived: true
            }
        );
    }
}
