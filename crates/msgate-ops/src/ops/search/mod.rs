//! `search`: one query across chat and channel messages, mail, calendar events and files, through
//! Microsoft Search (`POST /search/query`), with compact hits.
//!
//! Graph searches only some entity types together in one request: mail and Teams messages
//! interleave, events and files stand alone (search-concept-interleaving). msgate sends one
//! request per group of the kinds asked for and merges the groups rank by rank. The query is
//! passed through, so KQL works (`from:ada`, `subject:budget`, `filetype:md`, `"a phrase"`).
//! Pages use Graph's `from` and `size`: every kind gets the same page (at most 25, Graph's limit
//! for mail and events), so one cursor — the next `from` — continues them all.
//!
//! Searching everything is the default, and a kind the signed-in user may not search (no
//! `Mail.Read`, say) is then left out with a note instead of failing the rest; naming kinds with
//! `--in` makes each of them required. The POST only reads, so it is marked read-only and a dry
//! run lets it through.

mod hits;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use self::hits::Hit;
use crate::catalog::{Entry, Operation, entry};
use crate::ctx::Ctx;
use crate::listing::Paging;
use crate::progress::{Position, Unit};
use crate::spec::{Risk, Spec};

pub fn entries() -> Vec<Entry> {
    vec![entry::<Search>()]
}

pub struct Search;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// What to look for: words, "a phrase", or KQL (from:ada subject:budget filetype:md)
    #[schemars(extend("x-positional" = true))]
    pub query: String,
    /// Where to look, comma-separated or repeated: chat (chat and channel messages), mail, events, files (default: all); each gives up to limit hits a page, at most 25
    #[serde(default, rename = "in")]
    pub within: Vec<String>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Search results, every kind merged.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Found {
    pub items: Vec<Hit>,
    /// Pass as cursor to get the next page of every kind
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// More results exist than were returned
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// What was not searched, and why
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What can be searched, in the order results are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Chat,
    Mail,
    Events,
    Files,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Chat, Kind::Mail, Kind::Events, Kind::Files];

    fn name(self) -> &'static str {
        match self {
            Kind::Chat => "chat",
            Kind::Mail => "mail",
            Kind::Events => "events",
            Kind::Files => "files",
        }
    }

    fn entity_type(self) -> &'static str {
        match self {
            Kind::Chat => "chatMessage",
            Kind::Mail => "message",
            Kind::Events => "event",
            Kind::Files => "driveItem",
        }
    }

    /// What allows searching it (the search API overview's table), least privileged first.
    fn permissions(self) -> &'static [&'static str] {
        match self {
            Kind::Chat => &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
            Kind::Mail => &["Mail.Read", "Mail.ReadWrite"],
            Kind::Events => &["Calendars.Read", "Calendars.ReadWrite"],
            Kind::Files => &[
                "Files.Read.All",
                "Files.ReadWrite.All",
                "Sites.Read.All",
                "Sites.ReadWrite.All",
            ],
        }
    }

    /// Kinds Graph lets one request combine: mail with Teams messages.
    fn group(self) -> u8 {
        match self {
            Kind::Chat | Kind::Mail => 0,
            Kind::Events => 1,
            Kind::Files => 2,
        }
    }

    fn parse(text: &str) -> Result<Kind> {
        let wanted = text.trim().to_ascii_lowercase();
        let found = match wanted.as_str() {
            "chat" | "chats" | "messages" | "teams" => Some(Kind::Chat),
            "mail" | "email" => Some(Kind::Mail),
            "events" | "event" | "calendar" => Some(Kind::Events),
            "files" | "file" => Some(Kind::Files),
            _ => None,
        };
        found.ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("cannot search in '{}'", text.trim()),
            )
            .with_hint("choose from: chat, mail, events, files")
        })
    }
}

/// The fields each kind's hits carry (only those of a hit's own type are returned).
const FIELDS: &[&str] = &[
    "id",
    "subject",
    "name",
    "from",
    "organizer",
    "lastModifiedBy",
    "receivedDateTime",
    "createdDateTime",
    "lastModifiedDateTime",
    "start",
    "location",
    "chatId",
    "channelIdentity",
    "parentReference",
    "webLink",
    "webUrl",
];

/// At most this many hits of each kind a page: Graph's limit for mail and events.
const PAGE: usize = 25;
/// `--all` stops after this many pages.
const MOST_PAGES: usize = 40;

impl Operation for Search {
    type Input = Input;
    type Output = Found;
    const SPEC: Spec = Spec {
        name: "search",
        summary: "Search chat and channel messages, mail, events and files at once (KQL allowed)",
        risk: Risk::Read,
        idempotent: true,
        delegated: &[
            "Mail.Read",
            "Calendars.Read",
            "Chat.Read",
            "ChannelMessage.Read.All",
            "Files.Read.All",
            "Sites.Read.All",
        ],
        application: &[],
        columns: &["kind", "title", "from", "at", "summary"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Found> {
        let query = input.query.trim();
        if query.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "search for something")
                .with_hint("e.g. msgate search 'roadmap' or msgate search 'from:ada budget'"));
        }
        let explicit = !input.within.is_empty();
        let kinds = kinds(&input.within)?;
        let size = input.paging.limit.unwrap_or(PAGE).clamp(1, PAGE);
        let mut from = match &input.paging.cursor {
            Some(cursor) => cursor.trim().parse::<usize>().map_err(|_| {
                Error::new(
                    ErrorCode::InvalidInput,
                    format!("'{cursor}' is not a search cursor"),
                )
                .with_hint("pass the next_cursor a previous search returned")
            })?,
            None => 0,
        };
        let mut found = Found {
            items: Vec::new(),
            next_cursor: None,
            truncated: false,
            notes: Vec::new(),
        };
        let mut searched = kinds.clone();
        let mut shown: Option<Position> = None;
        for page in 0..MOST_PAGES {
            let (hits, more) = search_page(
                ctx,
                &mut searched,
                explicit,
                query,
                from,
                size,
                &mut found.notes,
            )
            .await?;
            found.items.extend(hits);
            from += size;
            let go_on = more && input.paging.all;
            if page == 0 && go_on {
                shown = Some(Position::new(
                    ctx.progress().start("search", None, Unit::Items),
                    0,
                ));
            }
            if let Some(shown) = &mut shown {
                shown.set(found.items.len() as u64);
            }
            if !go_on {
                if more {
                    found.next_cursor = Some(from.to_string());
                    found.truncated = true;
                }
                break;
            }
        }
        if let Some(shown) = shown {
            shown.finish();
        }
        Ok(found)
    }
}

/// The kinds asked for, in merge order, or all of them.
fn kinds(within: &[String]) -> Result<Vec<Kind>> {
    let mut kinds = Vec::new();
    for text in within
        .iter()
        .flat_map(|w| w.split(','))
        .filter(|t| !t.trim().is_empty())
    {
        let kind = Kind::parse(text)?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Ok(Kind::ALL.to_vec());
    }
    kinds.sort_by_key(|k| Kind::ALL.iter().position(|a| a == k));
    Ok(kinds)
}

/// One page of every kind in `kinds`, merged rank by rank, and whether any has more. A kind the
/// user may not search is dropped from `kinds` with a note when it was not asked for by name.
async fn search_page(
    ctx: &Ctx,
    kinds: &mut Vec<Kind>,
    explicit: bool,
    query: &str,
    from: usize,
    size: usize,
    notes: &mut Vec<String>,
) -> Result<(Vec<Hit>, bool)> {
    let mut groups: Vec<Vec<Kind>> = Vec::new();
    for kind in kinds.iter() {
        match groups.last_mut() {
            Some(group) if group[0].group() == kind.group() => group.push(*kind),
            _ => groups.push(vec![*kind]),
        }
    }
    let mut pages: Vec<Vec<Hit>> = Vec::new();
    let mut more = false;
    let mut refused: Option<Error> = None;
    for group in groups {
        // A combined request is refused whole when one kind is not allowed: then each kind
        // is asked alone, so the allowed one still answers.
        let attempts = match query_group(ctx, &group, query, from, size).await {
            Err(err) if !explicit && denied(&err) && group.len() > 1 => {
                let mut alone = Vec::new();
                for kind in &group {
                    alone.push((
                        vec![*kind],
                        query_group(ctx, &[*kind], query, from, size).await,
                    ));
                }
                alone
            }
            outcome => vec![(group, outcome)],
        };
        for (group, outcome) in attempts {
            match outcome {
                Ok((hits, has_more)) => {
                    pages.push(hits);
                    more |= has_more;
                }
                Err(err) if !explicit && denied(&err) => {
                    for kind in &group {
                        notes.push(format!(
                            "{} not searched: it needs {}",
                            kind.name(),
                            kind.permissions().join(" or ")
                        ));
                    }
                    kinds.retain(|k| !group.contains(k));
                    refused = Some(err);
                }
                Err(err) => return Err(err),
            }
        }
    }
    if kinds.is_empty()
        && let Some(err) = refused
    {
        return Err(err);
    }
    Ok((interleave(pages), more))
}

fn denied(err: &Error) -> bool {
    err.code() == ErrorCode::ScopeInsufficient
}

/// One search request for kinds Graph searches together: its hits in rank order, and whether
/// it has more.
async fn query_group(
    ctx: &Ctx,
    kinds: &[Kind],
    query: &str,
    from: usize,
    size: usize,
) -> Result<(Vec<Hit>, bool)> {
    let types: Vec<&str> = kinds.iter().map(|k| k.entity_type()).collect();
    let body = json!({
        "requests": [{
            "entityTypes": types,
            "query": {"queryString": query},
            "from": from,
            "size": size,
            "fields": FIELDS,
        }]
    });
    let permissions: &'static [&'static str] = match kinds {
        [one] => one.permissions(),
        _ => &[
            "Mail.Read",
            "Mail.ReadWrite",
            "Chat.Read",
            "Chat.ReadWrite",
            "ChannelMessage.Read.All",
        ],
    };
    let request = Request::post("/search/query", body)
        // A search changes nothing: safe to repeat, and let through by a dry run.
        .read_only()
        .idempotent(true)
        .permissions(permissions);
    let answer: Value = ctx.graph.send(&request).await?.json()?;
    let mut hits = Vec::new();
    let mut more = false;
    for response in answer["value"].as_array().into_iter().flatten() {
        for container in response["hitsContainers"].as_array().into_iter().flatten() {
            more |= container["moreResultsAvailable"] == true;
            for hit in container["hits"].as_array().into_iter().flatten() {
                hits.extend(hits::compact(hit));
            }
        }
    }
    Ok((hits, more))
}

/// The groups' hits merged: first of each, then second of each, and so on.
fn interleave(pages: Vec<Vec<Hit>>) -> Vec<Hit> {
    let longest = pages.iter().map(Vec::len).max().unwrap_or(0);
    let mut iters: Vec<_> = pages.into_iter().map(Vec::into_iter).collect();
    let mut merged = Vec::new();
    for _ in 0..longest {
        for iter in &mut iters {
            merged.extend(iter.next());
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_and_grouped_as_graph_allows() {
        assert_eq!(kinds(&[]).unwrap(), Kind::ALL.to_vec());
        assert_eq!(
            kinds(&["files,mail".into(), "chat".into(), "mail".into()]).unwrap(),
            vec![Kind::Chat, Kind::Mail, Kind::Files]
        );
        assert_eq!(kinds(&["tweets".into()]).unwrap_err().exit().status(), 2);
        assert_eq!(Kind::Chat.group(), Kind::Mail.group());
        assert_ne!(Kind::Events.group(), Kind::Files.group());
    }

    #[test]
    fn groups_are_merged_rank_by_rank() {
        let hit = |id: &str| Hit::for_test(id);
        let merged = interleave(vec![
            vec![hit("m1"), hit("m2"), hit("m3")],
            vec![],
            vec![hit("f1")],
        ]);
        let ids: Vec<&str> = merged.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["m1", "f1", "m2", "m3"]);
    }
}
