//! `mail.list`: a folder's messages, newest first, with Outlook's preview — or a KQL search.
//!
//! Outlook will not combine `$search` with `$filter` or `$orderby`, and it refuses `$orderby`
//! with a `$filter` unless the ordered property leads the filter. So a plain listing filters on
//! the server with `receivedDateTime` first (a floor date when `--since` is absent) and orders
//! on it; a search sends only `$search` (Outlook orders results by sent date, newest first),
//! puts `--from` into the KQL query and applies `--unread` and `--since` to the results.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{Body, FIELDS, Mail, READ_BASIC, folder};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::ops::message::Shown;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::when;

pub struct List;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The folder: inbox (default), sentitems, drafts, archive, a folder's name or path (Projects/Q4), or its id; a search without it covers the whole mailbox
    #[serde(default)]
    pub folder: Option<String>,
    /// Only unread messages
    #[serde(default)]
    pub unread: bool,
    /// Only messages from this sender: an email address, or a person in your organization by name
    #[serde(default)]
    pub from: Option<String>,
    /// Only messages received since then (2026-11-20T09:00:00Z, 2026-11-20, or back from now: 2h, 3d, 1w)
    #[serde(default)]
    pub since: Option<String>,
    /// Search with KQL: words, or properties like subject:renewal, from:tomas, to:ada, attachment:csv, body:pricing
    #[serde(default)]
    pub search: Option<String>,
    /// Return Graph's JSON unchanged instead of the compact view
    #[serde(default)]
    pub raw: bool,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph pages messages up to 1000; 100 keeps each answer small.
const MAX_PAGE: usize = 100;
/// The filter's leading clause when no `--since` is given: Outlook wants the ordered property
/// first in the filter.
const EVER: &str = "1900-01-01T00:00:00Z";

impl Operation for List {
    type Input = Input;
    type Output = Listing<Shown<Mail>>;
    const SPEC: Spec = Spec {
        name: "mail.list",
        summary: "List mail in a folder (the inbox by default), newest first, or search it with KQL",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ_BASIC,
        application: &[],
        columns: &["id", "at", "from", "subject", "unread", "flagged"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Shown<Mail>>> {
        let since = input
            .since
            .as_deref()
            .map(when::parse)
            .transpose()?
            .map(when::graph);
        let from = match input.from.as_deref() {
            Some(from) => Some(sender_address(ctx, from).await?),
            None => None,
        };
        let search = input
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let path = match (&input.folder, search) {
            (Some(reference), _) => {
                format!(
                    "{}/messages",
                    folder::resolve(ctx, reference).await?.api_path()
                )
            }
            (None, Some(_)) => "/me/messages".to_owned(),
            (None, None) => "/me/mailFolders/inbox/messages".to_owned(),
        };
        let mut fresh = Request::get(path)
            .select(FIELDS)
            .top(input.paging.page_size(MAX_PAGE));
        match search {
            Some(search) => {
                let mut kql = search.to_owned();
                if let Some(from) = &from {
                    kql.push_str(&format!(" from:{from}"));
                }
                fresh = fresh.query("$search", format!("\"{kql}\""));
            }
            None => {
                let mut clauses = vec![format!(
                    "receivedDateTime ge {}",
                    since.as_deref().unwrap_or(EVER)
                )];
                if input.unread {
                    clauses.push("isRead eq false".to_owned());
                }
                if let Some(from) = &from {
                    clauses.push(format!(
                        "from/emailAddress/address eq '{}'",
                        from.replace('\'', "''")
                    ));
                }
                if since.is_some() || clauses.len() > 1 {
                    fresh = fresh.filter(clauses.join(" and "));
                }
                fresh = fresh.orderby("receivedDateTime desc");
            }
        }
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        let mut listing = listing::read(ctx, request, &input.paging, Ok).await?;
        if search.is_some() {
            listing.items.retain(|m: &Value| {
                let recent = since.as_deref().is_none_or(|since| {
                    m["receivedDateTime"]
                        .as_str()
                        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                        .zip(since.parse::<jiff::Timestamp>().ok())
                        .is_some_and(|(at, since)| at >= since)
                });
                recent && (!input.unread || m["isRead"] == false)
            });
        }
        Ok(Listing {
            items: listing
                .items
                .into_iter()
                .map(|m| match input.raw {
                    true => Shown::Raw(m),
                    false => Shown::Compact(Mail::from_graph(&m, Body::Preview)),
                })
                .collect(),
            next_cursor: listing.next_cursor,
            truncated: listing.truncated,
        })
    }
}

/// The address `--from` names: as written when it is one, else the person's mail address.
async fn sender_address(ctx: &Ctx, from: &str) -> Result<String> {
    let from = from.trim();
    if from.contains('@') {
        return Ok(from.to_owned());
    }
    let user = refs::user(ctx, from).await?;
    user.mail
        .or(user.user_principal_name)
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("'{from}' has no mail address")))
}
