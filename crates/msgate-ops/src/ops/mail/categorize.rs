//! `mail.categorize`: Outlook categories on a message — added to the ones it has, or, with
//! `--clear`, in place of them.

use msgate_core::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{Mail, READ_BASIC, WRITE, fetch, update};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Categorize;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The message id, as mail list shows it
    #[schemars(extend("x-positional" = true))]
    pub id: String,
    /// A category to add (Outlook's names, like Red category, or your own); repeatable
    #[serde(default)]
    pub category: Vec<String>,
    /// Remove its categories first (alone: leave it with none)
    #[serde(default)]
    pub clear: bool,
}

impl Operation for Categorize {
    type Input = Input;
    type Output = Mail;
    const SPEC: Spec = Spec {
        name: "mail.categorize",
        summary: "Add categories to a message, or clear them",
        risk: Risk::Write,
        idempotent: true,
        delegated: WRITE,
        application: &[],
        columns: &["id", "subject", "categories"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Mail> {
        let wanted: Vec<String> = input
            .category
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if wanted.is_empty() && !input.clear {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "name a --category to add, or --clear the categories",
            ));
        }
        let mut categories: Vec<String> = if input.clear {
            Vec::new()
        } else {
            fetch(ctx, &input.id, &["categories"], READ_BASIC).await?["categories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        };
        for category in wanted {
            if !categories.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
                categories.push(category);
            }
        }
        update(ctx, &input.id, json!({"categories": categories})).await
    }
}
