//! `mail.send`: a new message — Markdown by default, rendered to sanitized HTML — to any mix of
//! addresses and people in the organization, with files of any size Outlook takes; or, with
//! `--draft`, a draft that already exists. Every recipient is reported to the policy before
//! anything is written. Sending is not idempotent: the Graph client never repeats it blindly.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::compose::{self, Sent, Writing};
use super::{READ, SEND, WRITE, fetch, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Send;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub writing: Writing,
    /// Keep the message in Drafts instead of sending it (needs Mail.ReadWrite)
    #[serde(default)]
    pub save_draft: bool,
    /// Send this existing draft (its id) as it is, instead of writing a new message
    #[serde(default)]
    pub draft: Option<String>,
}

impl Operation for Send {
    type Input = Input;
    type Output = Sent;
    const SPEC: Spec = Spec {
        name: "mail.send",
        summary: "Send mail (Markdown, HTML or text; attachments of any size), or send a draft",
        risk: Risk::Write,
        idempotent: false,
        delegated: SEND,
        application: &[],
        columns: &["done", "subject", "to"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Sent> {
        if let Some(draft) = input.draft.as_deref() {
            if !input.writing.is_empty() || input.save_draft {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "--draft sends a draft as it is; it takes no recipients, subject, body or files",
                )
                .with_hint("change the draft in Outlook first, or write a new message"));
            }
            return send_existing(ctx, draft).await;
        }
        let writing = &input.writing;
        if !input.save_draft
            && writing.to.is_empty()
            && writing.cc.is_empty()
            && writing.bcc.is_empty()
        {
            return Err(
                Error::new(ErrorCode::InvalidInput, "the message has no recipient")
                    .with_hint("add --to ADDRESS (or --cc, --bcc), or keep it with --save-draft"),
            );
        }
        let composed = compose::compose(ctx, writing).await?;
        let mut sent = Sent::new(
            if input.save_draft { "saved" } else { "sent" },
            &composed.message,
            &compose::names(&composed.files),
        );
        sent.id = compose::deliver(ctx, composed, input.save_draft).await?;
        Ok(sent)
    }
}

/// Sends a draft: its recipients are reported to the policy first, and the policy's signature
/// is added to its body if it is not there yet.
async fn send_existing(ctx: &Ctx, id: &str) -> Result<Sent> {
    let draft = fetch(
        ctx,
        id,
        &[
            "subject",
            "toRecipients",
            "ccRecipients",
            "bccRecipients",
            "isDraft",
            "body",
        ],
        READ,
    )
    .await?;
    if draft["isDraft"] != true {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("message '{id}' is not a draft"),
        )
        .with_hint("reply to or forward a message that was sent: msgate mail reply / forward"));
    }
    let list = |name: &str| draft[name].as_array().cloned().unwrap_or_default();
    compose::note_recipients(
        ctx,
        &[
            &list("toRecipients"),
            &list("ccRecipients"),
            &list("bccRecipients"),
        ],
    )
    .await?;
    if let Some(signature) = ctx.signature() {
        sign(ctx, id, &draft["body"], signature).await?;
    }
    compose::send_draft(ctx, id).await?;
    Ok(Sent::new("sent", &draft, &[]))
}

/// Appends the signature to a draft's body (read as text, so it is looked for as text).
async fn sign(ctx: &Ctx, id: &str, text_body: &Value, signature: &str) -> Result<()> {
    let text = text_body["content"].as_str().unwrap_or_default();
    if text.trim_end().ends_with(signature.trim()) {
        return Ok(());
    }
    let current = Request::get(message_path(id))
        .select(&["body"])
        .permissions(READ);
    let body: Value = ctx.graph.json(&current).await?;
    let content = body["body"]["content"].as_str().unwrap_or_default();
    let signed = if body["body"]["contentType"] == "html" {
        let signature = compose::signature_html(signature);
        match content.rfind("</body>") {
            Some(end) => format!("{}{signature}{}", &content[..end], &content[end..]),
            None => format!("{content}{signature}"),
        }
    } else {
        format!("{}\n\n{signature}", content.trim_end())
    };
    let request = Request::patch(
        message_path(id),
        json!({"body": {"contentType": body["body"]["contentType"], "content": signed}}),
    )
    .permissions(WRITE);
    ctx.graph.send(&request).await?;
    Ok(())
}
