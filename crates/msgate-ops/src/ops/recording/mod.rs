//! Meeting recordings: which a meeting has, and saving one to a file. The meeting is any meeting
//! reference (`last` picks your most recent meeting that has a recording).

mod download;
mod list;

use msgate_core::Result;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::ops::meeting::artifacts;
use crate::refs::{Meeting, calendar::RECORDINGS_READ};

pub fn entries() -> Vec<Entry> {
    vec![entry::<list::List>(), entry::<download::Download>()]
}

/// A meeting's recordings, newest first.
async fn recordings_of(ctx: &Ctx, meeting: &Meeting) -> Result<Vec<Value>> {
    artifacts::newest_first(ctx, meeting, "recordings", RECORDINGS_READ).await
}
