//! Microsoft Search: `POST /search/query` across Teams messages, mail, calendar events and files,
//! as https://learn.microsoft.com/graph/api/resources/search-api-overview and its concept pages
//! (search-concept-messages, -events, -files, -chat-messages, -interleaving, -multiplerequest)
//! describe it.
//!
//! Graph's rules are kept: which entity types one request may combine, one search request per
//! body unless every type is a SharePoint or answer type, at most 25 results a page for mail and
//! events, no custom sort for them, `from` and `size` paging with `total` counting the page for
//! mail, events and Teams messages. What each type needs is decided here, per type, from the
//! overview's permission table; what each type finds is in [`sources`], the query language and
//! the hit summaries in [`kql`].
//!
//! The sandbox holds no SharePoint sites, lists, connectors, bookmarks, acronyms or people
//! index: those types are accepted and find nothing, as they would in a tenant without them.

mod kql;
mod sources;

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use self::kql::Query;
use self::sources::{Candidate, Conversations};
use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::{Caller, enforce};
use crate::clock;
use crate::permissions::{self, Scheme};
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/search/query", post(query))
}

/// The values of `microsoft.graph.entityType` a search can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntityType {
    Message,
    ChatMessage,
    Event,
    Drive,
    DriveItem,
    List,
    ListItem,
    Site,
    ExternalItem,
    Person,
    Acronym,
    Bookmark,
}

/// Which entity types may be searched together
/// (https://learn.microsoft.com/graph/search-concept-interleaving).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Messages,
    Events,
    SharePoint,
    Answers,
    People,
}

const FILES: &[&str] = &[
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];
const SITES: &[&str] = &["Sites.Read.All", "Sites.ReadWrite.All"];

impl EntityType {
    const ALL: [EntityType; 12] = [
        EntityType::Message,
        EntityType::ChatMessage,
        EntityType::Event,
        EntityType::Drive,
        EntityType::DriveItem,
        EntityType::List,
        EntityType::ListItem,
        EntityType::Site,
        EntityType::ExternalItem,
        EntityType::Person,
        EntityType::Acronym,
        EntityType::Bookmark,
    ];

    fn name(self) -> &'static str {
        match self {
            EntityType::Message => "message",
            EntityType::ChatMessage => "chatMessage",
            EntityType::Event => "event",
            EntityType::Drive => "drive",
            EntityType::DriveItem => "driveItem",
            EntityType::List => "list",
            EntityType::ListItem => "listItem",
            EntityType::Site => "site",
            EntityType::ExternalItem => "externalItem",
            EntityType::Person => "person",
            EntityType::Acronym => "acronym",
            EntityType::Bookmark => "bookmark",
        }
    }

    fn family(self) -> Family {
        match self {
            EntityType::Message | EntityType::ChatMessage => Family::Messages,
            EntityType::Event => Family::Events,
            EntityType::Drive
            | EntityType::DriveItem
            | EntityType::List
            | EntityType::ListItem
            | EntityType::Site
            | EntityType::ExternalItem => Family::SharePoint,
            EntityType::Acronym | EntityType::Bookmark => Family::Answers,
            EntityType::Person => Family::People,
        }
    }

    /// The permissions that allow searching the type (the overview's "Scope search based on
    /// entity types" table; the application ones from search-query and
    /// search-concept-searchall). `None`: not with that kind of token.
    fn permissions(self, scheme: Scheme) -> Option<&'static [&'static str]> {
        let delegated: &'static [&'static str] = match self {
            EntityType::Message => &["Mail.Read", "Mail.ReadWrite"],
            EntityType::ChatMessage => &["Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All"],
            EntityType::Event => &["Calendars.Read", "Calendars.ReadWrite"],
            EntityType::Drive | EntityType::DriveItem => FILES,
            EntityType::List | EntityType::ListItem | EntityType::Site => SITES,
            EntityType::ExternalItem => &["ExternalItem.Read.All"],
            EntityType::Person => &["People.Read"],
            EntityType::Acronym => &["Acronym.Read.All"],
            EntityType::Bookmark => &["Bookmark.Read.All"],
        };
        match (scheme, self.family()) {
            (Scheme::Delegated, _) => Some(delegated),
            (Scheme::Application, Family::SharePoint) => Some(delegated),
            (Scheme::Application, _) => None,
        }
    }

    /// At most 25 results a page for mail and events, 1000 for the rest.
    fn max_size(self) -> usize {
        match self {
            EntityType::Message | EntityType::Event => 25,
            _ => 1000,
        }
    }

    /// Custom sort is for SharePoint and OneDrive types (search-concept-sort).
    fn sortable(self) -> bool {
        matches!(
            self,
            EntityType::DriveItem | EntityType::ListItem | EntityType::List | EntityType::Site
        )
    }

    /// Types a body may hold several search requests for (search-concept-multiplerequest).
    fn allows_several_requests(self) -> bool {
        matches!(self.family(), Family::SharePoint | Family::Answers)
    }

    /// Types whose results are ordered by date, and whose `total` counts the page only.
    fn by_date(self) -> bool {
        matches!(self.family(), Family::Messages | Family::Events)
    }

    /// Aggregations are computed for SharePoint, OneDrive and connector types only.
    fn aggregates(self) -> bool {
        matches!(
            self,
            EntityType::DriveItem
                | EntityType::ListItem
                | EntityType::List
                | EntityType::ExternalItem
        )
    }

    /// The properties a hit's resource carries when the request names no `fields`, as the
    /// concept pages' examples show them.
    fn default_fields(self) -> &'static [&'static str] {
        match self {
            EntityType::Message => &[
                "createdDateTime",
                "lastModifiedDateTime",
                "receivedDateTime",
                "sentDateTime",
                "hasAttachments",
                "subject",
                "bodyPreview",
                "importance",
                "replyTo",
                "sender",
                "from",
            ],
            EntityType::Event => &[
                "end",
                "hasAttachments",
                "iCalUId",
                "isAllDay",
                "sensitivity",
                "start",
                "subject",
                "type",
            ],
            EntityType::ChatMessage => &[
                "id",
                "createdDateTime",
                "lastModifiedDateTime",
                "subject",
                "importance",
                "webUrl",
                "from",
                "channelIdentity",
                "etag",
                "chatId",
            ],
            _ => &[
                "id",
                "name",
                "webUrl",
                "size",
                "createdBy",
                "createdDateTime",
                "lastModifiedBy",
                "lastModifiedDateTime",
                "parentReference",
                "fileSystemInfo",
            ],
        }
    }

    fn of_resource(resource: &Value) -> Option<EntityType> {
        let name = resource["@odata.type"]
            .as_str()?
            .strip_prefix("#microsoft.graph.")?;
        EntityType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Graph's 400 for a search request it cannot run, in its nested wording.
fn invalid(problem: &str) -> GraphError {
    GraphError::bad_request(format!(
        "SearchRequest Invalid (EntityRequest Invalid (searchRequest -> {problem}))"
    ))
}

/// A driveItem property results can be sorted by, under its Graph or managed property name.
#[derive(Debug, Clone, Copy)]
enum SortKey {
    Name,
    Created,
    Modified,
    Size,
}

impl SortKey {
    fn named(name: &str) -> Option<SortKey> {
        match name.to_ascii_lowercase().as_str() {
            "name" | "filename" => Some(SortKey::Name),
            "createddatetime" | "created" => Some(SortKey::Created),
            "lastmodifieddatetime" | "lastmodifiedtime" => Some(SortKey::Modified),
            "size" => Some(SortKey::Size),
            _ => None,
        }
    }

    fn compare(self, a: &Value, b: &Value) -> Ordering {
        let date = |v: &Value, field: &str| v[field].as_str().and_then(clock::parse);
        match self {
            SortKey::Name => {
                let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_lowercase();
                name(a).cmp(&name(b))
            }
            SortKey::Created => date(a, "createdDateTime").cmp(&date(b, "createdDateTime")),
            SortKey::Modified => {
                date(a, "lastModifiedDateTime").cmp(&date(b, "lastModifiedDateTime"))
            }
            SortKey::Size => a["size"]
                .as_f64()
                .partial_cmp(&b["size"].as_f64())
                .unwrap_or(Ordering::Equal),
        }
    }
}

/// One `searchRequest`, checked.
#[derive(Debug)]
struct SearchRequest {
    types: Vec<EntityType>,
    query: Query,
    from: usize,
    size: usize,
    fields: Option<Vec<String>>,
    sort: Vec<(SortKey, bool)>,
    top_results: bool,
}

impl SearchRequest {
    fn parse(request: &Value, caller: &Caller) -> GraphResult<SearchRequest> {
        let types = entity_types(&request["entityTypes"])?;
        let query = query_text(&request["query"])?;
        let (from, size) = paging(request, &types)?;
        let fields = fields(&request["fields"])?;
        let sort = sort_properties(&request["sortProperties"], &types)?;
        check_aggregations(&request["aggregations"], &types)?;
        let region = request["region"].as_str().filter(|r| !r.trim().is_empty());
        if caller.scheme == Scheme::Application && region.is_none() {
            return Err(GraphError::bad_request(
                "Region is required when request with application permission.",
            ));
        }
        Ok(SearchRequest {
            types,
            query,
            from,
            size,
            fields,
            sort,
            top_results: request["enableTopResults"] == true,
        })
    }
}

/// `from` (0 unless given) and `size` (25 unless given, at most the types' maximum).
fn paging(request: &Value, types: &[EntityType]) -> GraphResult<(usize, usize)> {
    let count = |value: &Value| value.as_u64().and_then(|n| usize::try_from(n).ok());
    let from = match &request["from"] {
        Value::Null => 0,
        value => count(value)
            .ok_or_else(|| invalid("from is invalid (from must be a non-negative integer)"))?,
    };
    let max = types.iter().map(|t| t.max_size()).min().unwrap_or(1000);
    let size = match &request["size"] {
        Value::Null => 25.min(max),
        value => count(value)
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                invalid(&format!(
                    "size is invalid (size must be between 1 and {max})"
                ))
            })?,
    };
    Ok((from, size))
}

fn fields(value: &Value) -> GraphResult<Option<Vec<String>>> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|f| f.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid("fields is invalid (fields must be strings)")),
        _ => Err(invalid("fields is invalid (fields must be an array)")),
    }
}

fn check_aggregations(value: &Value, types: &[EntityType]) -> GraphResult<()> {
    let asked = value.as_array().is_some_and(|a| !a.is_empty());
    match types.iter().find(|t| !t.aggregates()) {
        Some(t) if asked => Err(invalid(&format!(
            "aggregations is invalid (aggregations are not supported for {})",
            t.name()
        ))),
        _ => Ok(()),
    }
}

fn entity_types(value: &Value) -> GraphResult<Vec<EntityType>> {
    let names = value
        .as_array()
        .filter(|names| !names.is_empty())
        .ok_or_else(|| invalid("entityTypes is invalid (entityTypes required)"))?;
    let mut types: Vec<EntityType> = Vec::new();
    for name in names {
        let name = name.as_str().unwrap_or_default();
        let found = EntityType::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                GraphError::bad_request(format!("Requested value '{name}' was not found."))
            })?;
        if !types.contains(&found) {
            types.push(found);
        }
    }
    if types.iter().any(|t| t.family() != types[0].family()) {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        return Err(invalid(&format!(
            "entityTypes is invalid (the combination of entity types {} is not supported)",
            names.join(", ")
        )));
    }
    Ok(types)
}

/// `query.queryString` (required), inside `query.queryTemplate` when one is given.
fn query_text(query: &Value) -> GraphResult<Query> {
    let text = query["queryString"]
        .as_str()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| invalid("query is invalid (queryString required)"))?;
    let text = match query["queryTemplate"].as_str() {
        Some(template) if template.contains("{searchTerms}") => {
            template.replace("{searchTerms}", text)
        }
        _ => text.to_owned(),
    };
    Ok(Query::parse(&text))
}

fn sort_properties(value: &Value, types: &[EntityType]) -> GraphResult<Vec<(SortKey, bool)>> {
    let properties = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) if items.is_empty() => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(invalid(
                "sortProperties is invalid (sortProperties must be an array)",
            ));
        }
    };
    if let Some(t) = types.iter().find(|t| !t.sortable()) {
        return Err(invalid(&format!(
            "sortProperties is invalid (sort is not supported for {})",
            t.name()
        )));
    }
    properties
        .iter()
        .map(|property| {
            let name = property["name"].as_str().unwrap_or_default();
            let key = SortKey::named(name).ok_or_else(|| {
                invalid(&format!(
                    "sortProperties is invalid (the property '{name}' is not sortable)"
                ))
            })?;
            Ok((key, property["isDescending"] == true))
        })
        .collect()
}

/// `POST /search/query` (https://learn.microsoft.com/graph/api/search-query).
pub async fn query(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<Json<Value>> {
    let requests = body["requests"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| GraphError::bad_request("SearchRequest Invalid (requests required)"))?;
    let parsed = requests
        .iter()
        .map(|r| SearchRequest::parse(r, &caller))
        .collect::<GraphResult<Vec<_>>>()?;
    if parsed.len() > 1
        && let Some(t) = parsed
            .iter()
            .flat_map(|r| &r.types)
            .find(|t| !t.allows_several_requests())
    {
        return Err(GraphError::bad_request(format!(
            "SearchRequest Invalid (only one search request is supported when searching {})",
            t.name()
        )));
    }
    for t in parsed.iter().flat_map(|r| &r.types) {
        let needed = t.permissions(caller.scheme);
        enforce(permissions::decide_among(needed, &caller.granted), &caller)?;
    }
    let mut value = Vec::new();
    for request in &parsed {
        value.push(run(&state, &caller, request).await?);
    }
    Ok(Json(json!({
        "@odata.context": format!("{}/$metadata#search", state.graph_url()),
        "value": value,
    })))
}

/// One search request's `searchResponse`.
async fn run(state: &AppState, caller: &Caller, request: &SearchRequest) -> GraphResult<Value> {
    let mut candidates = Vec::new();
    for t in &request.types {
        candidates.extend(gather(state, caller, *t).await?);
    }
    let mut found: Vec<(Candidate, usize)> = candidates
        .into_iter()
        .filter(|c| request.query.matches(&c.document))
        .map(|c| {
            let score = request.query.score(&c.document);
            (c, score)
        })
        .collect();
    order(&mut found, request);
    let matched = found.len();
    let page: Vec<Value> = found
        .into_iter()
        .skip(request.from)
        .take(request.size)
        .enumerate()
        .map(|(i, (candidate, _))| hit(candidate, request, request.from + i + 1))
        .collect();
    let by_date = request.types.iter().any(|t| t.by_date());
    let mut container = Map::new();
    // For mail, events and Teams messages `total` counts the results on the page
    // (search-concept-messages, "Known limitations").
    let total = if by_date { page.len() } else { matched };
    if !page.is_empty() {
        container.insert("hits".into(), Value::Array(page));
    }
    container.insert("total".into(), json!(total));
    container.insert(
        "moreResultsAvailable".into(),
        json!(request.from + request.size < matched),
    );
    Ok(json!({
        "searchTerms": request.query.terms(),
        "hitsContainers": [Value::Object(container)],
    }))
}

async fn gather(state: &AppState, caller: &Caller, t: EntityType) -> GraphResult<Vec<Candidate>> {
    match t {
        EntityType::Message => sources::messages(state, caller).await,
        EntityType::Event => sources::events(state, caller).await,
        EntityType::ChatMessage => {
            let holds = |names: &[&str]| {
                permissions::decide_among(Some(names), &caller.granted)
                    == permissions::Decision::Allow
            };
            let scope = Conversations {
                chats: holds(&["Chat.Read"]),
                channels: holds(&["ChannelMessage.Read.All"]),
            };
            sources::chat_messages(state, caller, scope).await
        }
        EntityType::DriveItem => sources::drive_items(state, caller).await,
        EntityType::Drive
        | EntityType::List
        | EntityType::ListItem
        | EntityType::Site
        | EntityType::ExternalItem
        | EntityType::Person
        | EntityType::Acronym
        | EntityType::Bookmark => Ok(Vec::new()),
    }
}

/// Mail, events and Teams messages newest first, the three best matches first when
/// `enableTopResults` asks for them (messages only); the rest by relevance or `sortProperties`.
fn order(found: &mut Vec<(Candidate, usize)>, request: &SearchRequest) {
    if request.types.iter().any(|t| t.by_date()) {
        found.sort_by_key(|c| std::cmp::Reverse(c.0.when));
        let top_results =
            request.top_results && request.types.iter().any(|t| t.family() == Family::Messages);
        if top_results {
            lift_best(found, 3);
        }
    } else if request.sort.is_empty() {
        found.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.when.cmp(&a.0.when)));
    } else {
        found.sort_by(|a, b| {
            request
                .sort
                .iter()
                .map(|(key, descending)| {
                    let ord = key.compare(&a.0.resource, &b.0.resource);
                    if *descending { ord.reverse() } else { ord }
                })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal)
        });
    }
}

/// Move the `count` best-scoring results to the front, best first; the rest keep their order.
fn lift_best(found: &mut Vec<(Candidate, usize)>, count: usize) {
    let mut best: Vec<usize> = (0..found.len()).filter(|&i| found[i].1 > 0).collect();
    best.sort_by(|&a, &b| found[b].1.cmp(&found[a].1).then(a.cmp(&b)));
    best.truncate(count);
    let mut top: Vec<Option<(Candidate, usize)>> = best.iter().map(|_| None).collect();
    let mut rest = Vec::new();
    for (i, item) in std::mem::take(found).into_iter().enumerate() {
        match best.iter().position(|&b| b == i) {
            Some(slot) => top[slot] = Some(item),
            None => rest.push(item),
        }
    }
    found.extend(top.into_iter().flatten());
    found.extend(rest);
}

/// A `searchHit`: the resource with the requested fields (or the type's default ones) and the
/// summary of its match.
fn hit(candidate: Candidate, request: &SearchRequest, rank: usize) -> Value {
    let summary = request.query.summary(&candidate.text);
    let resource = project(&candidate.resource, request.fields.as_deref());
    json!({
        "hitId": candidate.hit_id,
        "rank": rank,
        "summary": summary,
        "resource": resource,
    })
}

/// The resource with `@odata.type` and the fields asked for; fields it does not have are left
/// out without complaint, as Graph does.
fn project(resource: &Value, fields: Option<&[String]>) -> Value {
    let type_fields = EntityType::of_resource(resource)
        .map(EntityType::default_fields)
        .unwrap_or_default();
    let wanted = |key: &str| match fields {
        Some(fields) => fields.iter().any(|f| f.eq_ignore_ascii_case(key)),
        None => type_fields.contains(&key),
    };
    let kept: Map<String, Value> = resource
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.as_str() == "@odata.type" || wanted(key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}
