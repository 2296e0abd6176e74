//! One user's mailbox in the store: Outlook-shaped ids, the well-known folders and their names,
//! and the lookups every mail handler starts with — with Outlook's answers for an id that is
//! malformed (400 `ErrorInvalidIdMalformed`) or names nothing (404 `ErrorItemNotFound`).
//!
//! Messages are documents of kind `mailMessage` under the owner's user id (the folder is the
//! document's `parentFolderId`), folders are `mailFolder` under the user id, attachments are
//! `mailAttachment` under `{user}/{message}`. Change notifications follow these names. A deleted
//! or moved-away message leaves a `mailRemoved` tombstone, which is how delta queries report
//! `@removed`.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use msgate_core::Result;

use crate::graph::error::{GraphError, GraphResult};
use crate::ids;
use crate::store::Store;

pub const MESSAGE: &str = "mailMessage";
pub const FOLDER: &str = "mailFolder";
pub const ATTACHMENT: &str = "mailAttachment";
pub const REMOVED: &str = "mailRemoved";

/// The folders every mailbox has, by the well-known name Graph accepts in place of an id, with
/// their display names. `msgfolderroot` is the parent of the top-level folders.
pub const WELL_KNOWN: &[(&str, &str)] = &[
    ("archive", "Archive"),
    ("deleteditems", "Deleted Items"),
    ("drafts", "Drafts"),
    ("inbox", "Inbox"),
    ("junkemail", "Junk Email"),
    ("outbox", "Outbox"),
    ("sentitems", "Sent Items"),
];
pub const ROOT: &str = "msgfolderroot";

/// Exchange item ids are base64 of a binary entry id; the sandbox keeps their look: the same
/// `AAMk` lead (mailbox item), URL-safe alphabet, padding, zero-filled tail.
fn outlook_id(lead: [u8; 3], entropy: &[u8]) -> String {
    let mut bytes = lead.to_vec();
    bytes.extend_from_slice(&entropy[..32.min(entropy.len())]);
    bytes.resize(44, 0);
    URL_SAFE.encode(bytes)
}

const ITEM: [u8; 3] = [0x00, 0x03, 0x24];
const CONVERSATION: [u8; 3] = [0x00, 0x04, 0x24];

/// An item id (message, folder, attachment) that is the same for the same `name`.
pub fn stable_id(name: &str) -> String {
    outlook_id(ITEM, &digest(name))
}

pub fn random_id() -> String {
    outlook_id(ITEM, &ids::random_bytes::<32>())
}

pub fn conversation_id(name: &str) -> String {
    outlook_id(CONVERSATION, &digest(name))
}

pub fn random_conversation_id() -> String {
    outlook_id(CONVERSATION, &ids::random_bytes::<32>())
}

/// A thread's root conversation index: 22 bytes, as Outlook starts them.
pub fn conversation_index(seed: &[u8]) -> String {
    let mut bytes = vec![0x01];
    bytes.extend_from_slice(&seed[..21.min(seed.len())]);
    bytes.resize(22, 0);
    STANDARD.encode(bytes)
}

/// A reply's conversation index: its parent's plus five bytes.
pub fn child_conversation_index(parent: &str, seed: &[u8]) -> String {
    match STANDARD.decode(parent) {
        Ok(mut bytes) => {
            bytes.extend_from_slice(&seed[..5.min(seed.len())]);
            STANDARD.encode(bytes)
        }
        Err(_) => conversation_index(seed),
    }
}

pub fn digest(name: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, name.as_bytes())
        .as_ref()
        .to_vec()
}

/// A new change key: Outlook changes it on every write.
pub fn change_key() -> String {
    STANDARD.encode(ids::random_bytes::<18>())
}

/// Outlook rejects an id that cannot be an entry id before it looks anything up.
fn is_well_formed(id: &str) -> bool {
    [&URL_SAFE, &URL_SAFE_NO_PAD, &STANDARD]
        .iter()
        .any(|engine| engine.decode(id).is_ok_and(|b| b.len() >= 16))
}

pub fn malformed() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidIdMalformed",
        "Id is malformed.",
    )
}

pub fn not_found() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// The mailbox of one user.
#[derive(Debug, Clone, Copy)]
pub struct Mailbox<'a> {
    pub store: &'a Store,
    pub user: &'a str,
}

impl<'a> Mailbox<'a> {
    pub fn new(store: &'a Store, user: &'a str) -> Self {
        Mailbox { store, user }
    }

    /// The id of a well-known folder (`inbox`, `sentitems`, …) in this mailbox.
    pub fn well_known_id(&self, name: &str) -> String {
        stable_id(&format!("mail-folder:{}:{name}", self.user))
    }

    /// A folder by id or well-known name.
    pub async fn folder(&self, id_or_name: &str) -> GraphResult<Value> {
        let lowered = id_or_name.to_ascii_lowercase();
        let id = if lowered == ROOT || WELL_KNOWN.iter().any(|(n, _)| *n == lowered) {
            self.well_known_id(&lowered)
        } else if is_well_formed(id_or_name) {
            id_or_name.to_owned()
        } else {
            return Err(malformed());
        };
        self.store
            .get(FOLDER, self.user, &id)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn folders(&self) -> Result<Vec<Value>> {
        self.store.list(FOLDER, self.user).await
    }

    pub async fn put_folder(&self, folder: &Value) -> Result<()> {
        self.store
            .put(FOLDER, self.user, id_of(folder), folder)
            .await
    }

    pub async fn message(&self, id: &str) -> GraphResult<Value> {
        if !is_well_formed(id) {
            return Err(malformed());
        }
        self.store
            .get(MESSAGE, self.user, id)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn messages(&self) -> Result<Vec<Value>> {
        self.store.list(MESSAGE, self.user).await
    }

    pub async fn put_message(&self, message: &Value) -> Result<()> {
        self.store
            .put(MESSAGE, self.user, id_of(message), message)
            .await
    }

    /// Remove a message and its attachments, leaving the tombstone delta queries report.
    pub async fn remove_message(&self, message: &Value) -> Result<()> {
        let id = id_of(message);
        for attachment in self.attachments(id).await? {
            self.store
                .delete(ATTACHMENT, &self.attachment_parent(id), id_of(&attachment))
                .await?;
        }
        self.store.delete(MESSAGE, self.user, id).await?;
        let tombstone = json!({
            "id": id,
            "parentFolderId": message["parentFolderId"],
            "receivedDateTime": message["receivedDateTime"],
        });
        self.store.put(REMOVED, self.user, id, &tombstone).await
    }

    pub fn attachment_parent(&self, message_id: &str) -> String {
        format!("{}/{message_id}", self.user)
    }

    pub async fn attachments(&self, message_id: &str) -> Result<Vec<Value>> {
        self.store
            .list(ATTACHMENT, &self.attachment_parent(message_id))
            .await
    }

    pub async fn put_attachment(&self, message_id: &str, attachment: &Value) -> Result<()> {
        self.store
            .put(
                ATTACHMENT,
                &self.attachment_parent(message_id),
                id_of(attachment),
                attachment,
            )
            .await
    }

    /// Give `attachments` (copied from another message) new ids under `message_id`.
    pub async fn copy_attachments(
        &self,
        message_id: &str,
        attachments: &[Value],
        new_id: &(dyn Fn(usize) -> String + Sync),
    ) -> Result<()> {
        for (index, attachment) in attachments.iter().enumerate() {
            let mut copy = attachment.clone();
            copy["id"] = json!(new_id(index));
            self.put_attachment(message_id, &copy).await?;
        }
        Ok(())
    }
}

pub fn id_of(doc: &Value) -> &str {
    doc["id"].as_str().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_exchange_entry_ids() {
        let id = stable_id("x");
        assert!(id.starts_with("AAMk"), "{id}");
        assert!(id.ends_with('='), "{id}");
        assert_eq!(id, stable_id("x"));
        assert!(conversation_id("t").starts_with("AAQk"));
        assert!(is_well_formed(&random_id()));
        assert!(!is_well_formed("inbox"));
        assert!(!is_well_formed("not an id!"));
    }

    #[test]
    fn reply_indexes_extend_their_parent() {
        let root = conversation_index(&digest("t"));
        let child = child_conversation_index(&root, &digest("r"));
        assert_eq!(STANDARD.decode(&root).unwrap().len(), 22);
        assert_eq!(STANDARD.decode(&child).unwrap().len(), 27);
        assert!(
            STANDARD
                .decode(&child)
                .unwrap()
                .starts_with(&STANDARD.decode(&root).unwrap())
        );
    }
}
