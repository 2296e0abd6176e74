//! `files.ls`: what a folder holds — in your OneDrive, or in a channel's files folder.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{COLUMNS, FilePath, Item, Place, Root, SELECT};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};

pub struct Ls;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The folder to list, from the root (default: the root)
    #[serde(default)]
    #[schemars(extend("x-positional" = true))]
    pub path: Option<String>,
    #[serde(flatten)]
    pub place: Place,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's largest page of children.
const MAX_PAGE: usize = 999;

impl Operation for Ls {
    type Input = Input;
    type Output = Listing<Item>;
    const SPEC: Spec = Spec {
        name: "files.ls",
        summary: "List a folder in your OneDrive or in a channel's files",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Item>> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse_or_root(input.path.as_deref())?;
        let fresh = Request::get(format!("{}/children", root.address(&path)))
            .select(SELECT)
            .top(input.paging.page_size(MAX_PAGE));
        let request = input.paging.first_request(fresh, root.read());
        let listed = listing::read(ctx, request, &input.paging, |item| Ok(root.view(&item))).await;
        listed.map_err(|err| root.missing(&path, err))
    }
}
