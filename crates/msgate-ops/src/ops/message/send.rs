//! `message.send`: a new message in a chat or a new post in a channel. Markdown by default,
//! rendered to the HTML Teams shows and sanitized; `@Name` of a member becomes a mention that
//! notifies. Sending is not idempotent: the Graph client never repeats it blindly.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Target;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, Conversation};
use crate::spec::{Risk, Spec};
use crate::text::mentions::{self, Member};
use crate::text::{markdown, sanitize};
use crate::views::Message;

pub struct Send;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub target: Target,
    /// The message, in Markdown (or HTML with html); @Name of a member mentions them
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub text: String,
    /// Treat the text as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Mention this person too (email, UPN or name); repeatable
    #[serde(default)]
    pub mention: Vec<String>,
    /// Subject line of a channel post
    #[serde(default)]
    pub subject: Option<String>,
}

impl Operation for Send {
    type Input = Input;
    type Output = Message;
    const SPEC: Spec = Spec {
        name: "message.send",
        summary: "Send a message to a chat or post to a channel (Markdown, @mentions)",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["ChatMessage.Send", "Chat.ReadWrite", "ChannelMessage.Send"],
        application: &[],
        columns: &["id", "at", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Message> {
        if input.text.trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the message is empty"));
        }
        let conversation = refs::conversation(
            ctx,
            input.target.chat.as_deref(),
            input.target.channel.as_deref(),
        )
        .await?;
        let mut body = compose(ctx, &conversation, &input.text, input.html, &input.mention).await?;
        if let (Some(subject), Conversation::Channel { .. }) = (&input.subject, &conversation) {
            body["subject"] = json!(subject);
        }
        let permissions: &'static [&'static str] = match conversation {
            Conversation::Chat { .. } => &["ChatMessage.Send", "Chat.ReadWrite"],
            Conversation::Channel { .. } => &["ChannelMessage.Send"],
        };
        let request = Request::post(conversation.messages_path(), body).permissions(permissions);
        let sent: Value = ctx.graph.json(&request).await?;
        Ok(Message::from_graph(&sent, None))
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
