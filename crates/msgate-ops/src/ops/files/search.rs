//! `files.search`: files and folders whose name or content matches, in your OneDrive or in a
//! channel's files. Graph searches a whole drive; for a channel, hits it places outside the
//! channel's folder are left out (a hit without a path is kept).

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{COLUMNS, Item, Place, Root, SELECT};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};

pub struct Search;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// What to look for in names and content
    #[schemars(extend("x-positional" = true))]
    pub query: String,
    #[serde(flatten)]
    pub place: Place,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's largest page of search results.
const MAX_PAGE: usize = 200;

impl Operation for Search {
    type Input = Input;
    type Output = Listing<Item>;
    const SPEC: Spec = Spec {
        name: "files.search",
        summary: "Find files and folders by name or content in your OneDrive or a channel's files",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ,
        application: &[],
        columns: COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Item>> {
        let root = Root::resolve(ctx, &input.place).await?;
        let fresh = msgate_graph::Request::get(root.search(input.query.trim()))
            .select(SELECT)
            .top(input.paging.page_size(MAX_PAGE));
        let request = input.paging.first_request(fresh, root.read());
        let mut listing = listing::read(ctx, request, &input.paging, Ok).await?;
        listing.items.retain(|item| !root.outside(item));
        Ok(Listing {
            items: listing.items.iter().map(|item| root.view(item)).collect(),
            next_cursor: listing.next_cursor,
            truncated: listing.truncated,
        })
    }
}
