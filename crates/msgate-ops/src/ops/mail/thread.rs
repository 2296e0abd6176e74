//! `mail.thread`: every message of a conversation, oldest first — received and sent, in any
//! folder — each with only what it added (Outlook's `uniqueBody`), so quoted history is not
//! read again and again.

use msgate_core::Result;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{Body, FIELDS, Mail, READ, fetch};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};

pub struct Thread;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Any message of the conversation (its id, as mail list shows it), or the conversation id
    #[schemars(extend("x-positional" = true))]
    pub id: String,
}

/// How much of each message's own text a thread shows.
const THREAD_BODY_CHARS: usize = 2000;

/// Outlook's conversation ids start like this (a message's with `AAMk`).
fn is_conversation_id(id: &str) -> bool {
    id.starts_with("AAQk")
}

impl Operation for Thread {
    type Input = Input;
    type Output = Listing<Mail>;
    const SPEC: Spec = Spec {
        name: "mail.thread",
        summary: "Read a whole conversation, oldest first, each message with only what it added",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["id", "at", "from", "subject", "text"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Mail>> {
        let id = input.id.trim();
        let conversation = if is_conversation_id(id) {
            id.to_owned()
        } else {
            let message = fetch(ctx, id, &["conversationId"], READ).await?;
            message["conversationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let mut fields = FIELDS.to_vec();
        fields.push("uniqueBody");
        // Ordering on the server would need receivedDateTime to lead the filter; a thread is
        // short, so it is sorted here.
        let request = Request::get("/me/messages")
            .filter(format!(
                "conversationId eq '{}'",
                conversation.replace('\'', "''")
            ))
            .select(&fields)
            .top(100)
            .prefer_text_body()
            .permissions(READ);
        let mut messages: Vec<Value> = ctx.graph.list(request, Limit::All).await?.items;
        messages.sort_by(|a, b| {
            let at = |m: &Value| {
                m["receivedDateTime"]
                    .as_str()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            };
            at(a).cmp(&at(b))
        });
        if messages.is_empty() {
            return Err(msgate_core::Error::new(
                msgate_core::ErrorCode::NotFound,
                format!("no messages in conversation '{conversation}'"),
            ));
        }
        Ok(Listing::complete(
            messages
                .iter()
                .map(|m| Mail::from_graph(m, Body::Full(Some(THREAD_BODY_CHARS))))
                .collect(),
        ))
    }
}
