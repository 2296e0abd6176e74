//! `files.get`: one file or folder — its size, who changed it last, its content hash and link.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{FilePath, Item, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file or folder, from the root (Documents/Roadmap 2026.md)
    #[schemars(extend("x-positional" = true))]
    pub path: String,
    #[serde(flatten)]
    pub place: Place,
}

impl Operation for Get {
    type Input = Input;
    type Output = Item;
    const SPEC: Spec = Spec {
        name: "files.get",
        summary: "Show a file or folder in your OneDrive or in a channel's files",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Item> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse(&input.path)?;
        let item = root.item(ctx, &path).await?;
        Ok(root.view(&item))
    }
}
