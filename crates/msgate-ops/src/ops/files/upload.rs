//! `files.upload`: put a local file in your OneDrive or a channel's files — in one request up to
//! 4 MB, through a resumable upload session above, read from disk a fragment at a time and
//! checked against the content hash Graph reports (msgate-graph's `upload`).

use std::path::PathBuf;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Conflict, Content};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{FilePath, Item, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::progress::{Position, Unit};
use crate::spec::{Risk, Spec};

pub struct Upload;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file on this computer to upload (msgate reads it)
    #[schemars(extend("x-positional" = true))]
    #[schemars(extend("x-local-file" = "read"))]
    pub local: String,
    /// Where it goes: a folder to put it in under its own name (a trailing / requires one), or a path with a new name (default: the root)
    #[serde(default)]
    #[schemars(extend("x-positional" = true))]
    pub remote: Option<String>,
    #[serde(flatten)]
    pub place: Place,
    /// When a file of that name is already there: fail (default), replace it, or rename the new one
    #[serde(default)]
    pub if_exists: IfExists,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IfExists {
    #[default]
    Fail,
    Replace,
    Rename,
}

impl IfExists {
    fn conflict(self) -> Conflict {
        match self {
            IfExists::Fail => Conflict::Fail,
            IfExists::Replace => Conflict::Replace,
            IfExists::Rename => Conflict::Rename,
        }
    }
}

impl Operation for Upload {
    type Input = Input;
    type Output = Item;
    const SPEC: Spec = Spec {
        name: "files.upload",
        summary: "Upload a local file to your OneDrive or a channel's files",
        risk: Risk::Write,
        idempotent: false,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Item> {
        let local = PathBuf::from(&input.local);
        let size = local_file(&local)?;
        let local_name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let root = Root::resolve(ctx, &input.place).await?;
        let remote = FilePath::parse_or_root(input.remote.as_deref())?;
        let into_folder = input
            .remote
            .as_deref()
            .is_some_and(|r| r.trim().ends_with('/'));
        let target = if remote.is_root() {
            remote.join(&local_name)
        } else if into_folder {
            root.folder(ctx, &remote).await?;
            remote.join(&local_name)
        } else {
            match root.item(ctx, &remote).await {
                Ok(found) if found.get("folder").is_some() => remote.join(&local_name),
                // A file of that name: the path itself, replaced or renamed as asked.
                Ok(_) => remote,
                Err(err) if err.code() == ErrorCode::NotFound => {
                    root.folder(ctx, &remote.parent()).await?;
                    remote
                }
                Err(err) => return Err(err),
            }
        };
        root.note(ctx, &target).await?;
        let label = target.name().unwrap_or(&local_name).to_owned();
        let mut position = Position::new(ctx.progress().start(&label, Some(size), Unit::Bytes), 0);
        let uploaded = ctx
            .graph
            .upload(
                msgate_graph::Upload {
                    item: &root.address(&target),
                    content: Content::File(local),
                    content_type: "application/octet-stream",
                    conflict: input.if_exists.conflict(),
                    permissions: root.write(),
                },
                &mut |at, _| position.set(at),
            )
            .await;
        position.finish();
        let item = uploaded.map_err(|err| match err.code() {
            ErrorCode::Conflict => Error::new(
                ErrorCode::Conflict,
                format!(
                    "'{}' already exists in {}",
                    target.display(),
                    root.describe()
                ),
            )
            .with_hint("replace it with --if-exists replace, or keep both with --if-exists rename"),
            _ => root.missing(&target.parent(), err),
        })?;
        Ok(root.view(&item))
    }
}

/// The size of the local file to upload, or why it cannot be.
fn local_file(path: &std::path::Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("cannot read '{}': {e}", path.display()),
        )
    })?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("'{}' is not a file", path.display()),
        )
        .with_hint("upload files one at a time"));
    }
    Ok(meta.len())
}
