//! `mail.attachments.list` and `mail.attachments.download`: a message's attachments, and one
//! saved to a local file — its bytes streamed from `…/attachments/{id}/$value` into a temporary
//! file renamed into place, so a broken transfer leaves no half file.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{READ, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::ops::message::attachments::Saved;
use crate::refs::exactly_one;
use crate::spec::{Risk, Spec};
use crate::transfer::{self, Expected, safe_file_name};

pub struct ListAttachments;
pub struct Download;

/// A file (or item) attached to a message.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Attachment {
    /// The attachment id; pass it as attachment to download it
    pub id: String,
    /// The file name
    pub name: String,
    /// Its media type
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Its size in bytes
    pub size: u64,
    /// An image shown in the body rather than a file attached
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inline: bool,
    /// file, item (an attached message or event) or reference (a link to a file)
    pub kind: String,
}

impl Attachment {
    fn from_graph(value: &Value) -> Attachment {
        let kind = value["@odata.type"]
            .as_str()
            .unwrap_or("#microsoft.graph.fileAttachment");
        let kind = kind
            .trim_start_matches("#microsoft.graph.")
            .trim_end_matches("Attachment");
        Attachment {
            id: value["id"].as_str().unwrap_or_default().to_owned(),
            name: value["name"].as_str().unwrap_or_default().to_owned(),
            content_type: value["contentType"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            size: value["size"].as_u64().unwrap_or_default(),
            inline: value["isInline"] == true,
            kind: kind.to_owned(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListInput {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
}

async fn attachments(ctx: &Ctx, id: &str) -> Result<Vec<Attachment>> {
    // Without contentBytes: the list names the files, download fetches one.
    let request = Request::get(format!("{}/attachments", message_path(id)))
        .select(&["id", "name", "contentType", "size", "isInline"])
        .permissions(READ);
    Ok(ctx
        .graph
        .list(request, Limit::All)
        .await?
        .items
        .iter()
        .map(Attachment::from_graph)
        .collect())
}

impl Operation for ListAttachments {
    type Input = ListInput;
    type Output = Listing<Attachment>;
    const SPEC: Spec = Spec {
        name: "mail.attachments.list",
        summary: "List a message's attachments",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["id", "name", "size", "content_type"],
    };

    async fn run(ctx: &Ctx, input: ListInput) -> Result<Listing<Attachment>> {
        Ok(Listing::complete(attachments(ctx, &input.id).await?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DownloadInput {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// Which attachment: its id or file name (needed when the message has more than one file)
    #[serde(default)]
    pub attachment: Option<String>,
    /// Where to save it on this machine: a file, or a directory to keep its name (default: the current directory)
    #[serde(default)]
    #[schemars(extend("x-local-file" = "write"))]
    pub out: Option<String>,
    /// Replace a local file that is already there
    #[serde(default)]
    pub force: bool,
}

impl Operation for Download {
    type Input = DownloadInput;
    type Output = Saved;
    const SPEC: Spec = Spec {
        name: "mail.attachments.download",
        summary: "Save a message's attached file to a local file",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["name", "path", "bytes"],
    };

    async fn run(ctx: &Ctx, input: DownloadInput) -> Result<Saved> {
        let files: Vec<Attachment> = attachments(ctx, &input.id)
            .await?
            .into_iter()
            .filter(|a| a.kind == "file")
            .collect();
        let chosen = match input.attachment.as_deref().map(str::trim) {
            Some(wanted) => exactly_one(
                files
                    .into_iter()
                    .filter(|a| a.id == wanted || a.name.eq_ignore_ascii_case(wanted))
                    .collect(),
                "attachment",
                wanted,
                |a| format!("{} ({})", a.name, a.id),
            )?,
            None if files.is_empty() => {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    "the message has no file attached",
                ));
            }
            None => exactly_one(files, "attachment", "the message", |a| {
                format!("{} ({})", a.name, a.id)
            })
            .map_err(|e| e.with_hint("choose one with --attachment NAME or ID"))?,
        };
        let name = safe_file_name(&chosen.name, &chosen.id);
        let destination = transfer::destination(input.out.as_deref(), &name, input.force)?;
        let request = Request::get(format!(
            "{}/attachments/{}/$value",
            message_path(&input.id),
            segment(&chosen.id)
        ))
        .permissions(READ);
        let saved = transfer::save(
            ctx,
            request,
            &destination,
            Expected {
                label: &name,
                size: None,
                quick_xor: None,
            },
        )
        .await?;
        Ok(Saved {
            id: chosen.id,
            name,
            path: destination.to_string_lossy().into_owned(),
            bytes: saved.bytes,
            content_type: saved.content_type.or(chosen.content_type),
        })
    }
}
