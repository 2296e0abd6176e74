//! Properties of the text converters, over generated input: Markdown from a small grammar
//! (paragraphs, emphasis, strong, strikethrough, code, links, nested lists, quotes, code blocks)
//! survives the trip to Teams HTML and back (what msgate reads back renders as what it sent),
//! and the sanitizer lets no script, event handler or `javascript:` URL through, whatever it is
//! given.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgate_ops::text::html::{Token, decode_entities, tokenize};
use msgate_ops::text::markdown::{from_html, to_html};
use msgate_ops::text::sanitize::sanitize;
use proptest::prelude::*;

/// Running text: letters, digits, spaces and `.,!?`.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,!?]{1,16}"
}

/// A word: what emphasis, links and code wrap (no space at either end, as Markdown wants).
fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9 .,!?]{0,10}[a-zA-Z0-9]|[a-zA-Z0-9]"
}

fn url() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,8}",
        prop::collection::vec("[a-zA-Z0-9]{1,6}", 0..3),
    )
        .prop_map(|(host, path)| format!("https://{host}.example.invalid/{}", path.join("/")))
}

/// Inline Markdown: text, emphasis, strong, strikethrough, code, links, in sequence.
fn inline() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => text(),
        1 => word().prop_map(|w| format!("`{w}`")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        // What emphasis wraps has something to show.
        let inner = inner.prop_filter("blank", |i| !i.trim().is_empty());
        prop_oneof![
            inner.clone().prop_map(|i| format!("_{}_", i.trim())),
            inner.clone().prop_map(|i| format!("*{}*", i.trim())),
            inner.clone().prop_map(|i| format!("**{}**", i.trim())),
            // Struck-through strikethrough would be a run of tildes: a code fence, not text.
            inner
                .clone()
                .prop_filter("nested strikethrough", |i| !i.trim().starts_with('~')
                    && !i.trim().ends_with('~'))
                .prop_map(|i| format!("~~{}~~", i.trim())),
            (word(), url()).prop_map(|(t, u)| format!("[{t}]({u})")),
            prop::collection::vec(inner, 2..4).prop_map(|parts| parts.join(" ")),
        ]
    })
}

/// A line of inline Markdown that starts and ends with something visible.
fn line() -> impl Strategy<Value = String> {
    inline().prop_filter_map("blank line", |l| {
        let l = l.trim().to_owned();
        (!l.is_empty()).then_some(l)
    })
}

/// A list item: its line, and perhaps a list (numbered or not) of lines below it.
type Item = (String, Option<(bool, Vec<String>)>);

fn item() -> impl Strategy<Value = Item> {
    (
        line(),
        prop::option::weighted(0.25, (any::<bool>(), prop::collection::vec(line(), 1..3))),
    )
}

/// A bulleted or numbered list, nested lists indented to their item's text.
fn list(items: &[Item], numbered: bool) -> String {
    let marker = |n: usize, numbered: bool| {
        if numbered {
            format!("{}. ", n + 1)
        } else {
            "- ".to_owned()
        }
    };
    let mut lines = Vec::new();
    for (n, (text, nested)) in items.iter().enumerate() {
        let outer = marker(n, numbered);
        lines.push(format!("{outer}{text}"));
        if let Some((numbered, nested)) = nested {
            for (m, text) in nested.iter().enumerate() {
                let indent = " ".repeat(outer.len());
                lines.push(format!("{indent}{}{text}", marker(m, *numbered)));
            }
        }
    }
    lines.join("\n")
}

fn block() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(line(), 1..3).prop_map(|lines| lines.join("\n")),
        1 => prop::collection::vec(item(), 1..4).prop_map(|items| list(&items, false)),
        1 => prop::collection::vec(item(), 1..4).prop_map(|items| list(&items, true)),
        1 => prop::collection::vec(line(), 1..3)
            .prop_map(|lines| lines.iter().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")),
        1 => prop::collection::vec(text(), 1..3)
            .prop_map(|lines| format!("```\n{}\n```", lines.join("\n"))),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(block(), 1..4).prop_map(|blocks| blocks.join("\n\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn markdown_survives_the_trip_through_teams_html(markdown in document()) {
        let html = to_html(&markdown);
        let read_back = from_html(&html);
        prop_assert_eq!(
            to_html(&read_back),
            html,
            "markdown {:?} read back as {:?}",
            markdown,
            read_back
        );
    }
}

/// Input built to look like an attack: tags, attributes, quotes, entities and URL schemes in
/// any order, around arbitrary text.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("</".to_owned()),
        Just("/>".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("=".to_owned()),
        Just(" ".to_owned()),
        Just("&#".to_owned()),
        Just("&#x".to_owned()),
        Just(";".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        prop::sample::select(vec![
            "script", "SCRIPT", "a", "img", "p", "at", "iframe", "svg", "style", "b",
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec![
            "href", "src", "onclick", "onerror", "ONLOAD", "on", "style", "id", "alt",
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec![
            "javascript:",
            "JaVaScRiPt:",
            "java\tscript:",
            "jav&#x61;script:",
            "&#106;avascript:",
            "vbscript:",
            "data:",
            "https://x.example.invalid/",
            "../hostedContents/1/$value",
        ])
        .prop_map(str::to_owned),
        "[a-z0-9]{1,4}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Every tag of sanitized output, as written (from `<` to the next `>`).
fn tags(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start..];
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

fn assert_harmless(output: &str) -> Result<(), TestCaseError> {
    prop_assert!(!output.to_ascii_lowercase().contains("<script"), "{output}");
    for tag in tags(output) {
        let decoded: String = decode_entities(tag)
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        prop_assert!(!decoded.contains("javascript:"), "{tag} in {output}");
        let lower = tag.to_ascii_lowercase();
        let handler = lower
            .split_whitespace()
            .skip(1)
            .any(|attribute| attribute.starts_with("on") && attribute.contains('='));
        prop_assert!(!handler, "{tag} in {output}");
    }
    for token in tokenize(output) {
        if let Token::Start {
            name, attributes, ..
        } = token
        {
            prop_assert!(name != "script", "{output}");
            for (attribute, value) in attributes {
                prop_assert!(!attribute.starts_with("on"), "{attribute} in {output}");
                prop_assert!(
                    !value.to_ascii_lowercase().contains("javascript:"),
                    "{value} in {output}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn sanitized_html_carries_no_script_handler_or_javascript_url(input in hostile()) {
        let output = sanitize(&input);
        assert_harmless(&output)?;
        prop_assert_eq!(sanitize(&output), output.clone(), "sanitizing is stable");
    }

    #[test]
    fn arbitrary_text_is_sanitized_too(input in any::<String>()) {
        assert_harmless(&sanitize(&input))?;
    }
}
