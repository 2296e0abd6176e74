//! Graph collections, page by page: a lazy walk over `@odata.nextLink` that stops at the
//! caller's limit and says whether the result was cut short, so the CLI can tell the user how to
//! get the rest and an agent can ask for the next cursor. Every nextLink is checked against the
//! Graph origin before the token goes with it (see `GraphClient::url_for`).

use futures_util::Stream;
use msgate_core::Result;
use serde_json::Value;

use crate::client::GraphClient;
use crate::request::Request;

/// One page of a collection.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Value>,
    pub next_link: Option<String>,
    /// Present on the last page of a delta query.
    pub delta_link: Option<String>,
}

impl Page {
    fn from_body(mut body: Value) -> Page {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        Page {
            next_link: text(&body["@odata.nextLink"]),
            delta_link: text(&body["@odata.deltaLink"]),
            items: match body.get_mut("value").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
        }
    }
}

/// A collection read up to a limit.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub items: Vec<Value>,
    /// More items exist than were returned.
    pub truncated: bool,
    /// Where the rest starts, when Graph gave a link to it.
    pub next_link: Option<String>,
}

/// How many items to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Stop after this many.
    Items(usize),
    /// Every page.
    All,
}

/// A lazy walk over the pages of a collection: nothing is fetched until asked for.
#[derive(Debug)]
pub struct Pager {
    client: GraphClient,
    next: Option<Request>,
}

impl Pager {
    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        let Some(request) = self.next.take() else {
            return Ok(None);
        };
        let page = Page::from_body(self.client.send(&request).await?.json()?);
        // A nextLink carries the query, not the headers: `Prefer` (a calendar's time zone) and
        // `ConsistencyLevel` must be sent with every page.
        self.next = page.next_link.as_ref().map(|link| {
            let mut next = Request::get(link.clone()).permissions(request.permissions);
            next.headers = request.headers.clone();
            next
        });
        Ok(Some(page))
    }

    /// The items one by one, fetching pages as the stream is read.
    pub fn into_stream(self) -> impl Stream<Item = Result<Value>> {
        futures_util::stream::try_unfold(
            (self, std::collections::VecDeque::new()),
            |(mut pager, mut buffered)| async move {
                loop {
                    if let Some(item) = buffered.pop_front() {
                        return Ok(Some((item, (pager, buffered))));
                    }
                    match pager.next_page().await? {
                        Some(page) => buffered.extend(page.items),
                        None => return Ok(None),
                    }
                }
            },
        )
    }
}

impl GraphClient {
    pub fn pages(&self, request: Request) -> Pager {
        Pager {
            client: self.clone(),
            next: Some(request),
        }
    }

    /// Reads a collection up to `limit` items. Ask for pages of the limit's size (`$top`) where
    /// the endpoint allows, so the cut falls on a page boundary and `next_link` resumes exactly.
    pub async fn list(&self, request: Request, limit: Limit) -> Result<Listed> {
        self.list_observed(request, limit, &mut |_| {}).await
    }

    /// [`GraphClient::list`], telling `on_page` how many items have been read after each page,
    /// so a long listing can show its progress.
    pub async fn list_observed(
        &self,
        request: Request,
        limit: Limit,
        on_page: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Listed> {
        let wanted = match limit {
            Limit::Items(n) => n,
            Limit::All => usize::MAX,
        };
        let mut pager = self.pages(request);
        let mut listed = Listed::default();
        while let Some(page) = pager.next_page().await? {
            let room = wanted - listed.items.len();
            if page.items.len() > room {
                // Cut inside a page: there is more, but no link that starts exactly there.
                listed.items.extend(page.items.into_iter().take(room));
                listed.truncated = true;
                return Ok(listed);
            }
            listed.items.extend(page.items);
            on_page(listed.items.len());
            if listed.items.len() == wanted && page.next_link.is_some() {
                listed.truncated = true;
                listed.next_link = page.next_link;
                return Ok(listed);
            }
        }
        Ok(listed)
    }
}
