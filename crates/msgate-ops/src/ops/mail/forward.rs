//! `mail.forward`: a message passed on to new recipients, with its attachments and an optional
//! comment in Markdown above it. The recipients are reported to the policy before it goes.

use msgate_core::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::Deserialize;

use super::SEND;
use super::compose::{self, Format, Sent};
use super::reply::{Kind, respond};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Forward;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// A comment above the forwarded message, in Markdown (or HTML with html, plain text with text)
    #[serde(default)]
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub comment: Option<String>,
    /// Recipient: an email address, or a person in your organization by name or UPN; repeatable
    pub to: Vec<String>,
    /// Cc recipient, as for to; repeatable
    #[serde(default)]
    pub cc: Vec<String>,
    /// Treat the comment as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Send the comment as plain text instead of Markdown
    #[serde(default)]
    pub text: bool,
}

impl Operation for Forward {
    type Input = Input;
    type Output = Sent;
    const SPEC: Spec = Spec {
        name: "mail.forward",
        summary: "Forward a message with its attachments to new recipients, with an optional comment",
        risk: Risk::Write,
        idempotent: false,
        delegated: SEND,
        application: &[],
        columns: &["done", "subject", "to"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Sent> {
        let format = Format::from_flags(input.html, input.text)?;
        if input.to.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "forward needs --to")
                .with_hint("name at least one recipient with --to ADDRESS"));
        }
        let to = compose::recipients(ctx, &input.to).await?;
        let cc = compose::recipients(ctx, &input.cc).await?;
        respond(
            ctx,
            Kind::Forward,
            &input.id,
            input.comment.as_deref(),
            format,
            Some((to, cc)),
        )
        .await
    }
}
