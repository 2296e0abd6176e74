//! What transcripts and recordings share: both are files a Teams meeting collects, listed under
//! the meeting the same way and shown with the same few fields.

use msgate_core::Result;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::refs::Meeting;
use crate::zone::Zone;

/// A transcript or recording of a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Artifact {
    /// Its id
    pub id: String,
    /// The meeting's subject
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    /// When it started
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When it ended
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

impl Artifact {
    pub fn from_graph(artifact: &Value, meeting: &Meeting, zone: &Zone) -> Artifact {
        let time = |field: &str| parse_time(&artifact[field]).map(|at| zone.show(at));
        Artifact {
            id: artifact["id"].as_str().unwrap_or_default().to_owned(),
            meeting: meeting.subject().map(str::to_owned),
            created: time("createdDateTime"),
            ended: time("endDateTime"),
        }
    }
}

fn parse_time(value: &Value) -> Option<jiff::Timestamp> {
    value.as_str().and_then(|t| t.parse().ok())
}

/// The meeting's `collection` (`transcripts`, `recordings`) as Graph lists it, newest first.
pub async fn newest_first(
    ctx: &Ctx,
    meeting: &Meeting,
    collection: &str,
    permissions: &'static [&'static str],
) -> Result<Vec<Value>> {
    let request = Request::get(format!("{}/{collection}", meeting.path())).permissions(permissions);
    let mut items = ctx.graph.list(request, Limit::All).await?.items;
    items.sort_by_key(|item| std::cmp::Reverse(parse_time(&item["createdDateTime"])));
    Ok(items)
}
