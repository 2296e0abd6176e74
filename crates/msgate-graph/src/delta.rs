//! Delta queries: "what changed since last time" in one short walk instead of re-reading
//! everything. A first run follows the pages to Graph's `@odata.deltaLink`; the caller keeps that
//! link and resumes from it next time, getting only what changed in between.

use msgate_core::{Error, ErrorCode, Result};
use serde_json::Value;

use crate::client::GraphClient;
use crate::request::Request;

/// The changes of one delta run and where the next run resumes.
#[derive(Debug, Clone)]
pub struct Delta {
    /// Changed items; removed ones carry `@removed`.
    pub items: Vec<Value>,
    pub delta_link: String,
}

/// Where a delta run starts.
#[derive(Debug, Clone)]
pub enum DeltaStart {
    /// A first run: the collection's delta function (`/chats/{id}/messages/delta`).
    Fresh(Request),
    /// The deltaLink kept from the previous run.
    Resume {
        delta_link: String,
        permissions: &'static [&'static str],
    },
}

impl GraphClient {
    pub async fn delta(&self, start: DeltaStart) -> Result<Delta> {
        let request = match start {
            DeltaStart::Fresh(request) => request,
            DeltaStart::Resume {
                delta_link,
                permissions,
            } => Request::get(delta_link).permissions(permissions),
        };
        let mut pager = self.pages(request);
        let mut items = Vec::new();
        while let Some(page) = pager.next_page().await? {
            items.extend(page.items);
            if let Some(delta_link) = page.delta_link {
                return Ok(Delta { items, delta_link });
            }
        }
        Err(Error::new(
            ErrorCode::Internal,
            "Graph ended a delta query without a deltaLink",
        )
        .with_hint("run it again from the start; the saved position is kept until one succeeds"))
    }
}
