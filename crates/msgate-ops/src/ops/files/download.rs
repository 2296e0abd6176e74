//! `files.download`: save a file from your OneDrive or a channel's files to this computer.
//!
//! The bytes come from the content host Graph redirects to, fetched without the Graph token,
//! and stream to a partial file that is renamed into place when complete and checked against
//! the file's QuickXorHash. A partial file left by an interrupted run is continued from where it
//! stopped (see `transfer`).

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FilePath, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};
use crate::transfer::{self, Expected, safe_file_name};

pub struct Download;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file to download, from the root (Documents/Roadmap 2026.md)
    #[schemars(extend("x-positional" = true))]
    pub path: String,
    #[serde(flatten)]
    pub place: Place,
    /// Where to save it on this computer (msgate writes there): a file, or a directory to keep its name (default: the current directory)
    #[serde(default)]
    #[schemars(extend("x-local-file" = "write"))]
    pub out: Option<String>,
    /// Replace a local file that is already there
    #[serde(default)]
    pub force: bool,
}

/// A downloaded file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Downloaded {
    /// The file's id
    pub id: String,
    /// Its name
    pub name: String,
    /// Where it is, from the root of your OneDrive or of the channel's folder
    pub path: String,
    /// Where it was saved on this computer
    pub saved_to: String,
    /// The size of the saved file
    pub bytes: u64,
    /// Bytes an interrupted earlier download had saved, continued from there
    #[serde(skip_serializing_if = "is_zero")]
    pub resumed_from: u64,
    /// The content hash (QuickXorHash) the download was checked against
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_xor_hash: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Operation for Download {
    type Input = Input;
    type Output = Downloaded;
    const SPEC: Spec = Spec {
        name: "files.download",
        summary: "Save a file from your OneDrive or a channel's files to this computer",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: &["name", "saved_to", "bytes"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Downloaded> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse(&input.path)?;
        let item = root.item(ctx, &path).await?;
        let view = root.view(&item);
        if item.get("file").is_none() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{}' is a folder: only files can be downloaded", view.path),
            )
            .with_hint(format!("list it with: msgate files ls '{}'", view.path)));
        }
        root.note(ctx, &path).await?;
        let name = safe_file_name(&view.name, &view.id);
        let destination = transfer::destination(input.out.as_deref(), &name, input.force)?;
        let request =
            Request::get(format!("{}/content", root.by_id(&view.id))).permissions(root.read());
        let saved = transfer::save(
            ctx,
            request,
            &destination,
            Expected {
                label: &view.name,
                size: view.size,
                quick_xor: view.quick_xor_hash.as_deref(),
            },
        )
        .await?;
        Ok(Downloaded {
            id: view.id,
            name: view.name,
            path: view.path,
            saved_to: destination.to_string_lossy().into_owned(),
            bytes: saved.bytes,
            resumed_from: saved.resumed_from,
            quick_xor_hash: view.quick_xor_hash,
        })
    }
}
