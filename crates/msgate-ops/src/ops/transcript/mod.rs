//! Meeting transcripts: which a meeting has, and one as WebVTT, plain text or compact Markdown
//! with speakers and timestamps. The meeting is any meeting reference — a join link, its event's
//! subject, `last`, or `last-with:PERSON` for "the transcript of my last meeting with Ben"
//! (which picks the most recent meeting that has a transcript).

mod get;
mod list;
mod vtt;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::refs::{Meeting, calendar::TRANSCRIPTS_READ};
use crate::zone::Zone;

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>(), entry::<get::Get>()]
}

/// A transcript of a meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TranscriptInfo {
    /// The transcript's id
    pub id: String,
    /// The meeting's subject
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    /// When transcription started
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When it ended
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

impl TranscriptInfo {
    fn from_graph(transcript: &Value, meeting: &Meeting, zone: &Zone) -> TranscriptInfo {
        let time = |field: &str| {
            transcript[field]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|at| zone.show(at))
        };
        TranscriptInfo {
            id: transcript["id"].as_str().unwrap_or_default().to_owned(),
            meeting: meeting.subject().map(str::to_owned),
            created: time("createdDateTime"),
            ended: time("endDateTime"),
        }
    }
}

/// A meeting's transcripts as Graph lists them, newest first.
async fn transcripts_of(ctx: &Ctx, meeting: &Meeting) -> Result<Vec<Value>> {
    let request =
        Request::get(format!("{}/transcripts", meeting.path())).permissions(TRANSCRIPTS_READ);
    let mut items = ctx.graph.list(request, Limit::All).await?.items;
    items.sort_by_key(|t| {
        std::cmp::Reverse(
            t["createdDateTime"]
                .as_str()
                .and_then(|c| c.parse::<jiff::Timestamp>().ok()),
        )
    });
    Ok(items)
}

fn none_yet(meeting: &Meeting) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!(
            "'{}' has no transcript",
            meeting.subject().unwrap_or("the meeting")
        ),
    )
    .with_hint("transcripts appear after a meeting that was transcribed; to find the last one that was: --meeting last")
}
