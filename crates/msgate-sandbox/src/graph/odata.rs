//! OData query options as Graph applies them: `$select`, `$top`, `$skip`/`$skiptoken` with an
//! absolute `@odata.nextLink`, `$filter` (eq, ne, gt, ge, lt, le, startswith, and, or, not,
//! parentheses), `$orderby`, `$expand`, `$count` and `$search`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::error::{GraphError, GraphResult};

#[derive(Debug, Default, Clone)]
pub struct Query {
    pub top: Option<usize>,
    pub skip: usize,
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    pub orderby: Vec<(String, bool)>,
    pub expand: Vec<String>,
    pub count: bool,
    pub search: Option<String>,
    /// The store version a delta query resumes from (`$deltatoken`).
    pub delta_version: Option<i64>,
    /// Options that are not OData's (kept in nextLinks).
    pub other: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> GraphResult<Query> {
        let mut query = Query::default();
        let pairs = raw.map(url_form_pairs).unwrap_or_default();
        for (key, value) in pairs {
            match key.as_str() {
                "$top" => {
                    let top = value.parse::<usize>().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{value}' for $top query option found."
                        ))
                    })?;
                    query.top = Some(top);
                }
                "$skip" => {
                    query.skip = value.parse().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{value}' for $skip query option found."
                        ))
                    })?;
                }
                "$skiptoken" => query.skip = decode_skiptoken(&value)?,
                "$deltatoken" => query.delta_version = Some(decode_deltatoken(&value)?),
                "$select" => query.select = Some(split_list(&value)),
                "$expand" => query.expand = split_list(&value),
                "$count" => query.count = value == "true",
                "$search" => query.search = Some(value.trim_matches('"').to_owned()),
                "$filter" => query.filter = Some(Filter::parse(&value)?),
                "$orderby" => {
                    query.orderby = split_list(&value)
                        .into_iter()
                        .map(|clause| {
                            let mut words = clause.split_whitespace();
                            let field = words.next().unwrap_or_default().to_owned();
                            let descending =
                                words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                            (field, descending)
                        })
                        .collect();
                }
                other if other.starts_with('$') => {
                    return Err(GraphError::bad_request(format!(
                        "Query option '{other}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."
                    )));
                }
                _ => query.other.push((key, value)),
            }
        }
        Ok(query)
    }

    /// `$search` and `$count` on directory objects need `ConsistencyLevel: eventual`.
    pub fn require_eventual_consistency(&self, headers: &HeaderMap) -> GraphResult<()> {
        let eventual = headers
            .get("consistencylevel")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
        if self.search.is_some() && !eventual {
            return Err(GraphError::bad_request(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if self.count && !eventual {
            return Err(GraphError::bad_request(
                "$count is not currently supported without the 'ConsistencyLevel: eventual' header",
            ));
        }
        Ok(())
    }

    /// Filter, order, page and project `items` into a Graph collection response.
    pub fn collection(&self, mut items: Vec<Value>, page: Page<'_>) -> GraphResult<Value> {
        if let Some(filter) = &self.filter {
            items.retain(|item| filter.matches(item));
        }
        if !self.orderby.is_empty() {
            items.sort_by(|a, b| {
                self.orderby
                    .iter()
                    .map(|(field, descending)| {
                        let ord = compare(lookup(a, field), lookup(b, field));
                        if *descending { ord.reverse() } else { ord }
                    })
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            });
        }
        let total = items.len();
        let top = self
            .top
            .unwrap_or(page.default_top)
            .min(page.max_top)
            .max(1);
        let start = self.skip.min(total);
        let end = (start + top).min(total);
        let value: Vec<Value> = items[start..end].iter().map(|i| self.project(i)).collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(page.context));
        if self.count {
            body.insert("@odata.count".into(), json!(total));
        }
        body.insert("value".into(), Value::Array(value));
        if end < total {
            body.insert(
                "@odata.nextLink".into(),
                json!(self.next_link(page.self_url, top, end)),
            );
        }
        Ok(Value::Object(body))
    }

    /// Apply `$select` to one entity (`id` and `@odata.type` always stay, as in Graph).
    pub fn project(&self, item: &Value) -> Value {
        let (Some(select), Value::Object(map)) = (&self.select, item) else {
            return item.clone();
        };
        let kept = map
            .iter()
            .filter(|(k, _)| {
                k.as_str() == "id" || k.starts_with('@') || select.iter().any(|s| s == *k)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept)
    }

    pub fn expands(&self, name: &str) -> bool {
        self.expand.iter().any(|e| e == name)
    }

    fn next_link(&self, self_url: &str, top: usize, next: usize) -> String {
        let mut params: Vec<(String, String)> = Vec::new();
        if let Some(select) = &self.select {
            params.push(("$select".into(), select.join(",")));
        }
        if !self.expand.is_empty() {
            params.push(("$expand".into(), self.expand.join(",")));
        }
        if let Some(filter) = &self.filter {
            params.push(("$filter".into(), filter.source.clone()));
        }
        if !self.orderby.is_empty() {
            let clauses: Vec<String> = self
                .orderby
                .iter()
                .map(|(f, d)| if *d { format!("{f} desc") } else { f.clone() })
                .collect();
            params.push(("$orderby".into(), clauses.join(",")));
        }
        if let Some(search) = &self.search {
            params.push(("$search".into(), format!("\"{search}\"")));
        }
        if self.count {
            params.push(("$count".into(), "true".into()));
        }
        if let Some(version) = self.delta_version {
            params.push(("$deltatoken".into(), encode_deltatoken(version)));
        }
        params.extend(self.other.iter().cloned());
        params.push(("$top".into(), top.to_string()));
        params.push(("$skiptoken".into(), encode_skiptoken(next)));
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        format!("{self_url}?{}", query.join("&"))
    }
}

/// A page of a delta query: like [`Query::collection`], and the last page carries an
/// `@odata.deltaLink` that resumes after `newest_version`.
impl Query {
    pub fn delta(
        &self,
        items: Vec<Value>,
        page: Page<'_>,
        newest_version: i64,
    ) -> GraphResult<Value> {
        let mut body = self.collection(items, page)?;
        if body.get("@odata.nextLink").is_none() {
            body["@odata.deltaLink"] = json!(format!(
                "{}?$deltatoken={}",
                page.self_url,
                encode_deltatoken(newest_version)
            ));
        }
        Ok(body)
    }
}

fn encode_deltatoken(version: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("sandbox-version:{version}"))
}

fn decode_deltatoken(token: &str) -> GraphResult<i64> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix("sandbox-version:")
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| {
            GraphError::new(
                axum::http::StatusCode::GONE,
                "SyncStateNotFound",
                "The sync state generation is not found. Start over without a delta token.",
            )
        })
}

/// How a collection pages: its defaults and where its nextLink points.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub default_top: usize,
    pub max_top: usize,
    pub self_url: &'a str,
    pub context: &'a str,
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sandbox-offset:{offset}"))
}

fn decode_skiptoken(token: &str) -> GraphResult<usize> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix("sandbox-offset:")
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| GraphError::bad_request("The $skiptoken value is invalid."))
}

pub fn url_form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'~' | b'$' | b',' | b'/' | b':' | b'@'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A property by OData path (`from/user/id`) or plain name.
fn lookup<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').try_fold(item, |v, key| v.get(key))
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (None | Some(Value::Null), Some(v)) if !v.is_null() => Ordering::Less,
        (Some(v), None | Some(Value::Null)) if !v.is_null() => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// A parsed `$filter` expression.
#[derive(Debug, Clone)]
pub struct Filter {
    source: String,
    expr: Expr,
}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(String, Op, Literal),
    StartsWith(String, String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// An unquoted date-time such as `2024-01-01T00:00:00Z`.
    DateTime(String),
}

impl Filter {
    pub fn parse(source: &str) -> GraphResult<Filter> {
        let tokens = tokenize(source)?;
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(invalid_filter(source));
        }
        Ok(Filter {
            source: source.to_owned(),
            expr,
        })
    }

    pub fn matches(&self, item: &Value) -> bool {
        eval(&self.expr, item)
    }
}

fn invalid_filter(source: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid filter clause: {source}"))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(source: &str) -> GraphResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err(invalid_filter(source)),
                    }
                }
                tokens.push(Token::Str(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '(' | ')' | ',' | '\'') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn expect(&mut self, token: Token) -> GraphResult<()> {
        if self.next() == Some(token) {
            Ok(())
        } else {
            Err(GraphError::bad_request(
                "Invalid filter clause: syntax error",
            ))
        }
    }

    fn or(&mut self) -> GraphResult<Expr> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> GraphResult<Expr> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> GraphResult<Expr> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        if self.peek_word("startswith") {
            self.pos += 1;
            self.expect(Token::Open)?;
            let Some(Token::Word(field)) = self.next() else {
                return Err(GraphError::bad_request(
                    "Invalid filter clause: startswith needs a property",
                ));
            };
            self.expect(Token::Comma)?;
            let Some(Token::Str(prefix)) = self.next() else {
                return Err(GraphError::bad_request(
                    "Invalid filter clause: startswith needs a string",
                ));
            };
            self.expect(Token::Close)?;
            return Ok(Expr::StartsWith(field, prefix));
        }
        let Some(Token::Word(field)) = self.next() else {
            return Err(GraphError::bad_request(
                "Invalid filter clause: expected a property",
            ));
        };
        let op = match self.next() {
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                other => {
                    return Err(GraphError::bad_request(format!(
                        "Invalid filter clause: unsupported operator '{other}'"
                    )));
                }
            },
            _ => {
                return Err(GraphError::bad_request(
                    "Invalid filter clause: expected an operator",
                ));
            }
        };
        let literal = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => match w.parse::<f64>() {
                    Ok(n) => Literal::Num(n),
                    Err(_) if crate::clock::parse(&w).is_some() => Literal::DateTime(w),
                    Err(_) => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid filter clause: cannot read the value '{w}'"
                        )));
                    }
                },
            },
            _ => {
                return Err(GraphError::bad_request(
                    "Invalid filter clause: expected a value",
                ));
            }
        };
        Ok(Expr::Compare(field, op, literal))
    }
}

fn eval(expr: &Expr, item: &Value) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, item) && eval(b, item),
        Expr::Or(a, b) => eval(a, item) || eval(b, item),
        Expr::Not(a) => !eval(a, item),
        Expr::StartsWith(field, prefix) => lookup(item, field)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase().starts_with(&prefix.to_lowercase())),
        Expr::Compare(field, op, literal) => {
            let value = lookup(item, field);
            let ordering = match (value, literal) {
                (None | Some(Value::Null), Literal::Null) => Some(Ordering::Equal),
                (_, Literal::Null) | (None | Some(Value::Null), _) => None,
                (Some(Value::String(s)), Literal::Str(l)) => {
                    Some(s.to_lowercase().cmp(&l.to_lowercase()))
                }
                (Some(Value::String(s)), Literal::DateTime(l)) => {
                    match (crate::clock::parse(s), crate::clock::parse(l)) {
                        (Some(a), Some(b)) => Some(a.cmp(&b)),
                        _ => None,
                    }
                }
                (Some(Value::Number(n)), Literal::Num(l)) => {
                    n.as_f64().and_then(|n| n.partial_cmp(l))
                }
                (Some(Value::Bool(b)), Literal::Bool(l)) => Some(b.cmp(l)),
                _ => None,
            };
            match (op, ordering) {
                (Op::Ne, None) => true,
                (_, None) => false,
                (Op::Eq, Some(o)) => o == Ordering::Equal,
                (Op::Ne, Some(o)) => o != Ordering::Equal,
                (Op::Gt, Some(o)) => o == Ordering::Greater,
                (Op::Ge, Some(o)) => o != Ordering::Less,
                (Op::Lt, Some(o)) => o == Ordering::Less,
                (Op::Le, Some(o)) => o != Ordering::Greater,
            }
        }
    }
}

/// Query parameters as a map, for handlers that take plain (non-OData) parameters.
pub fn plain_params(raw: Option<&str>) -> BTreeMap<String, String> {
    raw.map(url_form_pairs)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(self_url: &str) -> Page<'_> {
        Page {
            default_top: 2,
            max_top: 50,
            self_url,
            context: "ctx",
        }
    }

    #[test]
    fn filters_compare_and_combine() {
        let items = [
            json!({"displayName": "Ada Brennan", "accountEnabled": true, "lastModifiedDateTime": "2026-01-02T00:00:00Z"}),
            json!({"displayName": "Ben Okafor", "accountEnabled": false, "lastModifiedDateTime": "2026-03-02T00:00:00Z"}),
        ];
        let count = |f: &str| {
            let filter = Filter::parse(f).unwrap();
            items.iter().filter(|i| filter.matches(i)).count()
        };
        assert_eq!(count("startswith(displayName,'ada')"), 1);
        assert_eq!(
            count("displayName eq 'Ben Okafor' or accountEnabled eq true"),
            2
        );
        assert_eq!(
            count("not (accountEnabled eq true) and displayName ne 'x'"),
            1
        );
        assert_eq!(count("lastModifiedDateTime gt 2026-02-01T00:00:00Z"), 1);
        assert!(Filter::parse("displayName eq").is_err());
        assert!(Filter::parse("displayName like 'x'").is_err());
    }

    #[test]
    fn pages_with_a_next_link_that_resumes() {
        let items: Vec<Value> = (0..5)
            .map(|i| json!({"id": i.to_string(), "n": i}))
            .collect();
        let query = Query::parse(Some("$select=n&x=1")).unwrap();
        let body = query
            .collection(items.clone(), page("http://h/v1.0/things"))
            .unwrap();
        assert_eq!(body["value"].as_array().unwrap().len(), 2);
        let next = body["@odata.nextLink"].as_str().unwrap();
        assert!(
            next.starts_with("http://h/v1.0/things?$select=n&x=1&$top=2&$skiptoken="),
            "{next}"
        );
        let raw = next.split_once('?').unwrap().1;
        let query = Query::parse(Some(raw)).unwrap();
        let body = query
            .collection(items.clone(), page("http://h/v1.0/things"))
            .unwrap();
        assert_eq!(body["value"][0]["id"], "2");
        let raw = body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .split_once('?')
            .unwrap()
            .1
            .to_owned();
        let body = Query::parse(Some(&raw))
            .unwrap()
            .collection(items, page("http://h/v1.0/things"))
            .unwrap();
        assert_eq!(body["value"].as_array().unwrap().len(), 1);
        assert!(body.get("@odata.nextLink").is_none());
    }

    #[test]
    fn unknown_dollar_options_and_bad_values_are_400() {
        assert!(Query::parse(Some("$bogus=1")).is_err());
        assert!(Query::parse(Some("$top=abc")).is_err());
        assert!(Query::parse(Some("$skiptoken=not-ours")).is_err());
    }

    #[test]
    fn percent_encoding_round_trips() {
        let text = "startswith(displayName,'Ada B') & more";
        assert_eq!(percent_decode(&percent_encode(text)), text);
    }
}
