//! Writing mail, shared by send, draft, reply and forward: recipients resolved and reported to the
//! policy before anything is written, bodies in Markdown (rendered to sanitized HTML), HTML
//! (sanitized) or plain text with the policy's signature, and attachments of any size Outlook
//! takes.
//!
//! Attachments decide how a message travels. Small ones go inline with the message in one
//! request (`sendMail`, or the draft's `POST /me/messages`) while the request stays well under
//! Graph's 4 MB limit. Otherwise the message is made a draft first, each small file is posted
//! to it on its own, each file from 3 MB up goes through an upload session (bytes to Outlook's
//! upload URL, without the token), and the draft is then sent. A draft left half-built by a
//! failed upload is deleted again, so a failure leaves nothing behind.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{ATTACHMENT_SESSION_MIN, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{SEND, WRITE, message_path, person};
use crate::ctx::Ctx;
use crate::ops::message::upload::{LocalFile, read_files};
use crate::policy::Target;
use crate::refs;
use crate::text::html::escape_text;
use crate::text::{markdown, sanitize};

/// Inline attachments, base64 included, stay under this in one request (Graph takes 4 MB).
const INLINE_BUDGET: usize = 3 * 1024 * 1024;

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Text,
}

impl Format {
    pub fn from_flags(html: bool, text: bool) -> Result<Format> {
        match (html, text) {
            (true, true) => Err(Error::new(
                ErrorCode::InvalidInput,
                "choose one of --html and --text",
            )),
            (true, false) => Ok(Format::Html),
            (false, true) => Ok(Format::Text),
            (false, false) => Ok(Format::Markdown),
        }
    }
}

/// A Graph `itemBody` for `text` written in `format`, with the policy's signature appended.
pub fn item_body(ctx: &Ctx, text: &str, format: Format) -> Value {
    let signature = ctx.signature();
    match format {
        Format::Text => {
            let mut content = text.to_owned();
            if let Some(signature) = signature {
                if !content.is_empty() {
                    content.push_str("\n\n");
                }
                content.push_str(signature);
            }
            json!({"contentType": "text", "content": content})
        }
        Format::Markdown | Format::Html => {
            let mut content = match format {
                Format::Html => sanitize::sanitize(text),
                _ => markdown::to_html(text),
            };
            if let Some(signature) = signature {
                content.push_str(&signature_html(signature));
            }
            json!({"contentType": "html", "content": content})
        }
    }
}

/// The signature as the last paragraph of an HTML body.
pub fn signature_html(signature: &str) -> String {
    format!("<p>{}</p>", escape_text(signature))
}

/// A Graph recipient.
fn recipient(address: &str, name: Option<&str>) -> Value {
    match name {
        Some(name) => json!({"emailAddress": {"address": address, "name": name}}),
        None => json!({"emailAddress": {"address": address}}),
    }
}

fn is_address(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.contains(char::is_whitespace)
    })
}

/// Recipients as Graph takes them: each an email address as written, or a person in the
/// organization by name, UPN or id (through the user references).
pub async fn recipients(ctx: &Ctx, written: &[String]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(written.len());
    for entry in written {
        let entry = entry.trim();
        if entry.contains('@') && !is_address(entry) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{entry}' is not an email address"),
            ));
        }
        if is_address(entry) {
            out.push(recipient(entry, None));
            continue;
        }
        let user = refs::user(ctx, entry).await?;
        let address = user
            .mail
            .clone()
            .or(user.user_principal_name.clone())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidInput,
                    format!("'{entry}' has no mail address"),
                )
            })?;
        out.push(recipient(&address, user.display_name.as_deref()));
    }
    Ok(out)
}

/// Reports every recipient to the policy (which may refuse one, exit 16) before a write.
pub async fn note_recipients(ctx: &Ctx, lists: &[&[Value]]) -> Result<()> {
    for recipient in lists.iter().flat_map(|list| list.iter()) {
        let address = recipient["emailAddress"]["address"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        ctx.note(Target::MailRecipient { address }).await?;
    }
    Ok(())
}

/// What a new message says, as people write it.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Writing {
    /// Recipient: an email address, or a person in your organization by name or UPN; repeatable
    #[serde(default)]
    pub to: Vec<String>,
    /// Cc recipient, as for to; repeatable
    #[serde(default)]
    pub cc: Vec<String>,
    /// Bcc recipient, as for to; repeatable
    #[serde(default)]
    pub bcc: Vec<String>,
    /// The subject line
    #[serde(default)]
    pub subject: Option<String>,
    /// The message, in Markdown (or HTML with html, plain text with text)
    #[serde(default)]
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub body: Option<String>,
    /// Treat the body as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Send the body as plain text instead of Markdown
    #[serde(default)]
    pub text: bool,
    /// Attach this local file (read from disk; up to 100 MB, large ones through an upload session); repeatable
    #[serde(default)]
    #[schemars(extend("x-local-file" = "read"))]
    pub attach: Vec<String>,
}

impl Writing {
    /// Whether anything was written (`--draft` sends a draft as it is).
    pub fn is_empty(&self) -> bool {
        self.to.is_empty()
            && self.cc.is_empty()
            && self.bcc.is_empty()
            && self.subject.is_none()
            && self.body.as_deref().is_none_or(|b| b.trim().is_empty())
            && !self.html
            && !self.text
            && self.attach.is_empty()
    }
}

/// A message ready to go: Graph's message JSON (no attachments yet), the files to attach and
/// what the result shows.
#[derive(Debug)]
pub struct Composed {
    pub message: Value,
    pub files: Vec<LocalFile>,
}

/// Everything checked, read and resolved — and every recipient reported — before any write.
pub async fn compose(ctx: &Ctx, writing: &Writing) -> Result<Composed> {
    let format = Format::from_flags(writing.html, writing.text)?;
    let files = read_files(&writing.attach)?;
    let to = recipients(ctx, &writing.to).await?;
    let cc = recipients(ctx, &writing.cc).await?;
    let bcc = recipients(ctx, &writing.bcc).await?;
    note_recipients(ctx, &[&to, &cc, &bcc]).await?;
    let text = writing.body.as_deref().unwrap_or_default();
    let message = json!({
        "subject": writing.subject.clone().unwrap_or_default(),
        "body": item_body(ctx, text, format),
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
    });
    Ok(Composed { message, files })
}

/// What sending, saving, replying or forwarding did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Sent {
    /// What was done: sent, saved (a draft), replied, replied_all, forwarded
    pub done: String,
    /// The draft's id, when the message was saved as a draft
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The subject line
    pub subject: String,
    /// To recipients: Name <address>
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Cc recipients
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// Bcc recipients
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
    /// The names of the files attached
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

impl Sent {
    pub fn new(done: &str, message: &Value, files: &[String]) -> Sent {
        let list = |name: &str| -> Vec<String> {
            message[name]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(person)
                .collect()
        };
        Sent {
            done: done.to_owned(),
            id: None,
            subject: message["subject"].as_str().unwrap_or_default().to_owned(),
            to: list("toRecipients"),
            cc: list("ccRecipients"),
            bcc: list("bccRecipients"),
            attachments: files.to_vec(),
        }
    }
}

fn file_attachment(file: &LocalFile) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": file.name,
        "contentType": file.content_type,
        "contentBytes": STANDARD.encode(&file.bytes),
    })
}

/// Whether the files can travel inside the message's own request.
fn fit_inline(files: &[LocalFile]) -> bool {
    let encoded: usize = files.iter().map(|f| f.bytes.len().div_ceil(3) * 4).sum();
    files.iter().all(|f| f.bytes.len() < ATTACHMENT_SESSION_MIN) && encoded <= INLINE_BUDGET
}

/// Sends the message, or with `save` keeps it as a draft (and returns the draft's id).
pub async fn deliver(ctx: &Ctx, composed: Composed, save: bool) -> Result<Option<String>> {
    let Composed { mut message, files } = composed;
    if fit_inline(&files) {
        if !files.is_empty() {
            message["attachments"] = files.iter().map(file_attachment).collect();
        }
        if save {
            let draft = create_draft(ctx, &message).await?;
            return Ok(Some(draft));
        }
        let request = Request::post(
            "/me/sendMail",
            json!({"message": message, "saveToSentItems": true}),
        )
        .permissions(SEND);
        ctx.graph.send(&request).await?;
        return Ok(None);
    }
    let draft = create_draft(ctx, &message).await?;
    if let Err(err) = attach_all(ctx, &draft, &files).await {
        // Nothing half-built is left behind; the attachment's error is what the caller needs.
        let removed = ctx
            .graph
            .send(&Request::delete(message_path(&draft)).permissions(WRITE))
            .await
            .is_ok();
        return Err(match (removed, err.code()) {
            // Whatever became of the upload, the message went nowhere: safe to try again.
            (true, ErrorCode::OutcomeUnknown | ErrorCode::Network) => Error::new(
                ErrorCode::Network,
                format!("the message was not sent: {}", err.message()),
            )
            .with_hint("nothing was sent and the draft was removed; try again"),
            (false, _) if err.hint().is_none() => err.with_hint(format!(
                "nothing was sent; the unfinished draft {draft} is in Drafts"
            )),
            _ => err,
        });
    }
    if save {
        return Ok(Some(draft));
    }
    send_draft(ctx, &draft).await?;
    Ok(None)
}

async fn create_draft(ctx: &Ctx, message: &Value) -> Result<String> {
    let request = Request::post("/me/messages", message.clone()).permissions(WRITE);
    let draft: Value = ctx.graph.json(&request).await?;
    draft["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::internal("Graph created a draft without an id"))
}

/// Posts a draft that already exists.
pub async fn send_draft(ctx: &Ctx, id: &str) -> Result<()> {
    let request = Request::action(format!("{}/send", message_path(id))).permissions(SEND);
    ctx.graph.send(&request).await.map_err(|e| match e.code() {
        ErrorCode::NotFound
        | ErrorCode::InvalidInput
        | ErrorCode::ScopeInsufficient
        | ErrorCode::PolicyDenied
        | ErrorCode::DryRun => e,
        _ => e.with_hint(format!(
            "the draft may not have been sent; check Drafts, and send it with: msgate mail send --draft {id}"
        )),
    })?;
    Ok(())
}

/// Adds each file to the draft: small ones in one POST each, large ones through an upload
/// session.
async fn attach_all(ctx: &Ctx, draft: &str, files: &[LocalFile]) -> Result<()> {
    let attachments = format!("{}/attachments", message_path(draft));
    for file in files {
        if file.bytes.len() < ATTACHMENT_SESSION_MIN {
            let request =
                Request::post(attachments.clone(), file_attachment(file)).permissions(WRITE);
            ctx.graph.send(&request).await?;
            continue;
        }
        let session = Request::post(
            format!("{attachments}/createUploadSession"),
            json!({"AttachmentItem": {
                "attachmentType": "file",
                "name": file.name,
                "size": file.bytes.len(),
                "contentType": file.content_type,
            }}),
        )
        // A session never used expires and leaves nothing behind.
        .idempotent(true)
        .permissions(WRITE);
        ctx.graph.upload_attachment(&session, &file.bytes).await?;
    }
    Ok(())
}

/// The names of the files, for the result.
pub fn names(files: &[LocalFile]) -> Vec<String> {
    files.iter().map(|f| f.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn file(len: usize) -> LocalFile {
        LocalFile {
            name: "f.bin".into(),
            bytes: Bytes::from(vec![0u8; len]),
            content_type: "application/octet-stream",
        }
    }

    #[test]
    fn addresses_formats_and_what_travels_inline() {
        assert!(is_address("tomas@northwind.example.invalid"));
        assert!(!is_address("tomas@localhost"));
        assert!(!is_address("Ben Okafor"));
        assert!(!is_address("a b@c.d"));
        assert_eq!(Format::from_flags(false, false).unwrap(), Format::Markdown);
        assert_eq!(Format::from_flags(false, true).unwrap(), Format::Text);
        assert_eq!(
            Format::from_flags(true, true).unwrap_err().exit().status(),
            2
        );
        assert!(fit_inline(&[]));
        assert!(fit_inline(&[file(1000), file(2 * 1024 * 1024)]));
        assert!(!fit_inline(&[file(2 * 1024 * 1024), file(2 * 1024 * 1024)]));
        assert!(!fit_inline(&[file(ATTACHMENT_SESSION_MIN)]));
    }
}
