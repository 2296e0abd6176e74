//! `files.move`: move or rename a file or folder, the way `mv` does — into a folder that exists
//! (keeping its name), or to a new path (a new name renames it). Both paths are noted for the
//! policy's `folders` scope before anything moves.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{FilePath, Item, Place, Root, destination};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Move;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file or folder to move, from the root
    #[schemars(extend("x-positional" = true))]
    pub from: String,
    /// Where it goes: a folder to move it into, or a new path (a new name renames it)
    #[schemars(extend("x-positional" = true))]
    pub to: String,
    #[serde(flatten)]
    pub place: Place,
}

impl Operation for Move {
    type Input = Input;
    type Output = Item;
    const SPEC: Spec = Spec {
        name: "files.move",
        summary: "Move or rename a file or folder in your OneDrive or in a channel's files",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Item> {
        let root = Root::resolve(ctx, &input.place).await?;
        let from = FilePath::parse(&input.from)?;
        let to = FilePath::parse(&input.to)?;
        let Some(name) = from.name() else {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "the root folder cannot be moved",
            ));
        };
        let item = root.item(ctx, &from).await?;
        let landing = destination(ctx, &root, &to, name).await?;
        if landing.path.starts_with(&from) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{}' cannot be moved into itself", from.display()),
            ));
        }
        root.note(ctx, &from).await?;
        root.note(ctx, &landing.path).await?;
        let id = item["id"].as_str().unwrap_or_default();
        let request = Request::patch(
            root.by_id(id),
            json!({
                "parentReference": {"id": landing.folder["id"]},
                "name": landing.path.name().unwrap_or(name),
            }),
        )
        .permissions(root.write());
        let moved = ctx.graph.send(&request).await.map_err(|err| {
            if err.code() == ErrorCode::Conflict {
                Error::new(
                    ErrorCode::Conflict,
                    format!(
                        "'{}' already exists in {}",
                        landing.path.display(),
                        root.describe()
                    ),
                )
                .with_hint("choose another name, or move the other one away first")
            } else {
                err
            }
        })?;
        Ok(root.view(&moved.json()?))
    }
}
