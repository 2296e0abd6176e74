//! `files.delete`: delete a file or folder (a folder with everything in it). Graph moves it to
//! the recycle bin, but msgate treats it as destructive: what was shared from it stops working
//! and it is gone for everyone at once.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FilePath, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Delete;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file or folder to delete, from the root
    #[schemars(extend("x-positional" = true))]
    pub path: String,
    #[serde(flatten)]
    pub place: Place,
}

/// What was deleted.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Deleted {
    /// The item's id
    pub id: String,
    /// Where it was, from the root of your OneDrive or of the channel's folder
    pub path: String,
    /// file or folder
    pub kind: String,
    /// Always true
    pub deleted: bool,
}

impl Operation for Delete {
    type Input = Input;
    type Output = Deleted;
    const SPEC: Spec = Spec {
        name: "files.delete",
        summary: "Delete a file or folder (with its contents) from your OneDrive or a channel's files",
        risk: Risk::Destructive,
        idempotent: false,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Deleted> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse(&input.path)?;
        if path.is_root() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "the root folder cannot be deleted",
            ));
        }
        let item = root.item(ctx, &path).await?;
        root.note(ctx, &path).await?;
        let view = root.view(&item);
        let request = Request::delete(root.by_id(&view.id)).permissions(root.write());
        ctx.graph.send(&request).await?;
        Ok(Deleted {
            id: view.id,
            path: view.path,
            kind: view.kind,
            deleted: true,
        })
    }
}
