//! Lists, the same way in every operation: how much to read (`limit`, `all`, `cursor`) and what
//! comes back (`items`, and `next_cursor` when there is more) — so the CLI can say how to get the
//! rest and an agent can ask for the next page. A long listing shows its progress.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Limit, Listed, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ctx::Ctx;
use crate::progress::{Position, Unit};

/// Items per list unless the caller says otherwise.
pub const DEFAULT_LIMIT: usize = 25;

/// How much of a list to read.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Return at most this many items (default 25)
    #[serde(default, alias = "max_items")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// Read every item, page after page
    #[serde(default)]
    pub all: bool,
    /// Continue a list from the next_cursor a previous call returned
    #[serde(default)]
    pub cursor: Option<String>,
}

impl Paging {
    pub fn limit(&self) -> Limit {
        match (self.all, self.limit) {
            (true, _) => Limit::All,
            (false, limit) => Limit::Items(limit.unwrap_or(DEFAULT_LIMIT).max(1)),
        }
    }

    /// The page size to ask Graph for, so a limit cuts on a page boundary.
    pub fn page_size(&self, graph_max: usize) -> usize {
        match self.limit() {
            Limit::Items(n) => n.clamp(1, graph_max),
            Limit::All => graph_max,
        }
    }

    /// The first request: `fresh`, or the cursor a previous call returned (a Graph nextLink,
    /// which the client refuses unless it points at the Graph host).
    pub fn first_request(&self, fresh: Request, permissions: &'static [&'static str]) -> Request {
        match &self.cursor {
            Some(cursor) => Request::get(cursor.clone()).permissions(permissions),
            None => fresh.permissions(permissions),
        }
    }
}

/// A list as every operation returns it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to continue where this list stopped
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// More items exist than were returned
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl<T> Listing<T> {
    pub fn complete(items: Vec<T>) -> Self {
        Listing {
            items,
            next_cursor: None,
            truncated: false,
        }
    }
}

/// Reads a collection and converts each item. A listing that takes more than one page shows
/// its count through the context's progress.
pub async fn read<T>(
    ctx: &Ctx,
    request: Request,
    paging: &Paging,
    convert: impl Fn(Value) -> Result<T>,
) -> Result<Listing<T>> {
    let label = ctx.spec().map_or("listing", |spec| spec.name);
    let mut pages = 0;
    let mut shown: Option<Position> = None;
    let listed = ctx
        .graph
        .list_observed(request, paging.limit(), &mut |count| {
            pages += 1;
            if pages == 2 {
                shown = Some(Position::new(
                    ctx.progress().start(label, None, Unit::Items),
                    0,
                ));
            }
            if let Some(shown) = &mut shown {
                shown.set(count as u64);
            }
        })
        .await;
    if let Some(shown) = shown {
        shown.finish();
    }
    let Listed {
        items,
        truncated,
        next_link,
    } = listed?;
    Ok(Listing {
        items: items.into_iter().map(convert).collect::<Result<_>>()?,
        next_cursor: next_link,
        truncated,
    })
}

/// Graph's JSON as one of msgate's typed views of it.
pub fn parse<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            format!("Graph sent a {what} msgate cannot read: {e}"),
        )
    })
}
