//! `mail.mark`: a message marked read or unread.

use msgate_core::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{Mail, WRITE, update};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Mark;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// Mark it read
    #[serde(default)]
    pub read: bool,
    /// Mark it unread
    #[serde(default)]
    pub unread: bool,
}

impl Operation for Mark {
    type Input = Input;
    type Output = Mail;
    const SPEC: Spec = Spec {
        name: "mail.mark",
        summary: "Mark a message read or unread",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject", "unread"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Mail> {
        let read = match (input.read, input.unread) {
            (true, false) => true,
            (false, true) => false,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "choose one of --read and --unread",
                ));
            }
        };
        update(ctx, &input.id, json!({"isRead": read})).await
    }
}
