//! Checks JSON bodies against Microsoft Graph's own OpenAPI description, so tests can prove the
//! offline Graph emulator answers with bodies shaped exactly like Graph's, and that msgate sends
//! request bodies Graph accepts.
//!
//! The description is the v1.0 subset in `graph/` (see its README), generated from Graph's
//! CSDL by odata-openapi. The validator implements the OpenAPI 3.0 constructs that file uses and
//! refuses to load a document using any other, so a regenerated subset cannot make bodies pass
//! unchecked. On top of plain JSON Schema it applies Graph's (OData's) conventions:
//!
//! - **Strict objects.** A member a schema with `properties` does not declare is an error: the
//!   emulator must not invent fields. OData annotations (`@odata.context`, `members@odata.bind`,
//!   `@microsoft.graph.tips`) and `@removed` (deleted items in delta results) are exempt.
//! - **Derived types.** odata-openapi lists a type's derived types as an `anyOf` of `$ref`s,
//!   with an empty schema `{}` when the base type itself may appear (it is not abstract). OData
//!   JSON names a derived instance's type in `@odata.type`, so that value picks the schema to
//!   check against; without it the object is the declared type, and an abstract type is an error.
//! - **Known divergences** between the subset and real Graph are patched in at load time
//!   (`patch_known_divergences`), each with the reason: Graph's `innerError` spelling, the
//!   camelCase spelling of Outlook's PascalCase action parameters, the documented shape of the
//!   search response the subset stubs out, and one table (`DOCUMENTED_ANSWERS`) of operations
//!   whose documentation pages give other success statuses or bodies than the CSDL-generated
//!   subset (202 for Outlook actions, 200 with the entity for updates, 201 for a new link, …).
//!
//! Errors read `<JSON pointer>: <problem> (<schema>)`, e.g.
//! `/value/0/createdDateTime: "yesterday" is not a date-time (microsoft.graph.chatMessage)`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use serde_json::{Map, Value, json};

const SUBSET_FILE: &str = "graph-v1.0-subset.openapi.json";
const SCHEMA_REF: &str = "#/components/schemas/";

/// Schema keywords the validator checks.
const CHECKED_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "items",
    "allOf",
    "anyOf",
    "nullable",
    "enum",
    "format",
    "additionalProperties",
    "required",
    "minimum",
    "minItems",
    "maxItems",
    "uniqueItems",
];
/// Schema keywords that only document and constrain nothing.
const DOC_KEYWORDS: &[&str] = &["title", "description", "example", "externalDocs"];
const TYPES: &[&str] = &["string", "integer", "number", "boolean", "object", "array"];
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "uuid",
    "base64url",
    "binary",
    "int16",
    "int32",
    "int64",
    "double",
];

/// The Graph reference material vendored in this crate's `graph/` directory: the v1.0 subset and
/// the change-notification payloads, copied from the project's shared Graph material so that a
/// clean clone tests on its own.
pub fn graph_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("graph")
}

/// A parsed OpenAPI document and its path templates.
pub struct OpenApi {
    doc: Value,
    templates: Vec<Template>,
}

impl fmt::Debug for OpenApi {
    // The document is a megabyte of JSON; the path count says which one this is well enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenApi")
            .field("paths", &self.templates.len())
            .finish_non_exhaustive()
    }
}

impl OpenApi {
    /// The Graph v1.0 subset with the known divergences from real Graph patched in, loaded
    /// once per test process.
    pub fn graph_subset() -> &'static OpenApi {
        static SUBSET: OnceLock<OpenApi> = OnceLock::new();
        SUBSET.get_or_init(|| {
            let mut api = OpenApi::load(&graph_dir().join(SUBSET_FILE));
            patch_known_divergences(&mut api.doc);
            api
        })
    }

    /// Loads an OpenAPI 3.0 document as it is; panics if it is unreadable or uses constructs
    /// the validator does not check.
    pub fn load(path: &Path) -> OpenApi {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read the OpenAPI document {}: {e}", path.display()));
        let doc = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        OpenApi::from_document(doc, &path.display().to_string())
    }

    fn from_document(doc: Value, origin: &str) -> OpenApi {
        let problems = unsupported_constructs(&doc);
        assert!(
            problems.is_empty(),
            "{origin} uses OpenAPI constructs the validator does not check, so bodies could pass \
             unchecked:\n{}",
            problems.join("\n")
        );
        let templates = doc["paths"]
            .as_object()
            .map(|paths| paths.keys().map(|path| Template::parse(path)).collect())
            .unwrap_or_default();
        OpenApi { doc, templates }
    }

    /// Every operation the document describes, as (`GET`, path template) pairs in document
    /// order.
    pub fn operations(&self) -> Vec<(String, String)> {
        const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];
        self.templates
            .iter()
            .flat_map(|template| {
                let item = &self.doc["paths"][template.path.as_str()];
                METHODS
                    .iter()
                    .filter(|method| {
                        item.get(**method)
                            .is_some_and(|op| op.get("responses").is_some())
                    })
                    .map(|method| (method.to_ascii_uppercase(), template.path.clone()))
            })
            .collect()
    }

    /// The path template of the operation serving `method` on a concrete path such as
    /// `/chats/19:abc@thread.v2/messages` (no `/v1.0` prefix), e.g. `/chats/{id}/messages`.
    pub fn operation(&self, method: &str, path: &str) -> Option<&str> {
        self.find(method, path).map(|(template, _)| template)
    }

    /// Checks a response body; pass `Value::Null` for an empty body.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (template, operation) = self.find_or_explain(method, path)?;
        let what = format!(
            "{} {template} response {status}",
            method.to_ascii_uppercase()
        );
        let Some(response) = response_for(operation, status) else {
            return Err(vec![format!("{what} is not documented")]);
        };
        match json_content(self.resolve(response)) {
            Content::Json(schema) => self.check_body(schema, body, &what),
            Content::None if body.is_null() => Ok(()),
            Content::None => Err(vec![format!("{what} has no body, got {}", show(body))]),
            Content::Other(types) => Err(vec![format!("{what} is {types}, not JSON")]),
        }
    }

    /// Checks a request body; pass `Value::Null` for an empty body.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (template, operation) = self.find_or_explain(method, path)?;
        let what = format!("{} {template} request body", method.to_ascii_uppercase());
        let Some(request) = operation.get("requestBody").map(|r| self.resolve(r)) else {
            return match body {
                Value::Null => Ok(()),
                _ => Err(vec![format!("{what} is not expected, got {}", show(body))]),
            };
        };
        if body.is_null() {
            return match request.get("required") {
                Some(Value::Bool(true)) => Err(vec![format!("{what} is required")]),
                _ => Ok(()),
            };
        }
        match json_content(request) {
            Content::Json(schema) => self.check_body(schema, body, &what),
            Content::None => Err(vec![format!("{what} documents no content")]),
            Content::Other(types) => Err(vec![format!("{what} must be {types}, not JSON")]),
        }
    }

    fn find(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let template = self.match_path(path)?;
        let operation = self.doc["paths"][template.path.as_str()]
            .get(method.to_ascii_lowercase())
            .filter(|op| op.get("responses").is_some())?;
        Some((&template.path, operation))
    }

    fn find_or_explain(&self, method: &str, path: &str) -> Result<(&str, &Value), Vec<String>> {
        self.find(method, path).ok_or_else(|| {
            vec![format!(
                "no operation {} {path} in the OpenAPI document",
                method.to_ascii_uppercase()
            )]
        })
    }

    fn match_path(&self, path: &str) -> Option<&Template> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        self.templates
            .iter()
            .filter(|template| template.matches(&segments))
            // Literal segments beat parameters, leftmost first: `/me/messages/delta` is the delta
            // function, not the message whose id is "delta".
            .max_by_key(|template| template.literal_mask())
    }

    /// Follows a local `$ref` (`#/components/responses/error`), or returns `value` itself.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => self
                .doc
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or(&Value::Null),
            None => value,
        }
    }

    fn check_body(&self, schema: &Value, body: &Value, what: &str) -> Result<(), Vec<String>> {
        // Inline wrappers are named by their title ("Collection of chat"), else by the operation.
        let name = schema.get("title").and_then(Value::as_str).unwrap_or(what);
        let mut validator = Validator {
            api: self,
            problems: Vec::new(),
            active: HashSet::new(),
        };
        validator.check(schema, body, "", name);
        if validator.problems.is_empty() {
            Ok(())
        } else {
            Err(validator.problems.iter().map(Problem::to_string).collect())
        }
    }

    fn schema(&self, name: &str) -> Option<&Value> {
        self.doc["components"]["schemas"].get(name)
    }

    /// Whether `derived` is among the (transitively) derived types of `base`.
    fn derives_from(&self, derived: &str, base: &str) -> bool {
        let mut pending = vec![base];
        let mut seen = HashSet::new();
        while let Some(name) = pending.pop() {
            for sub in self.schema(name).map(derived_types).unwrap_or_default() {
                if sub == derived {
                    return true;
                }
                if seen.insert(sub) {
                    pending.push(sub);
                }
            }
        }
        false
    }

    /// A type with derived types but no `{}` among them may only appear as one of those.
    fn is_abstract(&self, name: &str) -> bool {
        self.schema(name)
            .and_then(|schema| schema.get("anyOf"))
            .and_then(Value::as_array)
            .is_some_and(|branches| {
                is_derived_type_list(branches) && !branches.iter().any(is_empty_schema)
            })
    }
}

/// A path template split into segments, e.g. `/chats/{id}/messages`.
struct Template {
    path: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param,
}

impl Template {
    fn parse(path: &str) -> Template {
        let segments = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                if s.starts_with('{') && s.ends_with('}') {
                    Segment::Param
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        Template {
            path: path.to_owned(),
            segments,
        }
    }

    fn matches(&self, concrete: &[&str]) -> bool {
        self.segments.len() == concrete.len()
            && self
                .segments
                .iter()
                .zip(concrete)
                .all(|(segment, s)| match segment {
                    Segment::Literal(literal) => literal == s,
                    Segment::Param => !s.is_empty(),
                })
    }

    fn literal_mask(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| matches!(s, Segment::Literal(_)))
            .collect()
    }
}

/// The status's response: its own code, else its class (`4XX`), else `default`.
fn response_for(operation: &Value, status: u16) -> Option<&Value> {
    let responses = operation.get("responses")?;
    responses
        .get(status.to_string())
        .or_else(|| responses.get(format!("{}XX", status / 100)))
        .or_else(|| responses.get("default"))
}

enum Content<'a> {
    Json(&'a Value),
    None,
    /// Only other media types, listed.
    Other(String),
}

fn json_content(holder: &Value) -> Content<'_> {
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return Content::None;
    };
    match content.get("application/json") {
        Some(media) => Content::Json(media.get("schema").unwrap_or(&Value::Null)),
        None => Content::Other(content.keys().cloned().collect::<Vec<_>>().join(", ")),
    }
}

/// Where real Graph and the Graph subset disagree, follow Graph.
fn patch_known_divergences(doc: &mut Value) {
    // The subset's error object has OData's standard 'innererror'; Graph sends 'innerError'
    // (with date, request-id and client-request-id), so accept that spelling too.
    let error_members = doc
        .pointer_mut("/components/schemas/error/properties/error/properties")
        .and_then(Value::as_object_mut);
    if let Some(members) = error_members
        && let Some(inner) = members.get("innererror").cloned()
    {
        members.insert("innerError".to_owned(), inner);
    }
    // Outlook's action parameters are PascalCase in the CSDL ('Message', 'SaveToSentItems',
    // 'DestinationId'), camelCase in Graph's documentation, and Graph accepts both.
    let operations = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let parameters = operation
            .pointer_mut("/requestBody/content/application~1json/schema/properties")
            .and_then(Value::as_object_mut);
        if let Some(parameters) = parameters {
            add_camel_case_aliases(parameters);
        }
    }
    add_search_schemas(doc);
    patch_documented_answers(doc);
    patch_documented_request_members(doc);
}

/// A member Graph's documentation puts in a request body that the CSDL-generated subset leaves
/// out (it drops navigation properties from its schemas): (component schema, member, the
/// member's schema, page below https://learn.microsoft.com/graph/api/).
type RequestMember = (&'static str, &'static str, fn() -> Value, &'static str);

fn members_of(component: &str) -> Value {
    json!({"type": "array", "items": schema_ref(component)})
}

const DOCUMENTED_REQUEST_MEMBERS: &[RequestMember] = &[
    // A chat is created with its members.
    (
        "microsoft.graph.chat-create",
        "members",
        || members_of("microsoft.graph.conversationMember"),
        "chat-post",
    ),
    // A private channel is created with its owner among its members.
    (
        "microsoft.graph.channel-create",
        "members",
        || members_of("microsoft.graph.conversationMember"),
        "channel-post",
    ),
    // Inline images travel with the message as hosted contents (with a temporary id).
    (
        "microsoft.graph.chatMessage-create",
        "hostedContents",
        || members_of("microsoft.graph.chatMessageHostedContent"),
        "chatmessage-post",
    ),
    // Read markers name the user with their tenant.
    (
        "microsoft.graph.teamworkUserIdentity",
        "tenantId",
        || json!({"type": "string", "nullable": true}),
        "chat-markchatreadforuser",
    ),
    // A message sent with sendMail or created as a draft may carry its attachments.
    (
        "microsoft.graph.message",
        "attachments",
        || members_of("microsoft.graph.attachment"),
        "user-sendmail",
    ),
];

/// Adds the documented request members (`DOCUMENTED_REQUEST_MEMBERS`); a component missing from
/// the subset means the table is stale, which is a loud failure.
fn patch_documented_request_members(doc: &mut Value) {
    for (component, member, schema, page) in DOCUMENTED_REQUEST_MEMBERS {
        let pointer = format!(
            "/components/schemas/{}/properties",
            component.replace('/', "~1")
        );
        let Some(properties) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            panic!(
                "the documented request member {component}.{member} ({page}) names no schema in the subset"
            );
        };
        properties.insert((*member).to_owned(), schema());
    }
}

/// What a success answer carries.
enum Body {
    Empty,
    /// One entity of the named component schema.
    Entity(&'static str),
    /// A collection (`value`) of the named component schema.
    Collection(&'static str),
}

/// Graph's success answer for an operation, as its documentation page states it:
/// (method, path, status, body, page below https://learn.microsoft.com/graph/api/).
type Answer = (&'static str, &'static str, u16, Body, &'static str);

/// Operations whose success answers differ from what the CSDL-generated subset says. For each
/// operation listed, these answers replace every 2xx response of the subset.
const DOCUMENTED_ANSWERS: &[Answer] = &[
    // Outlook actions are accepted for asynchronous processing: 202, no body.
    ("post", "/me/sendMail", 202, Body::Empty, "user-sendmail"),
    (
        "post",
        "/me/messages/{id_1}/send",
        202,
        Body::Empty,
        "message-send",
    ),
    (
        "post",
        "/me/messages/{id_1}/reply",
        202,
        Body::Empty,
        "message-reply",
    ),
    (
        "post",
        "/me/messages/{id_1}/replyAll",
        202,
        Body::Empty,
        "message-replyall",
    ),
    (
        "post",
        "/me/messages/{id_1}/forward",
        202,
        Body::Empty,
        "message-forward",
    ),
    (
        "post",
        "/me/events/{id_1}/accept",
        202,
        Body::Empty,
        "event-accept",
    ),
    (
        "post",
        "/me/events/{id_1}/decline",
        202,
        Body::Empty,
        "event-decline",
    ),
    (
        "post",
        "/me/events/{id_1}/tentativelyAccept",
        202,
        Body::Empty,
        "event-tentativelyaccept",
    ),
    (
        "post",
        "/me/events/{id_1}/cancel",
        202,
        Body::Empty,
        "event-cancel",
    ),
    // A moved or copied message is a new item: 201 with it.
    (
        "post",
        "/me/messages/{id_1}/move",
        201,
        Body::Entity(MESSAGE),
        "message-move",
    ),
    (
        "post",
        "/me/messages/{id_1}/copy",
        201,
        Body::Entity(MESSAGE),
        "message-copy",
    ),
    // Updates answer with the updated entity.
    (
        "patch",
        "/chats/{id}",
        200,
        Body::Entity("microsoft.graph.chat"),
        "chat-patch",
    ),
    (
        "patch",
        "/me/messages/{id_1}",
        200,
        Body::Entity(MESSAGE),
        "message-update",
    ),
    (
        "patch",
        "/me/events/{id_1}",
        200,
        Body::Entity("microsoft.graph.event"),
        "event-update",
    ),
    (
        "patch",
        "/me/onlineMeetings/{id_1}",
        200,
        Body::Entity("microsoft.graph.onlineMeeting"),
        "onlinemeeting-update",
    ),
    (
        "patch",
        "/me/drive/items/{id_1}",
        200,
        Body::Entity(DRIVE_ITEM),
        "driveitem-update",
    ),
    (
        "patch",
        "/subscriptions/{id}",
        200,
        Body::Entity("microsoft.graph.subscription"),
        "subscription-update",
    ),
    (
        "patch",
        "/me/todo/lists/{id_2}/tasks/{id_3}",
        200,
        Body::Entity("microsoft.graph.todoTask"),
        "todotask-update",
    ),
    // A new sharing link is created (201); asking again for the same one returns it (200).
    (
        "post",
        "/me/drive/items/{id_1}/createLink",
        201,
        Body::Entity(PERMISSION),
        "driveitem-createlink",
    ),
    (
        "post",
        "/me/drive/items/{id_1}/createLink",
        200,
        Body::Entity(PERMISSION),
        "driveitem-createlink",
    ),
    // Long-running actions: 202 with a Location to follow, no body.
    (
        "post",
        "/me/drive/items/{id_1}/copy",
        202,
        Body::Empty,
        "driveitem-copy",
    ),
    (
        "post",
        "/teams/{id}/archive",
        202,
        Body::Empty,
        "team-archive",
    ),
    (
        "post",
        "/teams/{id}/unarchive",
        202,
        Body::Empty,
        "team-unarchive",
    ),
    // The subset stubs out the search response; its documented shape is added by
    // `add_search_schemas`.
    (
        "post",
        "/search/query",
        200,
        Body::Collection(SEARCH_RESPONSE),
        "search-query",
    ),
];

const MESSAGE: &str = "microsoft.graph.message";
const DRIVE_ITEM: &str = "microsoft.graph.driveItem";
const PERMISSION: &str = "microsoft.graph.permission";
const SEARCH_RESPONSE: &str = "microsoft.graph.searchResponse";

/// Replace the subset's success answers by the documented ones (`DOCUMENTED_ANSWERS`). A listed
/// operation missing from the subset means the table is stale, which is a loud failure.
fn patch_documented_answers(doc: &mut Value) {
    let mut patched: Vec<(&str, &str)> = Vec::new();
    for (method, path, status, body, page) in DOCUMENTED_ANSWERS {
        let responses = doc
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(*path))
            .and_then(|item| item.get_mut(*method))
            .and_then(|operation| operation.get_mut("responses"))
            .and_then(Value::as_object_mut);
        let Some(responses) = responses else {
            panic!("the documented answer of {method} {path} names no operation in the subset");
        };
        if !patched.contains(&(*method, *path)) {
            responses.retain(|status, _| !status.starts_with('2'));
            patched.push((*method, *path));
        }
        responses.insert(status.to_string(), documented_response(body, page));
    }
    // A message is created from JSON; the subset, seeing a media entity, expects a stream
    // (https://learn.microsoft.com/graph/api/user-post-messages).
    let create = doc.pointer_mut("/paths/~1me~1messages/post/requestBody/content");
    if let Some(create) = create
        && create.get("*/*").is_some()
    {
        *create = json!({"application/json": {"schema": schema_ref(MESSAGE)}});
    }
}

fn documented_response(body: &Body, page: &str) -> Value {
    let description = format!("https://learn.microsoft.com/graph/api/{page}");
    let schema = match body {
        Body::Empty => return json!({ "description": description }),
        Body::Entity(name) => schema_ref(name),
        Body::Collection(name) => json!({
            "title": format!("Collection of {}", name.trim_start_matches("microsoft.graph.")),
            "type": "object",
            "properties": {
                "@odata.count": {"$ref": "#/components/schemas/count"},
                "value": {"type": "array", "items": schema_ref(name)},
            },
        }),
    };
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema}},
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("{SCHEMA_REF}{name}") })
}

/// The subset declares the search response as a stub. Its types, from their documentation
/// pages (resources/searchresponse, searchhitscontainer, searchhit): a hit's `resource` is an
/// `entity`, Graph's base type that the subset leaves out; it is added here as an abstract type
/// whose derived types are the entity types a search returns and the subset describes, so each
/// resource is checked against the schema its `@odata.type` names.
fn add_search_schemas(doc: &mut Value) {
    const SEARCHABLE: &[&str] = &[
        "microsoft.graph.chatMessage",
        "microsoft.graph.drive",
        "microsoft.graph.driveItem",
        "microsoft.graph.event",
        "microsoft.graph.message",
        "microsoft.graph.person",
    ];
    let nullable = |ty: &str| json!({"type": ty, "nullable": true});
    let schemas = [
        (
            "microsoft.graph.entity",
            json!({
                "title": "entity",
                "anyOf": SEARCHABLE.iter().map(|name| schema_ref(name)).collect::<Vec<_>>(),
            }),
        ),
        (
            SEARCH_RESPONSE,
            json!({
                "title": "searchResponse",
                "type": "object",
                "properties": {
                    "hitsContainers": {"type": "array", "items": schema_ref("microsoft.graph.searchHitsContainer")},
                    "queryAlterationResponse": nullable("object"),
                    "resultTemplates": nullable("object"),
                    "searchTerms": {"type": "array", "items": {"type": "string"}},
                },
            }),
        ),
        (
            "microsoft.graph.searchHitsContainer",
            json!({
                "title": "searchHitsContainer",
                "type": "object",
                "properties": {
                    "aggregations": {"type": "array", "items": {"type": "object"}},
                    "hits": {"type": "array", "items": schema_ref("microsoft.graph.searchHit")},
                    "moreResultsAvailable": nullable("boolean"),
                    "total": {"type": "integer", "format": "int32", "nullable": true},
                },
            }),
        ),
        (
            "microsoft.graph.searchHit",
            json!({
                "title": "searchHit",
                "type": "object",
                "properties": {
                    "contentSource": nullable("string"),
                    "hitId": nullable("string"),
                    "rank": {"type": "integer", "format": "int32", "nullable": true},
                    "resource": schema_ref("microsoft.graph.entity"),
                    "resultTemplateId": nullable("string"),
                    "summary": nullable("string"),
                },
            }),
        ),
    ];
    if let Some(components) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas {
            components.entry(name).or_insert(schema);
        }
    }
}

fn add_camel_case_aliases(properties: &mut Map<String, Value>) {
    let pascal: Vec<String> = properties
        .keys()
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .cloned()
        .collect();
    for name in pascal {
        let camel = format!("{}{}", name[..1].to_ascii_lowercase(), &name[1..]);
        if !properties.contains_key(&camel)
            && let Some(schema) = properties.get(&name).cloned()
        {
            properties.insert(camel, schema);
        }
    }
}

/// One validation failure, rendered `<pointer>: <message> (<schema>)`.
struct Problem {
    pointer: String,
    message: String,
    schema: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {} ({})", self.message, self.schema)
    }
}

struct Validator<'a> {
    api: &'a OpenApi,
    problems: Vec<Problem>,
    /// (component, pointer) pairs being checked: meeting one again means a schema cycle that
    /// does not descend into the value, which would otherwise recurse forever.
    active: HashSet<(String, String)>,
}

impl Validator<'_> {
    fn fail(&mut self, pointer: &str, schema: &str, message: String) {
        self.problems.push(Problem {
            pointer: pointer.to_owned(),
            message,
            schema: schema.to_owned(),
        });
    }

    /// Checks `value` at `pointer` against `schema`, which belongs to the component `name`.
    fn check(&mut self, schema: &Value, value: &Value, pointer: &str, name: &str) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return self.check_ref(reference, value, pointer);
        }
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        if let Some(ty) = schema.get("type").and_then(Value::as_str)
            && !has_type(value, ty)
        {
            // Nothing else about a value of the wrong type is worth reporting.
            return self.fail(pointer, name, format!("{} is not {}", show(value), a(ty)));
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let names: Vec<String> = allowed.iter().map(show).collect();
            let message = format!("{} is not one of {}", show(value), names.join(", "));
            self.fail(pointer, name, message);
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str)
            && !format_ok(format, value)
        {
            self.fail(
                pointer,
                name,
                format!("{} is not {}", show(value), a(format)),
            );
        }
        if let (Some(minimum), Some(n)) = (schema.get("minimum"), value.as_f64())
            && minimum.as_f64().is_some_and(|min| n < min)
        {
            self.fail(pointer, name, format!("{n} is less than {minimum}"));
        }
        match value {
            Value::Array(items) => self.check_array(schema, items, pointer, name),
            Value::Object(members) => self.check_object(schema, members, pointer, name),
            _ => {}
        }
        for branch in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(branch, value, pointer, name);
        }
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array)
            // Derived types are chosen by '@odata.type' in check_ref, not tried one by one.
            && !is_derived_type_list(branches)
        {
            self.check_any_of(branches, value, pointer, name);
        }
    }

    fn check_ref(&mut self, reference: &str, value: &Value, pointer: &str) {
        let Some(declared) = reference.strip_prefix(SCHEMA_REF) else {
            return self.fail(pointer, reference, "unsupported $ref".to_owned());
        };
        let Some(name) = self.resolve_type(declared, value, pointer) else {
            return;
        };
        let api = self.api;
        let Some(schema) = api.schema(&name) else {
            return self.fail(pointer, &name, "no such schema".to_owned());
        };
        let key = (name, pointer.to_owned());
        if self.active.contains(&key) {
            return;
        }
        self.active.insert(key.clone());
        self.check(schema, value, pointer, &key.0);
        self.active.remove(&key);
    }

    /// The component to check `value` against: the declared one, or the derived type its
    /// `@odata.type` names. `None` once a problem has been reported.
    fn resolve_type(&mut self, declared: &str, value: &Value, pointer: &str) -> Option<String> {
        let named = match value.get("@odata.type") {
            None => declared.to_owned(),
            Some(tag @ Value::String(type_name)) => match type_name.strip_prefix('#') {
                // `-create`/`-update` variants derive from each other in parallel.
                Some(type_name) => format!("{type_name}{}", variant_suffix(declared)),
                None => {
                    let at = child(pointer, "@odata.type");
                    self.fail(&at, declared, format!("{} must start with '#'", show(tag)));
                    return None;
                }
            },
            Some(other) => {
                let at = child(pointer, "@odata.type");
                self.fail(&at, declared, format!("{} is not a string", show(other)));
                return None;
            }
        };
        if named != declared && !self.api.derives_from(&named, declared) {
            let message = format!("'@odata.type' names {named}, which is not derived from it");
            self.fail(pointer, declared, message);
            return None;
        }
        if value.is_object() && self.api.is_abstract(&named) {
            let message = "the type is abstract: '@odata.type' must name a derived type";
            self.fail(pointer, &named, message.to_owned());
            return None;
        }
        Some(named)
    }

    fn check_object(
        &mut self,
        schema: &Value,
        members: &Map<String, Value>,
        pointer: &str,
        name: &str,
    ) {
        let required = schema.get("required").and_then(Value::as_array);
        for key in required.into_iter().flatten().filter_map(Value::as_str) {
            if !members.contains_key(key) {
                self.fail(pointer, name, format!("missing required property '{key}'"));
            }
        }
        let declared = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, member) in members {
            let at = child(pointer, key);
            match (declared.and_then(|d| d.get(key)), additional) {
                (Some(property), _) => self.check(property, member, &at, name),
                (None, Some(Value::Bool(true))) => {}
                (None, Some(Value::Bool(false))) if !is_annotation(key) => {
                    self.fail(&at, name, format!("unknown property '{key}'"));
                }
                (None, Some(extra @ Value::Object(_))) => self.check(extra, member, &at, name),
                // Strict: a schema that lists its properties lists all of them.
                (None, None) if declared.is_some() && !is_annotation(key) => {
                    self.fail(&at, name, format!("unknown property '{key}'"));
                }
                // A free-form object (no `properties`), such as an error's innererror.
                _ => {}
            }
        }
    }

    fn check_array(&mut self, schema: &Value, items: &[Value], pointer: &str, name: &str) {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            self.fail(
                pointer,
                name,
                format!("has {} items, fewer than {min}", items.len()),
            );
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > max
        {
            self.fail(
                pointer,
                name,
                format!("has {} items, more than {max}", items.len()),
            );
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    let at = child(pointer, &i.to_string());
                    self.fail(&at, name, format!("{} repeats an earlier item", show(item)));
                }
            }
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &child(pointer, &i.to_string()), name);
            }
        }
    }

    /// A plain `anyOf` (count, Int64-as-string): the value must pass one branch whole.
    fn check_any_of(&mut self, branches: &[Value], value: &Value, pointer: &str, name: &str) {
        let mark = self.problems.len();
        let mut reasons = Vec::new();
        for branch in branches {
            self.check(branch, value, pointer, name);
            if self.problems.len() == mark {
                return;
            }
            reasons.extend(self.problems.drain(mark..).map(|p| p.message));
        }
        let message = format!(
            "{} matches no allowed form: {}",
            show(value),
            reasons.join("; ")
        );
        self.fail(pointer, name, message);
    }
}

/// OData instance and property annotations (`@odata.context`, `members@odata.bind`,
/// `@microsoft.graph.tips`) and `@removed`, Graph's marker for deleted items in delta results.
fn is_annotation(key: &str) -> bool {
    key.contains("@odata.") || key.contains("@microsoft.graph.") || key == "@removed"
}

/// odata-openapi's encoding of derived types: `$ref`s to them, plus `{}` if the base itself is
/// allowed. CSDL has no unions, so a list of only these is never a plain `anyOf`.
fn is_derived_type_list(branches: &[Value]) -> bool {
    let is_type_ref = |b: &Value| {
        b.get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.starts_with(SCHEMA_REF))
    };
    branches.iter().any(is_type_ref)
        && branches
            .iter()
            .all(|b| is_type_ref(b) || is_empty_schema(b))
}

fn derived_types(schema: &Value) -> Vec<&str> {
    let branches = schema.get("anyOf").and_then(Value::as_array);
    match branches {
        Some(branches) if is_derived_type_list(branches) => branches
            .iter()
            .filter_map(|b| b.get("$ref")?.as_str()?.strip_prefix(SCHEMA_REF))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_empty_schema(schema: &Value) -> bool {
    schema.as_object().is_some_and(Map::is_empty)
}

/// `-create` or `-update` for those variants of a type, else nothing.
fn variant_suffix(name: &str) -> &str {
    name.rfind('-').map_or("", |i| &name[i..])
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    }
}

/// Whether `value` has `format`; a format that does not apply to the value's JSON type holds
/// (the type check reports the mismatch).
fn format_ok(format: &str, value: &Value) -> bool {
    match (format, value) {
        ("date-time", Value::String(s)) => is_date_time(s),
        ("date", Value::String(s)) => is_date(s),
        ("time", Value::String(s)) => is_time_of_day(s),
        ("duration", Value::String(s)) => is_duration(s),
        ("uuid", Value::String(s)) => UUID.is_match(s),
        ("base64url", Value::String(s)) => BASE64.is_match(s),
        ("int16", _) => integer(value).is_some_and(|n| i16::try_from(n).is_ok()),
        ("int32", _) => integer(value).is_some_and(|n| i32::try_from(n).is_ok()),
        ("int64", Value::Number(_) | Value::String(_)) => integer(value).is_some(),
        _ => true,
    }
}

/// An integer, also in the string form OData uses for Int64 under `IEEE754Compatible`.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.parse().ok(),
        _ => value.as_i64(),
    }
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .unwrap()
});
// Loose on purpose: Graph's Edm.Binary values come in base64 and base64url alphabets alike.
static BASE64: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9+/_-]*={0,2}$").unwrap());

/// RFC 3339 with a mandatory offset, as Graph writes Edm.DateTimeOffset
/// (`2024-03-01T09:30:00Z`, up to seven fractional digits).
fn is_date_time(s: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:Z|[+-](\d{2}):(\d{2}))$")
            .unwrap()
    });
    let Some(caps) = RE.captures(s) else {
        return false;
    };
    let offset_ok = match (caps.get(3), caps.get(4)) {
        (Some(h), Some(m)) => number(h.as_str()) < 24 && number(m.as_str()) < 60,
        _ => true,
    };
    is_date(&caps[1]) && is_time_of_day(&caps[2]) && offset_ok
}

fn is_date(s: &str) -> bool {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{2})-(\d{2})$").unwrap());
    let Some(caps) = RE.captures(s) else {
        return false;
    };
    let (year, month, day) = (number(&caps[1]), number(&caps[2]), number(&caps[3]));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// Edm.TimeOfDay: `hh:mm[:ss[.fffffff]]`.
fn is_time_of_day(s: &str) -> bool {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$").unwrap());
    let Some(caps) = RE.captures(s) else {
        return false;
    };
    let seconds = caps.get(3).map_or(0, |m| number(m.as_str()));
    number(&caps[1]) < 24 && number(&caps[2]) < 60 && seconds < 60
}

/// Edm.Duration, an ISO 8601 day-time duration: `P4DT15H51M04S`, `PT0.5S`, `-P1D`.
fn is_duration(s: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^-?P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$").unwrap()
    });
    // The pattern also admits the empty "P" and a dangling "T"; neither says anything.
    RE.is_match(s) && !s.ends_with('P') && !s.ends_with('T')
}

fn number(digits: &str) -> u32 {
    digits.parse().unwrap_or(u32::MAX)
}

/// "a string", "an integer", "a uuid".
fn a(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

/// A value for a message: compact JSON, cut short.
fn show(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `pointer` extended by one member or index, escaped per RFC 6901.
fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Every construct in the document's body schemas the validator would not check.
fn unsupported_constructs(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let components = doc["components"]["schemas"].as_object();
    for (name, schema) in components.into_iter().flatten() {
        survey(schema, &format!("{SCHEMA_REF}{name}"), true, &mut problems);
    }
    for (at, schema) in body_schemas(doc) {
        survey(schema, &at, false, &mut problems);
    }
    problems
}

/// The request and response body schemas written inline in operations and shared responses.
fn body_schemas(doc: &Value) -> Vec<(String, &Value)> {
    let mut holders: Vec<(String, &Value)> = Vec::new();
    let shared = doc["components"]["responses"].as_object();
    for (name, response) in shared.into_iter().flatten() {
        holders.push((format!("#/components/responses/{name}"), response));
    }
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let at = format!("{} {path}", method.to_ascii_uppercase());
            holders.push((format!("{at} request"), &operation["requestBody"]));
            let responses = operation["responses"].as_object();
            for (status, response) in responses.into_iter().flatten() {
                holders.push((format!("{at} response {status}"), response));
            }
        }
    }
    let mut schemas = Vec::new();
    for (at, holder) in holders {
        for (media, content) in holder["content"].as_object().into_iter().flatten() {
            if let Some(schema) = content.get("schema") {
                schemas.push((format!("{at} {media}"), schema));
            }
        }
    }
    schemas
}

fn survey(schema: &Value, at: &str, component_top: bool, problems: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        return problems.push(format!("{at}: a schema that is not an object"));
    };
    for (keyword, value) in keywords {
        let here = format!("{at}/{keyword}");
        match keyword.as_str() {
            "$ref" if keywords.len() > 1 => {
                problems.push(format!(
                    "{here}: siblings of $ref, which OpenAPI 3.0 ignores"
                ));
            }
            "$ref" if !value.as_str().is_some_and(|r| r.starts_with(SCHEMA_REF)) => {
                problems.push(format!("{here}: a $ref outside {SCHEMA_REF}"));
            }
            "type" if !value.as_str().is_some_and(|t| TYPES.contains(&t)) => {
                problems.push(format!("{here}: type {value}"));
            }
            "format" if !value.as_str().is_some_and(|f| FORMATS.contains(&f)) => {
                problems.push(format!("{here}: format {value}"));
            }
            "properties" => {
                for (name, property) in value.as_object().into_iter().flatten() {
                    survey(property, &format!("{here}/{name}"), false, problems);
                }
            }
            "items" => survey(value, &here, false, problems),
            "additionalProperties" if value.is_object() => survey(value, &here, false, problems),
            "allOf" | "anyOf" => {
                let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
                // Derived types are only resolved where a $ref lands, at a component's top.
                if keyword == "anyOf" && is_derived_type_list(branches) && !component_top {
                    problems.push(format!("{here}: a derived-type list inside a schema"));
                }
                for (i, branch) in branches.iter().enumerate() {
                    survey(branch, &format!("{here}/{i}"), false, problems);
                }
            }
            k if CHECKED_KEYWORDS.contains(&k) || DOC_KEYWORDS.contains(&k) => {}
            _ => problems.push(format!("{here}: keyword not checked")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn graph() -> &'static OpenApi {
        OpenApi::graph_subset()
    }

    /// A group chat as GET /chats/{id} returns it, with every member microsoft.graph.chat has.
    fn chat() -> Value {
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats/$entity",
            "id": "19:b8577894a63548969c5c92bb9c80c5e1@thread.v2",
            "topic": "Project sync",
            "createdDateTime": "2024-03-01T09:30:00.123Z",
            "lastUpdatedDateTime": "2024-03-01T10:02:11.4567891Z",
            "chatType": "group",
            "webUrl": "https://teams.microsoft.com/l/chat/19%3Ab8577894%40thread.v2/0",
            "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34",
            "isHiddenForAllMembers": false,
            "migrationMode": null,
            "originalCreatedDateTime": null,
            "onlineMeetingInfo": {
                "calendarEventId": null,
                "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
                "organizer": {
                    "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                    "id": "8ea0e38b-efb3-4757-924a-5f94061cf8c2",
                    "displayName": null,
                    "userIdentityType": "aadUser"
                }
            },
            "viewpoint": { "isHidden": false, "lastMessageReadDateTime": "2024-03-01T10:02:11Z" }
        })
    }

    /// A chat message as GET /chats/{id}/messages lists it.
    fn chat_message() -> Value {
        json!({
            "id": "1616965872395",
            "replyToId": null,
            "etag": "1616965872395",
            "messageType": "message",
            "createdDateTime": "2021-03-28T21:11:12.395Z",
            "lastModifiedDateTime": "2021-03-28T21:11:12.395Z",
            "lastEditedDateTime": null,
            "deletedDateTime": null,
            "subject": null,
            "summary": null,
            "chatId": "19:b8577894a63548969c5c92bb9c80c5e1@thread.v2",
            "importance": "normal",
            "locale": "en-us",
            "webUrl": null,
            "channelIdentity": null,
            "policyViolation": null,
            "eventDetail": null,
            "from": {
                "application": null,
                "device": null,
                "user": {
                    "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                    "id": "8ea0e38b-efb3-4757-924a-5f94061cf8c2",
                    "displayName": "Robin Kline",
                    "userIdentityType": "aadUser"
                }
            },
            "body": { "contentType": "html", "content": "<p>Hello world</p>" },
            "attachments": [],
            "mentions": [],
            "reactions": [],
            "messageHistory": []
        })
    }

    fn aad_member() -> Value {
        json!({
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "id": "MCMjMjQzMmI1N2ItMGFiZC00M2RiLWFhN2ItMTZlYWRkMTE1ZDM0",
            "displayName": "Adele Vance",
            "roles": ["owner"],
            "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
            "userId": "8ea0e38b-efb3-4757-924a-5f94061cf8c2",
            "email": "AdeleV@contoso.example",
            "tenantId": "2432b57b-0abd-43db-aa7b-16eadd115d34"
        })
    }

    fn chat_errors(body: &Value) -> Vec<String> {
        let path = "/chats/19:abc@thread.v2";
        graph()
            .validate_response("GET", path, 200, body)
            .unwrap_err()
    }

    #[test]
    fn the_subset_loads_once() {
        assert!(std::ptr::eq(graph(), OpenApi::graph_subset()));
        assert!(format!("{:?}", graph()).contains("paths: 109"));
    }

    #[test]
    fn paths_match_templates() {
        let api = graph();
        let op = |method, path| api.operation(method, path);
        assert_eq!(
            op("GET", "/chats/19:abc@thread.v2/messages"),
            Some("/chats/{id}/messages")
        );
        assert_eq!(
            op("post", "/chats/19:abc@thread.v2/messages"),
            Some("/chats/{id}/messages")
        );
        assert_eq!(op("GET", "/me"), Some("/me"));
        assert_eq!(op("POST", "/$batch"), Some("/$batch"));
        assert_eq!(op("GET", "/$batch"), None, "$batch is POST only");
        assert_eq!(op("GET", "/nowhere"), None);
        assert_eq!(
            op("GET", "/chats//messages"),
            None,
            "a parameter is never empty"
        );
        assert_eq!(op("GET", "chats/x"), None, "paths start with '/'");
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let api = graph();
        assert_eq!(
            api.operation("GET", "/me/messages/delta"),
            Some("/me/messages/delta")
        );
        assert_eq!(
            api.operation("GET", "/me/messages/AAMkAGI2"),
            Some("/me/messages/{id_1}")
        );
        assert_eq!(
            api.operation("GET", "/chats/19:x@thread.v2/messages/delta"),
            Some("/chats/{id}/messages/delta")
        );
        assert_eq!(
            api.operation("GET", "/me/drive/root"),
            Some("/me/drive/root")
        );
        // The delta function has no DELETE; that is no reason to treat "delta" as an id.
        assert_eq!(api.operation("DELETE", "/me/messages/delta"), None);
    }

    #[test]
    fn a_graph_chat_passes() {
        let result = graph().validate_response("GET", "/chats/19:abc@thread.v2", 200, &chat());
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn an_invented_property_is_named() {
        let mut body = chat();
        body["isFavourite"] = json!(true);
        body["viewpoint"]["colour"] = json!("blue");
        assert_eq!(
            chat_errors(&body),
            [
                "/viewpoint/colour: unknown property 'colour' (microsoft.graph.chatViewpoint)",
                "/isFavourite: unknown property 'isFavourite' (microsoft.graph.chat)",
            ]
        );
    }

    #[test]
    fn wrong_types_dates_and_enum_values_fail() {
        let mut body = chat();
        body["topic"] = json!(5);
        body["createdDateTime"] = json!("yesterday");
        body["chatType"] = json!("party");
        body["isHiddenForAllMembers"] = json!("false");
        assert_eq!(
            chat_errors(&body),
            [
                "/topic: 5 is not a string (microsoft.graph.chat)",
                r#"/createdDateTime: "yesterday" is not a date-time (microsoft.graph.chat)"#,
                r#"/chatType: "party" is not one of "oneOnOne", "group", "meeting", "unknownFutureValue" (microsoft.graph.chatType)"#,
                r#"/isHiddenForAllMembers: "false" is not a boolean (microsoft.graph.chat)"#,
            ]
        );
    }

    #[test]
    fn null_is_only_for_nullable_members() {
        let mut body = chat();
        body["chatType"] = Value::Null;
        body["id"] = Value::Null;
        body["topic"] = Value::Null;
        assert_eq!(
            chat_errors(&body),
            [
                "/id: null is not a string (microsoft.graph.chat)",
                "/chatType: null is not a string (microsoft.graph.chatType)",
            ]
        );
    }

    #[test]
    fn a_collection_page_passes() {
        let body = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats",
            "@odata.count": 2,
            "value": [chat(), chat()],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/me/chats?$skiptoken=abc"
        });
        assert_eq!(
            graph().validate_response("GET", "/me/chats", 200, &body),
            Ok(())
        );
    }

    #[test]
    fn collection_items_are_checked() {
        let mut message = chat_message();
        message["createdDateTime"] = json!("yesterday");
        let body = json!({ "value": [message], "@odata.count": -1 });
        let errors = graph()
            .validate_response("GET", "/chats/19:abc@thread.v2/messages", 200, &body)
            .unwrap_err();
        assert_eq!(
            errors,
            [
                r#"/value/0/createdDateTime: "yesterday" is not a date-time (microsoft.graph.chatMessage)"#,
                "/@odata.count: -1 matches no allowed form: -1 is less than 0; -1 is not a string (count)",
            ]
        );
    }

    #[test]
    fn a_delta_page_with_removed_items_passes() {
        let body = json!({
            "value": [
                chat_message(),
                { "id": "1616965872396", "@removed": { "reason": "deleted" } }
            ],
            "@odata.deltaLink": "https://graph.microsoft.com/v1.0/chats/x/messages/delta?$deltatoken=a"
        });
        let path = "/chats/19:abc@thread.v2/messages/delta";
        assert_eq!(graph().validate_response("GET", path, 200, &body), Ok(()));
    }

    #[test]
    fn odata_type_selects_the_derived_schema() {
        let path = "/chats/19:abc@thread.v2/members";
        let check = |member: Value| {
            graph().validate_response("GET", path, 200, &json!({ "value": [member] }))
        };
        assert_eq!(check(aad_member()), Ok(()));

        // anonymousGuestId belongs to a sibling type, not to aadUserConversationMember.
        let mut member = aad_member();
        member["anonymousGuestId"] = json!("guest");
        assert_eq!(
            check(member).unwrap_err(),
            [
                "/value/0/anonymousGuestId: unknown property 'anonymousGuestId' (microsoft.graph.aadUserConversationMember)"
            ]
        );

        let mut member = aad_member();
        member["@odata.type"] = json!("#microsoft.graph.anonymousGuestConversationMember");
        let errors = check(member).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("/value/0/email: unknown property 'email'")),
            "{errors:?}"
        );

        let mut member = aad_member();
        member["@odata.type"] = json!("#microsoft.graph.chat");
        assert_eq!(
            check(member).unwrap_err(),
            [
                "/value/0: '@odata.type' names microsoft.graph.chat, which is not derived from it (microsoft.graph.conversationMember)"
            ]
        );

        let mut member = aad_member();
        member["@odata.type"] = json!("microsoft.graph.aadUserConversationMember");
        assert_eq!(
            check(member).unwrap_err(),
            [
                r#"/value/0/@odata.type: "microsoft.graph.aadUserConversationMember" must start with '#' (microsoft.graph.conversationMember)"#
            ]
        );
    }

    #[test]
    fn an_abstract_type_needs_odata_type() {
        let mut member = aad_member();
        member.as_object_mut().unwrap().remove("@odata.type");
        let body = json!({ "value": [member] });
        let errors = graph()
            .validate_response("GET", "/chats/19:abc@thread.v2/members", 200, &body)
            .unwrap_err();
        assert_eq!(
            errors,
            [
                "/value/0: the type is abstract: '@odata.type' must name a derived type (microsoft.graph.conversationMember)"
            ]
        );
    }

    #[test]
    fn request_bodies_are_checked() {
        let api = graph();
        let path = "/chats/19:abc@thread.v2/messages";
        let message = json!({ "body": { "contentType": "text", "content": "Hello world" } });
        assert_eq!(api.validate_request("POST", path, &message), Ok(()));

        let mut invented = message.clone();
        invented["priority"] = json!("high");
        invented["importance"] = json!("critical");
        assert_eq!(
            api.validate_request("POST", path, &invented).unwrap_err(),
            [
                "/priority: unknown property 'priority' (microsoft.graph.chatMessage-create)",
                r#"/importance: "critical" is not one of "normal", "high", "urgent", "unknownFutureValue" (microsoft.graph.chatMessageImportance)"#,
            ]
        );
        assert_eq!(
            api.validate_request("POST", path, &Value::Null)
                .unwrap_err(),
            ["POST /chats/{id}/messages request body is required"]
        );
        assert_eq!(
            api.validate_request("GET", path, &message).unwrap_err()[0],
            r#"GET /chats/{id}/messages request body is not expected, got {"body":{"contentType":"text","content":"Hello world"}}"#
        );
    }

    #[test]
    fn outlook_action_parameters_take_either_case() {
        let message = json!({
            "subject": "Lunch",
            "body": { "contentType": "text", "content": "Noon?" },
            "toRecipients": [{ "emailAddress": { "address": "adele@contoso.example" } }]
        });
        let api = graph();
        let documented = json!({ "message": message, "saveToSentItems": false });
        assert_eq!(
            api.validate_request("POST", "/me/sendMail", &documented),
            Ok(())
        );
        let csdl = json!({ "Message": message, "SaveToSentItems": false });
        assert_eq!(api.validate_request("POST", "/me/sendMail", &csdl), Ok(()));
        let mut bad = documented.clone();
        bad["message"]["body"]["contentType"] = json!("Text");
        assert_eq!(
            api.validate_request("POST", "/me/sendMail", &bad)
                .unwrap_err(),
            [
                r#"/message/body/contentType: "Text" is not one of "text", "html" (microsoft.graph.bodyType)"#
            ]
        );
    }

    #[test]
    fn outlook_mail_answers_as_documented() {
        let api = graph();
        let message = json!({
            "id": "AAMkAGI2AAA=",
            "subject": "Lunch",
            "body": { "contentType": "text", "content": "Noon?" },
            "isDraft": true
        });
        for path in [
            "/me/sendMail",
            "/me/messages/AAMk=/send",
            "/me/messages/AAMk=/forward",
        ] {
            assert_eq!(
                api.validate_response("POST", path, 202, &Value::Null),
                Ok(())
            );
            assert!(
                api.validate_response("POST", path, 204, &Value::Null)
                    .is_err()
            );
        }
        assert_eq!(
            api.validate_response("POST", "/me/messages/AAMk=/move", 201, &message),
            Ok(())
        );
        assert_eq!(
            api.validate_response("PATCH", "/me/messages/AAMk=", 200, &message),
            Ok(())
        );
        assert!(
            api.validate_response("PATCH", "/me/messages/AAMk=", 204, &Value::Null)
                .is_err()
        );
        let draft = json!({ "subject": "Lunch", "toRecipients": [] });
        assert_eq!(api.validate_request("POST", "/me/messages", &draft), Ok(()));
    }

    #[test]
    fn documented_answers_replace_the_subset_statuses() {
        let api = graph();
        let accepted = "/me/events/AAMk=/accept";
        assert_eq!(
            api.validate_response("POST", accepted, 202, &Value::Null),
            Ok(())
        );
        assert_eq!(
            api.validate_response("POST", accepted, 204, &Value::Null)
                .unwrap_err(),
            ["POST /me/events/{id_1}/accept response 204 is not documented"]
        );
        let chat = json!({"id": "19:abc@thread.v2", "topic": "Launch", "chatType": "group"});
        assert_eq!(
            api.validate_response("PATCH", "/chats/19:abc@thread.v2", 200, &chat),
            Ok(())
        );
        let link =
            json!({"id": "abc", "roles": ["read"], "link": {"type": "view", "scope": "anonymous"}});
        let path = "/me/drive/items/01ABC/createLink";
        for status in [200, 201] {
            assert_eq!(api.validate_response("POST", path, status, &link), Ok(()));
        }
        assert!(
            api.validate_response("POST", "/me/drive/items/01ABC/copy", 202, &json!({}))
                .is_err(),
            "an accepted copy has no body"
        );
    }

    #[test]
    fn search_hits_are_checked_as_the_entities_they_hold() {
        let api = graph();
        let hit = |resource: Value| {
            json!({"value": [{"searchTerms": ["launch"], "hitsContainers": [{
                "total": 1, "moreResultsAvailable": false,
                "hits": [{"hitId": "1", "rank": 1, "summary": "<c0>Launch</c0>", "resource": resource}]
            }]}]})
        };
        let message = json!({"@odata.type": "#microsoft.graph.message", "subject": "Launch"});
        assert_eq!(
            api.validate_response("POST", "/search/query", 200, &hit(message)),
            Ok(())
        );
        let invented = json!({"@odata.type": "#microsoft.graph.message", "subjekt": "Launch"});
        assert_eq!(
            api.validate_response("POST", "/search/query", 200, &hit(invented))
                .unwrap_err(),
            [
                "/value/0/hitsContainers/0/hits/0/resource/subjekt: unknown property 'subjekt' (microsoft.graph.message)"
            ]
        );
        assert_eq!(
            api.validate_response("POST", "/search/query", 200, &hit(json!({"subject": "x"})))
                .unwrap_err(),
            [
                "/value/0/hitsContainers/0/hits/0/resource: the type is abstract: '@odata.type' must name a derived type (microsoft.graph.entity)"
            ]
        );
    }

    #[test]
    fn operations_are_listed_with_their_methods() {
        let operations = graph().operations();
        assert!(operations.contains(&("PATCH".to_owned(), "/chats/{id}".to_owned())));
        assert!(operations.contains(&("POST".to_owned(), "/search/query".to_owned())));
        assert!(operations.iter().all(|(method, path)| {
            ["GET", "POST", "PATCH", "DELETE", "PUT"].contains(&method.as_str())
                && path.starts_with('/')
        }));
    }

    #[test]
    fn a_member_is_added_with_a_bind_annotation() {
        let member = json!({
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "roles": ["owner"],
            "user@odata.bind": "https://graph.microsoft.com/v1.0/users('8ea0e38b-efb3-4757-924a-5f94061cf8c2')"
        });
        let path = "/chats/19:abc@thread.v2/members";
        assert_eq!(graph().validate_request("POST", path, &member), Ok(()));
    }

    #[test]
    fn status_codes_select_the_response() {
        let api = graph();
        let path = "/chats/19:abc@thread.v2";
        let team = "/teams/8ea0e38b-efb3-4757-924a-5f94061cf8c2";
        assert_eq!(
            api.validate_response("PATCH", team, 204, &Value::Null),
            Ok(())
        );
        assert_eq!(
            api.validate_response("PATCH", team, 204, &json!({}))
                .unwrap_err(),
            ["PATCH /teams/{id} response 204 has no body, got {}"]
        );
        assert_eq!(
            api.validate_response("GET", path, 500, &Value::Null)
                .unwrap_err(),
            ["GET /chats/{id} response 500 is not documented"]
        );
        assert_eq!(
            api.validate_response("GET", "/nowhere", 200, &Value::Null)
                .unwrap_err(),
            ["no operation GET /nowhere in the OpenAPI document"]
        );
    }

    #[test]
    fn graph_errors_match_the_4xx_response() {
        let api = graph();
        let path = "/chats/19:abc@thread.v2";
        let error = json!({
            "error": {
                "code": "NotFound",
                "message": "Resource not found",
                "innerError": {
                    "date": "2024-03-01T09:30:00",
                    "request-id": "0a1b2c3d-0000-4000-8000-000000000000",
                    "client-request-id": "0a1b2c3d-0000-4000-8000-000000000001"
                }
            }
        });
        assert_eq!(api.validate_response("GET", path, 404, &error), Ok(()));
        assert_eq!(
            api.validate_response("GET", path, 429, &json!({ "error": { "code": "x" } }))
                .unwrap_err(),
            ["/error: missing required property 'message' (error)"]
        );
    }

    #[test]
    fn batch_bodies_follow_the_inline_schema() {
        let api = graph();
        let request = json!({ "requests": [{ "id": "1", "method": "GET", "url": "/me" }] });
        assert_eq!(api.validate_request("POST", "/$batch", &request), Ok(()));
        assert_eq!(
            api.validate_request("POST", "/$batch", &json!({ "requests": [] }))
                .unwrap_err(),
            ["/requests: has 0 items, fewer than 1 (POST /$batch request body)"]
        );
        let response = json!({ "responses": [{
            "id": "1", "status": 200,
            "headers": { "Content-Type": "application/json" },
            "body": { "anything": ["goes", 1] }
        }] });
        assert_eq!(
            api.validate_response("POST", "/$batch", 200, &response),
            Ok(())
        );
        let bad_header =
            json!({ "responses": [{ "id": "1", "status": 200, "headers": { "Retry-After": 5 } }] });
        assert_eq!(
            api.validate_response("POST", "/$batch", 200, &bad_header)
                .unwrap_err(),
            ["/responses/0/headers/Retry-After: 5 is not a string (POST /$batch response 200)"]
        );
    }

    #[test]
    fn formats() {
        for ok in [
            "2024-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2019-02-04T19:58:15.5115557Z",
            "2024-03-01T09:30:00+05:30",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "yesterday",
            "2023-02-29T00:00:00Z",
            "2024-03-01T09:30:00",
            "2024-03-01 09:30:00Z",
            "2024-13-01T00:00:00Z",
            "2024-03-01T24:00:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
        assert!(is_date("2024-12-31") && !is_date("2024-04-31"));
        assert!(
            is_time_of_day("08:00:00.0000000")
                && is_time_of_day("08:00")
                && !is_time_of_day("8:00")
        );
        for ok in ["P4DT15H51M04S", "PT0.5S", "-P1D", "PT1H"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["P", "PT", "P1DT", "1H", "P1Y"] {
            assert!(!is_duration(bad), "{bad}");
        }
        assert!(format_ok(
            "uuid",
            &json!("2432b57b-0abd-43db-aa7b-16eadd115d34")
        ));
        assert!(!format_ok("uuid", &json!("2432b57b")));
        assert!(
            format_ok("int32", &json!(2_147_483_647))
                && !format_ok("int32", &json!(2_147_483_648_i64))
        );
        assert!(!format_ok("int16", &json!(40_000)));
        assert!(format_ok("int64", &json!("42")) && !format_ok("int64", &json!("4x2")));
        assert!(
            format_ok("base64url", &json!("aGk_LQ-="))
                && !format_ok("base64url", &json!("not base64!"))
        );
    }

    fn tiny(schemas: Value) -> OpenApi {
        let doc = json!({
            "paths": { "/things/{id}": { "get": { "responses": {
                "200": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/a" }
                } } }
            } } } },
            "components": { "schemas": schemas }
        });
        OpenApi::from_document(doc, "test document")
    }

    #[test]
    fn schema_cycles_terminate() {
        let api = tiny(json!({
            "a": { "allOf": [{ "$ref": "#/components/schemas/b" }] },
            "b": { "allOf": [{ "$ref": "#/components/schemas/a" }], "type": "object",
                   "properties": { "next": { "$ref": "#/components/schemas/a" } } }
        }));
        let body = json!({ "next": { "next": { "next": {} } } });
        assert_eq!(
            api.validate_response("GET", "/things/1", 200, &body),
            Ok(())
        );
        assert_eq!(
            api.validate_response("GET", "/things/1", 200, &json!({ "next": { "x": 1 } }))
                .unwrap_err(),
            ["/next/x: unknown property 'x' (b)"]
        );
    }

    #[test]
    #[should_panic(expected = "#/components/schemas/a/oneOf: keyword not checked")]
    fn unchecked_constructs_refuse_to_load() {
        tiny(json!({ "a": { "oneOf": [{ "type": "string" }] } }));
    }
}
