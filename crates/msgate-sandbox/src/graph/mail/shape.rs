//! Message documents as Outlook stores and returns them: composing one from a request body
//! (with Outlook's 400s for unknown or mistyped properties), placing a copy in a folder, and
//! presenting it — `@odata.etag`, bodies converted as `Prefer: outlook.body-content-type` asks,
//! `uniqueBody` on request, and no bodies for a token that only holds `Mail.ReadBasic`.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::graph::Caller;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::model;

/// The structural properties of `microsoft.graph.message`, in Graph's order.
pub const PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
    "uniqueBody",
    "internetMessageHeaders",
];

/// Properties a client may set on a draft; the rest are Outlook's to keep.
pub const DRAFT_ONLY: &[&str] = &[
    "subject",
    "body",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "from",
    "sender",
    "internetMessageId",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
];
/// Properties a client may change on any message.
pub const ALWAYS_WRITABLE: &[&str] = &[
    "categories",
    "flag",
    "importance",
    "inferenceClassification",
    "isRead",
];

/// `400 RequestBodyRead`, Graph's answer to a body it cannot deserialize.
pub fn unreadable(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "RequestBodyRead", message)
}

fn unknown_property(name: &str, type_name: &str) -> GraphError {
    unreadable(format!(
        "The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to only use property names that are defined by the type or mark the type as open type."
    ))
}

/// Every key of `body` must be a message property (or one of `extra`).
pub fn check_known(body: &Value, extra: &[&str]) -> GraphResult<()> {
    let Some(object) = body.as_object() else {
        return Err(unreadable("A message must be a JSON object."));
    };
    for key in object.keys() {
        let known = PROPERTIES.contains(&key.as_str())
            || extra.contains(&key.as_str())
            || key.starts_with('@');
        if !known {
            return Err(unknown_property(key, "message"));
        }
    }
    Ok(())
}

/// A body (`itemBody`); Outlook reads the content type case-insensitively.
pub fn item_body(value: &Value) -> GraphResult<Value> {
    let content = match &value["content"] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        _ => return Err(unreadable("The body content must be a string.")),
    };
    let content_type = match value["contentType"].as_str().map(str::to_ascii_lowercase) {
        None => "text".to_owned(),
        Some(t) if t == "text" || t == "html" => t,
        Some(t) => {
            return Err(unreadable(format!(
                "Cannot convert the literal '{t}' to the expected type 'microsoft.graph.bodyType'."
            )));
        }
    };
    Ok(json!({"contentType": content_type, "content": content}))
}

/// A recipient list, each entry `{"emailAddress": {"name", "address"}}`; a missing name is filled
/// in the way Exchange resolves it: the tenant user's display name, else the address.
pub fn recipients(value: &Value, directory: &[Value]) -> GraphResult<Vec<Value>> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(unreadable("A recipient list must be an array.")),
    };
    items.iter().map(|r| recipient(r, directory)).collect()
}

pub fn recipient(value: &Value, directory: &[Value]) -> GraphResult<Value> {
    let email = &value["emailAddress"];
    if !email.is_object() {
        return Err(unreadable("A recipient needs an emailAddress object."));
    }
    let address = email["address"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let name = match email["name"].as_str().filter(|n| !n.trim().is_empty()) {
        Some(name) => name.to_owned(),
        None => user_by_address(directory, &address)
            .and_then(|u| u["displayName"].as_str())
            .unwrap_or(&address)
            .to_owned(),
    };
    Ok(json!({"emailAddress": {"name": name, "address": address}}))
}

/// The recipient that names `user`.
pub fn recipient_of(user: &Value) -> Value {
    json!({"emailAddress": {
        "name": user["displayName"],
        "address": user["mail"],
    }})
}

pub fn address_of(recipient: &Value) -> &str {
    recipient["emailAddress"]["address"]
        .as_str()
        .unwrap_or_default()
}

/// The tenant user whose mail address (or UPN) is `address`.
pub fn user_by_address<'d>(directory: &'d [Value], address: &str) -> Option<&'d Value> {
    directory.iter().find(|u| {
        ["mail", "userPrincipalName"].iter().any(|k| {
            u[*k]
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case(address))
        })
    })
}

fn enum_value(value: &Value, allowed: &[&str], type_name: &str) -> GraphResult<Value> {
    match value.as_str() {
        Some(v) if allowed.contains(&v) => Ok(json!(v)),
        _ => Err(unreadable(format!(
            "Cannot convert the literal '{}' to the expected type 'microsoft.graph.{type_name}'.",
            value.as_str().unwrap_or(&value.to_string())
        ))),
    }
}

fn boolean(value: &Value, name: &str) -> GraphResult<Value> {
    match value {
        Value::Bool(_) => Ok(value.clone()),
        _ => Err(unreadable(format!(
            "Cannot convert the value of '{name}' to the expected type 'Edm.Boolean'."
        ))),
    }
}

fn string(value: &Value, name: &str) -> GraphResult<Value> {
    match value {
        Value::String(_) | Value::Null => Ok(value.clone()),
        _ => Err(unreadable(format!(
            "Cannot convert the value of '{name}' to the expected type 'Edm.String'."
        ))),
    }
}

/// A follow-up flag; completing one stamps `completedDateTime`.
fn flag(value: &Value, now: &str) -> GraphResult<Value> {
    if !value.is_object() {
        return Err(unreadable("The flag must be an object."));
    }
    let status = match &value["flagStatus"] {
        Value::Null => json!("notFlagged"),
        status => enum_value(
            status,
            &["notFlagged", "flagged", "complete"],
            "followupFlagStatus",
        )?,
    };
    let mut flag = Map::new();
    flag.insert("flagStatus".into(), status.clone());
    for key in ["startDateTime", "dueDateTime", "completedDateTime"] {
        if value[key].is_object() {
            flag.insert(key.into(), value[key].clone());
        }
    }
    if status == "complete" && !flag.contains_key("completedDateTime") {
        flag.insert("completedDateTime".into(), date_time_time_zone(now));
    }
    Ok(Value::Object(flag))
}

/// `{"dateTime": "…", "timeZone": "UTC"}` from a Graph timestamp.
pub fn date_time_time_zone(timestamp: &str) -> Value {
    let local = timestamp.trim_end_matches('Z');
    json!({"dateTime": format!("{local}0000"), "timeZone": "UTC"})
}

/// One property of a request body, checked and normalized for storage.
pub fn property(name: &str, value: &Value, directory: &[Value], now: &str) -> GraphResult<Value> {
    match name {
        "body" => item_body(value),
        "toRecipients" | "ccRecipients" | "bccRecipients" | "replyTo" => {
            Ok(Value::Array(recipients(value, directory)?))
        }
        "from" | "sender" if value.is_null() => Ok(Value::Null),
        "from" | "sender" => recipient(value, directory),
        "importance" => enum_value(value, &["low", "normal", "high"], "importance"),
        "inferenceClassification" => {
            enum_value(value, &["focused", "other"], "inferenceClassificationType")
        }
        "flag" => flag(value, now),
        "isRead" | "isReadReceiptRequested" | "isDeliveryReceiptRequested" => boolean(value, name),
        "categories" => match value {
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(value.clone()),
            _ => Err(unreadable("Categories must be an array of strings.")),
        },
        _ => string(value, name),
    }
}

/// What a new message says, from a request body (`POST /me/messages`, `sendMail`, the
/// `message` of reply and forward): the writable properties, checked, with Outlook's defaults.
pub fn compose(body: &Value, directory: &[Value], now: &str) -> GraphResult<Value> {
    check_known(body, &["attachments"])?;
    let mut content = json!({
        "subject": "",
        "body": {"contentType": "text", "content": ""},
        "importance": "normal",
        "categories": [],
        "toRecipients": [],
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "from": null,
        "sender": null,
        "flag": {"flagStatus": "notFlagged"},
        "inferenceClassification": "focused",
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "internetMessageId": null,
    });
    for name in DRAFT_ONLY.iter().chain(ALWAYS_WRITABLE) {
        if let Some(value) = body.get(*name)
            && *name != "isRead"
        {
            content[*name] = property(name, value, directory, now)?;
        }
    }
    if content["subject"].is_null() {
        content["subject"] = json!("");
    }
    Ok(content)
}

/// Where a copy of a message sits and what state it is in.
pub struct Placement<'a> {
    pub id: &'a str,
    pub folder: &'a str,
    pub is_read: bool,
    pub is_draft: bool,
    pub created: &'a str,
    pub received: &'a str,
    pub sent: Option<&'a str>,
    pub change_key: &'a str,
}

/// A stored message: `content` (from [`compose`]) placed in a folder.
pub fn place(content: &Value, at: &Placement<'_>) -> Value {
    let mut doc = content.clone();
    let text = body_text(&content["body"]);
    doc["id"] = json!(at.id);
    doc["createdDateTime"] = json!(at.created);
    doc["lastModifiedDateTime"] = json!(at.created);
    doc["changeKey"] = json!(at.change_key);
    doc["receivedDateTime"] = json!(at.received);
    doc["sentDateTime"] = json!(at.sent.unwrap_or(at.created));
    doc["parentFolderId"] = json!(at.folder);
    doc["isRead"] = json!(at.is_read);
    doc["isDraft"] = json!(at.is_draft);
    doc["bodyPreview"] = json!(preview(&text));
    doc["webLink"] = json!(web_link(at.id));
    if doc.get("hasAttachments").is_none() {
        doc["hasAttachments"] = json!(false);
    }
    order(&doc)
}

/// Properties in Graph's order, so responses read like Graph's.
fn order(doc: &Value) -> Value {
    let Some(map) = doc.as_object() else {
        return doc.clone();
    };
    let mut ordered = Map::new();
    for name in PROPERTIES {
        if let Some(value) = map.get(*name) {
            ordered.insert((*name).to_owned(), value.clone());
        }
    }
    for (key, value) in map {
        if !ordered.contains_key(key) {
            ordered.insert(key.clone(), value.clone());
        }
    }
    Value::Object(ordered)
}

/// Record a change: new change key and modification time, recomputed preview.
pub fn touch(doc: &mut Value, now: &str) {
    doc["lastModifiedDateTime"] = json!(now);
    doc["changeKey"] = json!(super::mailbox::change_key());
    doc["bodyPreview"] = json!(preview(&body_text(&doc["body"])));
}

fn web_link(id: &str) -> String {
    let encoded = crate::graph::odata::percent_encode(id).replace('=', "%3D");
    format!(
        "https://outlook.example.invalid/owa/?ItemID={encoded}&exvsurl=1&viewmodel=ReadMessageItem"
    )
}

/// The first 255 characters of the text, whitespace collapsed, as Outlook's preview.
pub fn preview(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect()
}

/// The text of a body: HTML with block ends as line breaks and tags removed.
pub fn body_text(body: &Value) -> String {
    let content = body["content"].as_str().unwrap_or_default();
    if body["contentType"] != "html" {
        return content.to_owned();
    }
    let mut html = content.to_owned();
    for head in ["head", "style", "script"] {
        while let (Some(start), Some(end)) = (
            html.find(&format!("<{head}")),
            html.find(&format!("</{head}>")),
        ) {
            if end < start {
                break;
            }
            html.replace_range(start..end + head.len() + 3, "");
        }
    }
    for block in [
        "<br>", "<br/>", "<br />", "</p>", "</div>", "</li>", "</tr>", "<hr>",
    ] {
        html = html.replace(block, &format!("{block}\n"));
    }
    model::plain_text(&html)
}

pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A text body as Outlook renders it in HTML.
fn text_as_html(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(escape_html).collect();
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{}</div></body></html>",
        lines.join("<br>")
    )
}

/// What the request asks of the response, from its `Prefer` header.
#[derive(Debug, Default, Clone)]
pub struct Preferences {
    /// `outlook.body-content-type`: `text` or `html`.
    pub body_type: Option<String>,
    /// `odata.maxpagesize`.
    pub max_page_size: Option<usize>,
}

impl Preferences {
    pub fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut preferences = Preferences::default();
        let values = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for preference in values {
            let (key, value) = preference.split_once('=').unwrap_or((preference, ""));
            let value = value.trim().trim_matches('"').to_ascii_lowercase();
            match key.trim().to_ascii_lowercase().as_str() {
                "outlook.body-content-type" if value == "text" || value == "html" => {
                    preferences.body_type = Some(value);
                }
                "odata.maxpagesize" => preferences.max_page_size = value.parse().ok(),
                _ => {}
            }
        }
        preferences
    }

    /// `odata.maxpagesize` sizes pages unless `$top` already does.
    pub fn size_pages(&mut self, query: &mut Query) {
        match (self.max_page_size, query.top) {
            (Some(size), None) => query.top = Some(size),
            (Some(_), Some(_)) => self.max_page_size = None,
            _ => {}
        }
    }

    /// A single entity is not paged: only the body preference can apply to it.
    pub fn unpaged(&self) -> Preferences {
        Preferences {
            body_type: self.body_type.clone(),
            max_page_size: None,
        }
    }

    /// The `Preference-Applied` value for what was honoured.
    fn applied(&self) -> Option<String> {
        let mut applied = Vec::new();
        if let Some(body_type) = &self.body_type {
            applied.push(format!("outlook.body-content-type=\"{body_type}\""));
        }
        if let Some(size) = self.max_page_size {
            applied.push(format!("odata.maxpagesize={size}"));
        }
        (!applied.is_empty()).then(|| applied.join(", "))
    }

    /// A JSON response with `Preference-Applied` when a preference was honoured.
    pub fn respond(&self, status: StatusCode, body: Value) -> Response {
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(applied) = self.applied().and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert("preference-applied", applied);
        }
        response
    }
}

/// A message as this caller sees it, before `$select`.
pub fn present(doc: &Value, query: &Query, preferences: &Preferences, caller: &Caller) -> Value {
    let mut shown = doc.clone();
    if let Some(body_type) = &preferences.body_type {
        shown["body"] = converted(&doc["body"], body_type);
    }
    let selected = |name: &str| {
        query
            .select
            .as_ref()
            .is_some_and(|s| s.iter().any(|p| p == name))
    };
    if selected("uniqueBody") {
        shown["uniqueBody"] = shown["body"].clone();
    }
    if !reads_bodies(caller)
        && let Some(map) = shown.as_object_mut()
    {
        for hidden in ["body", "bodyPreview", "uniqueBody"] {
            map.remove(hidden);
        }
    }
    let mut presented = Map::new();
    presented.insert(
        "@odata.etag".into(),
        json!(format!(
            "W/\"{}\"",
            doc["changeKey"].as_str().unwrap_or_default()
        )),
    );
    if let Some(map) = shown.as_object() {
        presented.extend(map.clone());
    }
    Value::Object(presented)
}

/// `Mail.ReadBasic` reads everything but bodies, previews and attachments.
pub fn reads_bodies(caller: &Caller) -> bool {
    [
        "Mail.Read",
        "Mail.ReadWrite",
        "Mail.Read.All",
        "Mail.ReadWrite.All",
    ]
    .iter()
    .any(|p| caller.granted.contains(*p))
}

fn converted(body: &Value, body_type: &str) -> Value {
    match (body["contentType"].as_str(), body_type) {
        (Some("html"), "text") => json!({"contentType": "text", "content": body_text(body)}),
        (Some("text"), "html") => json!({
            "contentType": "html",
            "content": text_as_html(body["content"].as_str().unwrap_or_default()),
        }),
        _ => body.clone(),
    }
}

/// Graph's 400 for `$select` or `$expand` naming what the type does not have.
pub fn check_query(
    query: &Query,
    properties: &[&str],
    expandable: &[&str],
    type_name: &str,
) -> GraphResult<()> {
    for name in query.select.iter().flatten() {
        if !properties.contains(&name.as_str()) {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
            )));
        }
    }
    for name in &query.expand {
        if !expandable.contains(&name.as_str()) {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
            )));
        }
    }
    Ok(())
}

/// The sender, recipients and subject line of a message, for quoting it in a reply or forward.
pub fn quote_header(original: &Value) -> String {
    let person = |r: &Value| {
        format!(
            "{} &lt;{}&gt;",
            escape_html(r["emailAddress"]["name"].as_str().unwrap_or_default()),
            escape_html(address_of(r))
        )
    };
    let list = |name: &str| -> String {
        original[name]
            .as_array()
            .map(|items| items.iter().map(person).collect::<Vec<_>>().join("; "))
            .unwrap_or_default()
    };
    let mut header = format!(
        "<div id=\"divRplyFwdMsg\"><b>From:</b> {}<br><b>Sent:</b> {}<br><b>To:</b> {}<br>",
        person(&original["from"]),
        escape_html(original["sentDateTime"].as_str().unwrap_or_default()),
        list("toRecipients"),
    );
    let cc = list("ccRecipients");
    if !cc.is_empty() {
        header.push_str(&format!("<b>Cc:</b> {cc}<br>"));
    }
    header.push_str(&format!(
        "<b>Subject:</b> {}</div>",
        escape_html(original["subject"].as_str().unwrap_or_default())
    ));
    header
}

/// The HTML of a body, whatever it was written in, without its document wrapper, ready to be
/// quoted inside another.
pub fn body_html(body: &Value) -> String {
    let content = body["content"].as_str().unwrap_or_default();
    if body["contentType"] != "html" {
        return escape_html(content).replace('\n', "<br>");
    }
    let inner = content
        .find("<body")
        .and_then(|start| content[start..].find('>').map(|end| start + end + 1))
        .map_or(content, |start| &content[start..]);
    let inner = inner.rfind("</body>").map_or(inner, |end| &inner[..end]);
    inner.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_read_as_text_with_line_breaks() {
        let body = json!({"contentType": "html", "content": "<html><head><style>p{}</style></head><body><p>Hi &amp; welcome</p><p>Second</p></body></html>"});
        assert_eq!(body_text(&body), "Hi & welcome\nSecond");
    }

    #[test]
    fn quoted_bodies_lose_their_document_wrapper() {
        let html = json!({"contentType": "html", "content": "<html><head></head><body class=\"x\"><p>Hi</p></body></html>"});
        assert_eq!(body_html(&html), "<p>Hi</p>");
        let text = json!({"contentType": "text", "content": "a < b\nc"});
        assert_eq!(body_html(&text), "a &lt; b<br>c");
    }

    #[test]
    fn prefer_headers_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "prefer",
            HeaderValue::from_static("outlook.body-content-type=\"text\", odata.maxpagesize=5"),
        );
        let p = Preferences::from_headers(&headers);
        assert_eq!(p.body_type.as_deref(), Some("text"));
        assert_eq!(p.max_page_size, Some(5));
        assert_eq!(
            p.applied().unwrap(),
            "outlook.body-content-type=\"text\", odata.maxpagesize=5"
        );
    }

    #[test]
    fn unknown_properties_are_refused() {
        assert!(check_known(&json!({"subject": "x"}), &[]).is_ok());
        let err = check_known(&json!({"subjekt": "x"}), &[]).unwrap_err();
        assert_eq!(err.code, "RequestBodyRead");
    }
}
