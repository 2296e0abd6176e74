//! `message.attachments.list` and `message.attachments.download`: what a message carries —
//! files, inline images, cards, quoted messages — and saving a file or image locally.
//!
//! A file attachment is only a reference (its SharePoint or OneDrive URL); its bytes are found
//! through Graph's driveItem for that URL. In a channel the file is normally in the channel's
//! folder of the team's library, reached through `filesFolder` by its path there; anywhere else
//! (chat files live in their sender's OneDrive) the shares API resolves the URL, which works for
//! any file the signed-in user may open. Inline images are the message's hosted contents.
//! Downloads follow Graph's redirect to the content host without the token and are saved the
//! way every download is (`transfer`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::upload::{READ_TEAM_FILES, channel_folder};
use super::{Which, read_permissions};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::refs::deeplink::percent_decode;
use crate::refs::{Conversation, MessageAt};
use crate::spec::{Risk, Spec};
use crate::text::html::{Token, tokenize};
use crate::transfer::{self, Expected, safe_file_name};
use crate::views::string;

pub struct ListAttachments;
pub struct Download;

/// Something a message carries.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Attachment {
    /// The attachment's id; pass it as attachment to download it
    pub id: String,
    /// The file's name, an image's description, or a card's title
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// file (in SharePoint or OneDrive), image (shown in the message), card, message (quoted), or Graph's content type
    pub kind: String,
    /// Where the file lives, or the image's Graph URL
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Attachment {
    fn downloadable(&self) -> bool {
        matches!(self.kind.as_str(), "file" | "image") && self.url.is_some()
    }
}

/// A message's attachments, then the images in its body.
pub fn attachments_of(message: &Value) -> Vec<Attachment> {
    let mut found: Vec<Attachment> = message["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let content_type = a["contentType"].as_str().unwrap_or_default();
            let kind = match content_type {
                "reference" => "file".to_owned(),
                "messageReference" | "forwardedMessageReference" => "message".to_owned(),
                t if t.starts_with("application/vnd.microsoft.card.") => "card".to_owned(),
                "" => "unknown".to_owned(),
                t => t.to_owned(),
            };
            Attachment {
                id: string(&a["id"]).unwrap_or_default(),
                name: string(&a["name"]),
                url: string(&a["contentUrl"]),
                kind,
            }
        })
        .collect();
    let body = message["body"]["content"].as_str().unwrap_or_default();
    for token in tokenize(body) {
        let (Token::Start { name, .. }, Some(src)) = (&token, token.attribute("src")) else {
            continue;
        };
        if name != "img" {
            continue;
        }
        let Some(id) = hosted_content_id(src) else {
            continue;
        };
        found.push(Attachment {
            id,
            name: token
                .attribute("alt")
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
            kind: "image".to_owned(),
            url: Some(src.to_owned()),
        });
    }
    found
}

/// The id in `…/hostedContents/{id}/$value`.
fn hosted_content_id(src: &str) -> Option<String> {
    let (_, after) = src.rsplit_once("/hostedContents/")?;
    let id = after.strip_suffix("/$value")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_owned())
}

impl Operation for ListAttachments {
    type Input = Which;
    type Output = Listing<Attachment>;
    const SPEC: Spec = Spec {
        name: "message.attachments.list",
        summary: "List a message's attachments: files, inline images, cards, quoted messages",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &["id", "kind", "name"],
    };

    async fn run(ctx: &Ctx, input: Which) -> Result<Listing<Attachment>> {
        let at = input.resolve(ctx).await?;
        let message = super::fetch(ctx, &at).await?;
        Ok(Listing::complete(attachments_of(&message)))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DownloadInput {
    #[serde(flatten)]
    pub which: Which,
    /// Which attachment: its id or file name (needed when the message has more than one)
    #[serde(default)]
    pub attachment: Option<String>,
    /// Where to save it: a file, or a directory to keep its name (default: the current directory)
    #[serde(default)]
    #[schemars(extend("x-local-file" = "write"))]
    pub out: Option<String>,
    /// Replace a file that is already there
    #[serde(default)]
    pub force: bool,
}

/// A saved attachment.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Saved {
    /// The attachment's id
    pub id: String,
    /// Its name
    pub name: String,
    /// Where it was saved
    pub path: String,
    /// How many bytes were written
    pub bytes: u64,
    /// Its media type, as the server said
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl Operation for Download {
    type Input = DownloadInput;
    type Output = Saved;
    const SPEC: Spec = Spec {
        name: "message.attachments.download",
        summary: "Save a message's attached file or inline image (files also need Files.Read.All)",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
        application: &[],
        columns: &["name", "path", "bytes"],
    };

    async fn run(ctx: &Ctx, input: DownloadInput) -> Result<Saved> {
        let at = input.which.resolve(ctx).await?;
        let message = super::fetch(ctx, &at).await?;
        let attachment = pick(attachments_of(&message), input.attachment.as_deref())?;
        let name = attachment
            .name
            .clone()
            .or_else(|| attachment.url.as_deref().and_then(last_segment))
            .unwrap_or_else(|| attachment.id.clone());
        let name = safe_file_name(&name, &attachment.id);
        let destination = transfer::destination(input.out.as_deref(), &name, input.force)?;
        let request = match attachment.kind.as_str() {
            "image" => Request::get(format!(
                "{}/hostedContents/{}/$value",
                at.path(),
                segment(&attachment.id)
            ))
            .permissions(read_permissions(&at.conversation)),
            _ => {
                let url = attachment.url.as_deref().unwrap_or_default();
                file_request(ctx, &at, url).await?
            }
        };
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
            id: attachment.id,
            name,
            path: destination.to_string_lossy().into_owned(),
            bytes: saved.bytes,
            content_type: saved.content_type,
        })
    }
}

/// The attachment asked for, or the only one there is.
fn pick(attachments: Vec<Attachment>, wanted: Option<&str>) -> Result<Attachment> {
    let describe = |a: &Attachment| {
        format!(
            "{} ({}, {})",
            a.name.as_deref().unwrap_or("unnamed"),
            a.kind,
            a.id
        )
    };
    let chosen = match wanted.map(str::trim) {
        Some(wanted) => {
            let matching: Vec<&Attachment> = attachments
                .iter()
                .filter(|a| {
                    a.id == wanted
                        || a.name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
                })
                .collect();
            match matching.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(Error::new(
                        ErrorCode::NotFound,
                        format!("the message has no attachment '{wanted}'"),
                    )
                    .with_hint("list them with: msgate message attachments list"));
                }
                many => {
                    let listed: Vec<String> = many.iter().map(|a| describe(a)).collect();
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "'{wanted}' matches {} attachments: {}",
                            many.len(),
                            listed.join("; ")
                        ),
                    )
                    .with_hint("name the attachment by its id"));
                }
            }
        }
        None => {
            let downloadable: Vec<&Attachment> =
                attachments.iter().filter(|a| a.downloadable()).collect();
            match downloadable.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(Error::new(
                        ErrorCode::NotFound,
                        "the message has no file or image to download",
                    ));
                }
                many => {
                    let listed: Vec<String> = many.iter().map(|a| describe(a)).collect();
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "the message has {} files and images: {}",
                            many.len(),
                            listed.join("; ")
                        ),
                    )
                    .with_hint("choose one with --attachment ID"));
                }
            }
        }
    };
    if !chosen.downloadable() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "attachment '{}' is a {}, not a file or image to download",
                chosen.id, chosen.kind
            ),
        )
        .with_hint("read it with: msgate message get --raw"));
    }
    Ok(chosen)
}

fn last_segment(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    let decoded = percent_decode(last);
    (!decoded.is_empty()).then_some(decoded)
}

/// The request for a file attachment's content, by its SharePoint or OneDrive URL.
async fn file_request(ctx: &Ctx, at: &MessageAt, url: &str) -> Result<Request> {
    if let Conversation::Channel { .. } = at.conversation {
        let folder = channel_folder(ctx, &at.conversation).await?;
        let below = folder["webUrl"]
            .as_str()
            .and_then(|base| relative_to(url, base));
        if let (Some(below), Some(drive), Some(folder_id)) = (
            below,
            folder["parentReference"]["driveId"].as_str(),
            folder["id"].as_str(),
        ) {
            let path: Vec<String> = below.split('/').map(segment).collect();
            return Ok(Request::get(format!(
                "/drives/{}/items/{}:/{}:/content",
                segment(drive),
                segment(folder_id),
                path.join("/")
            ))
            .permissions(READ_TEAM_FILES));
        }
    }
    Ok(
        Request::get(format!("/shares/{}/driveItem/content", share_token(url))).permissions(&[
            "Files.Read.All",
            "Files.ReadWrite.All",
            "Sites.Read.All",
        ]),
    )
}

/// `url`'s path below `base` (both percent-decoded), when it is below it.
fn relative_to(url: &str, base: &str) -> Option<String> {
    let url = percent_decode(url.split(['?', '#']).next()?);
    let base = percent_decode(base.trim_end_matches('/'));
    let below = url.strip_prefix(&base)?.strip_prefix('/')?;
    (!below.is_empty()).then(|| below.to_owned())
}

/// A URL as the shares API takes it: `u!` and the URL in unpadded base64url.
fn share_token(url: &str) -> String {
    format!("u!{}", URL_SAFE_NO_PAD.encode(url.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn files_cards_quotes_and_inline_images_are_listed() {
        let message = json!({
            "body": {"contentType": "html", "content": "<p>see</p><attachment id=\"a1\"></attachment><p><img src=\"https://graph.example.invalid/v1.0/chats/19:x/messages/1/hostedContents/aWQ9eA==/$value\" alt=\"mock-up\"></p><img src=\"https://elsewhere.example.invalid/x.png\">"},
            "attachments": [
                {"id": "a1", "contentType": "reference", "contentUrl": "https://s.example.invalid/General/Budget%202026.xlsx", "name": "Budget 2026.xlsx"},
                {"id": "c1", "contentType": "application/vnd.microsoft.card.adaptive", "content": "{}"},
                {"id": "m1", "contentType": "messageReference", "content": "{}"},
            ],
        });
        let found = attachments_of(&message);
        let kinds: Vec<&str> = found.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["file", "card", "message", "image"]);
        assert_eq!(found[3].id, "aWQ9eA==");
        assert_eq!(found[3].name.as_deref(), Some("mock-up"));
        assert!(found[0].downloadable() && found[3].downloadable() && !found[1].downloadable());

        assert_eq!(
            pick(found.clone(), Some("budget 2026.xlsx")).unwrap().id,
            "a1"
        );
        assert_eq!(pick(found.clone(), None).unwrap_err().exit().status(), 2);
        assert_eq!(
            pick(found.clone(), Some("nope"))
                .unwrap_err()
                .exit()
                .status(),
            13
        );
        assert_eq!(pick(found, Some("c1")).unwrap_err().exit().status(), 2);
    }

    #[test]
    fn urls_are_resolved_below_their_folder() {
        assert_eq!(
            relative_to(
                "https://s.example.invalid/sites/P/Shared%20Documents/General/Sub/a%20b.txt",
                "https://s.example.invalid/sites/P/Shared%20Documents/General"
            )
            .as_deref(),
            Some("Sub/a b.txt")
        );
        assert_eq!(
            relative_to(
                "https://s.example.invalid/sites/P/Shared%20Documents/Generalx/a.txt",
                "https://s.example.invalid/sites/P/Shared%20Documents/General"
            ),
            None
        );
        assert_eq!(
            share_token("https://s.example.invalid/a b"),
            format!(
                "u!{}",
                URL_SAFE_NO_PAD.encode("https://s.example.invalid/a b")
            )
        );
        assert_eq!(
            last_segment("https://s.example.invalid/x/Budget%202026.xlsx?web=1").as_deref(),
            Some("Budget 2026.xlsx")
        );
    }
}
