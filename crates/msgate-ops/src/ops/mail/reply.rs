//! `mail.reply` and `mail.reply-all`: an answer in the same conversation, the original quoted
//! below it by Outlook. msgate works out the recipients itself — the original's reply-to or
//! sender (for one's own message, its recipients), and for reply-all everyone else on To and
//! Cc — and names them in the request, so what the policy checked is exactly who receives it.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::compose::{self, Format, Sent};
use super::{READ_BASIC, SEND, fetch, message_path};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Reply;
pub struct ReplyAll;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// Your answer, in Markdown (or HTML with html, plain text with text); the original is quoted below it
    #[serde(default)]
    #[schemars(extend("x-positional" = true, "x-text" = true))]
    pub comment: Option<String>,
    /// Treat the comment as HTML (still sanitized) instead of Markdown
    #[serde(default)]
    pub html: bool,
    /// Send the comment as plain text instead of Markdown
    #[serde(default)]
    pub text: bool,
}

/// Which answer to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reply,
    ReplyAll,
    Forward,
}

impl Kind {
    fn action(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::ReplyAll => "replyAll",
            Kind::Forward => "forward",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Kind::Reply => "replied",
            Kind::ReplyAll => "replied_all",
            Kind::Forward => "forwarded",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Reply | Kind::ReplyAll => "RE: ",
            Kind::Forward => "FW: ",
        }
    }
}

impl Operation for Reply {
    type Input = Input;
    type Output = Sent;
    const SPEC: Spec = Spec {
        name: "mail.reply",
        summary: "Reply to the sender of a message, with an optional comment in Markdown",
        risk: Risk::Write,
        idempotent: false,
        delegated: SEND,
        application: &[],
        columns: &["done", "subject", "to"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Sent> {
        let format = Format::from_flags(input.html, input.text)?;
        respond(
            ctx,
            Kind::Reply,
            &input.id,
            input.comment.as_deref(),
            format,
            None,
        )
        .await
    }
}

impl Operation for ReplyAll {
    type Input = Input;
    type Output = Sent;
    const SPEC: Spec = Spec {
        name: "mail.reply-all",
        summary: "Reply to the sender and everyone else on a message, with an optional comment",
        risk: Risk::Write,
        idempotent: false,
        delegated: SEND,
        application: &[],
        columns: &["done", "subject", "to", "cc"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Sent> {
        let format = Format::from_flags(input.html, input.text)?;
        respond(
            ctx,
            Kind::ReplyAll,
            &input.id,
            input.comment.as_deref(),
            format,
            None,
        )
        .await
    }
}

fn address(recipient: &Value) -> String {
    recipient["emailAddress"]["address"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Who an answer goes to (To, Cc): for a reply the original's reply-to or sender — or, answering
/// one's own message, its To recipients; reply-all adds the others on To and Cc, never oneself.
pub fn reply_recipients(original: &Value, me: &[String], kind: Kind) -> (Vec<Value>, Vec<Value>) {
    let list = |name: &str| original[name].as_array().cloned().unwrap_or_default();
    let is_me = |r: &Value| me.contains(&address(r));
    let from_me = is_me(&original["from"]);
    let mut to = if from_me {
        list("toRecipients")
    } else if list("replyTo").is_empty() {
        vec![original["from"].clone()]
    } else {
        list("replyTo")
    };
    let mut cc = Vec::new();
    if kind == Kind::ReplyAll {
        to.extend(list("toRecipients"));
        cc = list("ccRecipients");
    }
    let mut seen: Vec<String> = Vec::new();
    let mut keep = |r: &Value| {
        let a = address(r);
        let fresh = !a.is_empty() && !is_me(r) && !seen.contains(&a);
        seen.push(a);
        fresh
    };
    to.retain(&mut keep);
    cc.retain(&mut keep);
    (to, cc)
}

/// Replies to or forwards message `id`; `forward_to` holds a forward's (To, Cc).
pub async fn respond(
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    comment: Option<&str>,
    format: Format,
    forward_to: Option<(Vec<Value>, Vec<Value>)>,
) -> Result<Sent> {
    let original = fetch(
        ctx,
        id,
        &["subject", "from", "replyTo", "toRecipients", "ccRecipients"],
        READ_BASIC,
    )
    .await?;
    let (to, cc) = match forward_to {
        Some(recipients) => recipients,
        None => {
            let me = ctx.me().await?;
            let mine: Vec<String> = [&me.mail, &me.user_principal_name]
                .into_iter()
                .flatten()
                .map(|a| a.to_ascii_lowercase())
                .collect();
            reply_recipients(&original, &mine, kind)
        }
    };
    if to.is_empty() && cc.is_empty() {
        return Err(msgate_core::Error::new(
            msgate_core::ErrorCode::InvalidInput,
            format!("message '{id}' has nobody to {} to", kind.action()),
        ));
    }
    compose::note_recipients(ctx, &[&to, &cc]).await?;
    let mut message = json!({"toRecipients": to, "ccRecipients": cc});
    let comment = comment.unwrap_or_default();
    if !comment.trim().is_empty() || ctx.signature().is_some() {
        message["body"] = compose::item_body(ctx, comment, format);
    }
    let request = Request::post(
        format!("{}/{}", message_path(id), kind.action()),
        json!({"message": message}),
    )
    .permissions(SEND);
    ctx.graph.send(&request).await?;
    let subject = original["subject"].as_str().unwrap_or_default();
    let already = subject
        .get(..kind.prefix().len())
        .is_some_and(|lead| lead.eq_ignore_ascii_case(kind.prefix()));
    message["subject"] = json!(if already {
        subject.to_owned()
    } else {
        format!("{}{subject}", kind.prefix())
    });
    Ok(Sent::new(kind.done(), &message, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(address: &str) -> Value {
        json!({"emailAddress": {"name": address, "address": address}})
    }

    #[test]
    fn replies_go_to_the_sender_or_reply_to_and_never_to_oneself() {
        let me = vec!["ada@l.example.invalid".to_owned()];
        let original = json!({
            "from": who("tomas@n.example.invalid"),
            "replyTo": [],
            "toRecipients": [who("ADA@l.example.invalid"), who("ben@l.example.invalid")],
            "ccRecipients": [who("chloe@l.example.invalid"), who("tomas@n.example.invalid")],
        });
        let (to, cc) = reply_recipients(&original, &me, Kind::Reply);
        assert_eq!(to, [who("tomas@n.example.invalid")]);
        assert!(cc.is_empty());
        let (to, cc) = reply_recipients(&original, &me, Kind::ReplyAll);
        assert_eq!(
            to,
            [who("tomas@n.example.invalid"), who("ben@l.example.invalid")]
        );
        assert_eq!(cc, [who("chloe@l.example.invalid")], "no one twice");

        let mut answered = original.clone();
        answered["replyTo"] = json!([who("sales@n.example.invalid")]);
        let (to, _) = reply_recipients(&answered, &me, Kind::Reply);
        assert_eq!(to, [who("sales@n.example.invalid")]);

        let mine = json!({
            "from": who("ada@l.example.invalid"),
            "toRecipients": [who("tomas@n.example.invalid")],
            "ccRecipients": [],
        });
        let (to, _) = reply_recipients(&mine, &me, Kind::Reply);
        assert_eq!(to, [who("tomas@n.example.invalid")]);
    }
}
