//! `msgate chat`: the signed-in user's chats, compact — each with its last message and whether
//! it is unread — from one Graph request per 50 chats.

use msgate_core::Result;
use msgate_graph::api::chats::{self, Chat};
use serde_json::{Value, json};

use crate::cli::{ChatCommand, ListArgs};
use crate::context::Context;
use crate::output::Data;
use crate::text::html_to_text;

pub fn run(command: ChatCommand, ctx: &Context) -> Result<Data> {
    match command {
        ChatCommand::List(list) => self::list(&list, ctx),
    }
}

fn list(args: &ListArgs, ctx: &Context) -> Result<Data> {
    let connection = ctx.connect()?;
    let (chats, listed) = connection.run(|graph| chats::list(graph, args.limit()))?;
    Ok(Data::List {
        items: chats.iter().map(compact).collect(),
        more: listed.truncated.then(|| args.more_hint()),
    })
}

fn compact(chat: &Chat) -> Value {
    let last = chat.last_message_preview.as_ref();
    let last_at = last.and_then(|m| m.created_date_time.clone());
    let read_at = chat
        .viewpoint
        .as_ref()
        .and_then(|v| v.last_message_read_date_time.as_deref());
    let unread = match (last_at.as_deref(), read_at) {
        (Some(last), Some(read)) => last > read,
        (Some(_), None) => true,
        _ => false,
    };
    json!({
        "id": chat.id,
        "topic": chat.topic,
        "type": chat.chat_type,
        "last_from": last.and_then(|m| m.from.as_ref()).and_then(|f| f.user.as_ref()).and_then(|u| u.display_name.clone()),
        "last_at": last_at,
        "last_text": last.and_then(|m| m.body.as_ref()).and_then(|b| b.content.as_deref()).map(html_to_text),
        "unread": unread,
    })
}
