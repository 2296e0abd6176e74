//! How Outlook reads `$search`, `$filter` and `$orderby` on message collections
//! (https://learn.microsoft.com/graph/search-query-parameter and
//! https://learn.microsoft.com/graph/api/user-list-messages): `$search` is a KQL query over
//! from, subject and body unless it names properties (`subject:`, `from:`, `to:`, `cc:`, `bcc:`,
//! `participants:`, `recipients:`, `body:`, `attachment:`); it cannot be combined with
//! `$filter` or `$orderby`; and `$orderby` with `$filter` is refused unless the ordered
//! properties lead the filter, in the same order.

use axum::http::StatusCode;
use serde_json::Value;

use super::shape::body_text;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::{Query, url_form_pairs};

/// Outlook's refusals for query options it will not combine.
pub fn check_combinations(query: &Query, raw: Option<&str>) -> GraphResult<()> {
    if query.search.is_some() && query.filter.is_some() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "SearchWithFilter",
            "The query parameter '$filter' is not supported with '$search'.",
        ));
    }
    if query.search.is_some() && !query.orderby.is_empty() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "SearchWithOrderBy",
            "The query parameter '$orderBy' is not supported with '$search'.",
        ));
    }
    if query.filter.is_some() && !query.orderby.is_empty() {
        let filter = raw
            .map(url_form_pairs)
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v)
            .unwrap_or_default();
        let filtered = filter_properties(&filter);
        let ordered = query.orderby.iter().map(|(field, _)| field.as_str());
        let leads = ordered.enumerate().all(|(i, field)| {
            filtered
                .get(i)
                .is_some_and(|f| f.eq_ignore_ascii_case(field))
        });
        if !leads {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "InefficientFilter",
                "The restriction or sort order is too complex for this operation.",
            ));
        }
    }
    Ok(())
}

/// The properties a `$filter` compares, in order of first appearance.
fn filter_properties(filter: &str) -> Vec<String> {
    const OPERATORS: [&str; 6] = ["eq", "ne", "gt", "ge", "lt", "le"];
    let spaced = filter.replace(['(', ')', ','], " ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut properties: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let compared = words
            .get(i + 1)
            .is_some_and(|next| OPERATORS.iter().any(|op| next.eq_ignore_ascii_case(op)));
        let starts = i > 0 && words[i - 1].eq_ignore_ascii_case("startswith");
        if (compared || starts) && !properties.iter().any(|p| p == word) {
            properties.push((*word).to_owned());
        }
    }
    properties
}

/// One KQL restriction: a property (or the default ones) and the text it must contain.
#[derive(Debug)]
struct Term {
    property: Option<String>,
    text: String,
}

/// A parsed `$search` query: terms joined by AND (the default) or OR.
#[derive(Debug)]
pub struct Kql {
    terms: Vec<Term>,
    any: bool,
}

impl Kql {
    pub fn parse(search: &str) -> Kql {
        let mut terms = Vec::new();
        let mut any = false;
        for word in split_words(search) {
            match word.as_str() {
                "AND" => {}
                "OR" => any = true,
                _ => terms.push(term(&word)),
            }
        }
        Kql { terms, any }
    }

    /// Whether `message` (with the names of its attachments) matches.
    pub fn matches(&self, message: &Value, attachment_names: &[String]) -> bool {
        let hit = |t: &Term| term_matches(t, message, attachment_names);
        if self.terms.is_empty() {
            return true;
        }
        if self.any {
            self.terms.iter().any(hit)
        } else {
            self.terms.iter().all(hit)
        }
    }

    pub fn needs_attachments(&self) -> bool {
        self.terms
            .iter()
            .any(|t| t.property.as_deref() == Some("attachment"))
    }
}

/// Words, keeping quoted phrases (`subject:"quarterly review"`) whole.
fn split_words(search: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in search.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

const KQL_PROPERTIES: [&str; 9] = [
    "subject",
    "body",
    "from",
    "to",
    "cc",
    "bcc",
    "participants",
    "recipients",
    "attachment",
];

fn term(word: &str) -> Term {
    if let Some((property, text)) = word.split_once(':') {
        let property = property.to_ascii_lowercase();
        if KQL_PROPERTIES.contains(&property.as_str()) {
            return Term {
                property: Some(property),
                text: text.to_lowercase(),
            };
        }
    }
    Term {
        property: None,
        text: word.to_lowercase(),
    }
}

fn people(message: &Value, lists: &[&str]) -> String {
    let mut text = String::new();
    for list in lists {
        let entries = match &message[*list] {
            Value::Array(items) => items.clone(),
            single @ Value::Object(_) => vec![single.clone()],
            _ => Vec::new(),
        };
        for entry in entries {
            for key in ["name", "address"] {
                text.push_str(entry["emailAddress"][key].as_str().unwrap_or_default());
                text.push(' ');
            }
        }
    }
    text.to_lowercase()
}

fn term_matches(term: &Term, message: &Value, attachment_names: &[String]) -> bool {
    let subject = || {
        message["subject"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    };
    let body = || body_text(&message["body"]).to_lowercase();
    let haystack = match term.property.as_deref() {
        Some("subject") => subject(),
        Some("body") => body(),
        Some("from") => people(message, &["from"]),
        Some("to") => people(message, &["toRecipients"]),
        Some("cc") => people(message, &["ccRecipients"]),
        Some("bcc") => people(message, &["bccRecipients"]),
        Some("recipients") => people(message, &["toRecipients", "ccRecipients", "bccRecipients"]),
        Some("participants") => people(
            message,
            &["from", "toRecipients", "ccRecipients", "bccRecipients"],
        ),
        Some(_) => attachment_names.join(" ").to_lowercase(),
        None => format!("{} {} {}", people(message, &["from"]), subject(), body()),
    };
    haystack.contains(&term.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message() -> Value {
        json!({
            "subject": "Renewal terms for 2027",
            "body": {"contentType": "html", "content": "<p>Pricing attached</p>"},
            "from": {"emailAddress": {"name": "Tomas Novak", "address": "tomas@northwind.example.invalid"}},
            "toRecipients": [{"emailAddress": {"name": "Ada Brennan", "address": "ada@x.example.invalid"}}],
        })
    }

    #[test]
    fn kql_terms_match_default_and_named_properties() {
        let m = message();
        assert!(Kql::parse("renewal").matches(&m, &[]));
        assert!(Kql::parse("pricing tomas").matches(&m, &[]));
        assert!(!Kql::parse("pricing ben").matches(&m, &[]));
        assert!(Kql::parse("pricing OR ben").matches(&m, &[]));
        assert!(Kql::parse("subject:\"terms for\"").matches(&m, &[]));
        assert!(!Kql::parse("subject:pricing").matches(&m, &[]));
        assert!(Kql::parse("to:ada").matches(&m, &[]));
        assert!(!Kql::parse("from:ada").matches(&m, &[]));
        assert!(Kql::parse("attachment:costs").matches(&m, &["runner-costs.csv".into()]));
    }

    #[test]
    fn ordering_must_lead_the_filter() {
        let check = |raw: &str| check_combinations(&Query::parse(Some(raw)).unwrap(), Some(raw));
        assert!(check("$filter=isRead%20eq%20false").is_ok());
        assert!(
            check("$filter=receivedDateTime%20ge%202026-01-01T00:00:00Z%20and%20isRead%20eq%20false&$orderby=receivedDateTime%20desc")
                .is_ok()
        );
        let err =
            check("$filter=isRead%20eq%20false&$orderby=receivedDateTime%20desc").unwrap_err();
        assert_eq!(err.code, "InefficientFilter");
        assert_eq!(
            check("$search=%22x%22&$filter=isRead%20eq%20false")
                .unwrap_err()
                .code,
            "SearchWithFilter"
        );
        assert_eq!(
            check("$search=%22x%22&$orderby=subject").unwrap_err().code,
            "SearchWithOrderBy"
        );
    }
}
