//! `msgate message`: a chat's messages, newest first, as compact text; and sending one.

use msgate_core::Result;
use msgate_graph::api::messages::{self, ChatMessage, ContentType};
use serde_json::{Value, json};

use crate::cli::MessageCommand;
use crate::context::Context;
use crate::diag;
use crate::output::Data;
use crate::text::html_to_text;

pub fn run(command: MessageCommand, ctx: &Context) -> Result<Data> {
    match command {
        MessageCommand::List { chat, list } => {
            let connection = ctx.connect()?;
            let (found, listed) =
                connection.run(|graph| messages::list(graph, &chat, list.limit()))?;
            Ok(Data::List {
                items: found.iter().map(compact).collect(),
                more: listed.truncated.then(|| list.more_hint()),
            })
        }
        MessageCommand::Send { chat, text } => {
            let connection = ctx.connect()?;
            let sent =
                connection.run(|graph| messages::send(graph, &chat, &text, ContentType::Text))?;
            diag::status(&format!("sent message {} to chat {chat}", sent.id));
            Ok(Data::Value(compact(&sent)))
        }
    }
}

fn compact(message: &ChatMessage) -> Value {
    let body = message.body.as_ref();
    let html = body.is_some_and(|b| b.content_type.as_deref() == Some("html"));
    let content = body.and_then(|b| b.content.as_deref()).unwrap_or_default();
    json!({
        "id": message.id,
        "at": message.created_date_time,
        "from": message.from.as_ref().and_then(|f| f.user.as_ref().or(f.application.as_ref())).and_then(|i| i.display_name.clone()),
        "text": if html { html_to_text(content) } else { content.to_owned() },
        "deleted": message.deleted_date_time.is_some(),
    })
}
