//! `mail.flag`: a message flagged for follow-up, its flag marked complete, or cleared.

use msgate_core::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{Mail, WRITE, update};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Flag;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// Flag it for follow-up (what happens when no choice is given)
    #[serde(default)]
    pub flag: bool,
    /// Mark its follow-up complete
    #[serde(default)]
    pub complete: bool,
    /// Remove the flag
    #[serde(default)]
    pub clear: bool,
}

impl Operation for Flag {
    type Input = Input;
    type Output = Mail;
    const SPEC: Spec = Spec {
        name: "mail.flag",
        summary: "Flag a message for follow-up, mark the follow-up complete, or clear the flag",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject", "flagged", "flag_complete"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Mail> {
        let status = match (input.flag, input.complete, input.clear) {
            (_, false, false) => "flagged",
            (false, true, false) => "complete",
            (false, false, true) => "notFlagged",
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "choose one of --flag, --complete and --clear",
                ));
            }
        };
        update(ctx, &input.id, json!({"flag": {"flagStatus": status}})).await
    }
}
