//! `recording.download`: save a meeting's recording (the newest unless one is named) to a local
//! file, streamed through the Graph client: a redirect to a content host is followed without the
//! token, a transfer that breaks off resumes, and the file appears only once it is complete.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, Need, calendar::RECORDINGS_READ};
use crate::spec::{Risk, Spec};
use crate::transfer::{self, Expected, safe_file_name};

pub struct Download;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: a Teams join link, its event's id or subject, its meeting id, last, or last-with:PERSON
    pub meeting: String,
    /// Which recording, by id (default the newest)
    #[serde(default)]
    pub recording: Option<String>,
    /// Local file or directory to write the recording to (default: the current directory, named after the meeting)
    #[serde(default)]
    #[schemars(extend("x-local-file" = "write"))]
    pub out: Option<String>,
    /// Replace a local file that is already there
    #[serde(default)]
    pub force: bool,
}

/// A saved recording.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Saved {
    /// The recording's id
    pub id: String,
    /// Where it was saved
    pub path: String,
    /// How many bytes were written
    pub bytes: u64,
    /// Its media type, as the server said
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl Operation for Download {
    type Input = Input;
    type Output = Saved;
    const SPEC: Spec = Spec {
        name: "recording.download",
        summary: "Save a meeting's recording to a local file",
        risk: Risk::Read,
        idempotent: true,
        delegated: RECORDINGS_READ,
        application: &[],
        columns: &["path", "bytes"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Saved> {
        let meeting = refs::meeting(ctx, &input.meeting, Need::Recording).await?;
        let recordings = super::recordings_of(ctx, &meeting).await?;
        let chosen = match input.recording.as_deref().map(str::trim) {
            Some(id) => recordings.iter().find(|r| r["id"] == id),
            None => recordings.first(),
        }
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                match &input.recording {
                    Some(id) => format!("the meeting has no recording '{id}'"),
                    None => format!(
                        "'{}' has no recording",
                        meeting.subject().unwrap_or("the meeting")
                    ),
                },
            )
            .with_hint("list them with: msgate recording list")
        })?;
        let id = chosen["id"].as_str().unwrap_or_default().to_owned();
        let day = chosen["createdDateTime"]
            .as_str()
            .map_or("", |c| c.get(..10).unwrap_or(c));
        let name = safe_file_name(
            &format!("{} {day}.mp4", meeting.subject().unwrap_or("recording")),
            "recording.mp4",
        );
        let path = transfer::destination(input.out.as_deref(), &name, input.force)?;
        let request = Request::get(format!(
            "{}/recordings/{}/content",
            meeting.path(),
            segment(&id)
        ))
        .permissions(Self::SPEC.delegated);
        let saved = transfer::save(
            ctx,
            request,
            &path,
            Expected {
                label: &name,
                size: None,
                quick_xor: None,
            },
        )
        .await?;
        Ok(Saved {
            id,
            path: path.to_string_lossy().into_owned(),
            bytes: saved.bytes,
            content_type: saved.content_type,
        })
    }
}
