//! Sending: `sendMail`, sending a draft, reply, reply-all and forward, all answered `202
//! Accepted` as Outlook does (https://learn.microsoft.com/graph/api/user-sendmail,
//! message-send, message-reply, message-replyall, message-forward).
//!
//! Delivery is immediate and local: every recipient who is a tenant user — To, Cc or Bcc —
//! finds the message unread in their Inbox (without the Bcc line), the sender keeps a copy in
//! Sent Items unless `saveToSentItems` is false, and all copies share the conversation, so
//! replies thread. Recipients outside the tenant are accepted and recorded where
//! `GET /_sandbox/mail/outbound` shows them.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::attachments;
use super::mailbox::{self, Mailbox, id_of};
use super::shape::{self, Placement, address_of, recipient_of, user_by_address};
use crate::clock;
use crate::graph::Caller;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::state::AppState;
use crate::store::Store;
use crate::tenant::DOMAIN;

const OUTBOUND: &str = "mailOutbound";

/// A message leaving a mailbox.
pub struct Outgoing<'a> {
    pub sender: &'a Value,
    pub content: &'a Value,
    pub attachments: &'a [Value],
    pub at: &'a str,
    pub save_to_sent: bool,
}

/// Where the copies went: (owner, message) for each stored copy, Sent Items first when saved,
/// and the recipients outside the tenant.
pub struct Delivery {
    pub copies: Vec<(String, Value)>,
    pub external: Vec<Value>,
}

fn all_recipients(content: &Value) -> Vec<Value> {
    ["toRecipients", "ccRecipients", "bccRecipients"]
        .iter()
        .flat_map(|list| content[*list].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Store the sender's and the tenant recipients' copies. `id_for` names each copy (`"sent"`, or
/// the recipient's user id), so the seed can make them deterministic.
pub async fn deliver(
    store: &Store,
    directory: &[Value],
    out: &Outgoing<'_>,
    id_for: &(dyn Fn(&str) -> String + Sync),
) -> msgate_core::Result<Delivery> {
    let mut content = out.content.clone();
    if content["from"].is_null() {
        content["from"] = recipient_of(out.sender);
    }
    if content["sender"].is_null() {
        content["sender"] = content["from"].clone();
    }
    if content["internetMessageId"].is_null() {
        let unique = mailbox::digest(&id_for("internet-message-id"));
        let hex: String = unique.iter().take(16).map(|b| format!("{b:02x}")).collect();
        content["internetMessageId"] = json!(format!("<{hex}@{DOMAIN}>"));
    }
    content["hasAttachments"] = json!(out.attachments.iter().any(|a| a["isInline"] == false));
    let mut delivery = Delivery {
        copies: Vec::new(),
        external: Vec::new(),
    };
    let sender_id = id_of(out.sender).to_owned();
    if out.save_to_sent {
        let copy = store_copy(store, &sender_id, &content, out, "sent", true, id_for).await?;
        delivery.copies.push((sender_id.clone(), copy));
    }
    let mut inbox_copy = content.clone();
    inbox_copy["bccRecipients"] = json!([]);
    let mut delivered: Vec<String> = Vec::new();
    for recipient in all_recipients(&content) {
        match user_by_address(directory, address_of(&recipient)) {
            Some(user) => {
                let user_id = id_of(user).to_owned();
                if delivered.contains(&user_id) {
                    continue;
                }
                let copy =
                    store_copy(store, &user_id, &inbox_copy, out, &user_id, false, id_for).await?;
                delivery.copies.push((user_id.clone(), copy));
                delivered.push(user_id);
            }
            None => delivery.external.push(recipient),
        }
    }
    Ok(delivery)
}

async fn store_copy(
    store: &Store,
    owner: &str,
    content: &Value,
    out: &Outgoing<'_>,
    salt: &str,
    sent: bool,
    id_for: &(dyn Fn(&str) -> String + Sync),
) -> msgate_core::Result<Value> {
    let mailbox = Mailbox::new(store, owner);
    let id = id_for(salt);
    let folder = mailbox.well_known_id(if sent { "sentitems" } else { "inbox" });
    let change_key = mailbox::change_key();
    let doc = shape::place(
        content,
        &Placement {
            id: &id,
            folder: &folder,
            is_read: sent,
            is_draft: false,
            created: out.at,
            received: out.at,
            sent: Some(out.at),
            change_key: &change_key,
        },
    );
    mailbox.put_message(&doc).await?;
    mailbox
        .copy_attachments(&id, out.attachments, &|i| {
            id_for(&format!("{salt}/attachment/{i}"))
        })
        .await?;
    Ok(doc)
}

/// Outlook refuses to submit a message without recipients, or with one it cannot resolve.
fn check_recipients(content: &Value) -> GraphResult<()> {
    let invalid = |detail: String| {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            format!("At least one recipient isn't valid., {detail}"),
        )
    };
    let recipients = all_recipients(content);
    if recipients.is_empty() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
        ));
    }
    for recipient in &recipients {
        let address = address_of(recipient);
        let resolvable = address
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !resolvable {
            return Err(invalid(format!(
                "Recipient '{address}' isn't resolved. All recipients must be resolved before a message can be submitted."
            )));
        }
    }
    Ok(())
}

/// Deliver from the signed-in user and record recipients outside the tenant.
async fn submit(
    state: &AppState,
    me: &str,
    content: &Value,
    attachments: &[Value],
    save_to_sent: bool,
) -> GraphResult<StatusCode> {
    check_recipients(content)?;
    let directory = state.users().await?;
    let sender = directory
        .iter()
        .find(|u| id_of(u) == me)
        .cloned()
        .ok_or_else(mailbox::not_found)?;
    let at = clock::now();
    let out = Outgoing {
        sender: &sender,
        content,
        attachments,
        at: &at,
        save_to_sent,
    };
    let delivery = deliver(&state.store, &directory, &out, &|_| mailbox::random_id()).await?;
    if !delivery.external.is_empty() {
        let record = json!({
            "id": crate::ids::random_guid(),
            "senderId": me,
            "from": recipient_of(&sender),
            "subject": content["subject"],
            "toRecipients": delivery.external,
            "sentDateTime": at,
        });
        state
            .store
            .put(OUTBOUND, "", id_of(&record), &record)
            .await?;
    }
    Ok(StatusCode::ACCEPTED)
}

/// An action parameter by its documented (camelCase) or CSDL (PascalCase) name.
fn parameter<'b>(body: &'b Value, name: &str) -> &'b Value {
    let pascal = format!("{}{}", name[..1].to_ascii_uppercase(), &name[1..]);
    match body.get(name) {
        Some(value) => value,
        None => body.get(&pascal).unwrap_or(&Value::Null),
    }
}

/// `saveToSentItems`: a boolean, which the documentation's own example sends as a string.
fn save_to_sent(value: &Value) -> GraphResult<bool> {
    match value {
        Value::Null => Ok(true),
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(shape::unreadable(
            "Cannot convert the value of 'saveToSentItems' to the expected type 'Edm.Boolean'.",
        )),
    }
}

fn new_conversation(content: &mut Value) {
    content["conversationId"] = json!(mailbox::random_conversation_id());
    content["conversationIndex"] = json!(mailbox::conversation_index(&crate::ids::random_bytes::<
        22,
    >()));
}

pub async fn send_mail(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let message = parameter(&body, "message");
    if !message.is_object() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "The value of the parameter 'Message' is empty.",
        ));
    }
    let save = save_to_sent(parameter(&body, "saveToSentItems"))?;
    let directory = state.users().await?;
    let now = clock::now();
    let mut content = shape::compose(message, &directory, &now)?;
    new_conversation(&mut content);
    let files = attachments::from_request(&message["attachments"], &now)?;
    submit(&state, me, &content, &files, save).await
}

/// The stored properties of a message that say what it is, not where it sits.
fn content_of(doc: &Value) -> Value {
    let mut content = doc.clone();
    if let Some(map) = content.as_object_mut() {
        for placement in [
            "id",
            "createdDateTime",
            "lastModifiedDateTime",
            "changeKey",
            "receivedDateTime",
            "sentDateTime",
            "parentFolderId",
            "isRead",
            "isDraft",
            "bodyPreview",
            "webLink",
        ] {
            map.remove(placement);
        }
    }
    content
}

/// `POST /me/messages/{id}/send`: the draft leaves Drafts; a copy lands in Sent Items.
pub async fn send_draft(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let draft = mailbox.message(&id).await?;
    if draft["isDraft"] != true {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidOperation",
            "Only a draft message can be sent.",
        ));
    }
    let files = mailbox.attachments(&id).await?;
    let status = submit(&state, me, &content_of(&draft), &files, true).await?;
    mailbox.remove_message(&draft).await?;
    Ok(status)
}

#[derive(Clone, Copy, PartialEq)]
enum ResponseKind {
    Reply,
    ReplyAll,
    Forward,
}

impl ResponseKind {
    fn prefix(self) -> &'static str {
        match self {
            ResponseKind::Reply | ResponseKind::ReplyAll => "RE: ",
            ResponseKind::Forward => "FW: ",
        }
    }
}

fn is_me(recipient: &Value, me: &Value) -> bool {
    me["mail"]
        .as_str()
        .is_some_and(|m| m.eq_ignore_ascii_case(address_of(recipient)))
}

/// Who a reply goes to: the original's reply-to or sender — or, replying to one's own message,
/// its recipients; reply-all adds everyone else on To and Cc.
fn reply_recipients(original: &Value, me: &Value, kind: ResponseKind) -> (Vec<Value>, Vec<Value>) {
    let list = |name: &str| original[name].as_array().cloned().unwrap_or_default();
    let others =
        |items: Vec<Value>| -> Vec<Value> { items.into_iter().filter(|r| !is_me(r, me)).collect() };
    let from_me = is_me(&original["from"], me);
    let mut to = if from_me {
        list("toRecipients")
    } else if list("replyTo").is_empty() {
        vec![original["from"].clone()]
    } else {
        list("replyTo")
    };
    if kind == ResponseKind::ReplyAll {
        if !from_me {
            to.extend(others(list("toRecipients")));
        }
        return (to, others(list("ccRecipients")));
    }
    (to, Vec::new())
}

fn prefixed(subject: &str, prefix: &str) -> String {
    let already = subject
        .get(..prefix.len())
        .is_some_and(|lead| lead.eq_ignore_ascii_case(prefix));
    if already {
        subject.to_owned()
    } else {
        format!("{prefix}{subject}")
    }
}

async fn respond(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &Value,
    kind: ResponseKind,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let mailbox = Mailbox::new(&state.store, me);
    let original = mailbox.message(id).await?;
    let comment = parameter(body, "comment");
    let message = parameter(body, "message");
    if !comment.is_null() && !message["body"].is_null() {
        return Err(GraphError::bad_request(
            "Specify either a comment or the body of the message parameter, not both.",
        ));
    }
    let directory = state.users().await?;
    let me_doc = directory
        .iter()
        .find(|u| id_of(u) == me)
        .cloned()
        .unwrap_or(Value::Null);
    let now = clock::now();
    let written_message = if message.is_null() {
        &json!({})
    } else {
        message
    };
    let mut content = shape::compose(written_message, &directory, &now)?;
    let given = |name: &str| message.get(name).is_some();
    if kind == ResponseKind::Forward {
        let to = parameter(body, "toRecipients");
        // https://learn.microsoft.com/graph/api/message-forward: the recipients come either as
        // the action's toRecipients or in its message, never both (and not neither: a
        // forward to nobody is refused below, as every send without recipients is).
        if !to.is_null() && given("toRecipients") {
            return Err(GraphError::bad_request(
                "Specify either the toRecipients parameter or the toRecipients property of the message parameter, not both.",
            ));
        }
        if !to.is_null() {
            content["toRecipients"] = Value::Array(shape::recipients(to, &directory)?);
        }
    } else if !given("toRecipients") {
        let (to, cc) = reply_recipients(&original, &me_doc, kind);
        content["toRecipients"] = Value::Array(to);
        if !given("ccRecipients") {
            content["ccRecipients"] = Value::Array(cc);
        }
    }
    if !given("subject") {
        let subject = original["subject"].as_str().unwrap_or_default();
        content["subject"] = json!(prefixed(subject, kind.prefix()));
    }
    let written = match comment.as_str() {
        Some(comment) => shape::escape_html(comment).replace('\n', "<br>"),
        None => shape::body_html(&content["body"]),
    };
    content["body"] = json!({
        "contentType": "html",
        "content": format!(
            "<html><body><div>{written}</div><hr style=\"display:inline-block;width:98%\">{}<div>{}</div></body></html>",
            shape::quote_header(&original),
            shape::body_html(&original["body"]),
        ),
    });
    content["conversationId"] = original["conversationId"].clone();
    content["conversationIndex"] = json!(mailbox::child_conversation_index(
        original["conversationIndex"].as_str().unwrap_or_default(),
        &crate::ids::random_bytes::<5>(),
    ));
    let mut files = attachments::from_request(&message["attachments"], &now)?;
    if kind == ResponseKind::Forward {
        files.extend(mailbox.attachments(id).await?);
    }
    submit(state, me, &content, &files, true).await
}

pub async fn reply(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    respond(&state, &caller, &id, &body, ResponseKind::Reply).await
}

pub async fn reply_all(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    respond(&state, &caller, &id, &body, ResponseKind::ReplyAll).await
}

pub async fn forward(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<StatusCode> {
    respond(&state, &caller, &id, &body, ResponseKind::Forward).await
}

/// `GET /_sandbox/mail/outbound`: what left the tenant, newest last.
pub async fn outbound(State(state): State<Arc<AppState>>) -> GraphResult<Json<Value>> {
    let items = state.store.list(OUTBOUND, "").await?;
    Ok(Json(json!({"value": items})))
}
