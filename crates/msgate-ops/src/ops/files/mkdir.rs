//! `files.mkdir`: make a folder, and with `parents` the folders above it that are missing.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FilePath, Item, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Mkdir;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The new folder, from the root (Documents/Reports/2026)
    #[schemars(extend("x-positional" = true))]
    pub path: String,
    #[serde(flatten)]
    pub place: Place,
    /// Also make missing folders above it; a folder already there is fine
    #[serde(default)]
    pub parents: bool,
}

impl Operation for Mkdir {
    type Input = Input;
    type Output = Item;
    const SPEC: Spec = Spec {
        name: "files.mkdir",
        summary: "Make a folder in your OneDrive or in a channel's files",
        risk: Risk::Write,
        idempotent: false,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Item> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse(&input.path)?;
        let Some(name) = path.name() else {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "name the folder to make, e.g. Documents/Reports",
            ));
        };
        root.note(ctx, &path).await?;
        let parent = if input.parents {
            ensure(ctx, &root, &path.parent()).await?
        } else {
            root.folder(ctx, &path.parent()).await?
        };
        match create(ctx, &root, &parent, name).await {
            Err(err) if err.code() == ErrorCode::Conflict && input.parents => {
                Ok(root.view(&root.folder(ctx, &path).await?))
            }
            Err(err) if err.code() == ErrorCode::Conflict => Err(Error::new(
                ErrorCode::Conflict,
                format!("'{}' already exists in {}", path.display(), root.describe()),
            )
            .with_hint("with --parents, a folder already there is fine")),
            other => other.map(|folder| root.view(&folder)),
        }
    }
}

/// The folder at `path`, made (with the folders above it) where missing.
async fn ensure(ctx: &Ctx, root: &Root, path: &FilePath) -> Result<Value> {
    let mut folder = root.item(ctx, &FilePath::default()).await?;
    let mut at = FilePath::default();
    let mut exists = true;
    for name in &path.0 {
        at = at.join(name);
        if exists {
            match root.item(ctx, &at).await {
                Ok(found) if found.get("folder").is_some() => {
                    folder = found;
                    continue;
                }
                Ok(_) => {
                    return Err(Error::new(
                        ErrorCode::Conflict,
                        format!("'{}' is a file, not a folder", at.display()),
                    ));
                }
                Err(err) if err.code() == ErrorCode::NotFound => exists = false,
                Err(err) => return Err(err),
            }
        }
        folder = create(ctx, root, &folder, name).await?;
    }
    Ok(folder)
}

/// A new folder `name` in `parent`; 409 when the name is taken.
async fn create(ctx: &Ctx, root: &Root, parent: &Value, name: &str) -> Result<Value> {
    let parent_id = parent["id"].as_str().unwrap_or_default();
    let request = Request::post(
        format!("{}/children", root.by_id(parent_id)),
        json!({
            "name": name,
            "folder": {},
            "@microsoft.graph.conflictBehavior": "fail",
        }),
    )
    // With conflictBehavior fail, a second attempt cannot make a second folder.
    .idempotent(true)
    .permissions(root.write());
    ctx.graph.send(&request).await?.json()
}
