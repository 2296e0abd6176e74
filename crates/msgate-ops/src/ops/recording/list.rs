//! `recording.list`: the recordings a meeting has, newest first.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::ops::meeting::artifacts::Artifact;
use crate::refs::{self, Need, calendar::RECORDINGS_READ};
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: a Teams join link, its event's id or subject, its meeting id, last, or last-with:PERSON
    pub meeting: String,
    /// Time zone for the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
}

impl Operation for List {
    type Input = Input;
    type Output = Listing<Artifact>;
    const SPEC: Spec = Spec {
        name: "recording.list",
        summary: "List a meeting's recordings",
        risk: Risk::Read,
        idempotent: true,
        delegated: RECORDINGS_READ,
        application: &[],
        columns: &["id", "meeting", "created", "ended"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Artifact>> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let meeting = refs::meeting(ctx, &input.meeting, Need::Recording).await?;
        let items = super::recordings_of(ctx, &meeting).await?;
        Ok(Listing::complete(
            items
                .iter()
                .map(|r| Artifact::from_graph(r, &meeting, &zone))
                .collect(),
        ))
    }
}
