//! Files and images sent with a message, the way Teams sends them.
//!
//! An image shown in the message travels with it as hosted content: its bytes in
//! `hostedContents` under a temporary id, and an `<img>` pointing at
//! `../hostedContents/{id}/$value`, which Graph rewrites to the stored image. A file is not part
//! of the message at all: it is uploaded where Teams keeps a conversation's files — the
//! channel's folder in the team's document library, or for a chat the sender's OneDrive folder
//! "Microsoft Teams Chat Files", shared with the chat's members — and the message references
//! it: an `<attachment id>` element in the body and an attachment of type `reference` with the
//! file's URL and name, its id the GUID in the file's eTag.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Conflict, Content, Limit, Request, Upload};
use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::refs::Conversation;
use crate::text::html::{escape_attribute, escape_text};

/// The largest file msgate attaches (it is read into memory to be uploaded).
const MAX_FILE: usize = 100 * 1024 * 1024;
/// The most image bytes one message carries inline.
const MAX_IMAGES: usize = 4 * 1024 * 1024;
/// Where Teams puts the files sent in chats, in the sender's OneDrive.
pub const CHAT_FILES_FOLDER: &str = "Microsoft Teams Chat Files";

/// Writing files to a team's document library (SharePoint) or to one's own OneDrive.
pub const WRITE_TEAM_FILES: &[&str] = &["Files.ReadWrite.All", "Sites.ReadWrite.All"];
pub const WRITE_MY_FILES: &[&str] = &["Files.ReadWrite", "Files.ReadWrite.All"];
/// Reading a channel's folder in its team's library.
pub const READ_TEAM_FILES: &[&str] = &["Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All"];
pub const READ_MY_FILES: &[&str] = &["Files.Read", "Files.ReadWrite", "Files.Read.All"];

/// A local file to send.
#[derive(Debug)]
pub struct LocalFile {
    pub name: String,
    pub bytes: Bytes,
    pub content_type: &'static str,
}

/// A file uploaded for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The GUID in the file's eTag, which Teams uses as the attachment id.
    pub id: String,
    pub name: String,
    /// The file's address in SharePoint or OneDrive: its folder's URL and its name.
    pub url: String,
}

fn read(path: &str, max: usize, what: &str) -> Result<LocalFile> {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("'{path}' does not name a file"),
            )
        })?;
    let size = std::fs::metadata(path)
        .map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("cannot read '{path}': {e}"),
            )
        })?
        .len();
    if size > max as u64 {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "'{path}' is {} MB; msgate sends {what} of up to {} MB",
                size / (1024 * 1024),
                max / (1024 * 1024)
            ),
        )
        .with_hint("upload it to OneDrive or SharePoint and send its link"));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("cannot read '{path}': {e}"),
        )
    })?;
    Ok(LocalFile {
        name,
        bytes: Bytes::from(bytes),
        content_type: "application/octet-stream",
    })
}

/// The files to attach, read and checked before anything is sent.
pub fn read_files(paths: &[String]) -> Result<Vec<LocalFile>> {
    paths
        .iter()
        .map(|path| read(path, MAX_FILE, "files"))
        .collect()
}

/// The images to show inline: PNG, JPEG or GIF, known by their first bytes.
pub fn read_images(paths: &[String]) -> Result<Vec<LocalFile>> {
    let mut images = Vec::new();
    let mut total = 0;
    for path in paths {
        let mut image = read(path, MAX_IMAGES, "inline images")?;
        image.content_type = image_type(&image.bytes).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("'{path}' is not a PNG, JPEG or GIF image"),
            )
            .with_hint("send other files with --attach")
        })?;
        total += image.bytes.len();
        images.push(image);
    }
    if total > MAX_IMAGES {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "the images add up to more than {} MB, too much for one message",
                MAX_IMAGES / (1024 * 1024)
            ),
        )
        .with_hint("send some of them with --attach instead"));
    }
    Ok(images)
}

fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

fn append_content(body: &mut Value, html: &str) {
    let content = body["body"]["content"].as_str().unwrap_or_default();
    body["body"]["content"] = json!(format!("{content}{html}"));
}

/// Adds the images to a message body: `<img>` elements after the text, bytes in
/// `hostedContents`.
pub fn embed_images(body: &mut Value, images: Vec<LocalFile>) {
    if images.is_empty() {
        return;
    }
    let mut html = String::new();
    let mut hosted = Vec::new();
    for (index, image) in images.into_iter().enumerate() {
        let temporary = (index + 1).to_string();
        html.push_str(&format!(
            "<p><img src=\"../hostedContents/{temporary}/$value\" alt=\"{}\"></p>",
            escape_attribute(&image.name)
        ));
        hosted.push(json!({
            "@microsoft.graph.temporaryId": temporary,
            "contentBytes": STANDARD.encode(&image.bytes),
            "contentType": image.content_type,
        }));
    }
    append_content(body, &html);
    body["hostedContents"] = Value::Array(hosted);
}

/// Adds references to uploaded files to a message body.
pub fn reference_files(body: &mut Value, attached: &[Attached]) {
    let html: String = attached
        .iter()
        .map(|a| format!("<attachment id=\"{}\"></attachment>", escape_text(&a.id)))
        .collect();
    append_content(body, &html);
    body["attachments"] = attached
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "contentType": "reference",
                "contentUrl": a.url,
                "name": a.name,
            })
        })
        .collect();
}

/// The GUID in a driveItem's eTag (`"{153FA47D-…},1"`), as Teams writes attachment ids.
fn etag_guid(item: &Value) -> Option<String> {
    let tag = item["eTag"].as_str()?;
    let inner = tag.trim_matches('"');
    let guid = inner
        .split(',')
        .next()?
        .trim_matches(|c| c == '{' || c == '}');
    (guid.len() == 36).then(|| guid.to_ascii_lowercase())
}

/// Uploads the files where the conversation keeps them.
pub async fn upload_files(
    ctx: &Ctx,
    conversation: &Conversation,
    files: Vec<LocalFile>,
) -> Result<Vec<Attached>> {
    let (folder_path, folder_url, permissions) = match conversation {
        Conversation::Channel { .. } => {
            let folder = channel_folder(ctx, conversation).await?;
            let drive = folder["parentReference"]["driveId"]
                .as_str()
                .unwrap_or_default();
            let id = folder["id"].as_str().unwrap_or_default();
            (
                format!("/drives/{}/items/{}:", segment(drive), segment(id)),
                folder["webUrl"].as_str().map(str::to_owned),
                WRITE_TEAM_FILES,
            )
        }
        Conversation::Chat { .. } => (
            format!("/me/drive/root:/{}", segment(CHAT_FILES_FOLDER)),
            None,
            WRITE_MY_FILES,
        ),
    };
    let mut folder_url = folder_url;
    let mut attached = Vec::with_capacity(files.len());
    let mut items = Vec::with_capacity(files.len());
    for file in files {
        let upload = Upload {
            item: &format!("{folder_path}/{}:", segment(&file.name)),
            content: Content::Bytes(file.bytes),
            content_type: file.content_type,
            conflict: Conflict::Rename,
            permissions,
        };
        let item = match ctx.graph.upload(upload.clone(), &mut |_, _| {}).await {
            // The sender's first file in a chat: the folder is made, as Teams makes it.
            Err(e) if e.code() == ErrorCode::NotFound && conversation.is_chat() => {
                create_chat_files_folder(ctx).await?;
                ctx.graph.upload(upload, &mut |_, _| {}).await?
            }
            other => other?,
        };
        let name = item["name"].as_str().unwrap_or(&file.name).to_owned();
        if folder_url.is_none() {
            folder_url = Some(folder_web_url(ctx, &item).await?);
        }
        let id = etag_guid(&item).ok_or_else(|| {
            Error::internal(format!("Graph uploaded '{name}' without a usable eTag"))
        })?;
        attached.push(Attached {
            id,
            url: format!(
                "{}/{}",
                folder_url.as_deref().unwrap_or_default(),
                segment(&name)
            ),
            name,
        });
        items.push(item);
    }
    if let Conversation::Chat { .. } = conversation {
        share_with_members(ctx, conversation, &items).await?;
    }
    Ok(attached)
}

/// Gives the chat's other members read access to files uploaded to the sender's OneDrive, as
/// Teams does when a file is sent in a chat: without it they would see the file but could not
/// open it.
async fn share_with_members(ctx: &Ctx, conversation: &Conversation, items: &[Value]) -> Result<()> {
    let me = ctx.me().await?.id.clone();
    let request = Request::get(conversation.members_path()).permissions(&[
        "ChatMember.Read",
        "Chat.ReadBasic",
        "Chat.Read",
        "Chat.ReadWrite",
    ]);
    let members = ctx.graph.list(request, Limit::All).await?.items;
    let recipients: Vec<Value> = members
        .iter()
        .filter_map(|m| m["userId"].as_str())
        .filter(|id| *id != me)
        .map(|id| json!({"objectId": id}))
        .collect();
    if recipients.is_empty() {
        return Ok(());
    }
    for item in items {
        let id = item["id"].as_str().unwrap_or_default();
        let request = Request::post(
            format!("/me/drive/items/{}/invite", segment(id)),
            json!({
                "recipients": recipients,
                "roles": ["read"],
                "requireSignIn": true,
                "sendInvitation": false,
            }),
        )
        // Sharing again with the same people changes nothing.
        .idempotent(true)
        .permissions(WRITE_MY_FILES);
        ctx.graph.send(&request).await?;
    }
    Ok(())
}

/// "Microsoft Teams Chat Files" in the signed-in user's OneDrive; one already there is fine.
async fn create_chat_files_folder(ctx: &Ctx) -> Result<()> {
    let request = Request::post(
        "/me/drive/root/children",
        json!({
            "name": CHAT_FILES_FOLDER,
            "folder": {},
            "@microsoft.graph.conflictBehavior": "fail",
        }),
    )
    // With conflictBehavior fail, a second attempt cannot make a second folder.
    .idempotent(true)
    .permissions(WRITE_MY_FILES);
    match ctx.graph.send(&request).await {
        Err(e) if e.code() == ErrorCode::Conflict => Ok(()),
        other => other.map(|_| ()),
    }
}

/// A channel's folder in its team's document library.
pub async fn channel_folder(ctx: &Ctx, conversation: &Conversation) -> Result<Value> {
    let path = conversation
        .files_folder_path()
        .ok_or_else(|| Error::internal("a chat has no files folder"))?;
    let request = Request::get(path)
        .select(&["id", "name", "webUrl", "parentReference"])
        .permissions(READ_TEAM_FILES);
    ctx.graph.json(&request).await
}

/// The web address of the folder an uploaded item landed in (in the signed-in user's OneDrive).
async fn folder_web_url(ctx: &Ctx, item: &Value) -> Result<String> {
    let parent = item["parentReference"]["id"].as_str().unwrap_or_default();
    let request = Request::get(format!("/me/drive/items/{}", segment(parent)))
        .select(&["id", "webUrl"])
        .permissions(READ_MY_FILES);
    let folder: Value = ctx.graph.json(&request).await?;
    folder["webUrl"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::internal("Graph sent a folder without its webUrl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_become_hosted_contents_referenced_by_temporary_id() {
        let mut body = json!({"body": {"contentType": "html", "content": "<p>see</p>"}});
        embed_images(
            &mut body,
            vec![LocalFile {
                name: "a \"b\".png".into(),
                bytes: Bytes::from_static(b"\x89PNG\r\n\x1a\nrest"),
                content_type: "image/png",
            }],
        );
        assert_eq!(
            body["body"]["content"],
            "<p>see</p><p><img src=\"../hostedContents/1/$value\" alt=\"a &quot;b&quot;.png\"></p>"
        );
        assert_eq!(
            body["hostedContents"][0]["@microsoft.graph.temporaryId"],
            "1"
        );
        assert_eq!(body["hostedContents"][0]["contentType"], "image/png");
        assert_eq!(
            STANDARD
                .decode(body["hostedContents"][0]["contentBytes"].as_str().unwrap())
                .unwrap(),
            b"\x89PNG\r\n\x1a\nrest"
        );
    }

    #[test]
    fn files_are_referenced_by_the_guid_in_their_etag() {
        let item = json!({"eTag": "\"{153FA47D-18C9-4179-BE08-9879815A9F90},1\""});
        let id = etag_guid(&item).unwrap();
        assert_eq!(id, "153fa47d-18c9-4179-be08-9879815a9f90");
        assert_eq!(etag_guid(&json!({"eTag": "\"abc\""})), None);
        let mut body = json!({"body": {"contentType": "html", "content": "<p>budget</p>"}});
        reference_files(
            &mut body,
            &[Attached {
                id: id.clone(),
                name: "Budget.docx".into(),
                url: "https://x.example.invalid/General/Budget.docx".into(),
            }],
        );
        assert_eq!(
            body["body"]["content"],
            format!("<p>budget</p><attachment id=\"{id}\"></attachment>")
        );
        assert_eq!(
            body["attachments"],
            json!([{"id": id, "contentType": "reference", "contentUrl": "https://x.example.invalid/General/Budget.docx", "name": "Budget.docx"}])
        );
    }

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n..."), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"<svg"), None);
    }
}
