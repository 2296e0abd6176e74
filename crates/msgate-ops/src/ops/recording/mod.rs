//! Meeting recordings: which a meeting has, and saving one to a file. The meeting is any meeting
//! reference (`last` picks your most recent meeting that has a recording).

mod download;
mod list;

use msgate_core::Result;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::refs::{Meeting, calendar::RECORDINGS_READ};
use crate::zone::Zone;

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>(), entry::<download::Download>()]
}

/// A recording of a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Recording {
    /// The recording's id
    pub id: String,
    /// The meeting's subject
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    /// When recording started
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When it ended
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

impl Recording {
    fn from_graph(recording: &Value, meeting: &Meeting, zone: &Zone) -> Recording {
        let time = |field: &str| {
            recording[field]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|at| zone.show(at))
        };
        Recording {
            id: recording["id"].as_str().unwrap_or_default().to_owned(),
            meeting: meeting.subject().map(str::to_owned),
            created: time("createdDateTime"),
            ended: time("endDateTime"),
        }
    }
}

/// A meeting's recordings as Graph lists them, newest first.
async fn recordings_of(ctx: &Ctx, meeting: &Meeting) -> Result<Vec<Value>> {
    let request =
        Request::get(format!("{}/recordings", meeting.path())).permissions(RECORDINGS_READ);
    let mut items = ctx.graph.list(request, Limit::All).await?.items;
    items.sort_by_key(|r| {
        std::cmp::Reverse(
            r["createdDateTime"]
                .as_str()
                .and_then(|c| c.parse::<jiff::Timestamp>().ok()),
        )
    });
    Ok(items)
}
