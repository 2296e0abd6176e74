//! `mail.draft`: a new message kept in Drafts — written, addressed and with its files attached
//! exactly as `mail.send` would send it — to be reviewed, then sent with `mail send --draft ID`.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::WRITE;
use super::compose::{self, Sent, Writing};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Draft;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub writing: Writing,
}

impl Operation for Draft {
    type Input = Input;
    type Output = Sent;
    const SPEC: Spec = Spec {
        name: "mail.draft",
        summary: "Write a message into Drafts (send it later with mail send --draft ID)",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject", "to"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Sent> {
        let composed = compose::compose(ctx, &input.writing).await?;
        let mut sent = Sent::new("saved", &composed.message, &compose::names(&composed.files));
        sent.id = compose::deliver(ctx, composed, true).await?;
        Ok(sent)
    }
}
