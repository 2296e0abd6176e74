//! `mail.get`: one message in full. Outlook converts the body to plain text when asked
//! (`Prefer: outlook.body-content-type="text"`), which is what people and agents read; `--html`
//! keeps Outlook's HTML, `--raw` returns Graph's JSON as it came.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Body, FIELDS, Mail, READ, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::ops::message::Shown;
use crate::spec::{Risk, Spec};

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// Show the body as Outlook's HTML instead of plain text
    #[serde(default)]
    pub html: bool,
    /// Return Graph's JSON unchanged instead of the compact view
    #[serde(default)]
    pub raw: bool,
}

impl Operation for Get {
    type Input = Input;
    type Output = Shown<Mail>;
    const SPEC: Spec = Spec {
        name: "mail.get",
        summary: "Read one message in full, its body as plain text (or HTML)",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["id", "at", "from", "subject", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Shown<Mail>> {
        let mut request = Request::get(message_path(&input.id)).permissions(READ);
        if !input.raw {
            let mut fields = FIELDS.to_vec();
            fields.push("body");
            request = request.select(&fields);
        }
        if !input.html {
            request = request.prefer_text_body();
        }
        let message = ctx.graph.json(&request).await?;
        Ok(match input.raw {
            true => Shown::Raw(message),
            false => Shown::Compact(Mail::from_graph(&message, Body::Full(None))),
        })
    }
}
