//! `message.send`: a new message in a chat or a new post in a channel. Markdown by default,
//! rendered to the HTML Teams shows and sanitized; `@Name` of a member becomes a mention that
//! notifies; files are uploaded where Teams keeps them and attached, images shown inline.
//! Sending is not idempotent: the Graph client never repeats it blindly.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Target, upload};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, Conversation};
use crate::spec::{Risk, Spec};
use crate::text::mentions::{self, Member};
use crate::text::{markdown, sanitize};
use crate::views::Message;

pub struct Send;

/// What someone writes: the text, how to read it, who to mention, what to attach.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Writing {
    /// The message, in Markdown (or HTML with html); @Name of a member mentions them
    #[serde(default)]
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub text: String,
    /// Treat the text as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Mention this person too (email, UPN or name); repeatable
    #[serde(default)]
    pub mention: Vec<String>,
    /// Attach this file, uploaded to the channel's files (Files.ReadWrite.All) or your OneDrive (Files.ReadWrite); repeatable
    #[serde(default)]
    #[schemars(extend("x-local-file" = "read"))]
    pub attach: Vec<String>,
    /// Show this image (PNG, JPEG or GIF) in the message; repeatable
    #[serde(default)]
    #[schemars(extend("x-local-file" = "read"))]
    pub image: Vec<String>,
}

impl Writing {
    /// The Graph body of the new message, with its files uploaded and referenced.
    pub async fn body(&self, ctx: &Ctx, conversation: &Conversation) -> Result<Value> {
        if self.text.trim().is_empty() && self.attach.is_empty() && self.image.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the message is empty")
                .with_hint("give a text, an --attach file or an --image"));
        }
        // Every local file is read before anything is uploaded or sent.
        let images = upload::read_images(&self.image)?;
        let files = upload::read_files(&self.attach)?;
        let mut body = if self.text.trim().is_empty() && self.mention.is_empty() {
            json!({"body": {"contentType": "html", "content": ""}})
        } else {
            compose(ctx, conversation, &self.text, self.html, &self.mention).await?
        };
        upload::embed_images(&mut body, images);
        if !files.is_empty() {
            let attached = upload::upload_files(ctx, conversation, files).await?;
            upload::reference_files(&mut body, &attached);
        }
        Ok(body)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub target: Target,
    #[serde(flatten)]
    pub writing: Writing,
    /// Subject line of a channel post
    #[serde(default)]
    pub subject: Option<String>,
}

impl Operation for Send {
    type Input = Input;
    type Output = Message;
    const SPEC: Spec = Spec {
        name: "message.send",
        summary: "Send a message to a chat or post to a channel (Markdown, @mentions, files, images)",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["ChatMessage.Send", "Chat.ReadWrite", "ChannelMessage.Send"],
        application: &[],
        columns: &["id", "at", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Message> {
        let conversation = refs::conversation(
            ctx,
            input.target.chat.as_deref(),
            input.target.channel.as_deref(),
        )
        .await?;
        let mut body = input.writing.body(ctx, &conversation).await?;
        if let (Some(subject), Conversation::Channel { .. }) = (&input.subject, &conversation) {
            body["subject"] = json!(subject);
        }
        let request = Request::post(conversation.messages_path(), body)
            .permissions(send_permissions(&conversation));
        let sent: Value = ctx.graph.json(&request).await?;
        Ok(Message::from_graph(&sent, None))
    }
}

/// What sending (or reacting, or pinning) in a conversation needs.
pub fn send_permissions(conversation: &Conversation) -> &'static [&'static str] {
    match conversation {
        Conversation::Chat { .. } => &["ChatMessage.Send", "Chat.ReadWrite"],
        Conversation::Channel { .. } => &["ChannelMessage.Send"],
    }
}

/// The Graph body of a new message: sanitized HTML with `<at>` mentions and the mentions array,
/// and the policy's signature, if it sets one, as a last paragraph.
pub async fn compose(
    ctx: &Ctx,
    conversation: &Conversation,
    text: &str,
    html: bool,
    explicit: &[String],
) -> Result<Value> {
    let mut extra = Vec::new();
    for reference in explicit {
        let user = refs::user(ctx, reference).await?;
        extra.push(Member {
            name: user
                .display_name
                .clone()
                .unwrap_or_else(|| reference.clone()),
            user_id: user.id,
        });
    }
    let wants_mentions = !extra.is_empty() || (!html && text.contains('@'));
    let members = if wants_mentions {
        members(ctx, conversation).await?
    } else {
        Vec::new()
    };
    let (marked, mut mentioned) = if html {
        (text.to_owned(), Vec::new())
    } else {
        mentions::mark(text, &members)
    };
    let prefix = mentions::prefix_for(&extra, &mut mentioned);
    let mut content = if html {
        format!(
            "{}{}",
            mentions::render(&prefix, &mentioned),
            sanitize::sanitize(&marked)
        )
    } else {
        mentions::render(&markdown::to_html(&format!("{prefix}{marked}")), &mentioned)
    };
    if let Some(signature) = ctx.signature() {
        content.push_str(&format!(
            "<p>{}</p>",
            crate::text::html::escape_text(signature)
        ));
    }
    let mut body = json!({"body": {"contentType": "html", "content": content}});
    if !mentioned.is_empty() {
        body["mentions"] = mentions::graph_mentions(&mentioned);
    }
    Ok(body)
}

/// Who can be mentioned in a conversation: its members.
async fn members(ctx: &Ctx, conversation: &Conversation) -> Result<Vec<Member>> {
    let permissions: &'static [&'static str] = match conversation {
        Conversation::Chat { .. } => &[
            "ChatMember.Read",
            "Chat.ReadBasic",
            "Chat.Read",
            "Chat.ReadWrite",
        ],
        Conversation::Channel { .. } => &["ChannelMember.Read.All", "ChannelMember.ReadWrite.All"],
    };
    let request = Request::get(conversation.members_path()).permissions(permissions);
    let listed = ctx.graph.list(request, Limit::All).await?;
    Ok(listed
        .items
        .iter()
        .filter_map(|m| {
            Some(Member {
                user_id: m["userId"].as_str()?.to_owned(),
                name: m["displayName"].as_str()?.to_owned(),
            })
        })
        .collect())
}
