//! Outlook mail, emulated: every user's mailbox with the well-known folders, messages with
//! Outlook's query rules, drafts, sending with local delivery to tenant users, replies that
//! keep the thread, moves and copies, file attachments (large ones through an upload session),
//! and delta queries.
//!
//! Outlook differs from the rest of Graph in ways clients trip over, and the sandbox keeps
//! those differences: its own error codes (`ErrorItemNotFound`, `ErrorInvalidIdMalformed`,
//! `ErrorInvalidRecipients`, `InefficientFilter`, `SearchWithFilter`), `202 Accepted` for every
//! send, `201 Created` and a new id for a move, a `Prefer` header for text bodies, and an upload
//! URL that must not see the Graph token.

mod attachments;
mod delta;
mod demo;
mod folders;
mod mailbox;
mod messages;
mod moves;
mod search;
mod send;
mod shape;
mod upload;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};
use serde_json::Value;

use crate::state::AppState;
use crate::store::Store;
use crate::tenant::Tenant;

/// The Graph routes, below `/v1.0`, named as in the OpenAPI subset.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/me/messages", get(messages::list).post(messages::create))
        .route("/me/messages/delta", get(delta::all_messages))
        .route(
            "/me/messages/{id_1}",
            get(messages::get)
                .patch(messages::update)
                .delete(messages::delete),
        )
        .route("/me/messages/{id_1}/send", post(send::send_draft))
        .route("/me/messages/{id_1}/reply", post(send::reply))
        .route("/me/messages/{id_1}/replyAll", post(send::reply_all))
        .route("/me/messages/{id_1}/forward", post(send::forward))
        .route("/me/messages/{id_1}/move", post(moves::move_message))
        .route("/me/messages/{id_1}/copy", post(moves::copy_message))
        .route(
            "/me/messages/{id_1}/attachments",
            get(attachments::list).post(attachments::add),
        )
        .route(
            "/me/messages/{id_1}/attachments/createUploadSession",
            post(attachments::create_upload_session),
        )
        .route(
            "/me/messages/{id_1}/attachments/{id_2}",
            get(attachments::get),
        )
        .route(
            "/me/messages/{id_1}/attachments/{id_2}/$value",
            get(attachments::value),
        )
        .route("/me/sendMail", post(send::send_mail))
        .route(
            "/me/mailFolders",
            get(folders::list).post(folders::create_top_level),
        )
        .route("/me/mailFolders/{id_1}", get(folders::get))
        .route(
            "/me/mailFolders/{id_1}/childFolders",
            get(folders::child_folders).post(folders::create_child),
        )
        .route(
            "/me/mailFolders/{id_1}/messages",
            get(messages::list_in_folder),
        )
        .route(
            "/me/mailFolders/{id_1}/messages/delta",
            get(delta::in_folder),
        )
}

/// Routes outside `/v1.0`: the pre-authenticated upload URL (Outlook's lives on another host)
/// and the record of mail sent outside the tenant. Fragments are subject to the fault injector
/// like Graph requests, so a client's handling of a session that fails midway can be tested.
pub fn sandbox_routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            upload::PATH,
            put(upload::put)
                .route_layer(axum::middleware::from_fn_with_state(
                    state,
                    crate::faults::inject,
                ))
                .delete(upload::cancel),
        )
        .route("/_sandbox/mail/outbound", get(send::outbound))
}

/// A message as Microsoft Search looks through it: the message, its body as text and the names
/// of its attachments.
#[derive(Debug)]
pub(crate) struct Searchable {
    pub message: Value,
    pub body: String,
    pub attachments: Vec<String>,
}

/// Every message in `user`'s mailbox, for `/search/query` (entity type `message`).
pub(crate) async fn searchable(store: &Store, user: &str) -> msgate_core::Result<Vec<Searchable>> {
    let mailbox = mailbox::Mailbox::new(store, user);
    let mut found = Vec::new();
    for message in mailbox.messages().await? {
        let attachments = mailbox
            .attachments(mailbox::id_of(&message))
            .await?
            .iter()
            .filter_map(|a| a["name"].as_str().map(str::to_owned))
            .collect();
        found.push(Searchable {
            body: shape::body_text(&message["body"]),
            message,
            attachments,
        });
    }
    Ok(found)
}

/// The demo tenant's share of this area.
pub async fn seed(store: &Store, _tenant: &Tenant, _graph_url: &str) -> msgate_core::Result<()> {
    demo::mailboxes(store).await
}
