//! `mail.folders.list` and `mail.folders.create`: the mailbox's folders, each followed by its
//! subfolders, with their counts and paths; and a new folder, at the top or inside another.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::folder::{self, FolderRef};
use super::{Folder, READ_BASIC, WRITE};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};

pub struct ListFolders;
pub struct CreateFolder;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListInput {}

impl Operation for ListFolders {
    type Input = ListInput;
    type Output = Listing<Folder>;
    const SPEC: Spec = Spec {
        name: "mail.folders.list",
        summary: "List your mail folders and subfolders with their unread and total counts",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ_BASIC,
        application: &[],
        columns: &["path", "unread", "total", "id"],
    };

    async fn run(ctx: &Ctx, _input: ListInput) -> Result<Listing<Folder>> {
        Ok(Listing::complete(
            folder::tree(ctx)
                .await?
                .into_iter()
                .map(|placed| Folder::from_graph(&placed.folder, Some(placed.path)))
                .collect(),
        ))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateInput {
    /// The new folder's name
    #[schemars(extend("x-positional" = true))]
    pub name: String,
    /// Create it inside this folder (inbox, a folder's name or path, or its id); default: at the top
    #[serde(default)]
    pub parent: Option<String>,
}

impl Operation for CreateFolder {
    type Input = CreateInput;
    type Output = Folder;
    const SPEC: Spec = Spec {
        name: "mail.folders.create",
        summary: "Create a mail folder, at the top or inside another folder",
        risk: Risk::Write,
        idempotent: false,
        delegated: WRITE,
        application: &[],
        columns: &["path", "id"],
    };

    async fn run(ctx: &Ctx, input: CreateInput) -> Result<Folder> {
        let name = input.name.trim();
        if name.is_empty() || name.contains('/') {
            return Err(msgate_core::Error::new(
                msgate_core::ErrorCode::InvalidInput,
                format!("'{name}' is not a folder name"),
            )
            .with_hint("give the name alone, and the folder to create it in with --parent"));
        }
        let parent: Option<FolderRef> = match input.parent.as_deref() {
            Some(parent) => Some(folder::resolve(ctx, parent).await?),
            None => None,
        };
        let path = match &parent {
            Some(parent) => format!("{}/childFolders", parent.api_path()),
            None => "/me/mailFolders".to_owned(),
        };
        let request = Request::post(path, json!({"displayName": name})).permissions(WRITE);
        let created: Value = ctx.graph.json(&request).await?;
        let shown_path = match &parent {
            Some(FolderRef {
                path: Some(parent), ..
            }) => Some(format!("{parent}/{name}")),
            Some(_) => None,
            None => Some(name.to_owned()),
        };
        Ok(Folder::from_graph(&created, shown_path))
    }
}
