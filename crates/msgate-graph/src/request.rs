//! One Graph request as callers describe it: method, path below the Graph root, query options,
//! body, the headers Graph wants for some calls — and three facts the client needs to be safe:
//! whether repeating the request could do the work twice, whether it changes anything (a dry run
//! holds back the ones that do), and which permissions allow it (named in the error when Graph
//! answers 403).

use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;

/// What a request carries: JSON (almost every call), or raw bytes with their media type (file
/// uploads).
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Json(Value),
    Bytes { content_type: String, bytes: Bytes },
}

#[derive(Clone, Debug)]
pub struct Request {
    pub(crate) method: Method,
    /// Below the Graph root (`/me/chats`), or an absolute Graph URL (a nextLink or deltaLink).
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) idempotent: bool,
    /// A POST that only reads (`$batch` of GETs, `getSchedule`, search): never held back.
    pub(crate) read_only: bool,
    pub(crate) permissions: &'static [&'static str],
}

impl Request {
    /// A request; reads, updates and deletes count as idempotent, POST does not (it sends or
    /// creates something) unless [`Request::idempotent`] says otherwise.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = method != Method::POST;
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            idempotent,
            read_only: false,
            permissions: &[],
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Request::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Request::new(Method::POST, path).body(body)
    }

    /// A POST without a body: Graph actions that take no parameters (`unarchive`, `softDelete`).
    pub fn action(path: impl Into<String>) -> Self {
        Request::new(Method::POST, path)
    }

    pub fn patch(path: impl Into<String>, body: Value) -> Self {
        Request::new(Method::PATCH, path).body(body)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Request::new(Method::DELETE, path)
    }

    /// `PUT` of raw bytes (a file's content).
    pub fn put_bytes(path: impl Into<String>, content_type: &str, bytes: Bytes) -> Self {
        let mut request = Request::new(Method::PUT, path);
        request.body = Some(Body::Bytes {
            content_type: content_type.to_owned(),
            bytes,
        });
        request
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// `$select`: ask only for the fields the caller shows.
    pub fn select(self, fields: &[&str]) -> Self {
        if fields.is_empty() {
            return self;
        }
        self.query("$select", fields.join(","))
    }

    pub fn expand(self, navigation: &str) -> Self {
        self.query("$expand", navigation)
    }

    pub fn top(self, n: usize) -> Self {
        self.query("$top", n.to_string())
    }

    pub fn filter(self, expression: impl Into<String>) -> Self {
        self.query("$filter", expression)
    }

    pub fn orderby(self, clause: impl Into<String>) -> Self {
        self.query("$orderby", clause)
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Mail and event bodies as plain text instead of HTML.
    pub fn prefer_text_body(self) -> Self {
        self.header("Prefer", "outlook.body-content-type=\"text\"")
    }

    /// `ConsistencyLevel: eventual`, which directory `$search` and `$count` require.
    pub fn eventual_consistency(self) -> Self {
        self.header("ConsistencyLevel", "eventual")
    }

    /// Whether sending this request twice is harmless (marking a chat read is; sending a
    /// message is not).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Marks a POST that changes nothing (a query sent as POST), so a dry run still sends it.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Whether the request may change something in the tenant: any method but GET and HEAD,
    /// unless marked [`Request::read_only`].
    pub fn is_write(&self) -> bool {
        !(self.read_only || self.method == Method::GET || self.method == Method::HEAD)
    }

    /// The Graph permissions any one of which allows this request, for the 403 hint.
    pub fn permissions(mut self, permissions: &'static [&'static str]) -> Self {
        self.permissions = permissions;
        self
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn body_json(&self) -> Option<&Value> {
        match &self.body {
            Some(Body::Json(value)) => Some(value),
            _ => None,
        }
    }

    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}
