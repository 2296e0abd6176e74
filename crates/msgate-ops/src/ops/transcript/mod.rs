//! Meeting transcripts: which a meeting has, and one as WebVTT, plain text or compact Markdown
//! with speakers and timestamps. The meeting is any meeting reference — a join link, its event's
//! subject, `last`, or `last-with:PERSON` for "the transcript of my last meeting with Ben"
//! (which picks the most recent meeting that has a transcript).

mod get;
mod list;
mod vtt;

use msgate_core::{Error, ErrorCode, Result};
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::ops::meeting::artifacts;
use crate::refs::{Meeting, calendar::TRANSCRIPTS_READ};

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>(), entry::<get::Get>()]
}

/// A meeting's transcripts, newest first.
async fn transcripts_of(ctx: &Ctx, meeting: &Meeting) -> Result<Vec<Value>> {
    artifacts::newest_first(ctx, meeting, "transcripts", TRANSCRIPTS_READ).await
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
