//! `transcript.get`: what was said in a meeting — as compact Markdown (`[mm:ss] **Speaker:**
//! words`, one paragraph per turn, consecutive cues of a speaker merged), plain text, or the
//! WebVTT Teams wrote. `--meeting last-with:ben` is the transcript of your last meeting with Ben.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::vtt;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::ops::meeting::artifacts::Artifact;
use crate::refs::{self, Need, calendar::TRANSCRIPTS_READ};
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Get;

/// How the transcript is written out: Markdown with speakers and timestamps, one line per
/// speaker turn, or the WebVTT Teams wrote.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Md,
    Text,
    Vtt,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: a Teams join link, its event's id or subject, its meeting id, last, or last-with:PERSON
    pub meeting: String,
    /// Which transcript, by id (default the newest)
    #[serde(default)]
    pub transcript: Option<String>,
    /// md (speakers and timestamps, default), text, or vtt
    #[serde(default)]
    pub format: Format,
    /// Time zone for the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
}

/// A transcript's words.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Transcript {
    #[serde(flatten)]
    pub info: Artifact,
    /// The online meeting's id
    pub meeting_id: String,
    /// Everyone who spoke, in order of first words
    pub speakers: Vec<String>,
    pub format: Format,
    /// The transcript in that format
    pub text: String,
}

impl Operation for Get {
    type Input = Input;
    type Output = Transcript;
    const SPEC: Spec = Spec {
        name: "transcript.get",
        summary: "Read a meeting's transcript as Markdown with speakers and times, text, or WebVTT",
        risk: Risk::Read,
        idempotent: true,
        delegated: TRANSCRIPTS_READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Transcript> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let meeting = refs::meeting(ctx, &input.meeting, Need::Transcript).await?;
        let transcripts = super::transcripts_of(ctx, &meeting).await?;
        let chosen = match input.transcript.as_deref().map(str::trim) {
            Some(id) => transcripts.iter().find(|t| t["id"] == id).ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("the meeting has no transcript '{id}'"),
                )
                .with_hint("list them with: msgate transcript list")
            })?,
            None => transcripts
                .first()
                .ok_or_else(|| super::none_yet(&meeting))?,
        };
        let info = Artifact::from_graph(chosen, &meeting, &zone);
        let request = Request::get(format!(
            "{}/transcripts/{}/content",
            meeting.path(),
            segment(&info.id)
        ))
        .query("$format", "text/vtt")
        .permissions(Self::SPEC.delegated);
        let mut content = Vec::new();
        ctx.graph
            .download(request, &mut content, 0, &mut |_, _| {})
            .await?;
        let webvtt = String::from_utf8_lossy(&content).into_owned();
        let turns = vtt::turns(&vtt::parse(&webvtt));
        let text = match input.format {
            Format::Md => vtt::markdown(&turns),
            Format::Text => vtt::text(&turns),
            Format::Vtt => webvtt,
        };
        Ok(Transcript {
            info,
            meeting_id: meeting.id,
            speakers: vtt::speakers(&turns),
            format: input.format,
            text,
        })
    }
}
