//! `message.edit`: new text for a message you sent, written like a new one (Markdown or HTML,
//! mentions). The files and inline images it carried stay with it. Only the sender may edit;
//! Graph refuses anyone else, and that refusal is passed on.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Which;
use super::attachments::attachments_of;
use super::send::compose;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::Conversation;
use crate::spec::{Risk, Spec};
use crate::text::html::{escape_attribute, escape_text};
use crate::views::Message;

pub struct Edit;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    /// The new text, in Markdown (or HTML with html); @Name of a member mentions them
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub text: String,
    /// Treat the text as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Mention this person too (email, UPN or name); repeatable
    #[serde(default)]
    pub mention: Vec<String>,
}

impl Operation for Edit {
    type Input = Input;
    type Output = Message;
    const SPEC: Spec = Spec {
        name: "message.edit",
        summary: "Change the text of a message you sent",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["Chat.ReadWrite", "ChannelMessage.ReadWrite"],
        application: &[],
        columns: &["id", "at", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Message> {
        if input.text.trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the new text is empty")
                .with_hint("to remove a message, use: msgate message delete"));
        }
        let at = input.which.resolve(ctx).await?;
        let current = super::fetch(ctx, &at).await?;
        let mut body = compose(
            ctx,
            &at.conversation,
            &input.text,
            input.html,
            &input.mention,
        )
        .await?;
        // The old text's mentions go with it; its files and images stay.
        if body.get("mentions").is_none() {
            body["mentions"] = json!([]);
        }
        keep_files_and_images(&current, &mut body);
        let permissions: &'static [&'static str] = match at.conversation {
            Conversation::Chat { .. } => &["Chat.ReadWrite"],
            Conversation::Channel { .. } => &["ChannelMessage.ReadWrite", "Group.ReadWrite.All"],
        };
        ctx.graph
            .send(&Request::patch(at.path(), body).permissions(permissions))
            .await?;
        let edited = super::fetch(ctx, &at).await?;
        Ok(Message::from_graph(&edited, None))
    }
}

/// Carries a message's attachments (their `<attachment>` elements and entries) and its inline
/// images into the body that replaces it.
fn keep_files_and_images(current: &Value, body: &mut Value) {
    let mut html = String::new();
    for image in attachments_of(current)
        .into_iter()
        .filter(|a| a.kind == "image")
    {
        html.push_str(&format!(
            "<p><img src=\"{}\" alt=\"{}\"></p>",
            escape_attribute(image.url.as_deref().unwrap_or_default()),
            escape_attribute(image.name.as_deref().unwrap_or_default())
        ));
    }
    let attachments: Vec<Value> = current["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for attachment in &attachments {
        if let Some(id) = attachment["id"].as_str() {
            html.push_str(&format!(
                "<attachment id=\"{}\"></attachment>",
                escape_text(id)
            ));
        }
    }
    if !attachments.is_empty() {
        body["attachments"] = Value::Array(attachments);
    }
    let content = body["body"]["content"].as_str().unwrap_or_default();
    body["body"]["content"] = json!(format!("{content}{html}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_images_stay_when_the_text_changes() {
        let current = json!({
            "body": {"contentType": "html", "content": "<p>old <img src=\"https://g.example.invalid/v1.0/chats/c/messages/1/hostedContents/aWQ=/$value\" alt=\"plan\"></p><attachment id=\"f1\"></attachment>"},
            "attachments": [{"id": "f1", "contentType": "reference", "contentUrl": "https://s.example.invalid/a.txt", "name": "a.txt"}],
        });
        let mut body = json!({"body": {"contentType": "html", "content": "<p>new</p>"}});
        keep_files_and_images(&current, &mut body);
        assert_eq!(
            body["body"]["content"],
            "<p>new</p><p><img src=\"https://g.example.invalid/v1.0/chats/c/messages/1/hostedContents/aWQ=/$value\" alt=\"plan\"></p><attachment id=\"f1\"></attachment>"
        );
        assert_eq!(body["attachments"][0]["name"], "a.txt");
        let mut plain = json!({"body": {"contentType": "html", "content": "<p>new</p>"}});
        keep_files_and_images(&json!({"body": {"content": "<p>old</p>"}}), &mut plain);
        assert_eq!(
            plain,
            json!({"body": {"contentType": "html", "content": "<p>new</p>"}})
        );
    }
}
