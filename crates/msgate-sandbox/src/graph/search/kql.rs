//! Keyword Query Language as Microsoft Search reads `query.queryString`
//! (https://learn.microsoft.com/sharepoint/dev/general-development/keyword-query-language-kql-syntax-reference):
//! free-text words and quoted phrases, matched as whole words without regard to case (`*` ends
//! a prefix), `AND`, `OR` and `NOT` in capitals (terms side by side must all match), `-` before a
//! term to exclude it, parentheses, and property restrictions — `subject:"…"`, `to:ben`,
//! `sent>=2026-01-01`, `size>1000`, `hasAttachments:true` — against the properties each entity
//! type declares. A restriction naming a property the type does not have is searched as text.
//!
//! Also what a hit shows of its match: the `summary`, a fragment of the text with the matched
//! words in `<c0>…</c0>` and `<ddd/>` where text was left out, as Graph writes them.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

/// A property of a searchable item, as restrictions compare it.
#[derive(Debug, Clone)]
pub enum Field {
    Words(Vec<String>),
    /// Matched by prefix, as KQL's `path:`.
    Url(String),
    Date(Timestamp),
    Flag(bool),
    Number(f64),
}

/// One item as the query sees it: its title and text (free-text terms look in both, title
/// matches rank higher) and its named properties.
#[derive(Debug, Clone)]
pub struct Document {
    title: Vec<String>,
    text: Vec<String>,
    fields: Vec<(&'static str, Field)>,
}

impl Document {
    pub fn new(title: &str, text: &str) -> Document {
        Document {
            title: words(title),
            text: words(text),
            fields: Vec::new(),
        }
    }

    fn with(mut self, names: &[&'static str], field: Field) -> Document {
        for name in names {
            self.fields.push((name, field.clone()));
        }
        self
    }

    pub fn words(self, names: &[&'static str], value: &str) -> Document {
        self.with(names, Field::Words(words(value)))
    }

    pub fn url(self, names: &[&'static str], value: &str) -> Document {
        self.with(names, Field::Url(value.to_lowercase()))
    }

    pub fn date(self, names: &[&'static str], value: Option<Timestamp>) -> Document {
        match value {
            Some(at) => self.with(names, Field::Date(at)),
            None => self,
        }
    }

    pub fn flag(self, names: &[&'static str], value: bool) -> Document {
        self.with(names, Field::Flag(value))
    }

    pub fn number(self, names: &[&'static str], value: f64) -> Document {
        self.with(names, Field::Number(value))
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| f)
    }
}

/// The lower-cased words of `text`: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What a term looks for among words.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
    /// `*` alone: everything.
    Any,
}

impl Pattern {
    fn of(text: &str, quoted: bool) -> Pattern {
        let found = words(text);
        if !quoted && text.ends_with('*') {
            return match found.as_slice() {
                [] => Pattern::Any,
                [stem] => Pattern::Prefix(stem.clone()),
                _ => Pattern::Phrase(found),
            };
        }
        match found.len() {
            0 => Pattern::Phrase(Vec::new()),
            1 => Pattern::Word(found[0].clone()),
            _ => Pattern::Phrase(found),
        }
    }

    /// Where in `words` the pattern matches: each match's first word and length.
    fn positions(&self, words: &[String]) -> Vec<(usize, usize)> {
        match self {
            Pattern::Word(word) => (0..words.len())
                .filter(|&i| &words[i] == word)
                .map(|i| (i, 1))
                .collect(),
            Pattern::Prefix(stem) => (0..words.len())
                .filter(|&i| words[i].starts_with(stem.as_str()))
                .map(|i| (i, 1))
                .collect(),
            Pattern::Phrase(phrase) if phrase.is_empty() => Vec::new(),
            Pattern::Phrase(phrase) => words
                .windows(phrase.len())
                .enumerate()
                .filter(|(_, window)| *window == phrase.as_slice())
                .map(|(i, _)| (i, phrase.len()))
                .collect(),
            Pattern::Any => Vec::new(),
        }
    }

    fn matches(&self, words: &[String]) -> bool {
        matches!(self, Pattern::Any) || !self.positions(words).is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Contains,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
struct Restriction {
    property: String,
    op: Op,
    /// The value as written, without quotes.
    value: String,
    pattern: Pattern,
    /// The whole restriction as written, searched as text when the property is unknown.
    written: String,
}

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Term(Pattern),
    Restriction(Restriction),
}

/// A parsed query string.
#[derive(Debug, Clone)]
pub struct Query {
    root: Option<Node>,
}

impl Query {
    /// KQL is forgiving: a dangling operator or an unbalanced parenthesis is passed over.
    pub fn parse(text: &str) -> Query {
        let tokens = tokenize(&tighten_operators(text));
        let mut parser = Parser { tokens, pos: 0 };
        let mut parts = Vec::new();
        while parser.pos < parser.tokens.len() {
            match parser.or() {
                Some(node) => parts.push(node),
                None => parser.pos += 1,
            }
        }
        let root = match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::And(parts)),
        };
        Query { root }
    }

    pub fn matches(&self, doc: &Document) -> bool {
        self.root.as_ref().is_some_and(|node| eval(node, doc))
    }

    /// The free-text patterns the query looks for (not those it excludes).
    fn wanted(&self) -> Vec<&Pattern> {
        fn walk<'a>(node: &'a Node, positive: bool, out: &mut Vec<&'a Pattern>) {
            match node {
                Node::And(parts) | Node::Or(parts) => {
                    parts.iter().for_each(|p| walk(p, positive, out));
                }
                Node::Not(inner) => walk(inner, !positive, out),
                Node::Term(pattern) if positive => out.push(pattern),
                Node::Term(_) | Node::Restriction(_) => {}
            }
        }
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            walk(root, true, &mut out);
        }
        out
    }

    /// `searchTerms`: the words the query looks for as free text.
    pub fn terms(&self) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        for pattern in self.wanted() {
            let found = match pattern {
                Pattern::Word(w) | Pattern::Prefix(w) => vec![w.clone()],
                Pattern::Phrase(words) => words.clone(),
                Pattern::Any => Vec::new(),
            };
            for term in found {
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
        terms
    }

    /// How well `doc` matches: occurrences of the wanted terms, those in the title thrice.
    pub fn score(&self, doc: &Document) -> usize {
        self.wanted()
            .iter()
            .map(|p| 3 * p.positions(&doc.title).len() + p.positions(&doc.text).len())
            .sum()
    }

    /// Graph's hit summary of `source`: up to thirty words around the first match, matched
    /// words in `<c0>…</c0>`, `<ddd/>` where text is left out.
    pub fn summary(&self, source: &str) -> String {
        const BEFORE: usize = 6;
        const LENGTH: usize = 30;
        let spans = word_spans(source);
        if spans.is_empty() {
            return String::new();
        }
        let lowered: Vec<String> = spans
            .iter()
            .map(|&(s, e)| source[s..e].to_lowercase())
            .collect();
        let mut marked = vec![false; spans.len()];
        for pattern in self.wanted() {
            for (start, len) in pattern.positions(&lowered) {
                marked[start..start + len]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
        let first = marked.iter().position(|m| *m).unwrap_or(0);
        let from = first.saturating_sub(BEFORE);
        let to = (from + LENGTH).min(spans.len());
        let mut out = String::new();
        if from > 0 {
            out.push_str("<ddd/> ");
        } else {
            out.push_str(between(&source[..spans[0].0]).trim_start());
        }
        for i in from..to {
            if i > from {
                out.push_str(&between(&source[spans[i - 1].1..spans[i].0]));
            }
            let word = escape(&source[spans[i].0..spans[i].1]);
            if marked[i] {
                out.push_str(&format!("<c0>{word}</c0>"));
            } else {
                out.push_str(&word);
            }
        }
        if to < spans.len() {
            out.push_str(" <ddd/>");
        } else {
            out.push_str(between(&source[spans[to - 1].1..]).trim_end());
        }
        out
    }
}

/// Byte ranges of the words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// The text between two words of a summary, with line breaks and runs of blanks as one space.
fn between(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for c in text.chars() {
        if c.is_whitespace() {
            blank = true;
            continue;
        }
        if std::mem::take(&mut blank) {
            out.push(' ');
        }
        out.push(c);
    }
    if blank {
        out.push(' ');
    }
    escape(&out)
}

/// A summary carries markup of its own, so the text in it is escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const OPERATOR_CHARS: [char; 4] = [':', '=', '<', '>'];

/// `sent > 2026-01-01` is `sent>2026-01-01`: blanks around a restriction's operator go.
fn tighten_operators(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c.is_whitespace() {
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if before.is_some_and(|c| OPERATOR_CHARS.contains(c))
                || after.is_some_and(|c| OPERATOR_CHARS.contains(c))
            {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A term or restriction as written (quotes kept).
    Item(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    fn flush(current: &mut String, tokens: &mut Vec<Token>) {
        let word = std::mem::take(current);
        tokens.push(match word.as_str() {
            "" => return,
            "AND" => Token::And,
            "OR" => Token::Or,
            "NOT" => Token::Not,
            _ => Token::Item(word),
        });
    }
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if quoted => current.push(c),
            c if c.is_whitespace() => flush(&mut current, &mut tokens),
            '(' | ')' => {
                flush(&mut current, &mut tokens);
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c => current.push(c),
        }
    }
    flush(&mut current, &mut tokens);
    tokens
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self) -> Option<Node> {
        let mut parts: Vec<Node> = self.and().into_iter().collect();
        while matches!(self.peek(), Some(Token::Or)) {
            self.pos += 1;
            parts.extend(self.and());
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::Or(parts)),
        }
    }

    fn and(&mut self) -> Option<Node> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Or | Token::Close) => break,
                Some(Token::And) => self.pos += 1,
                Some(_) => parts.extend(self.unary()),
            }
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Node::And(parts)),
        }
    }

    fn unary(&mut self) -> Option<Node> {
        let token = self.peek()?.clone();
        self.pos += 1;
        match token {
            Token::Not => self.unary().map(|n| Node::Not(Box::new(n))),
            Token::Open => {
                let inner = self.or();
                if matches!(self.peek(), Some(Token::Close)) {
                    self.pos += 1;
                }
                inner
            }
            Token::Item(text) => Some(item(&text)),
            Token::Close | Token::And | Token::Or => None,
        }
    }
}

/// One term or restriction; `-term` excludes and `+term` includes.
fn item(text: &str) -> Node {
    if let Some(rest) = text.strip_prefix('-').filter(|r| !r.is_empty()) {
        return Node::Not(Box::new(item(rest)));
    }
    if let Some(rest) = text.strip_prefix('+').filter(|r| !r.is_empty()) {
        return item(rest);
    }
    match restriction(text) {
        Some(r) => Node::Restriction(r),
        None => {
            let quoted = text.starts_with('"');
            Node::Term(Pattern::of(text.trim_matches('"'), quoted))
        }
    }
}

fn restriction(text: &str) -> Option<Restriction> {
    let at = text.find(OPERATOR_CHARS)?;
    let property = &text[..at];
    if property.is_empty()
        || !property
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let rest = &text[at..];
    let (op, width) = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("<>", Op::Ne),
        (":", Op::Contains),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .iter()
    .find(|(symbol, _)| rest.starts_with(symbol))
    .map(|(symbol, op)| (*op, symbol.len()))?;
    let raw = &rest[width..];
    let quoted = raw.starts_with('"');
    let value = raw.trim_matches('"').to_owned();
    Some(Restriction {
        property: property.to_lowercase(),
        op,
        pattern: Pattern::of(&value, quoted),
        value,
        written: text.to_owned(),
    })
}

fn eval(node: &Node, doc: &Document) -> bool {
    match node {
        Node::And(parts) => parts.iter().all(|p| eval(p, doc)),
        Node::Or(parts) => parts.iter().any(|p| eval(p, doc)),
        Node::Not(inner) => !eval(inner, doc),
        Node::Term(pattern) => pattern.matches(&doc.title) || pattern.matches(&doc.text),
        Node::Restriction(r) => match doc.field(&r.property) {
            Some(field) => restriction_holds(r, field),
            None => {
                let as_text = Pattern::of(&r.written, true);
                as_text.matches(&doc.title) || as_text.matches(&doc.text)
            }
        },
    }
}

fn restriction_holds(r: &Restriction, field: &Field) -> bool {
    match field {
        Field::Words(found) => match r.op {
            Op::Contains => r.pattern.matches(found),
            Op::Eq => words(&r.value) == *found,
            Op::Ne => words(&r.value) != *found,
            Op::Gt | Op::Ge | Op::Lt | Op::Le => false,
        },
        Field::Url(url) => {
            let prefix = crate::graph::odata::percent_decode(&r.value).to_lowercase();
            let url = crate::graph::odata::percent_decode(url);
            let under = url.starts_with(prefix.trim_end_matches('/'));
            match r.op {
                Op::Contains | Op::Eq => under,
                Op::Ne => !under,
                Op::Gt | Op::Ge | Op::Lt | Op::Le => false,
            }
        }
        Field::Date(at) => date_holds(r.op, &r.value, *at),
        Field::Flag(flag) => {
            let wanted = match r.value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return false,
            };
            match r.op {
                Op::Contains | Op::Eq => *flag == wanted,
                Op::Ne => *flag != wanted,
                Op::Gt | Op::Ge | Op::Lt | Op::Le => false,
            }
        }
        Field::Number(n) => {
            let Ok(wanted) = r.value.parse::<f64>() else {
                return false;
            };
            match r.op {
                Op::Contains | Op::Eq => *n == wanted,
                Op::Ne => *n != wanted,
                Op::Gt => *n > wanted,
                Op::Ge => *n >= wanted,
                Op::Lt => *n < wanted,
                Op::Le => *n <= wanted,
            }
        }
    }
}

/// A date restriction: a day (`2026-03-02`, `today`, `yesterday`) covers the whole day in UTC;
/// a date and time is an instant.
fn date_holds(op: Op, value: &str, at: Timestamp) -> bool {
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = match value.to_ascii_lowercase().as_str() {
        "today" => Some(today),
        "yesterday" => today.checked_sub(1.day()).ok(),
        // Only a bare date is a day: a date and time would parse as its date.
        other if other.len() == 10 => other.parse::<Date>().ok(),
        _ => None,
    };
    let (start, end) = match day {
        Some(day) => {
            let start = day
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
            let end = day
                .checked_add(1.day())
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp());
            match (start, end) {
                (Some(s), Some(e)) => (s, e),
                _ => return false,
            }
        }
        None => match crate::clock::parse(value) {
            Some(instant) => (instant, instant),
            None => return false,
        },
    };
    let within = if start == end {
        at == start
    } else {
        start <= at && at < end
    };
    match op {
        Op::Contains | Op::Eq => within,
        Op::Ne => !within,
        Op::Gt if start == end => at > end,
        Op::Gt => at >= end,
        Op::Ge => at >= start,
        Op::Lt => at < start,
        Op::Le if start == end => at <= end,
        Op::Le => at < end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Document {
        let sent = crate::clock::parse("2026-03-02T09:30:00Z");
        Document::new(
            "Renewal terms for 2027",
            "Tomas Novak: pricing attached, see the runner-costs sheet",
        )
        .words(&["from"], "Tomas Novak tomas@northwind.example.invalid")
        .words(&["subject"], "Renewal terms for 2027")
        .date(&["sent"], sent)
        .flag(&["hasattachment", "hasattachments"], true)
        .number(&["size"], 2048.0)
    }

    fn hits(query: &str) -> bool {
        Query::parse(query).matches(&mail())
    }

    #[test]
    fn free_text_matches_whole_words_phrases_and_prefixes() {
        assert!(hits("renewal"));
        assert!(hits("RENEWAL pricing"));
        assert!(!hits("renew"), "whole words only");
        assert!(hits("renew*"));
        assert!(hits("\"runner costs\""));
        assert!(!hits("\"costs runner\""));
        assert!(hits("*"));
    }

    #[test]
    fn operators_combine_and_exclude() {
        assert!(!hits("renewal ben"));
        assert!(hits("renewal OR ben"));
        assert!(hits("renewal AND NOT ben"));
        assert!(!hits("renewal -pricing"));
        assert!(hits("(ben OR tomas) AND pricing"));
        assert!(hits("renewal AND"), "a dangling operator is passed over");
        assert!(hits("(renewal"));
        assert!(!Query::parse("").matches(&mail()));
        assert!(
            !Query::parse("and").matches(&mail()),
            "lower case is a word"
        );
    }

    #[test]
    fn restrictions_compare_by_the_property_kind() {
        assert!(hits("from:tomas"));
        assert!(hits("from:\"tomas@northwind.example.invalid\""));
        assert!(!hits("from:ada"));
        assert!(hits("subject:\"terms for\""));
        assert!(hits("subject=\"renewal terms for 2027\""));
        assert!(!hits("subject=renewal"));
        assert!(hits("sent>=2026-03-02"));
        assert!(hits("sent:2026-03-02"));
        assert!(!hits("sent>2026-03-02"), "a day covers the whole day");
        assert!(hits("sent > 2026-03-01"));
        assert!(hits("sent<2026-03-02T10:00:00Z"));
        assert!(hits("hasAttachments:true"));
        assert!(!hits("hasattachment:no"));
        assert!(hits("size>1000 size<=2048"));
        assert!(!hits("nosuch:thing"), "an unknown property is text");
        assert!(Query::parse("pricing:").matches(&Document::new("", "pricing:")));
    }

    #[test]
    fn summaries_mark_matches_and_elisions() {
        let text = "Tomas wrote: the renewal terms are attached & the pricing is final.";
        let query = Query::parse("renewal OR pricing -tomas");
        assert_eq!(
            query.summary(text),
            "Tomas wrote: the <c0>renewal</c0> terms are attached &amp; the <c0>pricing</c0> is final."
        );
        let long: String = (0..50).map(|i| format!("w{i} ")).collect();
        let summary = Query::parse("w20").summary(&long);
        assert!(summary.starts_with("<ddd/> w14 "), "{summary}");
        assert!(summary.contains("<c0>w20</c0>"), "{summary}");
        assert!(summary.ends_with("w43 <ddd/>"), "{summary}");
        assert_eq!(Query::parse("from:tomas").summary("a\n\nb"), "a b");
    }

    #[test]
    fn search_terms_are_the_wanted_words() {
        let query = Query::parse("\"runner costs\" renew* from:tomas -ben");
        assert_eq!(query.terms(), ["runner", "costs", "renew"]);
        assert!(query.score(&mail()) > 0);
    }
}
